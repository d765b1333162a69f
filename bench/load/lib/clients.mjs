// Simulated typists. Light clients encode their single-character inserts by hand and only scan received updates
// for (client, clock) ids; full replicas run real yjs (Doc + Awareness + y-protocols sync) and check convergence.
// Light clients may be spread over several worker threads, so every edit's send time and receipt count live in
// SharedArrayBuffers indexed by (client slot, clock), and every thread reads the same monotonic clock (`now`):
// a receipt in any thread is timed against the send time written by any other.
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { TEXT_ROOT, awarenessFrame, encodeAwareness, encodeCharInsert, scanUpdate, syncUpdateFrame } from './wire.mjs'

// performance.now() counts from each thread's own time origin; process.hrtime is CLOCK_MONOTONIC, one clock for the
// whole process. Anchoring performance.now() (cheap, no BigInt) to it once per thread gives comparable times; the
// anchor is the tightest of a few bracketed reads (the first calls are slow enough to skew it by ~0.1 ms).
function hrtimeOffsetMs() {
  let best = { width: Infinity, offset: 0 }
  for (let i = 0; i < 20; i++) {
    const before = performance.now()
    const hr = Number(process.hrtime.bigint()) / 1e6
    const after = performance.now()
    if (after - before < best.width) best = { width: after - before, offset: hr - (before + after) / 2 }
  }
  return best.offset
}
const clockOffsetMs = hrtimeOffsetMs()

/** Milliseconds on the process-wide monotonic clock: comparable across worker threads. */
export const now = () => performance.now() + clockOffsetMs

/** Latency histogram: 0.1 ms bins up to 60 s, one overflow bin. */
export class Histogram {
  constructor(bins = new Uint32Array(600_001)) {
    this.bins = bins
    this.count = bins.reduce((n, b) => n + b, 0)
  }

  add(ms) {
    const bin = Math.min(this.bins.length - 1, Math.max(0, Math.round(ms * 10)))
    this.bins[bin]++
    this.count++
  }

  /** Adds another thread's bins (e.g. transferred from a worker) to this histogram. */
  merge(bins) {
    for (let i = 0; i < bins.length; i++) {
      if (bins[i] === 0) continue
      this.bins[i] += bins[i]
      this.count += bins[i]
    }
  }

  percentile(p) {
    if (this.count === 0) return null
    const target = Math.ceil(this.count * p)
    let seen = 0
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]
      if (seen >= target) return i / 10
    }
    return null
  }
}

// Per-edit state in `Registry.state`: not sent, sent outside the measured window, sent inside it.
const UNSENT = 0
const SENT = 1
const SENT_MEASURED = 2
// Slots of `Registry.control` (Int32, updated with Atomics from every thread).
const MEASURING = 0
const ACKED = 1
const ACK_ERRORS = 2

/**
 * Send times and receipt counts of every edit by (client slot, clock), in shared memory: one instance per thread
 * over the same buffers (`Registry.create` in the main thread, `new Registry(registry.shared)` in a worker). Each
 * thread keeps its own latency histogram; the main thread merges them.
 */
export class Registry {
  /** `clients`: every client id in slot order (full replicas first); `capacity`: most edits any client may send. */
  static create(clients, capacity) {
    const cells = clients.length * capacity
    return new Registry({
      clients,
      capacity,
      sentAt: new SharedArrayBuffer(cells * Float64Array.BYTES_PER_ELEMENT),
      state: new SharedArrayBuffer(cells * Int32Array.BYTES_PER_ELEMENT),
      receipts: new SharedArrayBuffer(cells * Int32Array.BYTES_PER_ELEMENT),
      control: new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT),
    })
  }

  constructor(shared) {
    this.shared = shared
    this.capacity = shared.capacity
    this.slotOf = new Map(shared.clients.map((client, slot) => [client, slot]))
    this.sentAt = new Float64Array(shared.sentAt)
    this.state = new Int32Array(shared.state)
    this.receipts = new Int32Array(shared.receipts)
    this.control = new Int32Array(shared.control)
    this.latency = new Histogram()
  }

  get measuring() { return Atomics.load(this.control, MEASURING) === 1 }
  set measuring(on) { Atomics.store(this.control, MEASURING, on ? 1 : 0) }

  get acked() { return Atomics.load(this.control, ACKED) }
  get ackErrors() { return Atomics.load(this.control, ACK_ERRORS) }
  countAck() { Atomics.add(this.control, ACKED, 1) }
  countAckError() { Atomics.add(this.control, ACK_ERRORS, 1) }

  /** Records a send; returns whether it falls in the measured window. */
  sent(client, clock, at) {
    const slot = this.slotOf.get(client)
    if (slot === undefined) throw new Error(`client ${client} has no slot`)
    if (clock >= this.capacity) throw new Error(`client ${client} sent more than ${this.capacity} edits`)
    const cell = slot * this.capacity + clock
    const measured = this.measuring
    this.sentAt[cell] = at
    // The Atomics store publishes sentAt: a thread that sees the state also sees the time.
    Atomics.store(this.state, cell, measured ? SENT_MEASURED : SENT)
    return measured
  }

  received(client, clock, length, at) {
    const slot = this.slotOf.get(client)
    if (slot === undefined) return
    const end = Math.min(clock + length, this.capacity)
    for (let c = clock; c < end; c++) {
      const cell = slot * this.capacity + c
      const state = Atomics.load(this.state, cell)
      if (state === UNSENT) continue
      Atomics.add(this.receipts, cell, 1)
      if (state === SENT_MEASURED) this.latency.add(at - this.sentAt[cell])
    }
  }

  /** Edits sent so far by every client, measured or not. */
  sentTotal() {
    let total = 0
    for (let cell = 0; cell < this.state.length; cell++) if (Atomics.load(this.state, cell) !== UNSENT) total++
    return total
  }

  /** Deliveries of measured edits expected at `receivers(slot)` light clients, how many arrived, and extra ones. */
  deliveries(receivers) {
    let expected = 0
    let received = 0
    let edits = 0
    let duplicates = 0
    for (let slot = 0; slot < this.shared.clients.length; slot++) {
      const want = receivers(slot)
      for (let c = 0; c < this.capacity; c++) {
        const cell = slot * this.capacity + c
        if (Atomics.load(this.state, cell) !== SENT_MEASURED) continue
        const got = Atomics.load(this.receipts, cell)
        edits++
        expected += want
        received += Math.min(want, got)
        if (got > want) duplicates += got - want
      }
    }
    return { edits, expected, received, lost: expected - received, duplicates }
  }
}

/** Acknowledgements (durable for Spotter) and errors: counts shared through the registry, latency per thread. */
export class AckStats {
  constructor(registry) {
    this.registry = registry
    this.latency = new Histogram()
    this.lastError = null
  }

  error(error) {
    this.registry.countAckError()
    this.lastError = String(error?.message ?? error)
  }

  track(promise, sentAt, measured) {
    promise.then(
      () => {
        this.registry.countAck()
        if (measured) this.latency.add(now() - sentAt)
      },
      error => this.error(error),
    )
  }
}

const letters = 'abcdefghijklmnopqrstuvwxyz'

export class LightClient {
  constructor(transport, client, registry, acks, withAwareness) {
    this.transport = transport
    this.client = client
    this.registry = registry
    this.acks = acks
    this.withAwareness = withAwareness
    this.clock = 0
    this.awarenessClock = 0
    this.char = letters[client % letters.length]
    this.awarenessFrames = 0
    transport.onFrame = frame => this.onFrame(frame)
  }

  type() {
    const clock = this.clock++
    const sentAt = now()
    const measured = this.registry.sent(this.client, clock, sentAt)
    this.acks.track(this.transport.send(syncUpdateFrame(encodeCharInsert(this.client, clock, this.char))), sentAt, measured)
    if (this.withAwareness) {
      const state = { user: { name: `light-${this.client}` }, cursor: { anchor: clock + 1, head: clock + 1 } }
      this.transport.send(awarenessFrame(encodeAwareness(this.client, ++this.awarenessClock, state))).catch(error => this.acks.error(error))
    }
  }

  onFrame(frame) {
    const receivedAt = now()
    if (frame[0] === 0 && (frame[1] === 1 || frame[1] === 2)) {
      const d = decoding.createDecoder(frame)
      decoding.readVarUint(d)
      decoding.readVarUint(d)
      const update = decoding.readVarUint8Array(d)
      scanUpdate(update, (client, clock, length) => {
        if (client !== this.client) this.registry.received(client, clock, length, receivedAt)
      })
    } else if (frame[0] === 1) {
      this.awarenessFrames++
    }
  }
}

const REMOTE = 'remote'

export class FullReplica {
  constructor(transport, client, registry, acks, withAwareness) {
    this.transport = transport
    this.registry = registry
    this.acks = acks
    this.withAwareness = withAwareness
    this.doc = new Y.Doc()
    this.doc.clientID = client // before Awareness reads it
    this.text = this.doc.getText(TEXT_ROOT)
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.awareness.setLocalState({ user: { name: `replica-${this.doc.clientID}` } })
    this.client = this.doc.clientID
    transport.onFrame = frame => this.onFrame(frame)
    this.doc.on('update', (update, origin) => {
      if (origin === REMOTE) return
      // type() recorded the send just before this synchronous update event.
      this.acks.track(this.transport.send(syncUpdateFrame(update)), this.lastSentAt, this.lastMeasured)
    })
    this.awareness.on('update', ({ added, updated }, origin) => {
      if (origin === REMOTE || !this.withAwareness) return
      if (!added.includes(this.client) && !updated.includes(this.client)) return
      this.transport.send(awarenessFrameOf(this.awareness, this.client)).catch(error => this.acks.error(error))
    })
  }

  /** Our step 1, so the server sends whatever the document already holds. */
  start() {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 0)
    syncProtocol.writeSyncStep1(e, this.doc)
    return this.transport.send(encoding.toUint8Array(e))
  }

  type() {
    const index = Math.floor(Math.random() * (this.text.length + 1))
    this.lastSentAt = now()
    this.lastMeasured = this.registry.sent(this.client, Y.getState(this.doc.store, this.client), this.lastSentAt)
    this.text.insert(index, 'R')
    if (this.withAwareness) this.awareness.setLocalStateField('cursor', { index: index + 1 })
  }

  onFrame(frame) {
    const d = decoding.createDecoder(frame)
    const type = decoding.readVarUint(d)
    if (type === 0) {
      const reply = encoding.createEncoder()
      encoding.writeVarUint(reply, 0)
      syncProtocol.readSyncMessage(d, reply, this.doc, REMOTE)
      if (encoding.length(reply) > 1) this.transport.send(encoding.toUint8Array(reply)).catch(error => this.acks.error(error))
    } else if (type === 1) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(d), REMOTE)
    }
  }
}

function awarenessFrameOf(awareness, client) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [client]))
  return encoding.toUint8Array(e)
}
