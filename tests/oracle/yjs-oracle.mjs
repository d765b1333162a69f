// Reference yjs replicas for the C# engine's differential tests.
//
// A long-lived process: one JSON request per line on stdin, one JSON response per line on stdout,
// answered strictly in order. Many replicas ("docs") live in one process so a test class pays the
// node start-up once.
//
// Request:  {"id": 7, "cmd": "transact", "doc": "a", ...}
// Response: {"id": 7, "ok": true, "result": ...}  or  {"id": 7, "ok": false, "error": "message"}
//
// Values that JSON cannot carry are tagged both ways: {"$bytes": base64} is a Uint8Array,
// {"$undefined": true} is undefined, {"$bigint": "123"} is a BigInt. Binary updates and state
// vectors are base64 strings. A value {"$type": "map"|"text"|"array", ...} in an op creates a nested shared type.
//
// Commands (see README.md next to this file for the op shapes):
//   create {doc, clientId, gc}            new replica; its clientID is fixed so encodings are comparable
//   destroy {doc}
//   transact {doc, ops, origin?, readAfter?}  all ops in one transaction -> {v1: [b64...], v2: [b64...], state?}
//   applyUpdate {doc, update, v2?, readAfter?} -> the update events it caused, like transact
//                                         (readAfter: root names as for read; the state after, in the same answer)
//   encodeState {doc, sv?, v2?}           Y.encodeStateAsUpdate(V2)(doc, sv) -> b64
//   stateVector {doc}                     Y.encodeStateVector(doc) -> b64
//   read {doc, texts?, maps?, arrays?, xml?}  root names per kind -> their JSON/string/delta views
//   mergeUpdates {updates, v2?}, diffUpdate {update, sv, v2?}, stateVectorFromUpdate {update, v2?},
//   convertUpdate {update, to: "v1"|"v2"}  update-level functions that need no doc
//   ping                                  -> "pong" (and the yjs version)
import * as Y from 'yjs'
import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'

const yjsVersion = JSON.parse(readFileSync(new URL('./node_modules/yjs/package.json', import.meta.url))).version

/** @type {Map<string, {doc: Y.Doc, v1: Uint8Array[], v2: Uint8Array[]}>} */
const replicas = new Map()

const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64')
const fromB64 = (s) => new Uint8Array(Buffer.from(s ?? '', 'base64'))

/**
 * Turns the tags back into JS values. A walk after parsing rather than a JSON.parse reviver, because a
 * reviver that returns undefined deletes the property, and {"k": undefined} must keep its key for lib0.
 */
function untag (value) {
  if (Array.isArray(value)) return value.map(untag)
  if (value !== null && typeof value === 'object') {
    if (typeof value.$type === 'string') return newSharedType(value)
    const keys = Object.keys(value)
    if (keys.length === 1) {
      if (keys[0] === '$bytes') return fromB64(value.$bytes)
      if (keys[0] === '$undefined') return undefined
      if (keys[0] === '$bigint') return BigInt(value.$bigint)
    }
    const out = {}
    for (const key of keys) out[key] = untag(value[key])
    return out
  }
  return value
}

/** {"$type": "map", entries} / {"$type": "text", text} / {"$type": "array", values}: a new nested shared type. */
function newSharedType (spec) {
  switch (spec.$type) {
    case 'map': {
      const map = new Y.Map()
      for (const [key, value] of Object.entries(spec.entries ?? {})) map.set(key, untag(value))
      return map
    }
    case 'text': return new Y.Text(spec.text ?? '')
    case 'array': {
      const array = new Y.Array()
      array.push((spec.values ?? []).map(untag))
      return array
    }
    default: throw new Error(`unknown $type ${spec.$type}`)
  }
}

/** JSON.stringify replacer writing the tags. Shared types are rendered through their toJSON(). */
function replaceTagged (_key, value) {
  if (value === undefined) return { $undefined: true }
  if (typeof value === 'bigint') return { $bigint: value.toString() }
  if (value instanceof Uint8Array) return { $bytes: b64(value) }
  if (value instanceof Y.AbstractType) return value.toJSON()
  return value
}

function replica (name) {
  const r = replicas.get(name)
  if (r === undefined) throw new Error(`no replica named ${JSON.stringify(name)}`)
  return r
}

/** Runs fn and returns the V1 and V2 update events it caused on the replica. */
function capturing (r, fn, readAfter) {
  r.v1.length = 0
  r.v2.length = 0
  fn()
  const result = { v1: r.v1.map(b64), v2: r.v2.map(b64) }
  // Callers that generate the next op from the replica's state ask for it here to save a round trip.
  if (readAfter) result.state = readState(r.doc, readAfter)
  r.v1.length = 0
  r.v2.length = 0
  return result
}

/** Walks child indices down from an XmlFragment root. */
function xmlNode (doc, op) {
  let node = doc.getXmlFragment(op.name)
  for (const index of op.path ?? []) {
    if (!(node instanceof Y.XmlFragment) || index >= node.length) {
      throw new Error(`xml path ${JSON.stringify(op.path)} does not exist`)
    }
    node = node.get(index)
  }
  return node
}

function applyTextOp (text, op) {
  switch (op.op) {
    case 'insert': text.insert(op.index, op.text, op.attrs ?? undefined); break
    case 'delete': text.delete(op.index, op.length); break
    case 'format': text.format(op.index, op.length, op.attrs); break
    case 'insertEmbed': text.insertEmbed(op.index, op.embed, op.attrs ?? undefined); break
    case 'applyDelta': text.applyDelta(op.delta); break
    default: throw new Error(`unknown text op ${op.op}`)
  }
}

function newXmlChild (op) {
  if (op.nodeName !== undefined) {
    const element = new Y.XmlElement(op.nodeName)
    for (const [key, value] of Object.entries(op.attrs ?? {})) element.setAttribute(key, value)
    return element
  }
  const text = new Y.XmlText()
  if (op.text) text.insert(0, op.text, op.textAttrs ?? undefined)
  return text
}

function applyOp (doc, op) {
  switch (op.type) {
    case 'text':
      applyTextOp(doc.getText(op.name), op)
      break
    case 'map': {
      const map = doc.getMap(op.name)
      if (op.op === 'set') map.set(op.key, op.value)
      else if (op.op === 'delete') map.delete(op.key)
      else throw new Error(`unknown map op ${op.op}`)
      break
    }
    case 'array': {
      const array = doc.getArray(op.name)
      if (op.op === 'insert') array.insert(op.index, op.values)
      else if (op.op === 'push') array.push(op.values)
      else if (op.op === 'delete') array.delete(op.index, op.length)
      else throw new Error(`unknown array op ${op.op}`)
      break
    }
    case 'xml': {
      const node = xmlNode(doc, op)
      switch (op.op) {
        // Structure: node is a fragment or element.
        case 'insertElement':
        case 'insertText':
          if (!(node instanceof Y.XmlFragment)) throw new Error('insert target is not a fragment/element')
          node.insert(op.index, [newXmlChild(op.op === 'insertText' ? { ...op, nodeName: undefined } : op)])
          break
        case 'delete':
          if (!(node instanceof Y.XmlFragment)) throw new Error('delete target is not a fragment/element')
          node.delete(op.index, op.length ?? 1)
          break
        case 'setAttribute':
          if (!(node instanceof Y.XmlElement)) throw new Error('setAttribute target is not an element')
          node.setAttribute(op.key, op.value)
          break
        case 'removeAttribute':
          if (!(node instanceof Y.XmlElement)) throw new Error('removeAttribute target is not an element')
          node.removeAttribute(op.key)
          break
        // Text: node is an XmlText.
        case 'textInsert': case 'textDelete': case 'textFormat': case 'textInsertEmbed':
          if (!(node instanceof Y.XmlText)) throw new Error(`${op.op} target is not an XmlText`)
          applyTextOp(node, { ...op, op: op.op[4].toLowerCase() + op.op.slice(5) })
          break
        default: throw new Error(`unknown xml op ${op.op}`)
      }
      break
    }
    default: throw new Error(`unknown op type ${op.type}`)
  }
}

function xmlView (node) {
  // toString alone hides attribute types and text deltas; the tree view compares those too.
  if (node instanceof Y.XmlText) return { text: node.toString(), delta: node.toDelta() }
  const view = { children: node.toArray().map(xmlView) }
  if (node instanceof Y.XmlElement) {
    view.nodeName = node.nodeName
    view.attrs = node.getAttributes()
  }
  return view
}

/** The readable views of the named roots: {texts: {name: {string, delta}}, maps, arrays, xml: {name: {string, tree}}}. */
function readState (doc, names) {
  const out = { texts: {}, maps: {}, arrays: {}, xml: {} }
  for (const name of names.texts ?? []) {
    const text = doc.getText(name)
    out.texts[name] = { string: text.toString(), delta: text.toDelta() }
  }
  for (const name of names.maps ?? []) out.maps[name] = doc.getMap(name).toJSON()
  for (const name of names.arrays ?? []) out.arrays[name] = doc.getArray(name).toJSON()
  for (const name of names.xml ?? []) {
    const fragment = doc.getXmlFragment(name)
    out.xml[name] = { string: fragment.toString(), tree: xmlView(fragment) }
  }
  return out
}

const commands = {
  ping: () => ({ pong: true, yjs: yjsVersion }),
  create: (req) => {
    if (replicas.has(req.doc)) throw new Error(`replica ${req.doc} exists`)
    const doc = new Y.Doc({ gc: req.gc ?? true })
    doc.clientID = req.clientId
    const r = { doc, v1: [], v2: [] }
    doc.on('update', (update) => { r.v1.push(update) })
    doc.on('updateV2', (update) => { r.v2.push(update) })
    replicas.set(req.doc, r)
    return null
  },
  destroy: (req) => {
    replica(req.doc).doc.destroy()
    replicas.delete(req.doc)
    return null
  },
  destroyAll: () => {
    for (const r of replicas.values()) r.doc.destroy()
    replicas.clear()
    return null
  },
  transact: (req) => {
    const r = replica(req.doc)
    return capturing(r, () => r.doc.transact(() => { for (const op of req.ops) applyOp(r.doc, op) }, req.origin ?? null), req.readAfter)
  },
  applyUpdate: (req) => {
    const r = replica(req.doc)
    return capturing(r, () => {
      if (req.v2) Y.applyUpdateV2(r.doc, fromB64(req.update), 'remote')
      else Y.applyUpdate(r.doc, fromB64(req.update), 'remote')
    }, req.readAfter)
  },
  encodeState: (req) => {
    const { doc } = replica(req.doc)
    const sv = req.sv ? fromB64(req.sv) : undefined
    return b64(req.v2 ? Y.encodeStateAsUpdateV2(doc, sv) : Y.encodeStateAsUpdate(doc, sv))
  },
  stateVector: (req) => b64(Y.encodeStateVector(replica(req.doc).doc)),
  read: (req) => readState(replica(req.doc).doc, req),
  mergeUpdates: (req) => {
    const updates = req.updates.map(fromB64)
    return b64(req.v2 ? Y.mergeUpdatesV2(updates) : Y.mergeUpdates(updates))
  },
  diffUpdate: (req) => b64((req.v2 ? Y.diffUpdateV2 : Y.diffUpdate)(fromB64(req.update), fromB64(req.sv))),
  stateVectorFromUpdate: (req) =>
    b64((req.v2 ? Y.encodeStateVectorFromUpdateV2 : Y.encodeStateVectorFromUpdate)(fromB64(req.update))),
  convertUpdate: (req) =>
    b64(req.to === 'v2' ? Y.convertUpdateFormatV1ToV2(fromB64(req.update)) : Y.convertUpdateFormatV2ToV1(fromB64(req.update)))
}

// Responses are buffered per input chunk: writing one line per request would make a
// thousand-request burst cost a thousand syscalls.
let pending = []
let flushScheduled = false
function respond (obj) {
  pending.push(JSON.stringify(obj, replaceTagged))
  if (!flushScheduled) {
    flushScheduled = true
    setImmediate(() => {
      flushScheduled = false
      const text = pending.join('\n') + '\n'
      pending = []
      process.stdout.write(text)
    })
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', (line) => {
  if (line.trim() === '') return
  let req
  try {
    req = untag(JSON.parse(line))
  } catch (e) {
    respond({ id: null, ok: false, error: `bad request line: ${e.message}` })
    return
  }
  const handler = commands[req.cmd]
  if (handler === undefined) {
    respond({ id: req.id, ok: false, error: `unknown command ${req.cmd}` })
    return
  }
  try {
    respond({ id: req.id, ok: true, result: handler(req) })
  } catch (e) {
    respond({ id: req.id, ok: false, error: e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e) })
  }
})
lines.on('close', () => {
  for (const r of replicas.values()) r.doc.destroy()
  // Let the last buffered responses drain before exiting.
  setImmediate(() => process.exit(0))
})
