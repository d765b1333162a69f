// Starts the real Spotter.Collab WebHost (Release build) for the test run and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'vite'
import type { TestProject } from 'vitest/node'

const webRoot = resolve(import.meta.dirname, '..')
const repoRoot = resolve(webRoot, '..')
const webHostDll = join(repoRoot, 'src/WebHost/bin/Release/net10.0/Spotter.Collab.WebHost.dll')
export const adminPassword = 'admin-test-password-1'

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string
    adminPassword: string
    /** Why the server could not be started; every test that needs it fails with this message. */
    serverError: string
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before answering:\n${output()}`)
    try {
      // Up means: HTTP answers, the silo runs and the admin account exists.
      const response = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
      })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250))
  }
  throw new Error(`the server did not accept the admin sign-in at ${url} within ${timeoutMs} ms:\n${output()}`)
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('serverUrl', '')
  project.provide('adminPassword', adminPassword)
  project.provide('serverError', '')
  try {
    const { url, stop } = await startServer()
    project.provide('serverUrl', url)
    return stop
  } catch (error) {
    // Not thrown: vitest would then report zero tests run. Each test fails with this reason instead.
    const message = error instanceof Error ? error.message : String(error)
    console.error(`[globalSetup] ${message}`)
    project.provide('serverError', message)
    return async () => {}
  }
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (!existsSync(webHostDll)) {
    throw new Error(`${webHostDll} is missing: build the server first (dotnet build src/WebHost -c Release)`)
  }
  const [httpPort, siloPort, gatewayPort] = [await freePort(), await freePort(), await freePort()]
  const dataDir = mkdtempSync(join(tmpdir(), 'spotter-web-tests-'))
  // The browser test uses the client as the WebHost serves it, built from the current sources.
  const distDir = join(dataDir, 'dist')
  // A production build, as `npm run build` makes it (vitest's NODE_ENV=test would bundle React's development build).
  const testEnvironment = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ root: webRoot, mode: 'production', logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true } })
  } finally {
    process.env.NODE_ENV = testEnvironment
  }
  const url = `http://127.0.0.1:${httpPort}`
  let log = ''
  const child = spawn('dotnet', [webHostDll], {
    cwd: dataDir,
    env: {
      ...process.env,
      ASPNETCORE_URLS: url,
      ASPNETCORE_ENVIRONMENT: 'Production',
      DOTNET_NOLOGO: '1',
      SPOTTER_ADMIN_PASSWORD: adminPassword,
      ...serverEnvironment(dataDir, distDir, siloPort, gatewayPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Should vitest die without running teardown, do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const keep = (chunk: Buffer) => { log = (log + chunk.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  const stop = async () => {
    process.off('exit', killOnExit)
    if (child.exitCode === null) {
      const exited = new Promise(r => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await waitUntilUp(url, child, () => log, 90_000)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop }
}

/** Where the server keeps its data, which client it serves and which Orleans ports it uses (docs/protocol.md). */
function serverEnvironment(dataDir: string, distDir: string, siloPort: number, gatewayPort: number): Record<string, string> {
  return {
    Storage__DataDirectory: dataDir,
    Web__DistPath: distDir,
    Orleans__SiloPort: String(siloPort),
    Orleans__GatewayPort: String(gatewayPort),
    // The tests sign in hundreds of times; production keeps the slow default (600k PBKDF2 iterations).
    Auth__PasswordIterations: '10000',
    // Every test signs in from 127.0.0.1, so the per-address limit on /api/auth (100 a minute) would trip on a
    // fast machine; the limit itself is covered by the server's RateLimitTests.
    Auth__RateLimit__PermitLimit: '100000',
  }
}
