// One SignalR connection to /hubs/collab carrying any number of document sessions.
// SignalR's automatic reconnect is configured to never give up; on top of it, a closed connection
// (server restart, failed negotiate, first start while offline) is restarted with capped exponential
// backoff until stop() is called. Every (re)connect re-joins every open session.
import * as signalR from '@microsoft/signalr'
import * as Y from 'yjs'
import { ObservableV2 } from 'lib0/observable'
import { createFrameCodec, type FrameCodec, type WireProtocol } from './wire'
import { DocumentSession, type DocumentSessionOptions } from './session'

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected'

export interface BackoffOptions {
  /** First retry delay in ms. */
  initialMs: number
  /** Upper bound of the delay in ms. */
  maxMs: number
}

export interface CollabConnectionOptions {
  /** Server origin, e.g. `http://127.0.0.1:5000`; empty string for the page's own origin. */
  serverUrl: string
  /** Returns the bearer token; SignalR sends it as `access_token` on WebSocket requests. */
  accessTokenFactory: () => string | Promise<string>
  /** Hub protocol; MessagePack unless told otherwise. */
  protocol?: WireProtocol
  backoff?: BackoffOptions
  logLevel?: signalR.LogLevel
  /** WebSocket constructor to use instead of the platform's (Node tests pass one through a proxy). */
  webSocket?: unknown
  /** Silence from the server after which the connection counts as lost (default 15 s; the server pings every 5 s). */
  serverTimeoutMs?: number
}

export const HUB_PATH = '/hubs/collab'

/** Kinds of the hub's `Notice(resourceId, kind, payload)` that this client acts on. */
export const NoticeKinds = {
  /** The page tree (or access within it) of a watched space changed: fetch the tree again. */
  tree: 'tree',
  /** A comment thread of an open page changed: fetch the threads again. */
  comments: 'comments',
} as const
const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 10_000 }

/** How long before its access token expires a live connection hands the server a fresh one (`RenewToken`); the
 *  server closes a connection whose token expired. Token sources refresh at least this far ahead. */
export const TOKEN_RENEW_AHEAD_MS = 30_000
/** How often to ask the token source again while it has no fresher token yet. */
const TOKEN_RETRY_MS = 5_000

/** The `exp` of a JWT in epoch ms, or null for anything else (tests may use opaque tokens). */
function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const claims = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))) as { exp?: unknown }
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null
  } catch {
    return null
  }
}

export function backoffDelay(attempt: number, backoff: BackoffOptions): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 20))
  // Up to 20% jitter so many clients do not reconnect in lockstep after a server restart.
  return Math.round(base * (0.8 + Math.random() * 0.2))
}

type ConnectionEvents = {
  status: (event: { status: ConnectionStatus }) => void
  error: (event: { error: Error }) => void
}

export class CollabConnection extends ObservableV2<ConnectionEvents> {
  readonly hub: signalR.HubConnection
  readonly codec: FrameCodec
  private _status: ConnectionStatus = 'disconnected'
  private readonly sessions = new Map<string, DocumentSession>()
  /** Listeners of `tree` notices per space; every watched space is watched again after a reconnect. */
  private readonly spaceWatchers = new Map<string, Set<(spaceId: string) => void>>()
  private readonly backoff: BackoffOptions
  private running = false
  private startLoop: Promise<void> | null = null
  private wakeRetry: (() => void) | null = null
  private readonly tokenFactory: () => string | Promise<string>
  /** Expiry (epoch ms) of the token the server holds for the current connection. */
  private tokenExpiresAt: number | null = null
  private renewTimer: ReturnType<typeof setTimeout> | null = null

  constructor(options: CollabConnectionOptions) {
    super()
    this.backoff = options.backoff ?? defaultBackoff
    this.codec = createFrameCodec(options.protocol ?? 'messagepack')
    this.tokenFactory = options.accessTokenFactory
    const backoff = this.backoff
    const httpOptions: signalR.IHttpConnectionOptions = {
      // Remembers the expiry of the token each (re)connect presents, so it can be renewed in time.
      accessTokenFactory: async () => {
        const token = await options.accessTokenFactory()
        this.tokenExpiresAt = tokenExpiry(token)
        return token
      },
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
      ...(options.webSocket ? { WebSocket: options.webSocket } : {}),
    }
    this.hub = new signalR.HubConnectionBuilder()
      .withUrl(options.serverUrl.replace(/\/$/, '') + HUB_PATH, httpOptions)
      .withHubProtocol(this.codec.hubProtocol)
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => backoffDelay(ctx.previousRetryCount, backoff) })
      // The server pings every 5 s: three missed pings mean the link went silent (a sleeping laptop, a proxy that
      // dropped the connection without closing it), and the client starts reconnecting instead of waiting 30 s.
      .withServerTimeout(options.serverTimeoutMs ?? 15_000)
      .configureLogging(options.logLevel ?? signalR.LogLevel.None)
      .build()

    this.hub.on('Receive', (docId: string, frame: unknown) => {
      this.sessions.get(docId)?.receive(this.codec.decode(frame))
    })
    this.hub.on('Rejected', (docId: string, code: string, detail: string | null) => {
      this.sessions.get(docId)?.rejected(code, detail ?? '')
    })
    this.hub.on('Revoked', (docId: string, reason: string | null) => {
      this.sessions.get(docId)?.revoked(reason ?? '')
    })
    this.hub.on('RoleChanged', (docId: string, role: string) => {
      this.sessions.get(docId)?.roleChanged(role)
    })
    // One event for every server notice, of every resource kind (docs/protocol.md, "Notices"). The server also
    // sends TreeChanged and CommentsChanged for older clients; this one has no handlers for them.
    this.hub.on('Notice', (resourceId: string, kind: string, payload: string | null) => {
      this.notice(resourceId, kind, payload ?? '')
    })
    this.hub.onreconnecting(() => this.disconnected('reconnecting'))
    this.hub.onreconnected(() => this.connected())
    this.hub.onclose(error => {
      if (error) this.emit('error', [{ error }])
      if (this.running) {
        this.disconnected('reconnecting')
        void this.runStartLoop()
      } else {
        this.disconnected('disconnected')
      }
    })
  }

  get status(): ConnectionStatus {
    return this._status
  }

  /** Starts connecting and keeps the connection up until stop(); resolves on the first successful connect. */
  start(): Promise<void> {
    this.running = true
    if (this.hub.state === signalR.HubConnectionState.Connected) return Promise.resolve()
    return this.runStartLoop()
  }

  async stop(): Promise<void> {
    this.running = false
    this.stopRenewal()
    this.wakeRetry?.()
    await Promise.all([...this.sessions.values()].map(session => session.leave()))
    await this.hub.stop()
    this.disconnected('disconnected')
  }

  /** Opens (joins) a document on this connection. One session per document id. */
  openDocument(docId: string, doc: Y.Doc = new Y.Doc(), options: DocumentSessionOptions = {}): DocumentSession {
    if (this.sessions.has(docId)) throw new Error(`document ${docId} is already open on this connection`)
    const session = new DocumentSession(this, docId, doc, options)
    this.sessions.set(docId, session)
    if (this._status === 'connected') session.connectionUp()
    return session
  }

  /** A notice goes to the open document it names, and a `tree` notice to the watchers of that space. */
  private notice(resourceId: string, kind: string, payload: string): void {
    if (kind === NoticeKinds.tree) {
      for (const listener of this.spaceWatchers.get(resourceId) ?? []) listener(resourceId)
    }
    this.sessions.get(resourceId)?.notice(kind, payload)
  }

  /**
   * Calls `listener` on every `tree` notice of the space (the client then fetches the tree again) and after each
   * reconnect (changes may have been missed). Returns the function that stops watching.
   */
  watchSpace(spaceId: string, listener: (spaceId: string) => void): () => void {
    let listeners = this.spaceWatchers.get(spaceId)
    if (!listeners) {
      listeners = new Set()
      this.spaceWatchers.set(spaceId, listeners)
      if (this.isConnected) this.invokeWatch('WatchSpace', spaceId)
    }
    listeners.add(listener)
    return () => {
      const current = this.spaceWatchers.get(spaceId)
      if (!current?.delete(listener) || current.size > 0) return
      this.spaceWatchers.delete(spaceId)
      if (this.isConnected) this.invokeWatch('UnwatchSpace', spaceId)
    }
  }

  private invokeWatch(method: 'WatchSpace' | 'UnwatchSpace', spaceId: string): void {
    this.hub.invoke(method, spaceId).catch((error: unknown) => {
      this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
    })
  }

  get openDocuments(): ReadonlyMap<string, DocumentSession> {
    return this.sessions
  }

  /** @internal Called by a session once it has left. */
  forget(session: DocumentSession): void {
    if (this.sessions.get(session.docId) === session) this.sessions.delete(session.docId)
  }

  get isConnected(): boolean {
    return this.hub.state === signalR.HubConnectionState.Connected
  }

  /** @internal */
  invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.hub.invoke<T>(method, ...args)
  }

  private runStartLoop(): Promise<void> {
    this.startLoop ??= (async () => {
      if (this._status !== 'reconnecting') this.setStatus('connecting')
      for (let attempt = 0; this.running; attempt++) {
        try {
          if (this.hub.state === signalR.HubConnectionState.Disconnected) await this.hub.start()
          if (this.hub.state === signalR.HubConnectionState.Connected) {
            this.connected()
            return
          }
        } catch (error) {
          this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
        }
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, backoffDelay(attempt, this.backoff))
          this.wakeRetry = () => { clearTimeout(timer); resolve() }
        })
        this.wakeRetry = null
      }
    })().finally(() => { this.startLoop = null })
    return this.startLoop
  }

  /** Before the connection's token expires, hands the server the token source's fresher one. Without it the server
   *  closes the connection at expiry, and the reconnect presents a fresh token anyway. */
  private scheduleRenewal(): void {
    this.stopRenewal()
    const expiresAt = this.tokenExpiresAt
    if (expiresAt === null || !this.running) return
    const delay = Math.max(1_000, expiresAt - TOKEN_RENEW_AHEAD_MS - Date.now())
    this.renewTimer = setTimeout(() => void this.renew(expiresAt), Math.min(delay, 2 ** 31 - 1))
  }

  private async renew(expiresAt: number): Promise<void> {
    this.renewTimer = null
    if (!this.isConnected || this.tokenExpiresAt !== expiresAt) return
    try {
      const token = await this.tokenFactory()
      const fresh = tokenExpiry(token)
      if (fresh !== null && fresh > expiresAt && this.isConnected && this.tokenExpiresAt === expiresAt) {
        await this.hub.invoke('RenewToken', token)
        this.tokenExpiresAt = fresh
        this.scheduleRenewal()
        return
      }
    } catch (error) {
      this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
    }
    // No fresher token yet (or the call failed): ask again shortly, until the server closes the connection.
    if (this.isConnected && this.tokenExpiresAt === expiresAt && Date.now() < expiresAt) {
      this.renewTimer = setTimeout(() => void this.renew(expiresAt), TOKEN_RETRY_MS)
    }
  }

  private stopRenewal(): void {
    if (this.renewTimer !== null) clearTimeout(this.renewTimer)
    this.renewTimer = null
  }

  private connected(): void {
    this.setStatus('connected')
    this.scheduleRenewal()
    for (const session of [...this.sessions.values()]) session.connectionUp()
    for (const [spaceId, listeners] of this.spaceWatchers) {
      this.invokeWatch('WatchSpace', spaceId)
      for (const listener of [...listeners]) listener(spaceId)
    }
  }

  private disconnected(status: 'reconnecting' | 'disconnected'): void {
    this.stopRenewal()
    this.setStatus(status)
    for (const session of [...this.sessions.values()]) session.connectionDown(status)
  }

  private setStatus(status: ConnectionStatus): void {
    if (this._status === status) return
    this._status = status
    this.emit('status', [{ status }])
  }
}
