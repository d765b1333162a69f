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
  constructor(readonly baseUrl: string, private token: string | null = null) {}

  withToken(token: string): Api {
    return new Api(this.baseUrl, token)
  }

  async login(username: string, password: string): Promise<string> {
    const { token } = await this.request<{ token: string }>('POST', '/api/auth/login', { username, password })
    return token
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

  /** Sends a raw body (e.g. an image file) with its content type; the answer is JSON. */
  async upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
    const headers: Record<string, string> = { 'content-type': contentType }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const response = await fetch(this.baseUrl + path, { method: 'POST', headers, body })
    const text = await response.text()
    if (!response.ok) throw new ApiError(response.status, `POST ${path}: ${response.status} ${text}`.trim())
    return JSON.parse(text) as T
  }

  /** Fetches a protected binary resource (attachments need the bearer token, which an <img src> cannot send). */
  async download(path: string): Promise<Blob> {
    const headers: Record<string, string> = {}
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const response = await fetch(this.baseUrl + path, { headers })
    if (!response.ok) throw new ApiError(response.status, `GET ${path}: ${response.status}`)
    return response.blob()
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text}`.trim())
    return (text ? JSON.parse(text) : undefined) as T
  }
}
