// Many-documents mode: every client is a real yjs replica of one of D documents (Y.Doc + y-protocols sync, and an
// awareness state that y-protocols renews every 15 s, as the providers of all three servers do: Hocuspocus closes
// a connection that sent nothing for a minute), typing single characters at random positions of its text. Before a received update is applied, its
// struct headers are scanned so every delivery is timed by the (client, clock) of the inserted item in the shared
// Registry, whichever thread sent it. At the end each replica reports its text's length and hash, so the main
// thread checks per document that every client holds the same text and that it contains every edit sent to it.
import { createHash } from 'node:crypto'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { AckStats, Registry, now } from './clients.mjs'
import { loopDelayMonitor, loopDelayP99Ms } from './lights.mjs'
import { createTransport } from './transports.mjs'
import { TEXT_ROOT, scanUpdate, syncUpdateFrame } from './wire.mjs'

const REMOTE = 'remote'
const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const SYNC_STEP1 = 0
const letters = 'abcdefghijklmnopqrstuvwxyz'

export class DocReplica {
  constructor(transport, client, registry, acks) {
    this.transport = transport
    this.registry = registry
    this.acks = acks
    this.doc = new Y.Doc()
    this.doc.clientID = client
    this.client = client
    this.text = this.doc.getText(TEXT_ROOT)
    this.char = letters[client % letters.length]
    this.scanErrors = 0
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.awareness.setLocalState(null) // announced in start(), once connected
    this.awareness.on('update', ({ added, updated }, origin) => {
      if (origin === REMOTE || (!added.includes(client) && !updated.includes(client))) return
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MESSAGE_AWARENESS)
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [client]))
      // The withdrawal sent while closing may be cut off with the connection: not an error of the run.
      this.transport.send(encoding.toUint8Array(e)).catch(error => { if (!this.closing) this.acks.error(error) })
    })
    transport.onFrame = frame => this.onFrame(frame)
    this.doc.on('update', (update, origin) => {
      if (origin === REMOTE) return
      // type() recorded the send just before this synchronous update event.
      this.acks.track(this.transport.send(syncUpdateFrame(update)), this.lastSentAt, this.lastMeasured)
    })
  }

  /** Our step 1, so the server sends whatever the document already holds, then our awareness state. */
  async start() {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(e, this.doc)
    await this.transport.send(encoding.toUint8Array(e))
    this.awareness.setLocalState({ user: { name: `replica-${this.client}` } })
  }

  type() {
    const index = Math.floor(Math.random() * (this.text.length + 1))
    this.lastSentAt = now()
    this.lastMeasured = this.registry.sent(this.client, Y.getState(this.doc.store, this.client), this.lastSentAt)
    this.text.insert(index, this.char)
  }

  onFrame(frame) {
    const receivedAt = now()
    const d = decoding.createDecoder(frame)
    const type = decoding.readVarUint(d)
    if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(d), REMOTE)
      return
    }
    if (type !== MESSAGE_SYNC) return
    const step = decoding.readVarUint(d)
    if (step === SYNC_STEP1) {
      const reply = encoding.createEncoder()
      encoding.writeVarUint(reply, MESSAGE_SYNC)
      syncProtocol.readSyncStep1(d, reply, this.doc)
      this.transport.send(encoding.toUint8Array(reply)).catch(error => this.acks.error(error))
      return
    }
    // Step 2 or update: the same V1 update payload.
    const update = decoding.readVarUint8Array(d)
    try {
      scanUpdate(update, (client, clock, length) => {
        if (client !== this.client) this.registry.received(client, clock, length, receivedAt)
      })
    } catch {
      this.scanErrors++
    }
    Y.applyUpdate(this.doc, update, REMOTE)
  }

  /** Final state for the convergence check: length and a hash of the text. */
  state() {
    const text = this.text.toString()
    return { length: text.length, hash: createHash('sha1').update(text).digest('base64') }
  }
}

/**
 * The replicas one thread hosts (the main thread with --workers 1, else one worker each), driven through the same
 * calls as LightGroup. `members`: `{ client, slot, document, transport, periodMs, phase }`, phase in [0, 1) of the
 * client's typing period.
 */
export class ReplicaGroup {
  constructor({ registry, members }) {
    this.registry = registry instanceof Registry ? registry : new Registry(registry)
    this.acks = new AckStats(this.registry)
    this.replicas = members.map(member => {
      const replica = new DocReplica(createTransport(member.transport), member.client, this.registry, this.acks)
      replica.member = member
      return replica
    })
    this.timers = []
    this.loopDelay = loopDelayMonitor()
  }

  /**
   * Connects `batch` at a time. A connection the server refuses (e.g. a handshake it cancelled under load) is
   * counted, not fatal: that client's edits fail and its document does not converge, which the run reports.
   */
  async connect(batch) {
    this.connectFailures = 0
    for (let i = 0; i < this.replicas.length; i += batch) {
      await Promise.all(this.replicas.slice(i, i + batch).map(async replica => {
        try {
          await replica.transport.connect()
          await replica.start()
        } catch (error) {
          this.connectFailures++
          this.acks.lastError = `connect: ${error?.message ?? error}`
        }
      }))
    }
  }

  /** Every replica types every `member.periodMs`, its first edit at `startAt + phase · periodMs` (clock `now`). */
  startTyping(startAt) {
    for (const replica of this.replicas) {
      const { periodMs, phase } = replica.member
      const type = () => {
        try {
          replica.type()
        } catch (error) {
          this.acks.error(error)
        }
      }
      this.timers.push(setTimeout(() => {
        type()
        this.timers.push(setInterval(type, periodMs))
      }, Math.max(0, startAt + phase * periodMs - now())))
    }
  }

  stopTyping() {
    for (const timer of this.timers) clearTimeout(timer) // clears intervals too
    this.timers = []
  }

  startLoopDelay() { this.loopDelay.enable() }

  stopLoopDelay() { this.loopDelay.disable() }

  /** Final states by slot, while still connected. */
  states() {
    return this.replicas.map(replica => ({ slot: replica.member.slot, document: replica.member.document, ...replica.state() }))
  }

  /** Closes every connection and returns this group's figures. */
  async close() {
    // Like a provider going away: the awareness state is withdrawn (one last frame) before the socket closes.
    for (const replica of this.replicas) {
      replica.closing = true
      replica.awareness.destroy()
    }
    await Promise.all(this.replicas.map(replica => replica.transport.close().catch(() => {})))
    return {
      latencyBins: this.registry.latency.bins,
      ackLatencyBins: this.acks.latency.bins,
      lastError: this.acks.lastError,
      rejected: this.replicas.reduce((n, replica) => n + replica.transport.rejected, 0),
      disconnects: this.replicas.reduce((n, replica) => n + replica.transport.disconnects, 0),
      scanErrors: this.replicas.reduce((n, replica) => n + replica.scanErrors, 0),
      connectFailures: this.connectFailures ?? 0,
      loopDelayP99Ms: loopDelayP99Ms(this.loopDelay),
    }
  }
}
