import { protobufVarint as varint } from '@visitsarch/contracts';
import { FRAME_PREFIX_BYTES, markFramable, releaseFramable } from '@visitsarch/grpc-client';

/**
 * Pre-encoded responses (GrpcServiceOptions.preEncodedResponses) whose buffers are reused.
 *
 * Each buffer has room for grpc-js's frame prefix before it (framed-messages.ts), so grpc-js
 * sends it in place, and it is free again once the write completed. Taking buffers from
 * {@link EncodedResponseBuffers} instead of allocating one per message means a large stream
 * allocates (and makes V8 collect for) almost nothing. Where grpc-js cannot send in place, it
 * copies the buffer when it serializes it, and the buffer is free again right then.
 */

/** Backing stores are rounded up to this, so that messages of slightly different sizes share them. */
const GRANULE_BYTES = 64 * 1024;

/**
 * Buffers for pre-encoded messages (of one stream, or shared by the streams of a process), each
 * back in the pool once written. A buffer that is never written (the call ended first) is simply
 * left to the garbage collector.
 */
export class EncodedResponseBuffers {
  private readonly free: ArrayBuffer[] = [];

  /**
   * `keep`: how many free backing stores the pool holds on to at most; `keepBytes`: the largest it
   * keeps (a pool shared for the life of the process must not hold on to one outsized message).
   */
  constructor(
    private readonly keep = 8,
    private readonly keepBytes = Infinity,
  ) {}

  /**
   * A buffer of exactly `size` bytes (contents undefined), to be sent as a pre-encoded response:
   * framable, back in the pool once sent (or once releaseFramable says it will not be).
   */
  take(size: number): Buffer {
    const needed = FRAME_PREFIX_BYTES + size;
    const index = this.free.findIndex((backing) => backing.byteLength >= needed);
    // allocUnsafeSlow: a backing store of its own, not zero-filled (every byte is written before it is sent).
    const backing = index >= 0 ? this.free.splice(index, 1)[0] : Buffer.allocUnsafeSlow(Math.ceil(needed / GRANULE_BYTES) * GRANULE_BYTES).buffer;
    return markFramable(Buffer.from(backing, FRAME_PREFIX_BYTES, size), () => {
      if (this.free.length < this.keep && backing.byteLength <= this.keepBytes) this.free.push(backing);
    });
  }
}

/**
 * A byte stream as pre-encoded responses of a message whose only field set is the `bytes` field
 * number `field` (ExportVisitTableResponse.data): messages of `dataBytes` bytes of data (the last
 * one shorter), copied from `source` into buffers of one {@link EncodedResponseBuffers}. That copy
 * replaces both re-chunking and the protobuf encoder's, neither of which then allocates a buffer
 * per message. Each chunk of `source` is copied before the next one is asked for, so `source` may
 * reuse its buffer (readFileInto in @visitsarch/storage does).
 */
export async function* bytesFieldResponses(source: AsyncIterable<Uint8Array>, field: number, dataBytes: number, buffers = new EncodedResponseBuffers()): AsyncGenerator<Buffer> {
  const tag = varint((field << 3) | 2);
  const fullHeader = Buffer.from([...tag, ...varint(dataBytes)]);
  let message: Buffer | undefined;
  let filled = 0;
  for await (const chunk of source) {
    for (let at = 0; at < chunk.byteLength; ) {
      if (!message) {
        message = buffers.take(fullHeader.length + dataBytes);
        fullHeader.copy(message, 0);
        filled = 0;
      }
      const taken = Math.min(dataBytes - filled, chunk.byteLength - at);
      message.set(chunk.subarray(at, at + taken), fullHeader.length + filled);
      filled += taken;
      at += taken;
      if (filled === dataBytes) {
        yield message;
        message = undefined;
      }
    }
  }
  if (message) {
    // The last, shorter message: its length needs a header of its own (perhaps fewer bytes).
    const header = Buffer.from([...tag, ...varint(filled)]);
    const last = buffers.take(header.length + filled);
    header.copy(last, 0);
    message.copy(last, header.length, fullHeader.length, fullHeader.length + filled);
    releaseFramable(message);
    yield last;
  }
}
