// The servers the load benchmark drives, started on 127.0.0.1 only and stopped by the benchmark itself (and killed
// if the generator exits early): the Release Spotter.Collab WebHost with a temp data dir, in-memory Hocuspocus and
// in-memory @y/websocket-server. With `pinned`, a server runs under `taskset -c 0`; `pinGenerator` moves this
// process (every thread) to core 1, or back to every core.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TEXT_ROOT } from './wire.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const benchDir = path.resolve(here, '..')
const repoRoot = path.resolve(benchDir, '..', '..')
const dll = path.join(repoRoot, 'src/WebHost/bin/Release/net10.0/Spotter.Collab.WebHost.dll')
export const LOOPBACK = '127.0.0.1'
const ADMIN_PASSWORD = 'load-bench-admin-password'
const CLK_TCK = 100
const SERVER_CORE = '0'
const GENERATOR_CORE = '1'
const SETUP_CONCURRENCY = 8

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** CPU seconds (user + system) and resident set of a process, from /proc. */
export function processSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return { cpuSeconds, rssMb: rssKb / 1024 }
}

/**
 * Per thread, seconds it spent runnable but waiting for a CPU (/proc/<pid>/task/<tid>/schedstat, second field):
 * how much other processes on the machine held it back. `runQueueWaitBetween` sums the growth per thread, so
 * threads that end in between (a thread pool retiring workers) do not make the sum shrink.
 */
export function runQueueWait(pid) {
  const waits = new Map()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      waits.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9)
    } catch {
      // the thread ended meanwhile
    }
  }
  return waits
}

export function runQueueWaitBetween(before, after) {
  let seconds = 0
  for (const [tid, wait] of after) seconds += wait - (before.get(tid) ?? 0)
  return seconds
}

export async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch {
      // not up yet
    }
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}`)
}

// Servers this run started: killed on any exit, a crash of the generator included, so none outlives the run.
const children = new Set()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(128 + os.constants.signals[signal]))

/** Stops the whole run (its servers with it) once `minutes` have passed, so a hung scenario cannot keep them alive. */
export function limitRunTime(minutes) {
  setTimeout(() => {
    console.error(`the run took longer than ${minutes} min (--max-minutes): stopping it and its servers`)
    process.exit(3)
  }, minutes * 60_000).unref()
}

function startProcess(command, commandArgs, env, label, pinned) {
  const [file, argv] = pinned ? ['taskset', ['-c', SERVER_CORE, command, ...commandArgs]] : [command, commandArgs]
  // taskset execs the server, so the child's pid is the server's.
  // A null value removes the variable (y-websocket-server persists as soon as YPERSISTENCE is set at all).
  const fullEnv = { ...process.env, ...env }
  for (const [name, value] of Object.entries(fullEnv)) if (value === null) delete fullEnv[name]
  const child = spawn(file, argv, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let tail = ''
  const keep = chunk => { tail = (tail + chunk.toString()).slice(-4000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  child.on('exit', code => { if (code && code !== 143 && code !== 137) console.error(`${label} exited with ${code}:\n${tail}`) })
  child.output = () => tail
  return child
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await once(child, 'exit')
  clearTimeout(timer)
}

export async function http(base, method, route, token, body) {
  const response = await fetch(base + route, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`)
  return response.status === 204 ? null : response.json()
}

// ---- targets -------------------------------------------------------------------------------------------

export async function startSpotter({ pinned = false } = {}) {
  if (!existsSync(dll)) throw new Error(`${dll} is missing: build it first (dotnet build src/WebHost -c Release)`)
  const [port, siloPort, gatewayPort] = [await freePort(), await freePort(), await freePort()]
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotter-load-'))
  const child = startProcess('dotnet', [dll, '--urls', `http://${LOOPBACK}:${port}`], {
    SPOTTER_ADMIN_PASSWORD: ADMIN_PASSWORD,
    Storage__DataDirectory: dataDir,
    Orleans__SiloPort: String(siloPort),
    Orleans__GatewayPort: String(gatewayPort),
    Orleans__ClusterId: `load-${port}`,
    ASPNETCORE_ENVIRONMENT: 'Production',
    Logging__LogLevel__Default: 'Warning',
    DOTNET_gcServer: '0',
    // Every bench client signs in as the same user; a real user has a few connections, so the per-user hub
    // allowance (300 calls/s per web host) is lifted here, not the per-connection one.
    Collab__Hub__CallsPerSecondPerPrincipal: '1000000',
    Collab__Hub__BurstPerPrincipal: '1000000',
  }, 'spotter', pinned)
  const base = `http://${LOOPBACK}:${port}`
  await waitFor(async () => (await fetch(base + '/healthz')).ok, 60_000, 'the Spotter WebHost to answer /healthz')
  const login = async (username, password) => (await http(base, 'POST', '/api/auth/login', null, { username, password })).token
  // The admin account is created by a hosted service right after start.
  let admin
  await waitFor(async () => (admin = await login('admin', ADMIN_PASSWORD)), 30_000, 'the admin account')
  await http(base, 'POST', '/api/users', admin, { username: 'typist', password: 'typist-password', displayName: 'Typist' })
  const typist = await login('typist', 'typist-password')
  return {
    name: 'spotter',
    pid: child.pid,
    async newDocument(title) {
      const { id } = await http(base, 'POST', '/api/docs', admin, { title })
      await http(base, 'PUT', `/api/docs/${id}/members/typist`, admin, { role: 'editor' })
      return id
    },
    newDocuments(titles) { return inParallel(titles, title => this.newDocument(title)) },
    transport: docId => ({ kind: 'spotter', baseUrl: base, token: typist, docId }),
    async serverText(docId) {
      return (await http(base, 'GET', `/api/docs/${docId}/roots/${TEXT_ROOT}?type=text`, typist)).value
    },
    async stop() {
      await stopProcess(child)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export async function startHocuspocus({ pinned = false } = {}) {
  const port = await freePort()
  const child = startProcess(process.execPath, [path.join(benchDir, 'hocuspocus-server.mjs'), String(port)], {}, 'hocuspocus', pinned)
  await waitFor(() => child.output().includes(`listening ${port}`), 30_000, 'Hocuspocus to listen')
  return {
    name: 'hocuspocus',
    pid: child.pid,
    newDocument: async title => title,
    newDocuments: async titles => titles,
    transport: documentName => ({ kind: 'hocuspocus', wsUrl: `ws://${LOOPBACK}:${port}`, documentName }),
    serverText: async () => null,
    stop: () => stopProcess(child),
  }
}

/** @y/websocket-server's own executable (bin `y-websocket`), in memory: no YPERSISTENCE, no callback. */
export async function startYWebsocket({ pinned = false } = {}) {
  const port = await freePort()
  const bin = path.join(benchDir, 'node_modules/@y/websocket-server/src/server.js')
  const child = startProcess(process.execPath, [bin], { HOST: LOOPBACK, PORT: String(port), YPERSISTENCE: null, CALLBACK_URL: null }, 'ywebsocket', pinned)
  await waitFor(() => child.output().includes(`on port ${port}`), 30_000, 'y-websocket-server to listen')
  return {
    name: 'ywebsocket',
    pid: child.pid,
    newDocument: async title => title,
    newDocuments: async titles => titles,
    transport: documentName => ({ kind: 'ywebsocket', wsUrl: `ws://${LOOPBACK}:${port}`, documentName }),
    serverText: async () => null,
    stop: () => stopProcess(child),
  }
}

export function startTarget(name, options) {
  switch (name) {
    case 'spotter': return startSpotter(options)
    case 'hocuspocus': return startHocuspocus(options)
    case 'ywebsocket': return startYWebsocket(options)
    default: throw new Error(`unknown target ${name} (spotter, hocuspocus, ywebsocket)`)
  }
}

export async function inParallel(items, run) {
  const results = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await run(items[index])
    }
  }
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, items.length) }, lane))
  return results
}

/** The cores a process may run on (`Cpus_allowed_list`), e.g. "0" or "0-1". */
export function allowedCpus(pid) {
  return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null
}

/** Moves every thread of this process to the generator's core (`pinned`) or back to every core. */
export function pinGenerator(pinned) {
  const cores = pinned ? GENERATOR_CORE : `0-${os.cpus().length - 1}`
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' })
}

function packageVersion(name) {
  return JSON.parse(readFileSync(path.join(benchDir, 'node_modules', name, 'package.json'), 'utf8')).version
}

function spotterVersion() {
  try {
    // The last commit that changed the server's source: benchmark-only commits do not change what is measured.
    const commit = execFileSync('git', ['-C', repoRoot, 'log', '-1', '--format=%h', '--', 'src'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== ''
    return dirty ? `${commit}+src-changes` : commit
  } catch {
    return 'unknown'
  }
}

/** What each line of results was measured with. */
export function versions() {
  return {
    spotter: spotterVersion(),
    hocuspocus: packageVersion('@hocuspocus/server'),
    ywebsocket: packageVersion('@y/websocket-server'),
    yjs: packageVersion('yjs'),
    node: process.versions.node,
  }
}

/**
 * The .NET runtime's own counters of a Spotter server over the measured window (`dotnet-counters collect`, the
 * System.Runtime meter, one sample a second): bytes allocated, GC collections and pause time, JIT time. Started only
 * when BENCH_DOTNET_COUNTERS names the dotnet-counters executable (`dotnet tool install --tool-path DIR dotnet-counters`);
 * `stop()` returns null otherwise or when the tool failed.
 */
export function startRuntimeCounters(pid, seconds) {
  const tool = process.env.BENCH_DOTNET_COUNTERS
  if (!tool || !existsSync(tool)) return { stop: async () => null }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spotter-counters-'))
  const file = path.join(dir, 'counters.csv')
  const duration = new Date(Math.ceil(seconds) * 1000).toISOString().slice(11, 19)
  const child = spawn(tool, ['collect', '-p', String(pid), '--counters', 'System.Runtime', '--format', 'csv', '-o', file, '--duration', duration],
    { stdio: 'ignore' })
  return {
    async stop() {
      const timer = setTimeout(() => child.kill('SIGINT'), 10_000)
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
      clearTimeout(timer)
      try {
        const sums = new Map()
        for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
          const cells = line.split(',')
          if (cells.length < 5) continue
          const value = Number(cells[cells.length - 1])
          const name = cells.slice(2, cells.length - 2).join(',')
          if (Number.isFinite(value) && name.includes('/ 1 sec')) sums.set(name, (sums.get(name) ?? 0) + value)
        }
        const sum = prefix => [...sums].filter(([name]) => name.startsWith(prefix)).reduce((n, [, v]) => n + v, 0)
        const gen = g => sum(`dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=${g}]`)
        return {
          allocatedBytes: sum('dotnet.gc.heap.total_allocated'),
          gcCollections: { gen0: gen('gen0'), gen1: gen('gen1'), gen2: gen('gen2') },
          gcPauseSeconds: Number(sum('dotnet.gc.pause.time').toFixed(3)),
          jitSeconds: Number(sum('dotnet.jit.compilation.time').toFixed(3)),
          jitMethods: sum('dotnet.jit.compiled_methods'),
        }
      } catch {
        return null
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
