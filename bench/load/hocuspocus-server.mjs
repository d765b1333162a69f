// In-memory Hocuspocus (no extensions, no persistence) on 127.0.0.1, for the comparison run.
// Usage: node hocuspocus-server.mjs <port>; prints "listening <port>" once ready.
import { Server } from '@hocuspocus/server'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: node hocuspocus-server.mjs <port>')
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: true })
await server.listen()
console.log(`listening ${port}`)
