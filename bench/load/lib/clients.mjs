// Simulated typists. Light clients encode their single-character inserts by hand and only scan received updates
// for (client, clock) ids; full replicas run real yjs (Doc + Awareness + y-protocols sync) and check convergence.
// Every edit's send time is kept in one Registry (all clients live in this process), so a receipt anywhere is
// timed against the same clock.
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { TEXT_ROOT, awarenessFrame, encodeAwareness, encodeCharInsert, scanUpdate, syncUpdateFrame } from './wire.mjs'

/** Latency histogram: 0.1 ms bins up to 60 s, one overflow bin. */
export class Histogram {
  constructor() {
    this.bins = new Uint32Array(600_001)
    this.count = 0
  }

  add(ms) {
    const bin = Math.min(this.bins.length - 1, Math.max(0, Math.round(ms * 10)))
    this.bins[bin]++
    this.count++
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

/** Send times and receipt counts of every edit, by (client id, clock). */
export class Registry {
  constructor() {
    this.senders = new Map()
    this.latency = new Histogram()
    this.measuring = false
    this.duplicates = 0
  }

  sender(client) {
    let entry = this.senders.get(client)
    if (!entry) this.senders.set(client, entry = { sentAt: [], measured: [], receipts: [] })
    return entry
  }

  sent(client, clock, at) {
    const entry = this.sender(client)
    entry.sentAt[clock] = at
    entry.measured[clock] = this.measuring
    entry.receipts[clock] = 0
  }

  received(client, clock, length, at) {
    const entry = this.senders.get(client)
    if (!entry) return
    for (let c = clock; c < clock + length; c++) {
      const sentAt = entry.sentAt[c]
      if (sentAt === undefined) continue
      entry.receipts[c]++
      if (entry.measured[c]) this.latency.add(at - sentAt)
    }
  }

  /** Deliveries of measured edits expected at `receivers(client)` light clients, and how many arrived. */
  deliveries(receivers) {
    let expected = 0
    let received = 0
    let edits = 0
    for (const [client, entry] of this.senders) {
      const want = receivers(client)
      for (let c = 0; c < entry.sentAt.length; c++) {
        if (!entry.measured[c]) continue
        edits++
        expected += want
        received += Math.min(want, entry.receipts[c])
        if (entry.receipts[c] > want) this.duplicates += entry.receipts[c] - want
      }
    }
    return { edits, expected, received, lost: expected - received }
  }
}

/** Shared counters of acknowledgements (durable for Spotter) and errors. */
export class AckStats {
  constructor() {
    this.latency = new Histogram()
    this.acked = 0
    this.measuredAcked = 0
    this.errors = 0
    this.measuring = false
    this.lastError = null
  }

  track(promise, sentAt, measured) {
    promise.then(
      () => {
        this.acked++
        if (measured) {
          this.measuredAcked++
          this.latency.add(performance.now() - sentAt)
        }
      },
      error => {
        this.errors++
        this.lastError = String(error?.message ?? error)
      },
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
    const now = performance.now()
    this.registry.sent(this.client, clock, now)
    this.acks.track(this.transport.send(syncUpdateFrame(encodeCharInsert(this.client, clock, this.char))), now, this.registry.measuring)
    if (this.withAwareness) {
      const state = { user: { name: `light-${this.client}` }, cursor: { anchor: clock + 1, head: clock + 1 } }
      this.transport.send(awarenessFrame(encodeAwareness(this.client, ++this.awarenessClock, state))).catch(error => {
        this.acks.errors++
        this.acks.lastError = String(error?.message ?? error)
      })
    }
  }

  onFrame(frame) {
    const now = performance.now()
    if (frame[0] === 0 && (frame[1] === 1 || frame[1] === 2)) {
      const d = decoding.createDecoder(frame)
      decoding.readVarUint(d)
      decoding.readVarUint(d)
      const update = decoding.readVarUint8Array(d)
      scanUpdate(update, (client, clock, length) => {
        if (client !== this.client) this.registry.received(client, clock, length, now)
      })
    } else if (frame[0] === 1) {
      this.awarenessFrames++
    }
  }
}

const REMOTE = 'remote'

export class FullReplica {
  constructor(transport, registry, acks, withAwareness) {
    this.transport = transport
    this.registry = registry
    this.acks = acks
    this.withAwareness = withAwareness
    this.doc = new Y.Doc()
    this.text = this.doc.getText(TEXT_ROOT)
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.awareness.setLocalState({ user: { name: `replica-${this.doc.clientID}` } })
    this.client = this.doc.clientID
    transport.onFrame = frame => this.onFrame(frame)
    this.doc.on('update', (update, origin) => {
      if (origin === REMOTE) return
      const now = performance.now()
      this.acks.track(this.transport.send(syncUpdateFrame(update)), now, this.registry.measuring)
    })
    this.awareness.on('update', ({ added, updated }, origin) => {
      if (origin === REMOTE || !this.withAwareness) return
      if (!added.includes(this.client) && !updated.includes(this.client)) return
      this.transport.send(awarenessFrameOf(this.awareness, this.client)).catch(() => { this.acks.errors++ })
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
    this.registry.sent(this.client, Y.getState(this.doc.store, this.client), performance.now())
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
      if (encoding.length(reply) > 1) this.transport.send(encoding.toUint8Array(reply)).catch(() => { this.acks.errors++ })
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
