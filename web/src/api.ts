// The server's REST surface used by the app (and by the tests to set up users and documents).
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface DocumentSummary {
  id: string
  title: string
  role?: string
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

  async createDocument(title: string): Promise<string> {
    const { id } = await this.request<{ id: string }>('POST', '/api/docs', { title })
    return id
  }

  async listDocuments(): Promise<DocumentSummary[]> {
    return this.request<DocumentSummary[]>('GET', '/api/docs')
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
