// The server's REST surface used by the app (and by the tests to set up users and documents).
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface DocumentInfo {
  id: string
  title: string
  role: string
  members: { username: string; role: string }[]
}

export class Api {
  /** `baseUrl` is the server origin; '' means the page's own origin. */
  constructor(readonly baseUrl: string, private readonly credentials: string | TokenSource | null = null) {}

  /** The bearer token to send now. A token of the signed-in session resolves to that session's freshest token, so an
   *  `Api` made from `currentUser().token` keeps working after the access token is refreshed. */
  private get token(): string | null {
    if (this.credentials === null || typeof this.credentials === 'string') {
      return (this.credentials && sessionTokens?.latestFor(this.credentials)) || this.credentials
    }
    return this.credentials.latest()
  }

  private source(): TokenSource | null {
    if (this.credentials !== null && typeof this.credentials !== 'string') return this.credentials
    return this.credentials && sessionTokens?.latestFor(this.credentials) ? sessionTokens.source : null
  }

  /** A static token, or a `TokenSource` (e.g. a `RefreshingSession`) that refreshes it. */
  withToken(token: string | TokenSource): Api {
    return new Api(this.baseUrl, token)
  }

  /** `POST /api/auth/login`: the access token, the refresh token and the access token's lifetime in seconds. */
  async signIn(username: string, password: string): Promise<TokenPair> {
    const pair = await this.request<TokenPair>('POST', '/api/auth/login', { username, password })
    rememberLogin(pair)
    return pair
  }

  /** `POST /api/auth/refresh`: rotates the refresh token (the one passed in stops working). */
  async refresh(refreshToken: string): Promise<TokenPair> {
    return this.request<TokenPair>('POST', '/api/auth/refresh', { refreshToken })
  }

  /** `POST /api/auth/logout`: ends the session the refresh token belongs to. */
  async logout(refreshToken: string): Promise<void> {
    await this.request('POST', '/api/auth/logout', { refreshToken })
  }

  async login(username: string, password: string): Promise<string> {
    return (await this.signIn(username, password)).accessToken
  }

  async me(): Promise<{ username: string; displayName: string; isAdmin: boolean }> {
    return this.request('GET', '/api/me')
  }

  async createDocument(title: string): Promise<string> {
    const { id } = await this.request<{ id: string }>('POST', '/api/docs', { title })
    return id
  }

  /** Title, the caller's role and the members; 404 when missing or not shared with the caller. */
  async describeDocument(docId: string): Promise<DocumentInfo> {
    return this.request<DocumentInfo>('GET', `/api/docs/${encodeURIComponent(docId)}`)
  }

  /** Admin only: creates an account. */
  async createUser(username: string, password: string, displayName = username): Promise<void> {
    await this.request('POST', '/api/users', { username, password, displayName })
  }

  /** Owner only: adds a member or changes their role. */
  async setMember(docId: string, username: string, role: string): Promise<void> {
    await this.request('PUT', `/api/docs/${encodeURIComponent(docId)}/members/${encodeURIComponent(username)}`, { role })
  }

  /** Owner only: removes a member; their open sessions are revoked. */
  async removeMember(docId: string, username: string): Promise<void> {
    await this.request('DELETE', `/api/docs/${encodeURIComponent(docId)}/members/${encodeURIComponent(username)}`)
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    const source = this.source()
    let bearer = source ? await source.current() : this.token
    const send = () => fetch(this.baseUrl + path, {
      method,
      headers: bearer ? { ...headers, authorization: `Bearer ${bearer}` } : headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    let response = await send()
    if (response.status === 401 && source && bearer) {
      // Expired or revoked access token: refresh once and try again.
      const renewed = await source.renew(bearer)
      if (renewed && renewed !== bearer) {
        bearer = renewed
        response = await send()
      }
    }
    const text = await response.text()
    if (!response.ok) throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text}`.trim())
    return (text ? JSON.parse(text) : undefined) as T
  }
}

// ---- Tokens: short-lived access tokens refreshed with a rotating refresh token (docs/protocol.md, Authentication).

/** What login and refresh answer. `token` equals `accessToken`; `expiresIn` is the access token's lifetime in seconds. */
export interface TokenPair {
  token: string
  accessToken: string
  refreshToken: string
  expiresIn: number
}

/** Where an access token comes from when it may need refreshing. */
export interface TokenSource {
  /** The newest access token known, without any network call (may be about to expire). */
  latest(): string | null
  /** An access token good for a while: refreshed first when it expires within the margin. Null when signed out. */
  current(): Promise<string | null>
  /** `rejected` got a 401: a newer token, refreshing if needed; null when the session is over. */
  renew(rejected: string): Promise<string | null>
}

/** A stored session: tokens plus when the access token expires (by this client's clock). */
export interface StoredTokens {
  accessToken: string
  refreshToken?: string
  /** Epoch ms; when absent the JWT's own `exp` is used. */
  expiresAt?: number
}

/** Persistence of one session's tokens (localStorage in the app, memory in tests), with an optional lock so that
 *  several tabs never present the same refresh token twice (that would count as reuse and end the session). */
export interface TokenStore {
  load(): StoredTokens | null
  save(tokens: StoredTokens | null): void
  exclusive?<T>(work: () => Promise<T>): Promise<T>
}

/** Refreshes `store`'s session through `api`: ahead of expiry (`marginMs`) on demand, and after a 401. Concurrent
 *  callers share one refresh. A refused refresh (401) clears the store: the user has to sign in again. */
export class RefreshingSession implements TokenSource {
  private inflight: Promise<string | null> | null = null

  constructor(private readonly api: Api, private readonly store: TokenStore, readonly marginMs = 60_000) {}

  latest(): string | null {
    return this.store.load()?.accessToken ?? null
  }

  /** When the stored access token stops working (epoch ms), or null when signed out. */
  expiresAt(): number | null {
    const stored = this.store.load()
    return stored ? expiryOf(stored) : null
  }

  async current(): Promise<string | null> {
    const stored = this.store.load()
    if (!stored) return null
    if (expiryOf(stored) - this.marginMs > Date.now()) return stored.accessToken
    return this.refreshFrom(stored.accessToken)
  }

  async renew(rejected: string): Promise<string | null> {
    return this.refreshFrom(rejected)
  }

  /** Replaces `stale` unless someone (another call, another tab) already did. */
  private refreshFrom(stale: string): Promise<string | null> {
    this.inflight ??= (async () => {
      try {
        const run = async () => {
          const stored = this.store.load()
          if (!stored) return null
          const fresh = expiryOf(stored) - this.marginMs > Date.now()
          if (stored.accessToken !== stale && fresh) return stored.accessToken
          if (!stored.refreshToken) return expiryOf(stored) > Date.now() && stored.accessToken !== stale ? stored.accessToken : null
          try {
            const pair = await this.api.refresh(stored.refreshToken)
            this.store.save({ accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000 })
            return pair.accessToken
          } catch (error) {
            if (error instanceof ApiError && error.status === 401) {
              this.store.save(null)
              return null
            }
            throw error
          }
        }
        return await (this.store.exclusive ? this.store.exclusive(run) : run())
      } finally {
        this.inflight = null
      }
    })()
    return this.inflight
  }
}

/** Epoch ms at which a stored access token expires. */
function expiryOf(tokens: StoredTokens): number {
  return tokens.expiresAt ?? (jwtClaims(tokens.accessToken).exp ?? Number.POSITIVE_INFINITY) * 1000
}

/** The (unverified) payload of a JWT; only used to read `exp` and `sid`. */
export function jwtClaims(token: string): { exp?: number; sid?: string; sub?: string } {
  const payload = token.split('.')[1]
  if (!payload) return {}
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const claims = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))) as Record<string, unknown>
    return {
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
      sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    }
  } catch {
    return {}
  }
}

/** The signed-in session's tokens, set by app/session.ts: `latestFor` maps any older access token of that session
 *  (same `sid`) to its newest one. */
interface SessionTokens {
  latestFor(token: string): string | null
  source: TokenSource
}
let sessionTokens: SessionTokens | null = null
export function useSessionTokens(tokens: SessionTokens | null): void {
  sessionTokens = tokens
}

// Logins made through `login()` (which answers only the access token) keep their full answer here briefly, so
// whoever stores the session can pick up the refresh token: `takeLogin(accessToken)`.
const recentLogins = new Map<string, TokenPair>()
function rememberLogin(pair: TokenPair): void {
  recentLogins.set(pair.accessToken, pair)
  while (recentLogins.size > 4) recentLogins.delete(recentLogins.keys().next().value!)
}
export function takeLogin(accessToken: string): TokenPair | null {
  const pair = recentLogins.get(accessToken) ?? null
  recentLogins.delete(accessToken)
  return pair
}
