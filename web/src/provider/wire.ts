// Binary frames on the two hub protocols: MessagePack carries them as `bin` (Uint8Array both ways);
// JSON has no binary type, and ASP.NET Core's System.Text.Json maps byte[] to a base64 string.
import type { IHubProtocol } from '@microsoft/signalr'
import { JsonHubProtocol } from '@microsoft/signalr'
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack'
import * as buffer from 'lib0/buffer'

export type WireProtocol = 'messagepack' | 'json'

export interface FrameCodec {
  readonly hubProtocol: IHubProtocol
  encode(frame: Uint8Array): Uint8Array | string
  decode(value: unknown): Uint8Array
}

export function createFrameCodec(protocol: WireProtocol): FrameCodec {
  if (protocol === 'json') {
    return {
      hubProtocol: new JsonHubProtocol(),
      encode: frame => buffer.toBase64(frame),
      decode: value => {
        if (typeof value === 'string') return buffer.fromBase64(value)
        throw new TypeError('expected a base64 frame on the JSON hub protocol')
      },
    }
  }
  return {
    hubProtocol: new MessagePackHubProtocol(),
    encode: frame => frame,
    decode: value => {
      if (value instanceof Uint8Array) return value
      throw new TypeError('expected a binary frame on the MessagePack hub protocol')
    },
  }
}
