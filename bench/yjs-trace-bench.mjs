// Measures real yjs 13.6.33 (from tests/oracle/node_modules) on the shared editing traces, the
// baseline the C# engine's figures are compared with. Prints one JSON line per trace on stdout.
//
//   node --expose-gc bench/yjs-trace-bench.mjs [--runs N] [--warmup N] [--only name,name]
//
// Figures (each the median over the runs, after the warmup runs):
//   localApplyMs      replay of the trace, one transaction per trace txn (sequential traces only)
//   remoteApplyUsPerUpdate  the per-txn updates captured from a local replay applied to a fresh doc:
//                     total time / number of updates
//   remoteApplyUsMedian     median of the individually timed update applications of one run
//   decodeMs          Y.applyUpdate of the full V1 state into a fresh doc
//   encodeMs          Y.encodeStateAsUpdate of the loaded doc
//   memoryBytes       heap growth held by the loaded doc (process.memoryUsage().heapUsed after gc)
import { readFileSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '..')
const yjsEntry = join(repoRoot, 'tests/oracle/node_modules/yjs/dist/yjs.mjs')
if (!existsSync(yjsEntry)) {
  console.error(`yjs not installed: run 'npm ci' in tests/oracle (missing ${yjsEntry})`)
  process.exit(2)
}
const Y = await import(pathToFileURL(yjsEntry).href)
const yjsVersion = JSON.parse(readFileSync(join(repoRoot, 'tests/oracle/node_modules/yjs/package.json'))).version

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const runs = Number(option('runs', process.env.BENCH_RUNS ?? 5))
const warmup = Number(option('warmup', 1))
const only = option('only', null)?.split(',')
const dataDir = option('data', join(repoRoot, '../shared/data/editing-traces'))
if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc (memory figures need global.gc)')
  process.exit(2)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const now = () => Number(process.hrtime.bigint()) / 1e6 // ms
const round = (x, digits = 3) => Number(x.toFixed(digits))

function replayLocal (trace, onUpdate) {
  const doc = new Y.Doc()
  doc.clientID = 1234567890
  const text = doc.getText('text')
  if (onUpdate) doc.on('update', onUpdate)
  for (const txn of trace.txns) {
    doc.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (del > 0) text.delete(pos, del)
        if (ins.length > 0) text.insert(pos, ins)
      }
    })
  }
  return doc
}

function measure (fn) {
  for (let i = 0; i < warmup; i++) fn()
  const times = []
  for (let i = 0; i < runs; i++) times.push(fn())
  return median(times)
}

/** Heap bytes the value made by create() holds once everything transient has been collected. */
function heldBytes (create) {
  const samples = []
  for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
    global.gc(); global.gc()
    const before = process.memoryUsage().heapUsed
    let held = create()
    global.gc(); global.gc()
    samples.push(process.memoryUsage().heapUsed - before)
    if (held.getText('text').length < 0) console.log('unreachable') // keeps held alive until here
    held.destroy()
    held = null
  }
  return median(samples)
}

function benchDocState (name, fullV1, expectedContent, extra) {
  const decodeMs = measure(() => {
    const doc = new Y.Doc()
    const t0 = now()
    Y.applyUpdate(doc, fullV1)
    const t = now() - t0
    doc.destroy()
    return t
  })
  const loaded = new Y.Doc()
  Y.applyUpdate(loaded, fullV1)
  const content = loaded.getText('text').toString()
  if (expectedContent !== undefined && content !== expectedContent) throw new Error(`${name}: decoded content differs from endContent`)
  const encodeMs = measure(() => {
    const t0 = now()
    Y.encodeStateAsUpdate(loaded)
    return now() - t0
  })
  const memoryBytes = heldBytes(() => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, fullV1)
    return doc
  })
  loaded.destroy()
  return {
    trace: name,
    impl: 'yjs',
    version: yjsVersion,
    node: process.version,
    runs,
    ...extra,
    decodeMs: round(decodeMs),
    encodeMs: round(encodeMs),
    memoryBytes: Math.round(memoryBytes),
    stateBytesV1: fullV1.length,
    finalLength: content.length
  }
}

function benchSequential (name, file) {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'))
  const updates = []
  const reference = replayLocal(trace, (u) => updates.push(u))
  const content = reference.getText('text').toString()
  if (content !== trace.endContent) throw new Error(`${name}: replay does not give endContent`)
  const fullV1 = Y.encodeStateAsUpdate(reference)
  const golden = join(dataDir, `yjs-golden/${name}.yjs13.6.33-client1234567890.v1.bin`)
  const goldenMatches = existsSync(golden) ? Buffer.compare(readFileSync(golden), fullV1) === 0 : null
  reference.destroy()

  const localApplyMs = measure(() => {
    const t0 = now()
    const doc = replayLocal(trace)
    const t = now() - t0
    doc.destroy()
    return t
  })
  const remoteTotals = measure(() => {
    const doc = new Y.Doc()
    const t0 = now()
    for (const u of updates) Y.applyUpdate(doc, u)
    const t = now() - t0
    doc.destroy()
    return t
  })
  // One run with every update timed on its own, for the median of single applications.
  const single = new Float64Array(updates.length)
  {
    const doc = new Y.Doc()
    for (let i = 0; i < updates.length; i++) {
      const t0 = process.hrtime.bigint()
      Y.applyUpdate(doc, updates[i])
      single[i] = Number(process.hrtime.bigint() - t0) / 1e3
    }
    doc.destroy()
  }
  return benchDocState(name, fullV1, trace.endContent, {
    kind: 'sequential',
    txns: trace.txns.length,
    localApplyMs: round(localApplyMs),
    remoteApplyUsPerUpdate: round(remoteTotals * 1000 / updates.length),
    remoteApplyUsMedian: round(median(single)),
    goldenV1Matches: goldenMatches
  })
}

function benchUpdateFile (name, file) {
  // yjs-updates/*.yjs are V2 full states; decode/encode are measured on their V1 form.
  const doc = new Y.Doc()
  Y.applyUpdateV2(doc, new Uint8Array(readFileSync(file)))
  const fullV1 = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return benchDocState(name, fullV1, undefined, { kind: 'yjs-update' })
}

const sequential = ['automerge-paper', 'seph-blog1', 'clownschool_flat', 'friendsforever_flat']
const updateFiles = ['C1', 'C2', 'S1', 'S2']
for (const name of sequential) {
  if (only && !only.includes(name)) continue
  const file = join(dataDir, `sequential/${name}.json.gz`)
  if (!existsSync(file)) { console.error(`skip ${name}: ${file} missing`); continue }
  console.log(JSON.stringify(benchSequential(name, file)))
}
for (const name of updateFiles) {
  if (only && !only.includes(name)) continue
  const file = join(dataDir, `yjs-updates/${name}.yjs`)
  if (!existsSync(file)) { console.error(`skip ${name}: ${file} missing`); continue }
  console.log(JSON.stringify(benchUpdateFile(name, file)))
}
