/**
 * Messages sent where they lie, in the frame grpc-js would otherwise copy them into.
 *
 * grpc-js sends every message as a frame: a 5-byte prefix (compressed flag, big-endian length),
 * then the message. It builds that frame in a new buffer and copies the message into it, on the
 * server (BaseServerInterceptingCall.serializeMessage) and on the client (the compression filter,
 * uncompressed too). For the ~1 MiB messages of a visit table that is, per message, fresh memory
 * from the allocator (page faults), a copy, and external memory that makes V8 collect: a Flight
 * DoGet of 844 MB spent ~0.3 s of its ~1 s of CPU on it (decision 0011, update of 2026-12-05).
 *
 * A *framable* message has room for the prefix in the 5 bytes just before it in its ArrayBuffer,
 * bytes nobody else uses, and is not modified until it has been sent. grpc-js then sends the
 * prefix and the message as one view, without copying. Two kinds are framable:
 * - buffers filled to be sent with room left before them (EncodedResponseBuffers, chunkRequestBytes
 *   in @visitsarch/arrow-ipc), marked with {@link markFramable}; a server runs their `sent` once
 *   the write completed, when the buffer may be reused;
 * - messages grpc-js received, relayed as they are (the gateway's forwarding): grpc-js hands a
 *   received message over as a view just after its own prefix (for one of 4 KiB or more, the
 *   two fill a buffer of their own), and {@link framableIfReceived} checks that before marking it.
 */
import * as path from 'node:path';
import { protobufVarint } from '@visitsarch/contracts';

/** The bytes grpc-js puts before each message: a compressed flag and the length (big-endian uint32). */
export const FRAME_PREFIX_BYTES = 5;

const FRAMABLE = Symbol('visitsarch.grpc-client.framable');

type Framable = Buffer & { [FRAMABLE]?: { sent?: () => void } };

/**
 * Marks `message` as framable: the 5 bytes before it in its ArrayBuffer are free for the frame's
 * prefix, and it stays as it is until sent. `sent` runs once, when a server has written it (or
 * when {@link releaseFramable} says it will not be sent).
 */
export function markFramable(message: Buffer, sent?: () => void): Buffer {
  if (message.byteOffset < FRAME_PREFIX_BYTES) throw new RangeError(`a framable message needs ${FRAME_PREFIX_BYTES} bytes before it in its buffer`);
  (message as Framable)[FRAMABLE] = { sent };
  return message;
}

/**
 * Marks a message grpc-js received as framable, if it lies where grpc-js leaves a message of
 * 4 KiB or more: just after its own uncompressed prefix, the two filling a buffer of their own.
 * (Smaller ones share Node's pool with other buffers, and a decompressed one is a buffer of its
 * own without the prefix: both are copied, as before.) Relaying it then copies nothing. Returns
 * the message.
 */
export function framableIfReceived(message: Buffer): Buffer {
  if (message.byteOffset !== FRAME_PREFIX_BYTES || message.buffer.byteLength !== FRAME_PREFIX_BYTES + message.byteLength) return message;
  const prefix = new DataView(message.buffer, 0, FRAME_PREFIX_BYTES);
  if (prefix.getUint8(0) === 0 && prefix.getUint32(1) === message.byteLength) (message as Framable)[FRAMABLE] = {};
  return message;
}

/**
 * The whole message grpc-js received, if it consisted of exactly one `bytes` field (number
 * `field`, 1–15) holding `data`, decoded as a view of it (both decoders make views): then any
 * message type whose only field set is a `bytes` field of that number encodes to those very
 * bytes, and a relay can send them on in place (framable) instead of encoding `data` again.
 * The check: the tag and the length just before `data`, and grpc-js's prefix just before them
 * giving the message exactly that length. Undefined otherwise.
 */
export function receivedBytesFieldMessage(data: Uint8Array, field: number): Buffer | undefined {
  if (field < 1 || field > 15) return undefined; // a one-byte tag
  const lengthBytes = protobufVarint(data.byteLength); // the shortest: what every encoder writes (a longer one is declined)
  const messageAt = data.byteOffset - 1 - lengthBytes.length;
  if (messageAt - FRAME_PREFIX_BYTES < 0) return undefined;
  const before = new Uint8Array(data.buffer, messageAt, 1 + lengthBytes.length);
  if (before[0] !== ((field << 3) | 2) || lengthBytes.some((byte, i) => before[1 + i] !== byte)) return undefined;
  const message = Buffer.from(data.buffer, messageAt, data.byteLength + 1 + lengthBytes.length);
  framableIfReceived(message);
  return (message as Framable)[FRAMABLE] ? message : undefined;
}

/** Runs a framable message's `sent` now (it will not be sent, or has been copied): once, whatever happens next. */
export function releaseFramable(message: Buffer): void {
  const state = (message as Framable)[FRAMABLE];
  const sent = state?.sent;
  if (state) state.sent = undefined;
  sent?.();
}

/** The frame of `message`: a view of prefix and message if it is framable, else a copy (what grpc-js makes). */
export function frameOf(message: Buffer): Buffer {
  const inPlace = (message as Framable)[FRAMABLE] !== undefined && message.byteOffset >= FRAME_PREFIX_BYTES;
  const length = message.byteLength + FRAME_PREFIX_BYTES;
  const frame = inPlace ? Buffer.from(message.buffer, message.byteOffset - FRAME_PREFIX_BYTES, length) : Buffer.allocUnsafe(length);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  if (!inPlace) message.copy(frame, FRAME_PREFIX_BYTES);
  return frame;
}

interface ServerCallPrototype {
  serializeMessage(this: { handler: { serialize: (value: unknown) => Buffer } }, value: unknown): Buffer;
  sendMessage(this: { stream?: { destroyed: boolean } }, message: unknown, callback: () => void): void;
}
interface SentMessage {
  message: Buffer;
  flags?: number;
}
interface ClientFilterPrototype {
  sendMessage(this: ClientFilter, message: Promise<SentMessage>): Promise<SentMessage>;
}
interface ClientFilter {
  sendCompression?: object;
  maxSendMessageLength?: number;
}

let installed: boolean | undefined;

/**
 * Makes grpc-js send framable messages in place, from the servers and clients of this process;
 * returns whether it could (false: the grpc-js internals it replaces changed, and every message is
 * copied as before). Idempotent.
 */
export function sendFramableMessagesInPlace(): boolean {
  installed ??= install();
  return installed;
}

function install(): boolean {
  let server: ServerCallPrototype | undefined;
  let client: ClientFilterPrototype | undefined;
  try {
    // Internal modules of grpc-js (1.14): the class that frames a server's responses, and the
    // filter that frames (and may compress) a client's requests.
    const root = path.dirname(require.resolve('@grpc/grpc-js'));
    server = (require(path.join(root, 'server-interceptors')) as { BaseServerInterceptingCall?: { prototype: ServerCallPrototype } }).BaseServerInterceptingCall?.prototype;
    client = (require(path.join(root, 'compression-filter')) as { CompressionFilter?: { prototype: ClientFilterPrototype } }).CompressionFilter?.prototype;
  } catch {
    return false;
  }
  if (typeof server?.serializeMessage !== 'function' || typeof server.sendMessage !== 'function' || typeof client?.sendMessage !== 'function') return false;
  const serverSendMessage = server.sendMessage;
  server.serializeMessage = function (value) {
    return frameOf(this.handler.serialize(value));
  };
  server.sendMessage = function (message, callback) {
    const state = Buffer.isBuffer(message) ? (message as Framable)[FRAMABLE] : undefined;
    if (!state?.sent) return serverSendMessage.call(this, message, callback);
    // The buffer is reused once written, not before: grpc-js calls back when the write completed.
    // A stream destroyed meanwhile (a cancelled call) calls back too, while part of the message may
    // still wait in a socket write: that buffer is left to the garbage collector, never reused.
    return serverSendMessage.call(this, message, () => {
      if (!this.stream?.destroyed) releaseFramable(message as Buffer);
      callback();
    });
  };
  const clientSendMessage = client.sendMessage;
  client.sendMessage = async function (pending) {
    const sent = await pending;
    const inPlace =
      (sent.message as Framable)[FRAMABLE] !== undefined &&
      // Uncompressed only (grpc-js compresses nothing unless a client asks it to), and within the limit the original enforces.
      this.sendCompression?.constructor.name === 'IdentityHandler' &&
      (this.maxSendMessageLength === -1 || sent.message.length <= (this.maxSendMessageLength ?? -1));
    return inPlace ? { message: frameOf(sent.message), flags: sent.flags } : clientSendMessage.call(this, Promise.resolve(sent));
  };
  return true;
}
