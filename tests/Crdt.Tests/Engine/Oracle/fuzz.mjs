import * as Y from 'yjs'
import crypto from 'crypto'
const sha = u => crypto.createHash('sha256').update(u).digest('hex')
export function run (seed, steps) {
  let x = seed >>> 0
  const r = n => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x % n }
  const docs = [1, 2, 3].map(id => { const d = new Y.Doc(); d.clientID = id; return d })
  const sync = (a, b) => Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  for (let s = 0; s < steps; s++) {
    const d = docs[r(3)]
    const t = d.getText('t'); const a = d.getArray('a'); const m = d.getMap('m')
    const act = r(10)
    if (act <= 3) {
      const pos = r(t.length + 1); const n = 1 + r(3); let str = ''
      for (let i = 0; i < n; i++) str += String.fromCharCode(97 + r(26))
      if (act === 3) t.insert(pos, str, { bold: true }); else t.insert(pos, str)
    } else if (act === 4) {
      if (t.length > 0) { const pos = r(t.length); t.delete(pos, 1 + r(Math.min(3, t.length - pos))) }
    } else if (act === 5) {
      if (t.length > 0) { const pos = r(t.length); t.format(pos, 1 + r(Math.min(4, t.length - pos)), { italic: r(2) === 0 ? true : null }) }
    } else if (act === 6) {
      a.insert(r(a.length + 1), [r(100)])
    } else if (act === 7) {
      if (a.length > 0) a.delete(r(a.length), 1)
    } else if (act === 8) {
      m.set('k' + r(4), r(100))
    } else {
      const i = r(3); const j = r(3); if (i !== j) sync(docs[i], docs[j])
    }
  }
  for (const a of docs) for (const b of docs) if (a !== b) sync(a, b)
  return docs.map(d => sha(Y.encodeStateAsUpdate(d))).join(',') + '|' + JSON.stringify(docs[0].getText('t').toDelta()).length + '|' + docs[0].getText('t').toString()
}
const out = []
for (let seed = 1; seed <= 12; seed++) out.push(run(seed, 400))
console.log(JSON.stringify(out))
