// The signed-in user, kept in localStorage so a reload stays signed in.
const storageKey = 'spotter.collab.session'

export interface SignedIn {
  username: string
  displayName: string
  token: string
}

export function currentUser(): SignedIn | null {
  const raw = localStorage.getItem(storageKey)
  if (!raw) return null
  try {
    const parsed = JSON.parse(raw) as SignedIn
    if (typeof parsed.token !== 'string' || typeof parsed.username !== 'string' || tokenExpired(parsed.token)) {
      signOut()
      return null
    }
    return { ...parsed, displayName: parsed.displayName || parsed.username }
  } catch {
    return null
  }
}

/** A JWT past its `exp` would fail every request and every reconnect: sign in again instead. */
function tokenExpired(token: string): boolean {
  const payload = token.split('.')[1]
  if (!payload) return false
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
    return typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()
  } catch {
    return false
  }
}

export function signIn(user: SignedIn): void {
  localStorage.setItem(storageKey, JSON.stringify(user))
}

export function signOut(): void {
  localStorage.removeItem(storageKey)
}
