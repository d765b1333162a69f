// Live co-editing load benchmark. Starts each target in turn on a free loopback port (the Release Spotter.Collab
// WebHost, built beforehand, with a temp data dir; in-memory Hocuspocus; in-memory @y/websocket-server), runs the
// scenarios against it, stops it. Prints one JSON line per scenario and a summary, and (with --write-docs) writes
// the "Live co-editing" section of docs/benchmarks.md.
//
// One document (default): N clients on one document, 2 edits/s each, awareness on or off.
// node run.mjs [--clients 100,500] [--awareness off,on] [--duration 20] [--warmup 3] [--drain 10]
//              [--replicas 3] [--targets spotter,hocuspocus,ywebsocket] [--repeat 1] [--workers 2] [--write-docs]
//
// Many documents (--documents D): N clients dealt round-robin over D documents, every client a real yjs replica
// typing --rate edits/s (or --total-rate edits/s in all); `--scenario rest` is the at-rest run (60 edits/s in all
// after a 60 s warm-up unless given).
// node run.mjs --documents 200 --clients 600 [--rate 1 | --total-rate 60] [--scenario load|rest] [--duration 20]
//
// --pin runs every scenario twice, unpinned and then with the server under `taskset -c 0` and this generator
// (all its threads) on core 1 (`--pinning off|on|both` picks). --max-minutes bounds the whole run (default 60).
// --workers N spreads the clients round-robin over N worker threads (--workers 1: all in the main thread), so one
// event loop does not timestamp a whole broadcast burst one message after another; each thread's event-loop delay
// and the generator's CPU are in every line, and `generatorSaturated` flags a generator that was the bottleneck.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as Y from 'yjs'
import { AckStats, FullReplica, Histogram, Registry, now } from './lib/clients.mjs'
import { LightGroup, WorkerLights, loopDelayMonitor, loopDelayP99Ms } from './lib/lights.mjs'
import { ReplicaGroup } from './lib/replicas.mjs'
import { allowedCpus, inParallel, limitRunTime, pinGenerator, processSample, runQueueWait, runQueueWaitBetween, startRuntimeCounters, startTarget, versions, waitFor } from './lib/targets.mjs'
import { createTransport } from './lib/transports.mjs'
import { TEXT_ROOT, encodeCharInsert } from './lib/wire.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')
const EDITS_PER_SECOND = 2
const CONNECT_BATCH = 25
// A generator above this share of the cores it may use, or with an event loop this late (p99), is flagged as the
// possible bottleneck of its run.
const GENERATOR_SATURATED_CPU = 0.85
const GENERATOR_SATURATED_LOOP_DELAY_MS = 20
const ACK_KIND = { spotter: 'durable', hocuspocus: 'applied', ywebsocket: 'none' }

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '100,500' },
    awareness: { type: 'string', default: 'off,on' },
    documents: { type: 'string' },
    rate: { type: 'string', default: '1' },
    'total-rate': { type: 'string' },
    scenario: { type: 'string', default: 'load' },
    pin: { type: 'boolean', default: false },
    pinning: { type: 'string', default: 'off' },
    'max-minutes': { type: 'string', default: '60' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string' },
    drain: { type: 'string', default: '10' },
    replicas: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'spotter,hocuspocus,ywebsocket' },
    repeat: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    'write-docs': { type: 'boolean', default: false },
    // Rebuild the summary (and docs section) from JSON lines of earlier runs instead of measuring.
    from: { type: 'string', multiple: true, default: [] },
  },
})
const clientCounts = args.clients.split(',').map(Number)
const awarenessModes = args.awareness.split(',').map(mode => mode === 'on')
const documentsMode = args.documents !== undefined
const documentCount = Number(args.documents)
if (!['load', 'rest'].includes(args.scenario)) throw new Error('--scenario is load or rest')
const atRest = args.scenario === 'rest'
const totalRate = args['total-rate'] !== undefined ? Number(args['total-rate']) : atRest ? 60 : null
if (documentsMode && (!Number.isInteger(documentCount) || documentCount < 1 || clientCounts.some(n => n < documentCount))) {
  throw new Error('--documents must be a positive integer no larger than every --clients count')
}
if (!['off', 'on', 'both'].includes(args.pinning)) throw new Error('--pinning is off, on or both')
const pinModes = args.pin || args.pinning === 'both' ? [false, true] : args.pinning === 'on' ? [true] : [false]
const durationS = Number(args.duration)
const warmupS = Number(args.warmup ?? (documentsMode && atRest ? 60 : documentsMode ? 10 : 3))
const drainS = Number(args.drain)
const replicaCount = Number(args.replicas)
const targets = args.targets.split(',')
const repeat = Number(args.repeat)
const workerCount = Number(args.workers)
if (!Number.isInteger(workerCount) || workerCount < 1) throw new Error('--workers must be a positive integer')

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

const runVersions = versions()

function selfCheck() {
  // The hand-encoded inserts must be real yjs updates: two clients typing in turn, applied to a real Y.Doc.
  const doc = new Y.Doc()
  for (let clock = 0; clock < 3; clock++) {
    Y.applyUpdate(doc, encodeCharInsert(1001, clock, 'a'))
    Y.applyUpdate(doc, encodeCharInsert(2002, clock, 'b'))
  }
  const text = doc.getText(TEXT_ROOT).toString()
  if (text.length !== 6 || text.replaceAll('a', '').length !== 3) throw new Error(`light updates do not decode as inserts: ${text}`)
}


// ---- one scenario --------------------------------------------------------------------------------------

/**
 * Time the server's and the generator's threads waited for a CPU while runnable, per second of the window (100 =
 * one thread-second per second): the share of contention from other processes on a shared machine.
 */
function runQueueWaitFigures(before, pid, elapsedS) {
  const pct = (then, now) => Math.round((runQueueWaitBetween(then, now) / elapsedS) * 100)
  return {
    serverRunQueueWaitPct: pct(before.server, runQueueWait(pid)),
    generatorRunQueueWaitPct: pct(before.generator, runQueueWait(process.pid)),
  }
}

/** How busy the generator was: its CPU against the cores it may use, and its threads' event-loop delay. */
function generatorFigures(cpu, elapsedS, pinned, workerDelays, mainDelay) {
  const cores = pinned ? 1 : os.cpus().length
  const cpuPct = Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100)
  const worstDelay = Math.max(mainDelay ?? 0, ...workerDelays.map(d => d ?? 0))
  return {
    generatorCpuPct: cpuPct,
    generatorCores: cores,
    // Event-loop delay beyond the 5 ms sampling interval: the worst p99 of the threads that time receipts, then
    // each of them, then the main thread's (coordination; with --workers 1 it hosts the clients too).
    generatorLoopDelayP99Ms: Math.max(...workerDelays.map(d => d ?? 0)),
    generatorLoopDelayP99MsByWorker: workerDelays,
    generatorMainLoopDelayP99Ms: mainDelay,
    generatorSaturated: cpuPct >= GENERATOR_SATURATED_CPU * 100 * cores || worstDelay >= GENERATOR_SATURATED_LOOP_DELAY_MS,
  }
}

async function runScenario(target, clients, withAwareness, round, pinned) {
  const docId = await target.newDocument(`load-${clients}-${withAwareness ? 'aw' : 'noaw'}-${round}-${Date.now()}`)
  const transport = target.transport(docId)
  const lightCount = clients - replicaCount
  // Slots: full replicas first, then the light clients; every client id is distinct.
  const ids = []
  const usedIds = new Set()
  while (ids.length < clients) {
    const id = 1 + Math.floor(Math.random() * 0x7fffffff)
    if (usedIds.has(id)) continue
    usedIds.add(id)
    ids.push(id)
  }
  // Typing starts about a second after connecting and lasts warm-up + measured window; the margin covers a late
  // stop and timers that fire late.
  const capacity = Math.ceil((warmupS + durationS + drainS + 10) * EDITS_PER_SECOND)
  const registry = Registry.create(ids, capacity)
  const acks = new AckStats(registry)
  const replicas = ids.slice(0, replicaCount).map(id => new FullReplica(createTransport(transport), id, registry, acks, withAwareness))

  // Light clients round-robin over the threads, so each thread gets clients of every typing phase.
  const threads = Math.min(workerCount, Math.max(1, lightCount))
  const groups = []
  for (let t = 0; t < threads; t++) {
    const members = []
    for (let slot = replicaCount + t; slot < clients; slot += threads) members.push({ client: ids[slot], slot })
    const options = { registry: threads === 1 ? registry : registry.shared, transport, members, slotCount: clients, withAwareness }
    groups.push(threads === 1 ? new LightGroup(options) : new WorkerLights(options))
  }
  for (const replica of replicas) await replica.transport.connect()
  // CONNECT_BATCH connections in flight in all, as many per thread.
  await Promise.all(groups.map(g => g.connect(Math.max(1, Math.floor(CONNECT_BATCH / threads)))))
  await Promise.all(replicas.map(r => r.start()))
  await sleep(1000)

  // Every client types EDITS_PER_SECOND edits per second, phases spread evenly over the interval by slot.
  const period = 1000 / EDITS_PER_SECOND
  const typingStartsAt = now() + 50
  const timers = []
  replicas.forEach((replica, slot) => {
    timers.push(setTimeout(() => {
      replica.type()
      timers.push(setInterval(() => replica.type(), period))
    }, Math.max(0, typingStartsAt + (slot / clients) * period - now())))
  })
  await Promise.all(groups.map(g => g.startTyping(typingStartsAt, period)))

  await sleep(warmupS * 1000)
  const loadBefore = os.loadavg()[0]
  const before = processSample(target.pid)
  const waitBefore = { server: runQueueWait(target.pid), generator: runQueueWait(process.pid) }
  const generatorBefore = process.cpuUsage() // every thread of the generator
  const startedAt = performance.now()
  const acksBefore = registry.acked
  registry.measuring = true
  // How long the generator's event loops kept messages waiting: part of every measured latency.
  const mainLoopDelay = loopDelayMonitor()
  mainLoopDelay.enable()
  await Promise.all(groups.map(g => g.startLoopDelay()))
  let peakRss = before.rssMb
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, processSample(target.pid).rssMb) }, 1000)
  await sleep(durationS * 1000)
  registry.measuring = false
  mainLoopDelay.disable()
  const elapsedS = (performance.now() - startedAt) / 1000
  const after = processSample(target.pid)
  const generatorCpu = process.cpuUsage(generatorBefore)
  const contention = runQueueWaitFigures(waitBefore, target.pid, elapsedS)
  const ackedInWindow = registry.acked - acksBefore
  clearInterval(sampler)
  await Promise.all(groups.map(g => g.stopLoopDelay()))
  for (const timer of timers) clearTimeout(timer) // clears intervals too
  await Promise.all(groups.map(g => g.stopTyping()))

  // Drain: wait (bounded) until every measured edit reached every other light client.
  const receivers = slot => (slot < replicaCount ? lightCount : lightCount - 1)
  const drainDeadline = performance.now() + drainS * 1000
  let deliveries = registry.deliveries(receivers)
  while (deliveries.lost > 0 && performance.now() < drainDeadline) {
    await sleep(250)
    deliveries = registry.deliveries(receivers)
  }
  const sentTotal = registry.sentTotal()
  await waitFor(() => registry.acked + registry.ackErrors >= sentTotal, Math.max(1000, drainDeadline - performance.now()), 'acks').catch(() => {})
  await waitFor(() => replicas.every(r => r.text.length >= sentTotal), 5000, 'replicas').catch(() => {})

  const texts = replicas.map(r => r.text.toString())
  const serverText = await target.serverText(docId)
  const converged = texts.every(t => t === texts[0]) && texts[0].length === sentTotal && (serverText === null || serverText === texts[0])

  const reports = await Promise.all(groups.map(g => g.close()))
  await Promise.all(replicas.map(r => r.transport.close().catch(() => {})))
  for (const replica of replicas) {
    replica.awareness.destroy()
    replica.doc.destroy()
  }
  const latency = new Histogram()
  const ackLatency = new Histogram()
  ackLatency.merge(acks.latency.bins)
  for (const report of reports) {
    latency.merge(report.latencyBins)
    ackLatency.merge(report.ackLatencyBins)
  }
  const rejected = reports.reduce((n, r) => n + r.rejected, 0) + replicas.reduce((n, r) => n + r.transport.rejected, 0)
  const lastError = acks.lastError ?? reports.find(r => r.lastError)?.lastError
  const loopDelays = reports.map(r => r.loopDelayP99Ms)

  return {
    server: target.name,
    mode: 'document',
    pinned,
    cpus: { server: allowedCpus(target.pid), generator: allowedCpus(process.pid) },
    versions: runVersions,
    ackKind: ACK_KIND[target.name],
    clients,
    replicas: replicaCount,
    awareness: withAwareness,
    round,
    workers: threads,
    seconds: Number(elapsedS.toFixed(1)),
    editsMeasured: deliveries.edits,
    p50Ms: latency.percentile(0.5),
    p99Ms: latency.percentile(0.99),
    p999Ms: latency.percentile(0.999),
    // y-websocket-server acknowledges nothing: its "ack" would only time the local socket write.
    ackedPerSec: ACK_KIND[target.name] === 'none' ? null : Math.round(ackedInWindow / elapsedS),
    ackP50Ms: ACK_KIND[target.name] === 'none' ? null : ackLatency.percentile(0.5),
    ackP99Ms: ACK_KIND[target.name] === 'none' ? null : ackLatency.percentile(0.99),
    deliveriesExpected: deliveries.expected,
    deliveriesReceived: deliveries.received,
    lost: deliveries.lost,
    duplicates: deliveries.duplicates,
    sendErrors: registry.ackErrors,
    rejected,
    disconnects: reports.reduce((n, r) => n + r.disconnects, 0) + replicas.reduce((n, r) => n + r.transport.disconnects, 0),
    serverCpuPct: Math.round(((after.cpuSeconds - before.cpuSeconds) / elapsedS) * 100),
    serverRssMb: Math.round(after.rssMb),
    serverPeakRssMb: Math.round(peakRss),
    loadAvg1m: [Number(loadBefore.toFixed(1)), Number(os.loadavg()[0].toFixed(1))],
    ...contention,
    ...generatorFigures(generatorCpu, elapsedS, pinned, loopDelays, loopDelayP99Ms(mainLoopDelay)),
    converged,
    textLength: texts[0]?.length ?? null,
    editsSent: sentTotal,
    ...(lastError ? { lastError } : {}),
  }
}

// ---- many documents ------------------------------------------------------------------------------------

function distinctClientIds(count) {
  const ids = []
  const used = new Set()
  while (ids.length < count) {
    const id = 1 + Math.floor(Math.random() * 0x7fffffff)
    if (used.has(id)) continue
    used.add(id)
    ids.push(id)
  }
  return ids
}

const sha1 = text => createHash('sha1').update(text).digest('base64')

async function runDocumentsScenario(target, clients, documents, round, pinned) {
  const ratePerClient = totalRate !== null ? totalRate / clients : Number(args.rate)
  if (!(ratePerClient > 0)) throw new Error('--rate / --total-rate must be positive')
  const periodMs = 1000 / ratePerClient
  const loadAtSetup = os.loadavg()[0]
  // The idle server: started, logged in, no document yet.
  await sleep(2000)
  const idle = processSample(target.pid)
  const docIds = await target.newDocuments(Array.from({ length: documents }, (_, i) => `load-docs-${documents}-${round}-${Date.now()}-${i}`))
  const ids = distinctClientIds(clients)
  // Clients dealt round-robin: slot s edits document s mod D; typing phases spread evenly over the period by slot,
  // so the total rate is steady.
  const documentOf = slot => slot % documents
  const documentSize = Array.from({ length: documents }, (_, d) => Math.floor(clients / documents) + (d < clients % documents ? 1 : 0))
  const capacity = Math.ceil((warmupS + durationS + drainS + 10) * ratePerClient) + 2
  const registry = Registry.create(ids, capacity)
  const threads = Math.min(workerCount, clients)
  const groups = []
  for (let t = 0; t < threads; t++) {
    const members = []
    for (let slot = t; slot < clients; slot += threads) {
      members.push({ client: ids[slot], slot, document: documentOf(slot), transport: target.transport(docIds[documentOf(slot)]), periodMs, phase: slot / clients })
    }
    const options = { kind: 'replicas', registry: threads === 1 ? registry : registry.shared, members }
    groups.push(threads === 1 ? new ReplicaGroup(options) : new WorkerLights(options))
  }
  const connectStarted = performance.now()
  await Promise.all(groups.map(g => g.connect(Math.max(1, Math.floor(CONNECT_BATCH / threads)))))
  const connectS = (performance.now() - connectStarted) / 1000
  await sleep(1000)
  const typingStartsAt = now() + 50
  await Promise.all(groups.map(g => g.startTyping(typingStartsAt)))

  await sleep(warmupS * 1000)
  const loadBefore = os.loadavg()[0]
  const runtimeCounters = target.name === 'spotter' ? startRuntimeCounters(target.pid, durationS) : startRuntimeCounters(null, 0)
  const before = processSample(target.pid)
  const waitBefore = { server: runQueueWait(target.pid), generator: runQueueWait(process.pid) }
  const generatorBefore = process.cpuUsage()
  const startedAt = performance.now()
  const acksBefore = registry.acked
  registry.measuring = true
  const mainLoopDelay = loopDelayMonitor()
  mainLoopDelay.enable()
  await Promise.all(groups.map(g => g.startLoopDelay()))
  let peakRss = before.rssMb
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, processSample(target.pid).rssMb) }, 1000)
  await sleep(durationS * 1000)
  registry.measuring = false
  mainLoopDelay.disable()
  const elapsedS = (performance.now() - startedAt) / 1000
  const after = processSample(target.pid)
  const generatorCpu = process.cpuUsage(generatorBefore)
  const contention = runQueueWaitFigures(waitBefore, target.pid, elapsedS)
  const ackedInWindow = registry.acked - acksBefore
  clearInterval(sampler)
  const loadAfter = os.loadavg()[0]
  await Promise.all(groups.map(g => g.stopLoopDelay()))
  await Promise.all(groups.map(g => g.stopTyping()))
  const runtime = await runtimeCounters.stop()

  // Drain (bounded): every measured edit at every other client of its document, every edit acknowledged.
  const receivers = slot => documentSize[documentOf(slot)] - 1
  const drainDeadline = performance.now() + drainS * 1000
  let deliveries = registry.deliveries(receivers)
  while (deliveries.lost > 0 && performance.now() < drainDeadline) {
    await sleep(250)
    deliveries = registry.deliveries(receivers)
  }
  const sentTotal = registry.sentTotal()
  await waitFor(() => registry.acked + registry.ackErrors >= sentTotal, Math.max(1000, drainDeadline - performance.now()), 'acks').catch(() => {})

  // Convergence per document: every client's text equal, holding every edit sent to the document (all of them
  // single characters), and for Spotter the server's own copy equal too. Unmeasured warm-up edits may still be in
  // flight when the measured ones have all arrived, so this is retried until the drain deadline.
  const sentByDocument = new Array(documents).fill(0)
  for (let slot = 0; slot < clients; slot++) {
    for (let c = 0; c < capacity; c++) if (registry.state[slot * capacity + c] !== 0) sentByDocument[documentOf(slot)]++
  }
  let states
  let notConverged
  do {
    states = (await Promise.all(groups.map(g => g.states()))).flat()
    const byDocument = Array.from({ length: documents }, () => [])
    for (const state of states) byDocument[state.document].push(state)
    notConverged = byDocument.map((list, d) => (list.every(s => s.hash === list[0].hash && s.length === sentByDocument[d]) ? -1 : d)).filter(d => d >= 0)
    if (notConverged.length === 0 || performance.now() >= drainDeadline) break
    await sleep(500)
  } while (true)
  const hashOf = new Map(states.map(s => [s.document, s.hash]))
  const serverTexts = await inParallel(docIds, docId => target.serverText(docId))
  const serverMismatches = serverTexts.filter((text, d) => text !== null && sha1(text) !== hashOf.get(d)).length

  const reports = await Promise.all(groups.map(g => g.close()))
  const latency = new Histogram()
  const ackLatency = new Histogram()
  for (const report of reports) {
    latency.merge(report.latencyBins)
    ackLatency.merge(report.ackLatencyBins)
  }
  const ackKind = ACK_KIND[target.name]
  const openRssMb = Math.max(before.rssMb, after.rssMb)
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds
  return {
    server: target.name,
    mode: 'documents',
    scenario: args.scenario,
    pinned,
    cpus: { server: allowedCpus(target.pid), generator: allowedCpus(process.pid) },
    versions: runVersions,
    ackKind,
    documents,
    clients,
    ratePerClient: Number(ratePerClient.toFixed(4)),
    totalEditsPerSec: Number((ratePerClient * clients).toFixed(1)),
    round,
    workers: threads,
    warmupS,
    seconds: Number(elapsedS.toFixed(1)),
    connectS: Number(connectS.toFixed(1)),
    editsMeasured: deliveries.edits,
    p50Ms: latency.percentile(0.5),
    p99Ms: latency.percentile(0.99),
    p999Ms: latency.percentile(0.999),
    maxMs: latency.percentile(1),
    ackedPerSec: ackKind === 'none' ? null : Math.round(ackedInWindow / elapsedS),
    ackP50Ms: ackKind === 'none' ? null : ackLatency.percentile(0.5),
    ackP99Ms: ackKind === 'none' ? null : ackLatency.percentile(0.99),
    deliveriesExpected: deliveries.expected,
    deliveriesReceived: deliveries.received,
    lost: deliveries.lost,
    duplicates: deliveries.duplicates,
    sendErrors: registry.ackErrors,
    rejected: reports.reduce((n, r) => n + r.rejected, 0),
    disconnects: reports.reduce((n, r) => n + r.disconnects, 0),
    scanErrors: reports.reduce((n, r) => n + r.scanErrors, 0),
    connectFailures: reports.reduce((n, r) => n + r.connectFailures, 0),
    documentsConverged: documents - notConverged.length,
    serverCopiesDiffering: serverMismatches,
    converged: notConverged.length === 0 && serverMismatches === 0,
    serverCpuPct: Math.round((cpuSeconds / elapsedS) * 100),
    serverCpuMsPerEdit: deliveries.edits > 0 ? Number(((cpuSeconds * 1000) / deliveries.edits).toFixed(3)) : null,
    // The runtime's counters over the window (with BENCH_DOTNET_COUNTERS set): allocation per measured edit.
    ...(runtime ? {
      serverAllocKiBPerEdit: deliveries.edits > 0 ? Number((runtime.allocatedBytes / 1024 / deliveries.edits).toFixed(1)) : null,
      serverRuntime: runtime,
    } : {}),
    serverIdleRssMb: Math.round(idle.rssMb),
    serverRssMb: Math.round(after.rssMb),
    serverPeakRssMb: Math.round(peakRss),
    // (RSS with every document open and its clients connected − RSS of the idle server) / D.
    memoryPerDocumentKiB: Math.round(((openRssMb - idle.rssMb) * 1024) / documents),
    loadAvg1m: [Number(loadBefore.toFixed(1)), Number(loadAfter.toFixed(1))],
    loadAvg1mAtSetup: Number(loadAtSetup.toFixed(1)),
    ...contention,
    ...generatorFigures(generatorCpu, elapsedS, pinned, reports.map(r => r.loopDelayP99Ms), loopDelayP99Ms(mainLoopDelay)),
    editsSent: sentTotal,
    ...(reports.find(r => r.lastError) ? { lastError: reports.find(r => r.lastError).lastError } : {}),
  }
}

// ---- report --------------------------------------------------------------------------------------------

function median(values, digits = 1) {
  const sorted = values.filter(v => v !== null && v !== undefined).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const mid = Math.floor(sorted.length / 2)
  const value = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return Number(value.toFixed(digits))
}

function summarize(results) {
  const rows = []
  // Lines written before pinning existed ran unpinned.
  const pinnings = [...new Set(results.map(r => r.pinned ?? false))].sort()
  for (const pinned of pinnings) for (const clients of clientCounts) {
    for (const awareness of awarenessModes) {
      const row = { clients, awareness, pinned }
      for (const server of targets) {
        const runs = results.filter(r => r.server === server && r.clients === clients && r.awareness === awareness && (r.pinned ?? false) === pinned)
        if (runs.length === 0) continue
        row[server] = {
          p50Ms: median(runs.map(r => r.p50Ms)),
          p99Ms: median(runs.map(r => r.p99Ms)),
          ackedPerSec: median(runs.map(r => r.ackedPerSec)),
          ackP99Ms: median(runs.map(r => r.ackP99Ms)),
          lost: Math.max(...runs.map(r => r.lost)),
          serverCpuPct: median(runs.map(r => r.serverCpuPct)),
          serverPeakRssMb: median(runs.map(r => r.serverPeakRssMb)),
          generatorCpuPct: median(runs.map(r => r.generatorCpuPct)),
          converged: runs.every(r => r.converged),
          runs: runs.length,
          loadAvg1m: runs.flatMap(r => r.loadAvg1m ?? []),
          // JSON lines written before the generator had worker threads ran every client in one thread.
          workers: [...new Set(runs.map(r => r.workers ?? 1))],
          generatorLoopDelayP99Ms: median(runs.map(r => r.generatorLoopDelayP99Ms)),
          // Lines written before versions were recorded measured Hocuspocus 3.4.4.
          version: server === 'spotter' ? runs[0].versions?.spotter : runs[0].versions?.[server] ?? (server === 'hocuspocus' ? '3.4.4' : null),
        }
      }
      if (row.spotter && row.hocuspocus && row.spotter.p99Ms) {
        row.p99RatioHocuspocusOverSpotter = Number((row.hocuspocus.p99Ms / row.spotter.p99Ms).toFixed(2))
      }
      rows.push(row)
    }
  }
  return rows
}

function roundsText(rows) {
  const runs = rows.flatMap(r => targets.map(t => r[t]?.runs)).filter(n => n !== undefined)
  const [min, max] = [Math.min(...runs), Math.max(...runs)]
  return min === max ? `${max} round(s)` : `${min}–${max} rounds per row (a round that crashed the generator is missing)`
}

function loadText(rows) {
  const loads = rows.flatMap(r => targets.flatMap(t => r[t]?.loadAvg1m ?? []))
  if (loads.length === 0) return 'not recorded'
  return `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`
}

function workersText(rows) {
  const counts = [...new Set(rows.flatMap(r => targets.flatMap(t => r[t]?.workers ?? [])))].sort((a, b) => a - b)
  const placement = counts.length === 0 ? 'the light clients in threads not recorded'
    : counts.length > 1 ? `the light clients round-robin over ${counts.join(' or ')} threads depending on the run (\`workers\` in its JSON line)`
    : counts[0] === 1 ? 'the light clients in that same thread (`--workers 1`)'
    : `the light clients round-robin over ${counts[0]} worker threads (\`--workers ${counts[0]}\`)`
  const delays = rows.flatMap(r => targets.map(t => r[t]?.generatorLoopDelayP99Ms)).filter(d => d !== null && d !== undefined)
  const delay = delays.length === 0 ? 'was not recorded' : `was ${Math.min(...delays)}–${Math.max(...delays)} ms`
  return [
    'All clients run in one Node process: the full replicas in its main thread,',
    `${placement}.`,
    'Send times and receipt counts sit in SharedArrayBuffers indexed by (client, clock), and every thread reads the same',
    'monotonic clock, so a receipt in one thread is timed against a send in another; each thread keeps its own',
    'histograms and the main thread merges them. Spreading the receivers over threads keeps one event loop from',
    'timestamping a whole broadcast burst (one or two messages per client per tick) one message after another; what',
    'queueing is left is in every latency: the generator\'s event-loop delay p99 beyond its 5 ms sampling interval',
    `(the worst of its light-client threads, \`generatorLoopDelayP99Ms\`) ${delay}. Generator CPU is user+system`,
    'time of the whole generator process, all threads (100 % = one core).',
  ]
}

function peerVersionsText(rows) {
  const peers = [['hocuspocus', 'Hocuspocus'], ['ywebsocket', '@y/websocket-server']]
    .map(([key, name]) => [name, [...new Set(rows.map(r => r[key]?.version).filter(Boolean))]])
    .filter(([, found]) => found.length > 0)
    .map(([name, found]) => `${name} ${found.join(' / ')}`)
  return peers.length ? peers.join(', ') : 'no peer in these runs'
}

function docsSection(rows) {
  const fmt = v => (v === null || v === undefined ? '–' : String(v))
  const lines = [
    '<!-- load:begin -->',
    `Generated by \`bench/load/run.mjs\` on ${new Date().toISOString().slice(0, 10)}. N simulated clients on ONE document over`,
    `loopback (127.0.0.1), each typing ${EDITS_PER_SECOND} single-character inserts per second for ${durationS} s after a ${warmupS} s warm-up;`,
    `${replicaCount} of them are full yjs replicas (Y.Doc + Awareness + y-protocols sync) that check convergence at the end, the rest`,
    'are light clients that send hand-encoded yjs updates and time every receipt by the (client, clock) id of the inserted item.',
    '"With awareness": every edit is followed by a cursor awareness update. Latency is send → receipt at each other light',
    'client (every pair counted); "acked/s" are updates whose Send completed (Spotter: after the SQLite group commit, i.e.',
    'durable; Hocuspocus: its SyncStatus after the in-memory apply — not durable). "lost": deliveries of measured edits',
    `still missing ${drainS} s after typing stopped (for a server that has fallen far behind this is backlog, not proven`,
    'loss; rows marked NO under converged did not catch up in that window). Server CPU is user+system time of the',
    'server process (/proc/<pid>/stat, 100 % = one core), RSS the peak of /proc/<pid>/status VmRSS. The peers run in',
    'memory and are driven by the same light clients speaking their own framing:',
    `${peerVersionsText(rows)} (the "server" column names the version). "pinned": server under \`taskset -c 0\`, generator on core 1.`,
    ...workersText(rows),
    '',
    '**The machine is a shared, noisy 2-core VM, and the load generator runs on the same two cores as the server.**',
    `During these runs the 1-minute load average was ${loadText(rows)} (2 cores; above ~2 every process got only a fraction of a`,
    'core): the servers\' and the generator\'s CPU columns are what they managed to get, not what they asked for. A',
    'single-threaded Node server (Hocuspocus) suffers most from contention (the Linux scheduler shares CPU per runnable',
    'thread, and the .NET server has several). At 100 clients the two are close (Hocuspocus relays every message at',
    'once and persists nothing; Spotter batches fan-out per content tick, 3 ms at 100 connections, and acks only',
    'after its durable group commit); at 500 Hocuspocus falls behind without recovering. Elsewhere, in this',
    'shape, Hocuspocus was measured at p99 136–203 ms at 500 clients with awareness. Figures are medians over',
    `${roundsText(rows)}; each run's 1-minute load average is in its JSON line (\`loadAvg1m\`).`,
    '',
    '| clients | awareness | pinned | server | p50 ms | p99 ms | acked/s | ack p99 ms | lost | server CPU % | server peak RSS MB | generator CPU % | converged |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of rows) {
    for (const server of targets) {
      const s = row[server]
      if (!s) continue
      lines.push(`| ${row.clients} | ${row.awareness ? 'yes' : 'no'} | ${row.pinned ? 'yes' : 'no'} | ${server} ${s.version ?? ''} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} | ${fmt(s.ackedPerSec)} | ${fmt(s.ackP99Ms)} | ${fmt(s.lost)} | ${fmt(s.serverCpuPct)} | ${fmt(s.serverPeakRssMb)} | ${fmt(s.generatorCpuPct)} | ${s.converged ? 'yes' : 'NO'} |`)
    }
  }
  lines.push('')
  lines.push('p99 ratio (Hocuspocus / Spotter; above 1 means Spotter is faster):')
  lines.push('')
  for (const row of rows) {
    if (row.p99RatioHocuspocusOverSpotter !== undefined) {
      lines.push(`- ${row.clients} clients, awareness ${row.awareness ? 'on' : 'off'}${row.pinned ? ', pinned' : ''}: ${row.p99RatioHocuspocusOverSpotter}`)
    }
  }
  lines.push('')
  lines.push('Notes:')
  lines.push('')
  lines.push('- Spotter fans out per tick: at most one merged update frame per connection per content tick (connections ÷')
  lines.push('  33,000/s, between 2 and 15 ms: 3 ms at 100 clients, 15 ms at 500; `Documents:FanOutMessagesPerSecond`) and one')
  lines.push('  awareness frame per awareness tick (50 ms); the first change after a quiet tick goes out at once. Updates are')
  lines.push('  relayed while their commit is under way; the sender\'s ack waits for the commit (SQLite WAL, synchronous=FULL,')
  lines.push('  group commit), so "ack p99" is the durability latency and "p99" is what the other people see. Awareness states')
  lines.push('  are stamped and JSON-encoded once on arrival and sent to everyone in one frame. Hocuspocus sends every update')
  lines.push('  and every awareness change to every connection at once, encoding the awareness message once per connection,')
  lines.push('  so its message count grows with N² and its awareness cost with N² encodes.')
  lines.push('- Fan-out is one SignalR message per connection per tick, about 40k messages a second at 500 clients with')
  lines.push('  awareness: that, not the CRDT work, is most of the server CPU, and it shares the two cores with a generator')
  lines.push('  that needs about one core itself.')
  lines.push('- When the offered load (2 updates/s per client, plus as many awareness updates) is above what the server gets,')
  lines.push('  acked/s stays below 2 × clients and a backlog builds, so latency grows with the length of the run.')
  lines.push('')
  const spotter = rows.filter(r => r.spotter)
  const met = spotter.filter(r => r.spotter.p99Ms !== null && r.spotter.p99Ms < 50).map(r => `${r.clients}${r.awareness ? ' with' : ' without'} awareness`)
  const missed = spotter.filter(r => !(r.spotter.p99Ms !== null && r.spotter.p99Ms < 50)).map(r => `${r.clients}${r.awareness ? ' with' : ' without'} awareness (p99 ${r.spotter.p99Ms} ms)`)
  const clean = spotter.every(r => r.spotter.lost === 0 && r.spotter.converged)
  lines.push(`Goal: p99 under 50 ms at 500 clients with awareness, nothing lost, durable acks. No loss and convergence ${clean ? 'hold' : 'do NOT hold'} in every`)
  lines.push(`Spotter row; p99 under 50 ms is met for ${met.length ? met.join(', ') : 'no row'}${missed.length ? `, and missed for ${missed.join(', ')}` : ''}.`)
  lines.push('')
  lines.push('Run it: `./build.sh bench load` (bench/load/run.sh: Release build of the WebHost, `npm ci` in bench/load,')
  lines.push('then `node bench/load/run.mjs --write-docs`; defaults `--clients 100,500 --awareness off,on --duration 20')
  lines.push('--repeat 1 --workers 2 --targets spotter,hocuspocus,ywebsocket`; `--pin` adds a pinned run). Raw JSON lines of the rounds behind this table are in')
  lines.push('`bench/load/results/`; `node run.mjs --from FILE [--from FILE...] --write-docs` rebuilds the table from them.')
  lines.push('<!-- load:end -->')
  return lines.join('\n')
}

/** Replaces the section between `<!-- NAME:begin -->` and `<!-- NAME:end -->` of docs/benchmarks.md. */
function writeDocs(section, name) {
  const file = path.join(repoRoot, 'docs', 'benchmarks.md')
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n'
  const [beginMarker, endMarker] = [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`]
  const begin = text.indexOf(beginMarker)
  const end = text.indexOf(endMarker)
  const loadEnd = text.indexOf('<!-- load:end -->')
  if (begin >= 0 && end > begin) {
    text = text.slice(0, begin) + section + text.slice(end + endMarker.length)
  } else if (name === 'load-documents' && loadEnd >= 0) {
    // At the end of the "Live co-editing" section, after the notes that follow the one-document table.
    const next = text.indexOf('\n## ', loadEnd)
    const at = next >= 0 ? next : text.length
    text = `${text.slice(0, at).replace(/\n*$/, '')}\n\n### Many documents\n\n${section}\n${text.slice(at)}`
  } else {
    // The heading stays outside the markers so the CRDT section's writer (which ends a section at the next
    // "## " heading) never swallows the begin marker.
    text = text.replace(/\n*$/, '\n\n') + '## Live co-editing\n\n' + section + '\n'
  }
  writeFileSync(file, text)
}

// ---- many documents: report ----------------------------------------------------------------------------

const range = values => {
  const present = values.filter(v => v !== null && v !== undefined)
  if (present.length === 0) return null
  const [min, max] = [Math.min(...present), Math.max(...present)]
  return min === max ? String(min) : `${min}–${max}`
}

function summarizeDocuments(results) {
  const rows = []
  const key = r => `${r.scenario}|${r.documents}|${r.clients}|${r.totalEditsPerSec}|${r.pinned}|${r.server}`
  for (const k of [...new Set(results.map(key))]) {
    const runs = results.filter(r => key(r) === k)
    const [first] = runs
    const figure = (name, digits) => median(runs.map(r => r[name]), digits)
    rows.push({
      scenario: first.scenario,
      documents: first.documents,
      clients: first.clients,
      totalEditsPerSec: first.totalEditsPerSec,
      pinned: first.pinned,
      server: first.server,
      version: first.server === 'spotter' ? first.versions?.spotter : first.versions?.[first.server],
      ackKind: first.ackKind,
      runs: runs.length,
      p50Ms: figure('p50Ms'),
      p99Ms: figure('p99Ms'),
      p99MsRange: range(runs.map(r => r.p99Ms)),
      ackP99Ms: figure('ackP99Ms'),
      lost: Math.max(...runs.map(r => r.lost)),
      converged: runs.every(r => r.converged),
      serverCpuPct: figure('serverCpuPct'),
      serverCpuMsPerEdit: figure('serverCpuMsPerEdit', 3),
      serverPeakRssMb: figure('serverPeakRssMb'),
      memoryPerDocumentKiB: figure('memoryPerDocumentKiB'),
      generatorCpuPct: figure('generatorCpuPct'),
      generatorLoopDelayP99Ms: figure('generatorLoopDelayP99Ms'),
      generatorSaturated: runs.some(r => r.generatorSaturated),
      loadAvg1m: runs.flatMap(r => r.loadAvg1m ?? []),
    })
  }
  return rows
}

const SERVER_NAMES = { spotter: 'Spotter', hocuspocus: 'Hocuspocus', ywebsocket: '@y/websocket-server' }

function documentsSection(rows) {
  const fmt = v => (v === null || v === undefined ? '–' : String(v))
  const loads = rows.flatMap(r => r.loadAvg1m)
  const lines = [
    '<!-- load-documents:begin -->',
    `Generated by \`bench/load/run.mjs --documents D\` on ${new Date().toISOString().slice(0, 10)}. N clients dealt round-robin over D`,
    'documents on loopback, every one a real yjs replica (Y.Doc + y-protocols sync, and an awareness state that y-protocols',
    'renews every 15 s as the providers do; no cursor updates) typing single characters at random positions, phases',
    'spread evenly so the total rate is steady; each speaks the server\'s own protocol (Spotter:',
    'the SignalR hub with MessagePack; Hocuspocus: its document-name-prefixed frames; @y/websocket-server: bare y-protocols',
    'frames on one WebSocket per document). Latency is send → receipt at every other client of the same document (p50/p99',
    'over all deliveries of the measured window). "ack p99": Spotter acks after the durable SQLite commit, Hocuspocus after',
    'its in-memory apply, y-websocket-server has no ack. "lost": measured deliveries still missing after the drain;',
    '"converged": every document\'s text equal at all its clients (and, for Spotter, on the server) and holding every edit',
    'sent to it. Server CPU from /proc/<pid>/stat over the window (100 % = one core), CPU per edit = that CPU ÷ edits in',
    'the window; memory per document = (RSS with every document open and its clients connected − RSS of the idle',
    'server) ÷ D. "pinned": server under `taskset -c 0`, generator on core 1. Peers in memory: Hocuspocus 4.x',
    '(`@hocuspocus/server`, run on Node 20 despite its engines field) and @y/websocket-server 0.1.1 run by its own',
    'executable; its npm "latest", 0.1.5, is built on the yjs 14 prerelease and does not install (its `@y/y`',
    'dependency is not on the registry), so 0.1.1 is the newest that serves yjs 13 clients.',
    '',
    `**Shared 2-core VM, other builds running**: 1-minute load average ${loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : 'not recorded'} during these runs`,
    '(`loadAvg1m` in each JSON line); pinning does not keep other processes off the cores. Generator CPU and event-loop',
    'delay are in every line; "gen. saturated" marks runs where the generator may have been the bottleneck.',
    '',
    '| scenario | documents | clients | edits/s in all | pinned | server | p50 ms | p99 ms | ack p99 ms | lost | converged | server CPU % | CPU ms/edit | peak RSS MB | KiB/document | generator CPU % | gen. loop delay p99 ms | gen. saturated | runs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const r of rows) {
    const p99 = r.runs > 1 ? `${fmt(r.p99Ms)} (${r.p99MsRange})` : fmt(r.p99Ms)
    lines.push(`| ${r.scenario === 'rest' ? 'at rest' : 'load'} | ${r.documents} | ${r.clients} | ${r.totalEditsPerSec} | ${r.pinned ? 'yes' : 'no'} | ${SERVER_NAMES[r.server] ?? r.server} ${r.version ?? ''} | ${fmt(r.p50Ms)} | ${p99} | ${fmt(r.ackP99Ms)} | ${r.lost} | ${r.converged ? 'yes' : 'NO'} | ${fmt(r.serverCpuPct)} | ${fmt(r.serverCpuMsPerEdit)} | ${fmt(r.serverPeakRssMb)} | ${fmt(r.memoryPerDocumentKiB)} | ${fmt(r.generatorCpuPct)} | ${fmt(r.generatorLoopDelayP99Ms)} | ${r.generatorSaturated ? 'yes' : 'no'} | ${r.runs} |`)
  }
  lines.push('')
  lines.push('Run it: `./build.sh bench load --documents 200 --clients 600 --rate 1 --pin` (at rest: `--documents 2000 --clients 6000')
  lines.push('--scenario rest`); medians over `--repeat` rounds. `node run.mjs --documents 1 --from FILE --write-docs` rebuilds this table')
  lines.push('from JSON lines in `bench/load/results/`.')
  lines.push('<!-- load-documents:end -->')
  return lines.join('\n')
}

// ---- main ----------------------------------------------------------------------------------------------

selfCheck()
limitRunTime(Number(args['max-minutes']))
const results = []
for (const file of args.from) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{"server"')) continue
    const result = JSON.parse(line)
    if (documentsMode ? result.mode === 'documents' : result.mode !== 'documents' && clientCounts.includes(result.clients) && awarenessModes.includes(result.awareness)) {
      results.push(result)
    }
  }
}
/**
 * The runs of one round, grouped by server process: every many-documents run gets a fresh server (an earlier run's
 * documents would still cost it); the one-document scenarios share one per target and round.
 */
function serverSessions(round, pinned) {
  if (documentsMode) return clientCounts.map(clients => [target => runDocumentsScenario(target, clients, documentCount, round, pinned)])
  return [clientCounts.flatMap(clients => awarenessModes.map(awareness => target => runScenario(target, clients, awareness, round, pinned)))]
}

for (const pinned of args.from.length === 0 ? pinModes : []) {
  if (pinModes.includes(true)) pinGenerator(pinned)
  for (let round = 1; round <= repeat; round++) {
    for (const name of targets) {
      for (const session of serverSessions(round, pinned)) {
        const target = await startTarget(name, { pinned })
        try {
          for (const run of session) {
            const result = await run(target)
            results.push(result)
            console.log(JSON.stringify(result))
          }
        } finally {
          await target.stop()
        }
      }
    }
  }
}
if (documentsMode) {
  const rows = summarizeDocuments(results)
  for (const row of rows) console.log(JSON.stringify({ summary: true, ...row }))
  if (args['write-docs']) writeDocs(documentsSection(rows), 'load-documents')
} else {
  const rows = summarize(results)
  for (const row of rows) console.log(JSON.stringify({ summary: true, ...row }))
  if (args['write-docs']) writeDocs(docsSection(rows), 'load')
}
process.exit(0)
