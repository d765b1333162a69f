import * as Y from 'yjs'
const hex = u => Buffer.from(u).toString('hex')
const out = {}
{
  const d = new Y.Doc({ gc: false }); d.clientID = 11
  const t = d.getText('t')
  t.insert(0, 'hello world')
  const s1 = Y.snapshot(d)
  t.delete(0, 6); t.insert(0, 'HEY '); t.format(0, 3, { bold: true })
  const s2 = Y.snapshot(d)
  out.snap = {
    s1: hex(Y.encodeSnapshot(s1)), s1v2: hex(Y.encodeSnapshotV2(s1)), s2: hex(Y.encodeSnapshot(s2)),
    delta1: JSON.stringify(t.toDelta(s1)), delta21: JSON.stringify(t.toDelta(s2, s1)),
    restored: Y.createDocFromSnapshot(d, s1).getText('t').toString(),
    equal: String(Y.equalSnapshots(s1, Y.decodeSnapshot(Y.encodeSnapshot(s1)))) + String(Y.equalSnapshots(s1, s2)),
    doc: hex(Y.encodeStateAsUpdate(d))
  }
}
{
  const d = new Y.Doc(); d.clientID = 12
  const t = d.getText('t'); t.insert(0, 'abcdef')
  const m = d.getMap('m'); const arr = new Y.Array(); m.set('arr', arr); arr.insert(0, [1, 2, 3])
  const p1 = Y.createRelativePositionFromTypeIndex(t, 3)
  const p2 = Y.createRelativePositionFromTypeIndex(t, 3, -1)
  const p3 = Y.createRelativePositionFromTypeIndex(t, 6)
  const p4 = Y.createRelativePositionFromTypeIndex(arr, 1)
  const p5 = Y.createRelativePositionFromTypeIndex(arr, 3)
  const p6 = Y.createRelativePositionFromTypeIndex(t, 0, -1)
  t.insert(0, 'XX'); t.insert(5, 'Y'); arr.delete(0, 1)
  const res = [p1, p2, p3, p4, p5, p6].map(p => { const a = Y.createAbsolutePositionFromRelativePosition(p, d); return a.index })
  out.rel = { enc: [p1, p2, p3, p4, p5, p6].map(p => hex(Y.encodeRelativePosition(p))), idx: res.join(',') }
}
{
  const d = new Y.Doc(); d.clientID = 13
  const sub = new Y.Doc({ guid: 'sub-1', meta: { a: 1 }, autoLoad: true })
  d.getMap('m').set('sub', sub)
  const sub2 = new Y.Doc({ guid: 'sub-2', gc: false })
  d.getArray('a').insert(0, [sub2])
  out.subdoc = { v1: hex(Y.encodeStateAsUpdate(d)), v2: hex(Y.encodeStateAsUpdateV2(d)) }
}
console.log(JSON.stringify(out, null, 1))
