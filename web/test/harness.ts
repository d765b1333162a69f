// Helpers shared by the tests: accounts and documents on the real server, waiting, a cuttable TCP link.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { inject } from 'vitest'
import * as Y from 'yjs'
import { Api } from '../src/api'
import { CollabConnection, type WireProtocol } from '../src/provider'

/** The test server's origin; throws (failing the test) when the server could not be started. */
export function serverUrl(): string {
  const error = inject('serverError')
  if (error) throw new Error(`the Spotter.Collab server is not available: ${error}`)
  return inject('serverUrl')
}

let adminApi: Promise<Api> | null = null
export function admin(): Promise<Api> {
  adminApi ??= (async () => {
    const api = new Api(serverUrl())
    return api.withToken(await api.login('admin', inject('adminPassword')))
  })()
  return adminApi
}

let userCounter = 0
export interface TestUser {
  username: string
  displayName: string
  password: string
  token: string
  api: Api
}

/** A fresh account (unique per test run) signed in. */
export async function createUser(prefix = 'user', displayName?: string): Promise<TestUser> {
  const username = `${prefix}${Date.now().toString(36)}${++userCounter}`
  const password = `pw-${username}-secret`
  await (await admin()).createUser(username, password, displayName ?? username)
  const token = await new Api(serverUrl()).login(username, password)
  return { username, displayName: displayName ?? username, password, token, api: new Api(serverUrl(), token) }
}

const connections: CollabConnection[] = []
export function connectAs(user: TestUser, options: { url?: string; protocol?: WireProtocol } = {}): CollabConnection {
  const connection = new CollabConnection({
    serverUrl: options.url ?? serverUrl(),
    accessTokenFactory: () => user.token,
    protocol: options.protocol,
    backoff: { initialMs: 100, maxMs: 500 },
  })
  connections.push(connection)
  return connection
}

export async function closeAllConnections(): Promise<void> {
  await Promise.all(connections.splice(0).map(c => c.stop()))
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}

export function textOf(doc: Y.Doc, name = 'text'): string {
  return doc.getText(name).toString()
}

/** A TCP relay to the server that can drop every connection and refuse new ones, like a lost network. */
export class Link {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private online = true
  port = 0

  private constructor(target: URL) {
    this.server = createServer(client => {
      if (!this.online) {
        client.destroy()
        return
      }
      const upstream = connect(Number(target.port), target.hostname)
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
  }

  static async open(target: string): Promise<Link> {
    const link = new Link(new URL(target))
    await new Promise<void>(r => link.server.listen(0, '127.0.0.1', r))
    const address = link.server.address()
    link.port = typeof address === 'object' && address ? address.port : 0
    return link
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  setOnline(online: boolean): void {
    this.online = online
    if (!online) for (const socket of this.sockets) socket.destroy()
  }

  close(): Promise<void> {
    this.setOnline(false)
    return new Promise(r => this.server.close(() => r()))
  }
}
