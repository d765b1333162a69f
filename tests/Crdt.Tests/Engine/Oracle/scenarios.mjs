import * as Y from 'yjs'
import crypto from 'crypto'
const hex = u => Buffer.from(u).toString('hex')
const out = {}
// 1. map/array
{
  const d = new Y.Doc(); d.clientID = 1
  const m = d.getMap('map')
  m.set('a', 1); m.set('b', 'x'); m.set('c', { k: 'v', n: 2, arr: [1, 'two', null] }); m.set('d', [1, 2]); m.set('e', null); m.set('f', true); m.set('g', 1.5)
  const arr = new Y.Array(); m.set('list', arr)
  arr.push(['p', 1, false]); arr.insert(1, ['q', 'r']); arr.delete(0, 2); arr.push([new Uint8Array([1, 2, 3])])
  const inner = new Y.Map(); arr.insert(0, [inner]); inner.set('deep', 'yes')
  m.set('a', 2); m.delete('b')
  const events = []
  const a = d.getArray('arr')
  a.observe(e => events.push({ delta: e.changes.delta }))
  m.observe(e => { const keys = {}; e.changes.keys.forEach((v, k) => { keys[k] = { action: v.action, oldValue: v.oldValue === undefined ? 'undefined' : v.oldValue } }); events.push({ keys }) })
  d.transact(() => { a.insert(0, [1, 2, 3, 4]); m.set('a', 3); m.set('z', 'new'); m.delete('e') })
  d.transact(() => { a.delete(1, 2); a.insert(1, ['x']); m.set('a', 4) })
  out.map = { v1: hex(Y.encodeStateAsUpdate(d)), v2: hex(Y.encodeStateAsUpdateV2(d)), json: JSON.stringify(m.toJSON()), arr: JSON.stringify(a.toJSON()), events: JSON.stringify(events) }
}
// 2. rich text
{
  const d = new Y.Doc(); d.clientID = 5
  const t = d.getText('t')
  const deltas = []
  t.observe(e => deltas.push(e.delta))
  t.insert(0, 'Hello world and more text')
  t.format(6, 5, { bold: true })
  t.insert(8, 'XY')
  t.insert(0, 'italic ', { italic: true })
  t.insertEmbed(3, { image: 'a.png' })
  t.format(0, 10, { bold: null, color: '#f00' })
  t.delete(5, 7)
  t.applyDelta([{ retain: 2 }, { insert: 'Δ', attributes: { underline: true } }, { retain: 3, attributes: { bold: true } }, { delete: 1 }])
  t.insert(t.length, '😀!')
  t.delete(t.length - 2, 1)
  out.text = { v1: hex(Y.encodeStateAsUpdate(d)), v2: hex(Y.encodeStateAsUpdateV2(d)), str: t.toString(), delta: JSON.stringify(t.toDelta()), events: JSON.stringify(deltas) }
}
// 3. xml
{
  const d = new Y.Doc(); d.clientID = 9
  const f = d.getXmlFragment('xml')
  const p = new Y.XmlElement('P'); const t = new Y.XmlText()
  f.insert(0, [p]); p.setAttribute('zeta', 'z'); p.setAttribute('alpha', '1')
  p.insert(0, [t]); t.insert(0, 'bold text'); t.format(0, 4, { b: {} }); t.format(5, 4, { a: { href: 'x', class: 'y' } })
  const hook = new Y.XmlHook('hk'); f.insert(1, [hook]); hook.set('k', 'v')
  const e2 = new Y.XmlElement('div'); f.insert(1, [e2]); e2.insert(0, [new Y.XmlText('plain')])
  out.xml = { v1: hex(Y.encodeStateAsUpdate(d)), v2: hex(Y.encodeStateAsUpdateV2(d)), str: p.toString() + '|' + e2.toString() + '|' + t.toString() }
}
// 4. concurrency + updates api
{
  const a = new Y.Doc(); a.clientID = 1
  const b = new Y.Doc(); b.clientID = 2
  const ua = [], ub = []
  a.on('update', u => ua.push(u)); b.on('update', u => ub.push(u))
  a.getText('t').insert(0, 'base text')
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  a.getText('t').insert(4, 'AAA'); b.getText('t').insert(4, 'BBB')
  a.getArray('l').insert(0, ['a1']); b.getArray('l').insert(0, ['b1'])
  a.getMap('m').set('k', 'fromA'); b.getMap('m').set('k', 'fromB')
  b.getText('t').delete(0, 2)
  const sva = Y.encodeStateVector(a)
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, sva)); Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  const all = [...ua, ...ub]
  const merged = Y.mergeUpdates(all)
  const mergedV2 = Y.mergeUpdatesV2(all.map(u => Y.convertUpdateFormatV1ToV2(u)))
  out.conc = {
    a: hex(Y.encodeStateAsUpdate(a)), b: hex(Y.encodeStateAsUpdate(b)), text: a.getText('t').toString(), list: JSON.stringify(a.getArray('l').toJSON()), m: a.getMap('m').get('k'),
    updates: all.map(hex), merged: hex(merged), mergedV2: hex(mergedV2),
    diff: hex(Y.diffUpdate(merged, sva)), sv: hex(Y.encodeStateVectorFromUpdate(merged)), v2: hex(Y.convertUpdateFormatV1ToV2(merged)),
    mergeSome: hex(Y.mergeUpdates([all[0], all[2], all[4]]))
  }
  // 5. pending: apply out of order
  const c = new Y.Doc(); c.clientID = 3
  Y.applyUpdate(c, all[2]); Y.applyUpdate(c, all[4])
  out.conc.pending = hex(Y.encodeStateAsUpdate(c))
  out.conc.pendingV2 = hex(Y.encodeStateAsUpdateV2(c))
  for (const u of all) Y.applyUpdate(c, u)
  out.conc.after = hex(Y.encodeStateAsUpdate(c))
}
console.log(JSON.stringify(out, null, 1))
