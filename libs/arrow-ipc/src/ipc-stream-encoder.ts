import { AsyncByteQueue, RecordBatch, RecordBatchStreamWriter, Schema } from 'apache-arrow';

/** An AsyncByteQueue that just collects what the writer writes, so it can be taken synchronously. */
class CollectingSink extends AsyncByteQueue {
  private collected: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.collected.push(value);
  }

  takeAll(): Uint8Array {
    const parts = this.collected;
    this.collected = [];
    return joinWithSlack(parts);
  }
}

/**
 * Room left before and after the bytes of every encoded batch ({@link joinWithSlack}): enough for
 * the protobuf framing of a request carrying them as an ArrowIpcChunk (two tags, two lengths, a
 * row count, at most 12 bytes before), which {@link withRequestFraming} then writes around them
 * instead of copying them, with {@link REQUEST_HEADROOM} to spare before the request.
 */
export const SLACK_BEFORE = 24;
export const SLACK_AFTER = 16;
const HAS_SLACK = Symbol('visitsarch.arrow-ipc.slack');

/** `parts` joined in a new buffer with {@link SLACK_BEFORE} and {@link SLACK_AFTER} free bytes around them. */
export function joinWithSlack(parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const backing = Buffer.allocUnsafeSlow(SLACK_BEFORE + length + SLACK_AFTER);
  let at = SLACK_BEFORE;
  for (const part of parts) {
    backing.set(part, at);
    at += part.byteLength;
  }
  const joined = backing.subarray(SLACK_BEFORE, SLACK_BEFORE + length) as Buffer & { [HAS_SLACK]?: true };
  joined[HAS_SLACK] = true;
  return joined;
}

/**
 * Free bytes just before every request {@link withRequestFraming} returns, in a buffer of its own:
 * room for gRPC's 5-byte message prefix, so that a client can send the request in place
 * (markFramable in @visitsarch/grpc-client) instead of copying it into a frame.
 */
export const REQUEST_HEADROOM = 8;

/**
 * `bytes` with `before` written just in front and `after` just behind, as one buffer with
 * {@link REQUEST_HEADROOM} free bytes before it: in place, the first time for `bytes` made by
 * {@link joinWithSlack} (the framing fits its slack), else copied.
 */
export function withRequestFraming(bytes: Uint8Array, before: Uint8Array, after: Uint8Array): Buffer {
  if (!(bytes as { [HAS_SLACK]?: true })[HAS_SLACK] || before.byteLength + REQUEST_HEADROOM > SLACK_BEFORE || after.byteLength > SLACK_AFTER) {
    const length = before.byteLength + bytes.byteLength + after.byteLength;
    const copied = Buffer.allocUnsafeSlow(REQUEST_HEADROOM + length).subarray(REQUEST_HEADROOM);
    copied.set(before, 0);
    copied.set(bytes, before.byteLength);
    copied.set(after, before.byteLength + bytes.byteLength);
    return copied;
  }
  // Framed once in place: a second request made of the same bytes is copied, never written over the first.
  delete (bytes as { [HAS_SLACK]?: true })[HAS_SLACK];
  const backing = Buffer.from(bytes.buffer, bytes.byteOffset - SLACK_BEFORE, SLACK_BEFORE + bytes.byteLength + SLACK_AFTER);
  backing.set(before, SLACK_BEFORE - before.byteLength);
  backing.set(after, SLACK_BEFORE + bytes.byteLength);
  return backing.subarray(SLACK_BEFORE - before.byteLength, SLACK_BEFORE + bytes.byteLength + after.byteLength);
}

/**
 * Encodes record batches of one schema as Arrow IPC stream messages (V5, uncompressed), one
 * call at a time, so each result is a run of whole messages that can travel on its own.
 */
export class IpcStreamEncoder {
  private readonly sink = new CollectingSink();
  private readonly writer = new RecordBatchStreamWriter({ autoDestroy: false });

  constructor(readonly schema: Schema) {}

  /** The Schema message. */
  schemaMessage(): Uint8Array {
    this.writer.reset(this.sink as never, this.schema);
    return this.sink.takeAll();
  }

  /** The messages of one batch (its dictionaries first, if any, then the RecordBatch). */
  encode(batch: RecordBatch): Uint8Array {
    // The writer starts a new stream (a second Schema message) for a batch whose schema differs
    // even only in nullability or metadata: always write batches under the encoder's schema.
    this.writer.write(batch.schema === this.schema ? batch : new RecordBatch(this.schema, batch.data));
    return this.sink.takeAll();
  }

  /** The end-of-stream marker. */
  static readonly END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
}
