// The server's REST surface used by the app (and by the tests to set up users and documents). Every type here is
// the server's own contract (web/openapi.json → src/api-schema.d.ts); nothing reshapes the answers.
import type { components, paths } from './api-schema'
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}


/** A schema of the server's HTTP contract (web/openapi.json, generated into api-schema.d.ts: `npm run api:types`). */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name]

export type DocumentInfo = Schema<'DocumentResponse'>
/** One principal whose read access a move or a restriction would change. */
export type AccessChangeEntry = Schema<'AccessChangeEntry'>
/** Who would gain and who would lose read access (employees only as counts for non-employees). */
export type AccessChange = Schema<'AccessChange'>
export type Level = Schema<'AccessLevel'>
export const levels: Level[] = ['view', 'comment', 'edit', 'manage']
export type LinkScope = Schema<'LinkScope'>
export type Me = Schema<'MeResponse'>
/** A space, a page of a tree or a trashed page: one node of the organisation's tree as the caller sees it. */
export type TreeNode = Schema<'TreeNode'>
export type SpaceTree = Schema<'SpaceTree'>
export type Grant = Schema<'GrantView'>
export type GrantSource = Schema<'GrantSource'>
export type AccessEntry = Schema<'ExplanationResponse'>
export type ShareLink = Schema<'ShareLinkInfo'>
export type CreatedLink = Schema<'CreateLinkResponse'>
export type RedeemedLink = Schema<'RedeemLinkResponse'>
export type DirectoryEntry = Schema<'DirectoryHit'>
export type SearchHit = Schema<'SearchResult'>
export type DirectoryUser = Schema<'DirectoryUser'>
export type NewUser = Schema<'AdminCreateUserRequest'>
export type Department = Schema<'DepartmentInfo'>
export type Group = Schema<'GroupInfo'>
export type PartnerOrg = Schema<'PartnerOrgInfo'>
export type Policy = Schema<'SharingPolicy'>
export type AccessPreview = Schema<'UserPreview'>
export type AuditRecord = Schema<'AuditEntryResponse'>
export type AuditFilter = NonNullable<paths['/api/admin/audit']['get']['parameters']['query']>
export type ResourceSettings = Schema<'SettingsResponse'>
/** The id of what a POST created. */
export type Created = Schema<'CreatedResponse'>

// ---- The typed call: method, path template and parameters checked against the contract, the answer typed by it.

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Path = keyof paths
/** The methods the contract has for `P`. */
type MethodOf<P extends Path> = { [M in Method]: [NonNullable<paths[P][M]>] extends [never] ? never : M }[Method]
type Operation<P extends Path, M extends Method> = NonNullable<paths[P][M]>
type JsonOf<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : undefined
/** What a successful call answers: the JSON of its 200 or 201; undefined for 204. */
type Answer<O> = O extends { responses: infer R }
  ? 200 extends keyof R ? JsonOf<R[200]> : 201 extends keyof R ? JsonOf<R[201]> : undefined
  : never
type PathParams<O> = O extends { parameters: { path: infer T } } ? T : never
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never
type CallOptions<O> = { path?: PathParams<O>; query?: QueryParams<O>; body?: JsonBody<O> }

/** `/api/docs/{id}` with `{ id: 'a b' }` → `/api/docs/a%20b`; query values left out when undefined, null or ''. */
export function apiUrl(template: string, path?: Record<string, string | number>, query?: Record<string, unknown>): string {
  const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(path?.[name] ?? '')))
  const search = Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`).join('&')
  return search ? `${url}?${search}` : url
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

  /** A call of the contract: `call('get', '/api/docs/{id}', { path: { id } })` answers the typed JSON (undefined for
   *  204) and throws `ApiError` for any other answer. */
  call<P extends Path, M extends MethodOf<P>>(method: M, path: P, options: CallOptions<Operation<P, M>> = {}): Promise<Answer<Operation<P, M>>> {
    const { path: params, query, body } = options as { path?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown }
    return this.request(method.toUpperCase(), apiUrl(path, params, query), body)
  }

  /** `POST /api/auth/login`: the access token, the refresh token and the access token's lifetime in seconds. */
  async signIn(username: string, password: string): Promise<TokenPair> {
    const pair = await this.call('post', '/api/auth/login', { body: { username, password } })
    rememberLogin(pair)
    return pair
  }

  /** `POST /api/auth/refresh`: rotates the refresh token (the one passed in stops working). */
  refresh(refreshToken: string): Promise<TokenPair> {
    return this.call('post', '/api/auth/refresh', { body: { refreshToken } })
  }

  /** `POST /api/auth/password`: changes the caller's password; their other sessions end, this one stays. */
  async changePassword(current: string, next: string): Promise<void> {
    await this.call('post', '/api/auth/password', { body: { current, new: next } })
  }

  /** `POST /api/auth/logout`: ends the session the refresh token belongs to. */
  async logout(refreshToken: string): Promise<void> {
    await this.call('post', '/api/auth/logout', { body: { refreshToken } })
  }

  async login(username: string, password: string): Promise<string> {
    return (await this.signIn(username, password)).accessToken
  }

  me(): Promise<Me> {
    return this.call('get', '/api/me')
  }

  async createDocument(title: string): Promise<string> {
    return (await this.call('post', '/api/docs', { body: { title } })).id
  }

  /** Title, the caller's role and the members; 404 when missing or not shared with the caller. */
  describeDocument(docId: string): Promise<DocumentInfo> {
    return this.call('get', '/api/docs/{id}', { path: { id: docId } })
  }

  /** Admin only: creates an account. */
  async createUser(username: string, password: string, displayName = username): Promise<void> {
    await this.call('post', '/api/users', { body: { username, password, displayName } })
  }

  /** Owner only: adds a member or changes their role. */
  async setMember(docId: string, username: string, role: string): Promise<void> {
    await this.call('put', '/api/docs/{id}/members/{username}', { path: { id: docId, username }, body: { role } })
  }

  /** Owner only: removes a member; their open sessions are revoked. */
  async removeMember(docId: string, username: string): Promise<void> {
    await this.call('delete', '/api/docs/{id}/members/{username}', { path: { id: docId, username } })
  }

  // ---- Knowledge base: spaces and the page tree ----

  spaces(): Promise<TreeNode[]> {
    return this.call('get', '/api/spaces')
  }

  async createSpace(name: string): Promise<string> {
    return (await this.call('post', '/api/spaces', { body: { name } })).id
  }

  spaceTree(spaceId: string): Promise<SpaceTree> {
    return this.call('get', '/api/spaces/{id}/tree', { path: { id: spaceId } })
  }

  spaceTrash(spaceId: string): Promise<TreeNode[]> {
    return this.call('get', '/api/spaces/{id}/trash', { path: { id: spaceId } })
  }

  async createPage(spaceId: string, title: string, parentId?: string, index?: number): Promise<string> {
    return (await this.call('post', '/api/pages', { body: { spaceId, parentId, title, index } })).id
  }

  async renamePage(pageId: string, title: string): Promise<void> {
    await this.call('patch', '/api/pages/{id}', { path: { id: pageId }, body: { title } })
  }

  /** `parentId` is the space id for a top-level page. */
  previewMove(pageId: string, parentId: string): Promise<AccessChange> {
    return this.call('post', '/api/pages/{id}/move/preview', { path: { id: pageId }, body: { parentId } })
  }

  previewRestricted(resourceId: string, restricted: boolean): Promise<AccessChange> {
    return this.call('post', '/api/resources/{id}/settings/preview', { path: { id: resourceId }, body: { restricted } })
  }

  /** `parentId` is the space id for a top-level page; `index` is the position among the new siblings. */
  async movePage(pageId: string, parentId: string, index: number): Promise<void> {
    await this.call('post', '/api/pages/{id}/move', { path: { id: pageId }, body: { parentId, index } })
  }

  async trashPage(pageId: string): Promise<void> {
    await this.call('post', '/api/pages/{id}/trash', { path: { id: pageId } })
  }

  async restorePage(pageId: string): Promise<void> {
    await this.call('post', '/api/pages/{id}/restore', { path: { id: pageId } })
  }

  // ---- Grants, settings, explanation, share links (any resource id) ----

  grants(resourceId: string): Promise<Grant[]> {
    return this.call('get', '/api/resources/{id}/grants', { path: { id: resourceId } })
  }

  addGrant(resourceId: string, principal: string, level: Level): Promise<Schema<'GrantInfo'>> {
    return this.call('post', '/api/resources/{id}/grants', { path: { id: resourceId }, body: { principal, level } })
  }

  async removeGrant(resourceId: string, grantId: string): Promise<void> {
    await this.call('delete', '/api/resources/{id}/grants/{grantId}', { path: { id: resourceId, grantId } })
  }

  /** The resource's own flags (managers only). */
  settings(resourceId: string): Promise<ResourceSettings> {
    return this.call('get', '/api/resources/{id}/settings', { path: { id: resourceId } })
  }

  async updateSettings(resourceId: string, settings: Schema<'SettingsRequest'>): Promise<void> {
    await this.call('patch', '/api/resources/{id}/settings', { path: { id: resourceId }, body: settings })
  }

  access(resourceId: string): Promise<AccessEntry[]> {
    return this.call('get', '/api/resources/{id}/access', { path: { id: resourceId } })
  }

  links(resourceId: string): Promise<ShareLink[]> {
    return this.call('get', '/api/resources/{id}/links', { path: { id: resourceId } })
  }

  createLink(resourceId: string, link: Schema<'CreateLinkRequest'>): Promise<CreatedLink> {
    return this.call('post', '/api/resources/{id}/links', { path: { id: resourceId }, body: link })
  }

  async revokeLink(linkId: string): Promise<void> {
    await this.call('delete', '/api/links/{id}', { path: { id: linkId } })
  }

  /** Anonymous allowed; a wrong password, an expired or revoked link all answer 404. */
  redeemLink(token: string, password?: string): Promise<RedeemedLink> {
    return this.call('post', '/api/links/redeem', { body: { token, password: password || undefined } })
  }

  // ---- Directory (employees) ----

  searchDirectory(q: string): Promise<DirectoryEntry[]> {
    return this.call('get', '/api/directory/search', { query: { q } })
  }

  // ---- Knowledge base: search, import, export ----

  search(q: string, limit = 20, as?: string): Promise<SearchHit[]> {
    return this.call('get', '/api/search', { query: { q, limit, as } })
  }

  /** The exported file; 403 `no-export` where the page or an ancestor forbids export. */
  async exportDocument(docId: string, format: 'md' | 'html', subtree = false): Promise<Blob> {
    const response = await this.fetchRaw('GET', apiUrl('/api/docs/{id}/export', { id: docId }, { format, subtree }))
    return response.blob()
  }

  /** `replace` swaps the page's content for the Markdown; `append` adds it at the end. Both are ordinary edits. */
  async importMarkdown(docId: string, markdown: string, mode: 'replace' | 'append' = 'replace'): Promise<void> {
    await this.fetchRaw('POST', apiUrl('/api/docs/{id}/import', { id: docId }, { mode }), markdown, 'text/markdown')
  }

  // ---- Administration (admins only) ----

  adminUsers(): Promise<DirectoryUser[]> {
    return this.call('get', '/api/admin/users')
  }

  async adminCreateUser(user: NewUser): Promise<void> {
    await this.call('post', '/api/admin/users', { body: user })
  }

  async adminUpdateUser(username: string, change: Schema<'AdminUpdateUserRequest'>): Promise<void> {
    await this.call('patch', '/api/admin/users/{username}', { path: { username }, body: change })
  }

  /** Sets a new password (or a generated one-time password, answered once) and ends all the user's sessions. */
  adminResetPassword(username: string, password?: string): Promise<Schema<'AdminResetPasswordResponse'>> {
    return this.call('post', '/api/admin/users/{username}/password', { path: { username }, body: { password: password ?? null } })
  }

  /** Ends every session of the user, and with it their live connections. */
  async adminSignOutEverywhere(username: string): Promise<void> {
    await this.call('post', '/api/admin/users/{username}/sessions/revoke', { path: { username } })
  }

  async setUserActive(username: string, active: boolean): Promise<void> {
    await this.call('post', active ? '/api/admin/users/{username}/reactivate' : '/api/admin/users/{username}/deactivate', { path: { username } })
  }

  /** Ends the account's sign-in lockouts (from whichever addresses). */
  async unlockUser(username: string): Promise<void> {
    await this.call('post', '/api/admin/users/{username}/unlock', { path: { username } })
  }

  departments(): Promise<Department[]> {
    return this.call('get', '/api/admin/departments')
  }

  createDepartment(name: string, parentId?: string): Promise<Created> {
    return this.call('post', '/api/admin/departments', { body: { name, parentId } })
  }

  async deleteDepartment(id: string): Promise<void> {
    await this.call('delete', '/api/admin/departments/{id}', { path: { id } })
  }

  groups(): Promise<Group[]> {
    return this.call('get', '/api/admin/groups')
  }

  createGroup(name: string): Promise<Created> {
    return this.call('post', '/api/admin/groups', { body: { name } })
  }

  async deleteGroup(id: string): Promise<void> {
    await this.call('delete', '/api/admin/groups/{id}', { path: { id } })
  }

  async setGroupMember(groupId: string, username: string, member: boolean): Promise<void> {
    await this.call(member ? 'put' : 'delete', '/api/admin/groups/{id}/members/{username}', { path: { id: groupId, username } })
  }

  partners(): Promise<PartnerOrg[]> {
    return this.call('get', '/api/admin/partners')
  }

  createPartner(name: string): Promise<Created> {
    return this.call('post', '/api/admin/partners', { body: { name } })
  }

  async renamePartner(id: string, name: string): Promise<void> {
    await this.call('patch', '/api/admin/partners/{id}', { path: { id }, body: { name } })
  }

  /** Refused (409, naming them) while any user, deactivated ones too, belongs to the organisation. */
  async deletePartner(id: string): Promise<void> {
    await this.call('delete', '/api/admin/partners/{id}', { path: { id } })
  }

  policy(): Promise<Policy> {
    return this.call('get', '/api/admin/policy')
  }

  async setPolicy(policy: Policy): Promise<void> {
    await this.call('put', '/api/admin/policy', { body: policy })
  }

  allLinks(): Promise<ShareLink[]> {
    return this.call('get', '/api/admin/links')
  }

  preview(username: string): Promise<AccessPreview> {
    return this.call('get', '/api/admin/preview/{username}', { path: { username } })
  }

  audit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    return this.call('get', '/api/admin/audit', { query: filter })
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
export type TokenPair = Schema<'TokenResponse'>

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

/** The (unverified) payload of a JWT; only used to read `exp`, `sid` and whether the password must change first. */
export function jwtClaims(token: string): { exp?: number; sid?: string; sub?: string; pwd_change?: string } {
  const payload = token.split('.')[1]
  if (!payload) return {}
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const claims = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))) as Record<string, unknown>
    return {
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
      sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      sub: typeof claims.sub === 'string' ? claims.sub : undefined,
      pwd_change: typeof claims.pwd_change === 'string' ? claims.pwd_change : undefined,
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
