// One client connection to one document, as a y-websocket frame pipe: send(frame) resolves when the server
// acknowledges it (Spotter: the hub's Send completes, i.e. the update is durable; Hocuspocus: its SyncStatus
// message after the in-memory apply; y-websocket-server has no acknowledgement, so its send resolves once the frame
// is handed to the socket), and onFrame receives every y-websocket frame the server pushes. `ackKind` says which.
import * as signalR from '@microsoft/signalr'
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export class SpotterTransport {
  ackKind = 'durable'

  constructor(baseUrl, token, docId) {
    this.docId = docId
    this.rejected = 0
    this.onFrame = () => {}
    this.hub = new signalR.HubConnectionBuilder()
      .withUrl(baseUrl + '/hubs/collab', {
        accessTokenFactory: () => token,
        transport: signalR.HttpTransportType.WebSockets,
        skipNegotiation: true,
      })
      .withHubProtocol(new MessagePackHubProtocol())
      .configureLogging(signalR.LogLevel.None)
      .build()
    // A saturated generator must not mistake its own backlog for a dead server.
    this.hub.serverTimeoutInMilliseconds = 120_000
    this.hub.on('Receive', (_docId, frame) => this.onFrame(frame))
    this.hub.on('Rejected', () => { this.rejected++ })
    this.hub.on('Revoked', () => { this.rejected++ })
    // Connections the server or the network closed; the benchmark does not reconnect, so their edits are lost.
    this.disconnects = 0
    this.hub.onclose(() => { if (!this.closing) this.disconnects++ })
  }

  async connect() {
    await this.hub.start()
    await this.hub.invoke('JoinDocument', this.docId)
  }

  send(frame) {
    return this.hub.invoke('Send', this.docId, frame)
  }

  async close() {
    this.closing = true
    await this.hub.stop()
  }
}

const HP_SYNC = 0
const HP_AWARENESS = 1
const HP_AUTH = 2
const HP_SYNC_REPLY = 4
const HP_SYNC_STATUS = 8

/** Hocuspocus' framing: every message is prefixed with the document name; Auth must come first. */
export class HocuspocusTransport {
  ackKind = 'applied'

  constructor(wsUrl, documentName) {
    this.url = wsUrl
    this.documentName = documentName
    this.rejected = 0
    this.disconnects = 0
    this.onFrame = () => {}
    this.pendingAcks = []
    const prefix = encoding.createEncoder()
    encoding.writeVarString(prefix, documentName)
    this.prefix = encoding.toUint8Array(prefix)
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false })
      this.ws = ws
      let authenticated = false
      ws.on('error', error => { if (!authenticated) reject(error) })
      ws.on('close', () => { if (authenticated && !this.closing) this.disconnects++ })
      ws.on('open', () => {
        const auth = encoding.createEncoder()
        encoding.writeVarString(auth, this.documentName)
        encoding.writeVarUint(auth, HP_AUTH)
        encoding.writeVarUint(auth, 0) // token
        encoding.writeVarString(auth, '')
        ws.send(encoding.toUint8Array(auth))
      })
      ws.on('message', data => {
        const bytes = data instanceof Buffer ? data : Buffer.from(data)
        const d = decoding.createDecoder(bytes)
        decoding.readVarString(d)
        const start = d.pos
        const type = decoding.readVarUint(d)
        switch (type) {
          case HP_SYNC:
          case HP_AWARENESS:
            this.onFrame(bytes.subarray(start))
            break
          case HP_SYNC_REPLY: {
            // Step 2 (+ step 1) answering ours: same payload as a sync frame.
            const frame = new Uint8Array(bytes.length - start)
            frame.set(bytes.subarray(start))
            frame[0] = HP_SYNC
            this.onFrame(frame)
            break
          }
          case HP_SYNC_STATUS:
            this.pendingAcks.shift()?.()
            break
          case HP_AUTH:
            if (!authenticated) {
              authenticated = true
              resolve()
            }
            break
          default:
            break
        }
      })
    })
  }

  send(frame) {
    // Timers (e.g. y-protocols' awareness renewal) may fire before the socket opens or after it closed.
    if (this.ws?.readyState !== WebSocket.OPEN) return Promise.reject(new Error('socket is not open'))
    const message = new Uint8Array(this.prefix.length + frame.length)
    message.set(this.prefix)
    message.set(frame, this.prefix.length)
    // Hocuspocus answers every sync step 2 / update with one SyncStatus, in order.
    const acked = frame[0] === HP_SYNC && (frame[1] === 1 || frame[1] === 2)
    const done = acked ? new Promise(resolve => this.pendingAcks.push(resolve)) : Promise.resolve()
    this.ws.send(message)
    return done
  }

  close() {
    this.closing = true
    return new Promise(resolve => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
      setTimeout(resolve, 2000).unref()
    })
  }
}

/** y-websocket's protocol: one WebSocket per document at `<server>/<document name>`, bare y-protocols frames. */
export class YWebsocketTransport {
  ackKind = 'none'

  constructor(wsUrl, documentName) {
    this.url = `${wsUrl}/${encodeURIComponent(documentName)}`
    this.rejected = 0
    this.disconnects = 0
    this.onFrame = () => {}
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false })
      this.ws = ws
      ws.binaryType = 'nodebuffer'
      let open = false
      ws.on('error', error => { if (!open) reject(error) })
      ws.on('close', () => { if (open && !this.closing) this.disconnects++ })
      ws.on('open', () => {
        open = true
        resolve()
      })
      ws.on('message', data => this.onFrame(data instanceof Buffer ? data : Buffer.from(data)))
    })
  }

  send(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return Promise.reject(new Error('socket is not open'))
    this.ws.send(frame)
    return Promise.resolve()
  }

  close() {
    this.closing = true
    return new Promise(resolve => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
      setTimeout(resolve, 2000).unref()
    })
  }
}

/**
 * A transport from a plain description (it crosses into worker threads): `{ kind: 'spotter', baseUrl, token, docId }`,
 * `{ kind: 'hocuspocus', wsUrl, documentName }` or `{ kind: 'ywebsocket', wsUrl, documentName }`.
 */
export function createTransport(description) {
  switch (description.kind) {
    case 'spotter':
      return new SpotterTransport(description.baseUrl, description.token, description.docId)
    case 'hocuspocus':
      return new HocuspocusTransport(description.wsUrl, description.documentName)
    case 'ywebsocket':
      return new YWebsocketTransport(description.wsUrl, description.documentName)
    default:
      throw new Error(`unknown transport ${description.kind}`)
  }
}
