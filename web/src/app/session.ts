// The signed-in user, kept in localStorage so a reload stays signed in. The access token lives 15 minutes; the
// refresh token renews it (rotating on every use). A timer refreshes shortly before expiry while the page is open,
// so `currentUser().token` is fresh for hub reconnects too; `accessToken()` is the sure way to get a usable one.
import { Api, RefreshingSession, jwtClaims, takeLogin, useSessionTokens, type StoredTokens, type TokenStore } from '../api'

const storageKey = 'spotter.collab.session'
const lockName = 'spotter.collab.refresh'
/** Refresh this long before the access token expires (background tabs run timers about once a minute). */
const refreshMarginMs = 2 * 60_000

export interface SignedIn {
  username: string
  displayName: string
  /** The current access token. */
  token: string
  /** Absent for sessions stored before refresh tokens existed: they end when `token` expires. */
  refreshToken?: string
  /** When `token` expires, epoch ms by this browser's clock. */
  expiresAt?: number
}

function read(): SignedIn | null {
  const raw = localStorage.getItem(storageKey)
  if (!raw) return null
  try {
    const parsed = JSON.parse(raw) as SignedIn
    return typeof parsed.token === 'string' && typeof parsed.username === 'string' ? parsed : null
  } catch {
    return null
  }
}

function write(user: SignedIn | null): void {
  if (user) localStorage.setItem(storageKey, JSON.stringify(user))
  else localStorage.removeItem(storageKey)
}

const store: TokenStore = {
  load: () => {
    const user = read()
    return user ? { accessToken: user.token, refreshToken: user.refreshToken, expiresAt: user.expiresAt } : null
  },
  save: (tokens: StoredTokens | null) => {
    const user = read()
    if (!tokens || !user) {
      write(null)
      return
    }
    write({ ...user, token: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt })
    schedule()
  },
  // Tabs share the stored refresh token: only one may present it at a time (the Web Locks API; plain http on a
  // non-local host has none, and then tabs simply take their chances).
  exclusive: <T>(work: () => Promise<T>) =>
    typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request(lockName, work) as Promise<T> : work(),
}

/** The signed-in session's refresher (same-origin API). */
export const session = new RefreshingSession(new Api(''), store, refreshMarginMs)

useSessionTokens({
  source: session,
  // Any access token of the stored session (same user and session id) stands for the newest one.
  latestFor: token => {
    const user = read()
    if (!user || token === user.token) return user?.token ?? null
    const a = jwtClaims(token)
    const b = jwtClaims(user.token)
    return a.sid && a.sid === b.sid && a.sub === b.sub ? user.token : null
  },
})

export function currentUser(): SignedIn | null {
  const user = read()
  if (!user) {
    if (localStorage.getItem(storageKey)) write(null)
    return null
  }
  // An expired access token without a refresh token would fail every request and every reconnect: sign in again.
  if (!user.refreshToken && tokenExpired(user)) {
    signOut()
    return null
  }
  schedule()
  return { ...user, displayName: user.displayName || user.username }
}

function tokenExpired(user: SignedIn): boolean {
  const exp = user.expiresAt ?? (jwtClaims(user.token).exp ?? Number.POSITIVE_INFINITY) * 1000
  return exp <= Date.now()
}

/** A usable access token for the signed-in user (refreshed if it is about to expire), or null when signed out.
 *  Use it as the hub's `accessTokenFactory`. */
export async function accessToken(): Promise<string | null> {
  return session.current()
}

export function signIn(user: SignedIn): void {
  // A login made through `Api.login()` left its refresh token behind for us.
  const login = user.refreshToken ? null : takeLogin(user.token)
  write({
    ...user,
    refreshToken: user.refreshToken ?? login?.refreshToken,
    expiresAt: user.expiresAt ?? (login ? Date.now() + login.expiresIn * 1000 : undefined),
  })
  schedule()
}

/** The server ended this session (logout elsewhere, a password change, an administrator): forget its tokens here
 *  without asking the server, so the next navigation or reload shows the sign-in form. */
export function forgetEndedSession(): void {
  write(null)
  clearTimeout(timer)
}

export function signOut(): void {
  const user = read()
  write(null)
  clearTimeout(timer)
  // Ends the session on the server too; signing out locally does not wait for it.
  if (user?.refreshToken) void new Api('').logout(user.refreshToken).catch(() => undefined)
}

let timer: ReturnType<typeof setTimeout> | undefined

/** Refreshes in the background shortly before the access token expires, while this page is open. */
function schedule(): void {
  if (typeof window === 'undefined') return
  clearTimeout(timer)
  const expiresAt = session.expiresAt()
  if (expiresAt === null || !read()?.refreshToken) return
  const delay = Math.max(1_000, expiresAt - refreshMarginMs - Date.now())
  timer = setTimeout(() => {
    session.current().then(schedule, () => { timer = setTimeout(schedule, 30_000) })
  }, Math.min(delay, 2 ** 31 - 1))
}
