// One document on a CollabConnection: the y-websocket provider's job, over hub invocations.
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { MessageType, awarenessFrame, queryAwarenessFrame, syncStep1Frame, updateFrame } from './frames'
import type { CollabConnection } from './connection'

export type Role = 'owner' | 'editor' | 'commenter' | 'viewer'
export type SessionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected'
/** The hub's codes, and codes of a resource kind's own rules (e.g. `server-owned`). */
export type RejectionCode = 'read-only' | 'malformed' | 'too-large' | 'rate-limited' | 'server-owned' | (string & {})

export interface DocumentSessionOptions {
  /** Awareness to use; one is created (and destroyed with the session) when omitted. */
  awareness?: awarenessProtocol.Awareness
}

export interface SavedState {
  /** True when every local change is acknowledged as durable by the server. */
  saved: boolean
  /** Update sends still waiting for the server's acknowledgement. */
  pending: number
  /** Local changes that could not be sent (offline or failed); they go out with the next resync. */
  unsent: boolean
}

type SessionEvents = {
  status: (event: { status: SessionStatus }) => void
  synced: (synced: boolean) => void
  saved: (state: SavedState) => void
  role: (role: Role) => void
  rejected: (event: { code: RejectionCode; detail: string }) => void
  revoked: (event: { reason: string }) => void
  /** A server notice about this document (`Notice`): `kind` says what changed (e.g. `comments`: fetch the comment
   * threads again), `payload` is kind-specific. */
  notice: (event: { kind: string; payload: string }) => void
  error: (event: { error: Error }) => void
}

interface InFlightSend {
  carriesContent: boolean
  rejected: boolean
}

/** Join failures that retrying cannot fix. */
export class JoinRefusedError extends Error {
  constructor(readonly docId: string, readonly reason: string) {
    super(`joining ${docId} was refused: ${reason}`)
    this.name = 'JoinRefusedError'
  }
}

export class DocumentSession extends ObservableV2<SessionEvents> {
  readonly awareness: awarenessProtocol.Awareness
  private readonly ownsAwareness: boolean
  private _status: SessionStatus = 'connecting'
  private _synced = false
  private _role: Role | null = null
  private _revokedReason: string | null = null
  private _refused: JoinRefusedError | null = null
  private destroyed = false
  /** Bumped on every join attempt so a late answer to an older attempt is ignored. */
  private joinGeneration = 0
  /** The server has (or is about to have) this connection registered for the document. */
  private joined = false
  private pending = 0
  private unsent = false
  /** Bumped whenever a change is known not to have reached the server. */
  private unsentGeneration = 0
  /** This document's Send invocations not completed yet, oldest first. */
  private readonly inFlight: InFlightSend[] = []

  constructor(
    readonly connection: CollabConnection,
    readonly docId: string,
    readonly doc: Y.Doc,
    options: DocumentSessionOptions = {},
  ) {
    super()
    this.ownsAwareness = options.awareness === undefined
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(doc)
    doc.on('update', this.onDocUpdate)
    doc.on('destroy', this.onDocDestroy)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  get status(): SessionStatus { return this._status }
  get synced(): boolean { return this._synced }
  get role(): Role | null { return this._role }
  get revokedReason(): string | null { return this._revokedReason }
  get refused(): JoinRefusedError | null { return this._refused }
  get savedState(): SavedState {
    return { saved: this.pending === 0 && !this.unsent && this.joined, pending: this.pending, unsent: this.unsent }
  }
  get readOnly(): boolean { return this._role === 'viewer' || this._role === 'commenter' }

  /** Resolves once the session is synced with the server; rejects if joining is refused or access is revoked. */
  whenSynced(): Promise<void> {
    if (this._synced) return Promise.resolve()
    if (this._refused) return Promise.reject(this._refused)
    return new Promise((resolve, reject) => {
      const done = () => {
        this.off('synced', onSynced)
        this.off('error', onError)
        this.off('revoked', onRevoked)
      }
      const onSynced = (synced: boolean) => {
        if (!synced) return
        done()
        resolve()
      }
      const onError = ({ error }: { error: Error }) => {
        if (!(error instanceof JoinRefusedError)) return
        done()
        reject(error)
      }
      const onRevoked = ({ reason }: { reason: string }) => {
        done()
        reject(new JoinRefusedError(this.docId, reason || 'revoked'))
      }
      this.on('synced', onSynced)
      this.on('error', onError)
      this.on('revoked', onRevoked)
    })
  }

  /** Resolves once every local change so far is acknowledged as durable. */
  whenSaved(): Promise<void> {
    if (this.savedState.saved) return Promise.resolve()
    return new Promise(resolve => {
      const handler = (state: SavedState) => {
        if (!state.saved) return
        this.off('saved', handler)
        resolve()
      }
      this.on('saved', handler)
    })
  }

  /** @internal The connection is (again) up: join and resync. */
  connectionUp(): void {
    if (this.destroyed || this._revokedReason !== null || this._refused !== null) return
    void this.join()
  }

  /** @internal The connection dropped. */
  connectionDown(status: 'reconnecting' | 'disconnected'): void {
    this.joinGeneration++
    this.joined = false
    if (this.destroyed || this._revokedReason !== null) return
    this.setSynced(false)
    this.forgetRemoteAwareness()
    this.setStatus(status)
    this.emitSaved()
  }

  /** @internal A frame from the server. */
  receive(frame: Uint8Array): void {
    if (this.destroyed) return
    try {
      this.handleFrame(frame)
    } catch (error) {
      this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
    }
  }

  private handleFrame(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame)
    const messageType = decoding.readVarUint(decoder)
    switch (messageType) {
      case MessageType.Sync: {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        const syncType = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
        if (encoding.length(encoder) > 1) {
          // The server's step 1: answer with everything it lacks, offline edits included.
          this.sendUpdateFrame(encoding.toUint8Array(encoder), true)
        }
        if (syncType === syncProtocol.messageYjsSyncStep2) this.setSynced(true)
        break
      }
      case MessageType.Awareness:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
        break
      case MessageType.QueryAwareness:
        // The server relays everyone else's states itself; this client only speaks for its own.
        if (this.awareness.getLocalState() !== null) this.sendFrame(awarenessFrame(this.awareness, [this.doc.clientID]))
        break
      default:
        this.emit('error', [{ error: new Error(`unknown message type ${messageType} for ${this.docId}`) }])
    }
  }

  /** @internal The server refused a frame. */
  rejected(code: string, detail: string): void {
    // Rejected does not say which frame it refuses, and one connection's sends may be handled concurrently.
    // The server sends it before completing the refused Send, so that Send is still in flight; the code tells
    // its kind: rate-limited is awareness only, read-only is content only, other codes may be either.
    const contentInFlight = this.inFlight.filter(send => send.carriesContent)
    if (code === 'read-only' || (code !== 'rate-limited' && contentInFlight.length > 0)) {
      // Which of the content sends was refused is unknown: none of them may vouch for the document being saved.
      for (const send of contentInFlight) send.rejected = true
      this.markUnsent()
    }
    this.emit('rejected', [{ code, detail }])
  }

  /** @internal The server removed this connection from the document (membership gone). */
  revoked(reason: string): void {
    if (this.destroyed) return
    this._revokedReason = reason
    this.joinGeneration++
    this.joined = false
    this.forgetRemoteAwareness()
    this.setStatus('disconnected')
    this.emit('revoked', [{ reason }])
  }

  /** @internal The server changed this connection's role live (grant change, demotion, promotion). */
  roleChanged(role: string): void {
    if (this.destroyed || this._revokedReason !== null) return
    // The hub may name the role (viewer…owner) or the access level it maps to (view…manage).
    const byLevel: Record<string, Role> = { view: 'viewer', comment: 'commenter', edit: 'editor', manage: 'owner' }
    if (role === 'owner' || role === 'editor' || role === 'commenter' || role === 'viewer') this.setRole(role)
    else if (role in byLevel) this.setRole(byLevel[role])
  }

  /** @internal A server notice about this document (e.g. someone added, answered or resolved a comment thread). */
  notice(kind: string, payload: string): void {
    if (!this.destroyed) this.emit('notice', [{ kind, payload }])
  }

  /** Leaves the document: withdraws this client's awareness, tells the server, stops syncing. */
  async leave(): Promise<void> {
    if (this.destroyed) return
    const wasJoined = this.joined && this.connection.isConnected
    // Removing the local state sends the removal through onAwarenessUpdate while still joined.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'leave')
    this.destroyed = true
    this.joined = false
    this.joinGeneration++
    this.doc.off('update', this.onDocUpdate)
    this.doc.off('destroy', this.onDocDestroy)
    this.awareness.off('update', this.onAwarenessUpdate)
    if (this.ownsAwareness) this.awareness.destroy()
    this.connection.forget(this)
    this.setStatus('disconnected')
    try {
      if (wasJoined) await this.connection.invoke('LeaveDocument', this.docId)
    } catch {
      // The connection went away meanwhile: the server drops the membership with it.
    } finally {
      super.destroy()
    }
  }

  override destroy(): void {
    void this.leave()
  }

  private async join(): Promise<void> {
    const generation = ++this.joinGeneration
    // Sending is allowed before the join result arrives: the server's step 1 comes first (during the join,
    // after the server registered this connection), and our step 2 answers it. A change sent so early that
    // the server refuses it is flagged unsent and goes out with the next resync.
    this.joined = true
    if (this._status !== 'reconnecting') this.setStatus('connecting')
    try {
      const result = await this.connection.invoke<{ role: Role }>('JoinDocument', this.docId)
      if (generation !== this.joinGeneration) return
      this.setRole(result.role)
      this.sendFrame(syncStep1Frame(this.doc))
      if (this.awareness.getLocalState() !== null) this.sendFrame(awarenessFrame(this.awareness, [this.doc.clientID]))
      // Ask for the states of everyone already there; they only re-announce themselves every 15 s.
      this.sendFrame(queryAwarenessFrame())
      this.setStatus('connected')
      this.emitSaved()
    } catch (error) {
      if (generation !== this.joinGeneration) return
      this.joined = false
      const err = error instanceof Error ? error : new Error(String(error))
      if (/\bforbidden\b/.test(err.message)) {
        this._refused = new JoinRefusedError(this.docId, 'forbidden')
        this.setStatus('disconnected')
        this.emit('error', [{ error: this._refused }])
        return
      }
      this.emit('error', [{ error: err }])
      // A transient failure on a live connection (e.g. the grain was moving): try again shortly.
      if (this.connection.isConnected) setTimeout(() => { if (generation === this.joinGeneration) this.connectionUp() }, 1000)
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    if (this.canSend) this.sendUpdateFrame(updateFrame(update), false)
    else this.markUnsent()
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    _origin: unknown,
  ): void => {
    const self = this.doc.clientID
    if (!added.includes(self) && !updated.includes(self) && !removed.includes(self)) return
    if (this.canSend) this.sendFrame(awarenessFrame(this.awareness, [self]))
  }

  private readonly onDocDestroy = (): void => this.destroy()

  private get canSend(): boolean {
    return this.joined && !this.destroyed && this._revokedReason === null && this.connection.isConnected
  }

  private invokeSend(frame: Uint8Array, carriesContent: boolean): { send: InFlightSend; done: Promise<void> } {
    const send: InFlightSend = { carriesContent, rejected: false }
    this.inFlight.push(send)
    const done = this.connection
      .invoke<void>('Send', this.docId, this.connection.codec.encode(frame))
      .finally(() => {
        const index = this.inFlight.indexOf(send)
        if (index >= 0) this.inFlight.splice(index, 1)
      })
    return { send, done }
  }

  /** Frames without document content (awareness, step 1, queries): a resync repairs their loss. */
  private sendFrame(frame: Uint8Array): void {
    if (!this.canSend) return
    this.invokeSend(frame, false).done.catch((error: unknown) => {
      this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
    })
  }

  /** Frames carrying document content; their acknowledgement means durable. */
  private sendUpdateFrame(frame: Uint8Array, isResyncAnswer: boolean): void {
    if (!this.canSend) {
      this.markUnsent()
      return
    }
    const generationAtSend = this.unsentGeneration
    this.pending++
    this.emitSaved()
    const { send, done } = this.invokeSend(frame, true)
    done
      .then(
        () => {
          // The answer to the server's step 1 holds every change the server lacked when it asked.
          if (isResyncAnswer && !send.rejected && generationAtSend === this.unsentGeneration) this.unsent = false
        },
        (error: unknown) => {
          this.markUnsent()
          this.emit('error', [{ error: error instanceof Error ? error : new Error(String(error)) }])
        },
      )
      .finally(() => {
        this.pending--
        this.emitSaved()
      })
  }

  private markUnsent(): void {
    this.unsent = true
    this.unsentGeneration++
    this.emitSaved()
  }

  private forgetRemoteAwareness(): void {
    const others = [...this.awareness.getStates().keys()].filter(client => client !== this.doc.clientID)
    if (others.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
  }

  private setStatus(status: SessionStatus): void {
    if (this._status === status) return
    this._status = status
    this.emit('status', [{ status }])
  }

  private setSynced(synced: boolean): void {
    if (this._synced === synced) return
    this._synced = synced
    this.emit('synced', [synced])
  }

  private setRole(role: Role): void {
    if (this._role === role) return
    this._role = role
    this.emit('role', [role])
  }

  private emitSaved(): void {
    if (this.destroyed) return
    this.emit('saved', [this.savedState])
  }
}
