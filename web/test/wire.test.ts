// Frames through the two hub protocols exactly as SignalR serializes them, without a server.
import { describe, expect, it } from 'vitest'
import { MessageType, type HubMessage, type InvocationMessage, NullLogger } from '@microsoft/signalr'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { createFrameCodec } from '../src/provider/wire'
import { backoffDelay } from '../src/provider'
import { syncStep1Frame, updateFrame, MessageType as FrameType } from '../src/provider/frames'

function roundTrip(protocol: 'messagepack' | 'json', frame: Uint8Array): Uint8Array {
  const codec = createFrameCodec(protocol)
  const message: InvocationMessage = { type: MessageType.Invocation, target: 'Receive', arguments: ['doc-1', codec.encode(frame)], headers: {} }
  const wire = codec.hubProtocol.writeMessage(message)
  const [parsed] = codec.hubProtocol.parseMessages(wire as string & ArrayBuffer, NullLogger.instance) as HubMessage[]
  return codec.decode((parsed as InvocationMessage).arguments[1])
}

describe('frames on the wire', () => {
  const doc = new Y.Doc()
  doc.getText('text').insert(0, 'héllo wörld')
  const update = Y.encodeStateAsUpdate(doc)

  for (const protocol of ['messagepack', 'json'] as const) {
    it(`carries a sync update frame unchanged over ${protocol}`, () => {
      const frame = updateFrame(update)
      expect(roundTrip(protocol, frame)).toEqual(frame)
      const decoder = decoding.createDecoder(roundTrip(protocol, frame))
      expect(decoding.readVarUint(decoder)).toBe(FrameType.Sync)
      expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsUpdate)
      const copy = new Y.Doc()
      Y.applyUpdate(copy, decoding.readVarUint8Array(decoder))
      expect(copy.getText('text').toString()).toBe('héllo wörld')
    })
  }

  it('writes step 1 as y-websocket does: type 0, sync type 0, state vector', () => {
    const decoder = decoding.createDecoder(syncStep1Frame(doc))
    expect(decoding.readVarUint(decoder)).toBe(0)
    expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsSyncStep1)
    expect(decoding.readVarUint8Array(decoder)).toEqual(Y.encodeStateVector(doc))
    expect(decoding.hasContent(decoder)).toBe(false)
  })

  it('refuses a frame of the wrong shape for the protocol', () => {
    expect(() => createFrameCodec('messagepack').decode('AAE=')).toThrow(TypeError)
    expect(() => createFrameCodec('json').decode(new Uint8Array([0]))).toThrow(TypeError)
  })

  it('backs off exponentially up to the cap, with bounded jitter', () => {
    const backoff = { initialMs: 100, maxMs: 2000 }
    for (let attempt = 0; attempt < 40; attempt++) {
      const base = Math.min(2000, 100 * 2 ** attempt)
      const delay = backoffDelay(attempt, backoff)
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8))
      expect(delay).toBeLessThanOrEqual(base)
    }
  })
})
