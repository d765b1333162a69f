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
  /** The server's attachment size limit in bytes (servers before it was told leave it out). */
  maxAttachmentBytes?: number
  /** Whether images from other sites may be in pages (the deployment's policy; off unless said). */
  allowExternalImages?: boolean
  /** Whether this user may see version history and resolved comment threads. */
  history?: boolean
  /** No copy, cut, drag-out or print for this user (no-export on a page they cannot edit). */
  noCopy?: boolean
  noExport?: boolean
  /** This user's opaque id: what others see of them in carets, versions and comments. */
  publicId?: string
}

/** One principal whose read access a move or a restriction would change. */
export interface AccessChangeEntry {
  kind: 'employee' | 'partner' | 'link'
  displayName: string
  principal?: string | null
  partnerOrganization?: string | null
  pages: number
}

/** Who would gain and who would lose read access (employees only as counts for non-employees). */
export interface AccessChange {
  gains: AccessChangeEntry[]
  losses: AccessChangeEntry[]
  hiddenGains?: number
  hiddenLosses?: number
}

export type Level = 'none' | 'view' | 'comment' | 'edit' | 'manage'
export const levels: Level[] = ['view', 'comment', 'edit', 'manage']
export type LinkScope = 'company' | 'anyone'

export interface Me {
  username: string
  displayName: string
  isAdmin: boolean
  kind?: 'employee' | 'partner'
  partnerOrgId?: string | null
}

export interface SpaceSummary { id: string; title: string; level?: Level; name?: string }
export interface TreePage { id: string; parentId: string; title: string; order: string | number; level: Level }
export interface SpaceTree { space: { id: string; title: string; level: Level }; pages: TreePage[] }
export interface TrashedPage { id: string; title: string; parentId?: string | null; trashedAt?: string }

export interface Grant { id: string; principal: string; level: Level; displayName?: string }
export interface GrantSource { resourceId: string; resourceTitle: string; grantId: string; principal: string; inherited: boolean }
export interface AccessEntry { principal: string; displayName: string; level: Level; source: GrantSource | 'administrator' | null; administrator?: boolean }

export interface ShareLink {
  id: string
  resourceId: string
  resourceTitle?: string
  scope: LinkScope
  role: Level
  hasPassword?: boolean
  expiresAt?: string | null
  revoked?: boolean
  createdBy: string
  createdAt: string
}
export interface CreatedLink { id: string; token: string; url: string }
export interface RedeemedLink { accessToken: string; resourceId: string; role: string }

export type PrincipalKind = 'user' | 'group' | 'department' | 'partner' | 'company'
export interface DirectoryEntry { principal: string; kind: PrincipalKind; name: string; detail?: string }
interface DirectoryResults {
  users?: { username: string; displayName?: string }[]
  groups?: { id: string; name: string }[]
  departments?: { id: string; name: string }[]
  partners?: { id: string; name: string }[]
}

export interface SearchHit { id: string; title: string; spaceId: string; snippet: string }

export interface DirectoryUser {
  username: string
  displayName: string
  kind: 'employee' | 'partner'
  partnerOrgId?: string | null
  departmentId?: string | null
  groupIds?: string[]
  deactivated: boolean
  isAdmin: boolean
}
export interface NewUser {
  username: string
  password: string
  displayName: string
  kind: 'employee' | 'partner'
  partnerOrgId?: string
  departmentId?: string
  isAdmin?: boolean
}
export interface Department { id: string; name: string; parentId?: string | null }
export interface Group { id: string; name: string; members: string[] }
export interface PartnerOrg { id: string; name: string }
export interface Policy { externalSharing: 'on' | 'trusted' | 'off'; trustedPartnerOrgs: string[] }
export interface AccessPreview {
  username?: string
  spaces: { id: string; title: string; level?: Level }[]
  pages: { id: string; title: string; spaceId?: string; level: Level }[]
  documents: { id: string; title: string; level: Level }[]
}
export interface AuditFilter { actor?: string; action?: string; target?: string; from?: string; to?: string; limit?: number; before?: number }
export interface AuditRecord {
  sequence: number
  time: string
  actor: string
  action: string
  target?: string | null
  detail?: string | null
  sourceAddress?: string | null
}

const enc = encodeURIComponent

/** The directory search answers one flat list or one list per kind; the pickers want one list. */
function flattenDirectory(result: DirectoryEntry[] | DirectoryResults): DirectoryEntry[] {
  if (Array.isArray(result)) return result
  return [
    ...(result.users ?? []).map(u => ({ principal: `user:${u.username}`, kind: 'user' as const, name: u.displayName || u.username, detail: u.username })),
    ...(result.groups ?? []).map(g => ({ principal: `group:${g.id}`, kind: 'group' as const, name: g.name })),
    ...(result.departments ?? []).map(d => ({ principal: `department:${d.id}`, kind: 'department' as const, name: d.name })),
    ...(result.partners ?? []).map(p => ({ principal: `partner:${p.id}`, kind: 'partner' as const, name: p.name })),
  ]
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

  /** `POST /api/auth/password`: changes the caller's password; their other sessions end, this one stays. */
  async changePassword(current: string, next: string): Promise<void> {
    await this.request('POST', '/api/auth/password', { current, new: next })
  }

  /** `POST /api/auth/logout`: ends the session the refresh token belongs to. */
  async logout(refreshToken: string): Promise<void> {
    await this.request('POST', '/api/auth/logout', { refreshToken })
  }

  async login(username: string, password: string): Promise<string> {
    return (await this.signIn(username, password)).accessToken
  }

  async me(): Promise<Me> {
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

  // ---- Knowledge base: spaces and the page tree (PLAN.md "Spaces and the page tree") ----

  spaces(): Promise<SpaceSummary[]> {
    return this.request('GET', '/api/spaces')
  }

  async createSpace(name: string): Promise<string> {
    const { id } = await this.request<{ id: string }>('POST', '/api/spaces', { name })
    return id
  }

  spaceTree(spaceId: string): Promise<SpaceTree> {
    return this.request('GET', `/api/spaces/${enc(spaceId)}/tree`)
  }

  spaceTrash(spaceId: string): Promise<TrashedPage[]> {
    return this.request<TrashedPage[] | { pages: TrashedPage[] }>('GET', `/api/spaces/${enc(spaceId)}/trash`)
      .then(result => Array.isArray(result) ? result : result.pages)
  }

  async createPage(spaceId: string, title: string, parentId?: string, index?: number): Promise<string> {
    const { id } = await this.request<{ id: string }>('POST', '/api/pages', { spaceId, parentId, title, index })
    return id
  }

  async renamePage(pageId: string, title: string): Promise<void> {
    await this.request('PATCH', `/api/pages/${enc(pageId)}`, { title })
  }

  /** `parentId` is the space id for a top-level page; `index` is the position among the new siblings. */
  previewMove(pageId: string, parentId: string): Promise<AccessChange> {
    return this.request('POST', `/api/pages/${enc(pageId)}/move/preview`, { parentId })
  }

  previewRestricted(resourceId: string, restricted: boolean): Promise<AccessChange> {
    return this.request('POST', `/api/resources/${enc(resourceId)}/settings/preview`, { restricted })
  }

  async movePage(pageId: string, parentId: string, index: number): Promise<void> {
    await this.request('POST', `/api/pages/${enc(pageId)}/move`, { parentId, index })
  }

  async trashPage(pageId: string): Promise<void> {
    await this.request('POST', `/api/pages/${enc(pageId)}/trash`)
  }

  async restorePage(pageId: string): Promise<void> {
    await this.request('POST', `/api/pages/${enc(pageId)}/restore`)
  }

  // ---- Grants, settings, explanation, share links (any resource id) ----

  grants(resourceId: string): Promise<Grant[]> {
    return this.request('GET', `/api/resources/${enc(resourceId)}/grants`)
  }

  addGrant(resourceId: string, principal: string, level: Level): Promise<Grant> {
    return this.request('POST', `/api/resources/${enc(resourceId)}/grants`, { principal, level })
  }

  async removeGrant(resourceId: string, grantId: string): Promise<void> {
    await this.request('DELETE', `/api/resources/${enc(resourceId)}/grants/${enc(grantId)}`)
  }

  async updateSettings(resourceId: string, settings: { restricted?: boolean; noExport?: boolean; history?: 'editors' | 'commenters' | 'viewers'; guestHistory?: boolean }): Promise<void> {
    await this.request('PATCH', `/api/resources/${enc(resourceId)}/settings`, settings)
  }

  access(resourceId: string): Promise<AccessEntry[]> {
    return this.request('GET', `/api/resources/${enc(resourceId)}/access`)
  }

  links(resourceId: string): Promise<ShareLink[]> {
    return this.request('GET', `/api/resources/${enc(resourceId)}/links`)
  }

  createLink(resourceId: string, link: { scope: LinkScope; role: Level; password?: string; expiresAt?: string }): Promise<CreatedLink> {
    return this.request('POST', `/api/resources/${enc(resourceId)}/links`, link)
  }

  async revokeLink(linkId: string): Promise<void> {
    await this.request('DELETE', `/api/links/${enc(linkId)}`)
  }

  /** Anonymous allowed; a wrong password, an expired or revoked link all answer 404. */
  redeemLink(token: string, password?: string): Promise<RedeemedLink> {
    return this.request('POST', '/api/links/redeem', { token, password: password || undefined })
  }

  // ---- Directory (employees) ----

  searchDirectory(q: string): Promise<DirectoryEntry[]> {
    return this.request<DirectoryEntry[] | DirectoryResults>('GET', `/api/directory/search?q=${enc(q)}`)
      .then(flattenDirectory)
  }

  // ---- Knowledge base: search, import, export ----

  search(q: string, limit = 20, as?: string): Promise<SearchHit[]> {
    return this.request('GET', `/api/search?q=${enc(q)}&limit=${limit}${as ? `&as=${enc(as)}` : ''}`)
  }

  /** The exported file; 403 `no-export` where the page or an ancestor forbids export. */
  async exportDocument(docId: string, format: 'md' | 'html', subtree = false): Promise<Blob> {
    const response = await this.fetchRaw('GET', `/api/docs/${enc(docId)}/export?format=${format}&subtree=${subtree}`)
    return response.blob()
  }

  /** `replace` swaps the page's content for the Markdown; `append` adds it at the end. Both are ordinary edits. */
  async importMarkdown(docId: string, markdown: string, mode: 'replace' | 'append' = 'replace'): Promise<void> {
    await this.fetchRaw('POST', `/api/docs/${enc(docId)}/import?mode=${mode}`, markdown, 'text/markdown')
  }

  // ---- Administration (admins only) ----

  adminUsers(): Promise<DirectoryUser[]> {
    return this.request('GET', '/api/admin/users')
  }

  async adminCreateUser(user: NewUser): Promise<void> {
    await this.request('POST', '/api/admin/users', user)
  }

  async adminUpdateUser(username: string, change: Partial<Pick<DirectoryUser, 'displayName' | 'departmentId' | 'partnerOrgId' | 'kind'>>): Promise<void> {
    await this.request('PATCH', `/api/admin/users/${enc(username)}`, change)
  }

  /** Sets a new password (or a generated one-time password, answered once) and ends all the user's sessions. */
  async adminResetPassword(username: string, password?: string): Promise<{ password: string | null }> {
    return this.request('POST', `/api/admin/users/${enc(username)}/password`, { password: password ?? null })
  }

  /** Ends every session of the user, and with it their live connections. */
  async adminSignOutEverywhere(username: string): Promise<void> {
    await this.request('POST', `/api/admin/users/${enc(username)}/sessions/revoke`)
  }

  async setUserActive(username: string, active: boolean): Promise<void> {
    await this.request('POST', `/api/admin/users/${enc(username)}/${active ? 'reactivate' : 'deactivate'}`)
  }

  /** Ends the account's sign-in lockouts (from whichever addresses). */
  async unlockUser(username: string): Promise<void> {
    await this.request('POST', `/api/admin/users/${enc(username)}/unlock`)
  }

  departments(): Promise<Department[]> {
    return this.request('GET', '/api/admin/departments')
  }

  createDepartment(name: string, parentId?: string): Promise<Department> {
    return this.request('POST', '/api/admin/departments', { name, parentId })
  }

  async deleteDepartment(id: string): Promise<void> {
    await this.request('DELETE', `/api/admin/departments/${enc(id)}`)
  }

  groups(): Promise<Group[]> {
    return this.request('GET', '/api/admin/groups')
  }

  createGroup(name: string): Promise<Group> {
    return this.request('POST', '/api/admin/groups', { name })
  }

  async deleteGroup(id: string): Promise<void> {
    await this.request('DELETE', `/api/admin/groups/${enc(id)}`)
  }

  async setGroupMember(groupId: string, username: string, member: boolean): Promise<void> {
    await this.request(member ? 'PUT' : 'DELETE', `/api/admin/groups/${enc(groupId)}/members/${enc(username)}`)
  }

  partners(): Promise<PartnerOrg[]> {
    return this.request('GET', '/api/admin/partners')
  }

  createPartner(name: string): Promise<PartnerOrg> {
    return this.request('POST', '/api/admin/partners', { name })
  }

  async renamePartner(id: string, name: string): Promise<void> {
    await this.request('PATCH', `/api/admin/partners/${enc(id)}`, { name })
  }

  /** Refused (409, naming them) while any user, deactivated ones too, belongs to the organisation. */
  async deletePartner(id: string): Promise<void> {
    await this.request('DELETE', `/api/admin/partners/${enc(id)}`)
  }

  policy(): Promise<Policy> {
    return this.request('GET', '/api/admin/policy')
  }

  async setPolicy(policy: Policy): Promise<void> {
    await this.request('PUT', '/api/admin/policy', policy)
  }

  allLinks(): Promise<ShareLink[]> {
    return this.request('GET', '/api/admin/links')
  }

  preview(username: string): Promise<AccessPreview> {
    return this.request('GET', `/api/admin/preview/${enc(username)}`)
  }

  audit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const query = Object.entries(filter)
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([name, value]) => `${name}=${enc(String(value))}`).join('&')
    return this.request('GET', `/api/admin/audit${query ? `?${query}` : ''}`)
  }

  /** A request whose body or answer is not JSON; throws ApiError like `request`. */
  async fetchRaw(method: string, path: string, body?: string, contentType?: string): Promise<Response> {
    const headers: Record<string, string> = {}
    if (contentType) headers['content-type'] = contentType
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const response = await fetch(this.baseUrl + path, { method, headers, body })
    if (!response.ok) {
      const text = await response.text()
      throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text}`.trim())
    }
    return response
  }

  /** Sends a raw body (e.g. an image file) with its content type; the answer is JSON. */
  async upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
    const response = await this.authorizedFetch(path, { method: 'POST', headers: { 'content-type': contentType }, body })
    const text = await response.text()
    if (!response.ok) throw new ApiError(response.status, `POST ${path}: ${response.status} ${text}`.trim())
    return JSON.parse(text) as T
  }

  /** Fetches a protected binary resource (attachments need the bearer token, which an <img src> cannot send). */
  async download(path: string): Promise<Blob> {
    const response = await this.authorizedFetch(path, { method: 'GET' })
    if (!response.ok) throw new ApiError(response.status, `GET ${path}: ${response.status}`)
    return response.blob()
  }

  /** A raw fetch with the session's freshest bearer token, refreshed once after a 401, like request(). */
  private async authorizedFetch(path: string, init: { method: string; headers?: Record<string, string>; body?: Blob }): Promise<Response> {
    const source = this.source()
    let bearer = source ? await source.current() : this.token
    const send = () => fetch(this.baseUrl + path, {
      ...init,
      headers: bearer ? { ...init.headers, authorization: `Bearer ${bearer}` } : init.headers,
    })
    let response = await send()
    if (response.status === 401 && source && bearer) {
      const renewed = await source.renew(bearer)
      if (renewed && renewed !== bearer) {
        bearer = renewed
        response = await send()
      }
    }
    return response
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
