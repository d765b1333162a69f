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
    return typeof parsed.token === 'string' && typeof parsed.username === 'string'
      ? { ...parsed, displayName: parsed.displayName || parsed.username }
      : null
  } catch {
    return null
  }
}

export function signIn(user: SignedIn): void {
  localStorage.setItem(storageKey, JSON.stringify(user))
}

export function signOut(): void {
  localStorage.removeItem(storageKey)
}
