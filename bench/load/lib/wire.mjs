// Light clients' yjs traffic, encoded and decoded by hand so that hundreds of simulated typists fit in one
// Node process: a V1 update holding one single-character insert, an awareness update for one client id, and a
// struct-header scan of received V1 updates that yields (client, clock, length) for every struct.
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const TEXT_ROOT = 't'

// yjs struct/content references (src/utils/UpdateDecoder.js, src/structs/*.js).
const GC = 0
const CONTENT_DELETED = 1
const CONTENT_JSON = 2
const CONTENT_BINARY = 3
const CONTENT_STRING = 4
const CONTENT_EMBED = 5
const CONTENT_FORMAT = 6
const SKIP = 10
const HAS_ORIGIN = 0x80
const HAS_RIGHT_ORIGIN = 0x40
const HAS_PARENT_SUB = 0x20

/**
 * V1 update inserting `char` by `client` at `clock`. The first insert of a client has no origin and names the root
 * text as its parent (it lands at the start of the text); every later one sits right after the client's previous
 * character. Each light client thus types its own run of characters, a valid and convergent yjs history.
 */
export function encodeCharInsert(client, clock, char) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // clients with structs
  encoding.writeVarUint(e, 1) // structs of that client
  encoding.writeVarUint(e, client)
  encoding.writeVarUint(e, clock)
  if (clock === 0) {
    encoding.writeUint8(e, CONTENT_STRING)
    encoding.writeVarUint(e, 1) // parent is a root type named by a string
    encoding.writeVarString(e, TEXT_ROOT)
  } else {
    encoding.writeUint8(e, CONTENT_STRING | HAS_ORIGIN)
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock - 1)
  }
  encoding.writeVarString(e, char)
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

/** y-protocols awareness update for one client: [count, client, clock, JSON state]. */
export function encodeAwareness(client, clock, state) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint(e, client)
  encoding.writeVarUint(e, clock)
  encoding.writeVarString(e, JSON.stringify(state))
  return encoding.toUint8Array(e)
}

/** y-websocket frame: sync/update (0, 2, update). */
export function syncUpdateFrame(update) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  encoding.writeVarUint(e, 2)
  encoding.writeVarUint8Array(e, update)
  return encoding.toUint8Array(e)
}

/** y-websocket frame: awareness (1, update). */
export function awarenessFrame(update) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint8Array(e, update)
  return encoding.toUint8Array(e)
}

function skipId(d) {
  decoding.readVarUint(d)
  decoding.readVarUint(d)
}

/**
 * Calls `visit(client, clock, length)` for every Item struct in a V1 update (GC and Skip structs are not content
 * anyone typed, so they are passed over). Throws on content kinds the benchmark never produces.
 */
export function scanUpdate(update, visit) {
  const d = decoding.createDecoder(update)
  const clients = decoding.readVarUint(d)
  for (let i = 0; i < clients; i++) {
    const structs = decoding.readVarUint(d)
    const client = decoding.readVarUint(d)
    let clock = decoding.readVarUint(d)
    for (let s = 0; s < structs; s++) {
      const info = decoding.readUint8(d)
      const ref = info & 0x1f
      if (ref === GC || ref === SKIP) {
        clock += decoding.readVarUint(d)
        continue
      }
      if (info & HAS_ORIGIN) skipId(d)
      if (info & HAS_RIGHT_ORIGIN) skipId(d)
      if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
        if (decoding.readVarUint(d) === 1) decoding.readVarString(d)
        else skipId(d)
        if (info & HAS_PARENT_SUB) decoding.readVarString(d)
      }
      let length
      switch (ref) {
        case CONTENT_DELETED:
          length = decoding.readVarUint(d)
          break
        case CONTENT_STRING:
          length = decoding.readVarString(d).length
          break
        case CONTENT_JSON: {
          length = decoding.readVarUint(d)
          for (let j = 0; j < length; j++) decoding.readVarString(d)
          break
        }
        case CONTENT_BINARY:
          decoding.readVarUint8Array(d)
          length = 1
          break
        case CONTENT_EMBED:
          decoding.readVarString(d)
          length = 1
          break
        case CONTENT_FORMAT:
          decoding.readVarString(d)
          decoding.readVarString(d)
          length = 1
          break
        default:
          throw new Error(`content ref ${ref} is not produced by this benchmark`)
      }
      if (ref !== CONTENT_DELETED) visit(client, clock, length)
      clock += length
    }
  }
}
