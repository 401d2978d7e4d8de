/**
 * Arrow IPC streams as messages: splitting a stream (arriving in pieces, or stored in a file)
 * into whole encapsulated messages without decoding their bodies, and the contract's checks of
 * an uploaded stream's messages (proto/visitsarch/type/v1/arrow.proto). What lets a server
 * validate, count and forward messages cheaply.
 */
import * as fsp from 'node:fs/promises';
import { Message, MessageHeader, MetadataVersion } from 'apache-arrow';

/** One encapsulated Arrow IPC message, as it lies in a stream. */
export interface IpcMessage {
  /** The whole message: continuation marker, metadata length, metadata (padded) and body. */
  bytes: Uint8Array;
  /** The flatbuffer metadata, with its padding (Arrow Flight's `data_header`). */
  metadata: Uint8Array;
  /** The message body (Arrow Flight's `data_body`). */
  body: Uint8Array;
  /** The decoded metadata. */
  message: Message;
}

/** The bytes are not a valid Arrow IPC stream, or use what the contract excludes (compression). */
export class InvalidIpcStreamError extends Error {}

const CONTINUATION = 0xffffffff;

/**
 * Splits an Arrow IPC stream, arriving in pieces of any size, into whole messages without
 * decoding the bodies: what lets the service validate, count and forward messages cheaply.
 * Stops at the end-of-stream marker or at the end of the input. Accepts the pre-1.0 framing
 * (no continuation marker) that readers must still understand.
 */
export async function* readIpcMessages(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<IpcMessage> {
  const queue = new ByteQueue();
  const iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  let exhausted = false;
  const fill = async (bytes: number): Promise<boolean> => {
    while (queue.length < bytes && !exhausted) {
      const next = await iterator.next();
      if (next.done) exhausted = true;
      else queue.push(next.value);
    }
    return queue.length >= bytes;
  };
  try {
    for (;;) {
      if (!(await fill(4))) {
        if (queue.length > 0) throw new InvalidIpcStreamError(`the Arrow IPC stream ends inside a message prefix (${queue.length} stray bytes)`);
        return;
      }
      let prefixLength = 4;
      let metadataLength = queue.readInt32(0);
      if (metadataLength === (CONTINUATION | 0)) {
        if (!(await fill(8))) throw new InvalidIpcStreamError('the Arrow IPC stream ends inside a message prefix');
        prefixLength = 8;
        metadataLength = queue.readInt32(4);
      }
      if (metadataLength === 0) return; // end-of-stream marker
      if (metadataLength < 0) throw new InvalidIpcStreamError(`invalid Arrow IPC metadata length ${metadataLength}`);
      if (!(await fill(prefixLength + metadataLength))) throw new InvalidIpcStreamError('the Arrow IPC stream ends inside a message header');
      const head = queue.peek(prefixLength + metadataLength);
      const metadata = head.subarray(prefixLength);
      let message: Message;
      try {
        message = Message.decode(metadata);
      } catch (error) {
        throw new InvalidIpcStreamError(`not an Arrow IPC message: ${(error as Error).message}`);
      }
      const total = prefixLength + metadataLength + message.bodyLength;
      if (!(await fill(total))) throw new InvalidIpcStreamError('the Arrow IPC stream ends inside a message body');
      const bytes = queue.take(total);
      yield { bytes, metadata: bytes.subarray(prefixLength, prefixLength + metadataLength), body: bytes.subarray(prefixLength + metadataLength), message };
    }
  } finally {
    await iterator.return?.();
  }
}

/** A message read from a file into a buffer laid out by a {@link MessageFrame}. */
export interface FramedMessage {
  /** The buffer the message was read into, framed. */
  framed: Buffer;
  /** The flatbuffer metadata, with its padding (Arrow Flight's `data_header`). */
  metadata: Uint8Array;
  /** The message body (Arrow Flight's `data_body`). */
  body: Uint8Array;
  /** The decoded metadata. */
  message: Message;
}

/**
 * How a message is laid out in the one buffer it is read into: makes the buffer for a message
 * with that prefix (continuation marker and length, as in the file) and those lengths, writes
 * its own framing, and says where the metadata and the body go. {@link ipcFrame} keeps the
 * message as it lies in the stream; @visitsarch/flight frames it as an encoded FlightData.
 */
export type MessageFrame = (prefix: Uint8Array, metadataLength: number, bodyLength: number) => { framed: Buffer; metadataAt: number; bodyAt: number };

/** The encapsulated IPC message as it lies in the stream: prefix, metadata, body. */
const ipcFrame: MessageFrame = (prefix, metadataLength, bodyLength) => {
  const framed = Buffer.allocUnsafe(prefix.byteLength + metadataLength + bodyLength);
  framed.set(prefix, 0);
  return { framed, metadataAt: prefix.byteLength, bodyAt: prefix.byteLength + metadataLength };
};

/**
 * A stored Arrow IPC stream: the path of its file, or its bytes when they were already read whole
 * (a small stored table, read and hashed in one pass: docs/decisions/0011-streaming-throughput.md).
 */
export type StoredStream = string | Uint8Array;

/**
 * The messages of a stored Arrow IPC stream, each read straight into a buffer of its own size
 * (positional reads: no reassembly, no copy), for forwarding stored tables. A length that points
 * past the end of the stream is an InvalidIpcStreamError, never a huge allocation.
 */
export async function* readIpcMessagesFromFile(stream: StoredStream): AsyncGenerator<IpcMessage> {
  for await (const { framed, metadata, body, message } of readFramedMessages(stream, ipcFrame)) yield { bytes: framed, metadata, body, message };
}

/**
 * The messages of a stored Arrow IPC stream, each read (from its file, by positional reads) or
 * copied (from its bytes) straight into a buffer laid out by `frame`: no reassembly, no second
 * copy. A length that points past the end of the stream is an InvalidIpcStreamError, never a huge
 * allocation. Stops at the end-of-stream marker or at the end of the stream.
 */
export async function* readFramedMessages(stream: StoredStream, frame: MessageFrame): AsyncGenerator<FramedMessage> {
  const source = typeof stream === 'string' ? await fileSource(stream) : bytesSource(stream);
  try {
    const { size } = source;
    const prefix = Buffer.alloc(8);
    for (let position = 0; position < size; ) {
      if (size - position < 4) throw new InvalidIpcStreamError('the Arrow IPC stream ends inside a message prefix');
      const prefixRead = await readAt(source, prefix, 0, Math.min(8, size - position), position);
      let prefixLength = 4;
      let metadataLength = prefix.readInt32LE(0);
      if (metadataLength === (CONTINUATION | 0)) {
        if (prefixRead < 8) throw new InvalidIpcStreamError('the Arrow IPC stream ends inside a message prefix');
        prefixLength = 8;
        metadataLength = prefix.readInt32LE(4);
      }
      if (metadataLength === 0) return; // end-of-stream marker
      if (metadataLength < 0 || position + prefixLength + metadataLength > size) throw new InvalidIpcStreamError(`invalid Arrow IPC metadata length ${metadataLength} at byte ${position}`);
      const metadata = Buffer.allocUnsafe(metadataLength);
      await readAt(source, metadata, 0, metadataLength, position + prefixLength);
      let message: Message;
      try {
        message = Message.decode(metadata);
      } catch (error) {
        throw new InvalidIpcStreamError(`not an Arrow IPC message at byte ${position}: ${(error as Error).message}`);
      }
      const bodyLength = Number(message.bodyLength);
      const total = prefixLength + metadataLength + bodyLength;
      if (position + total > size) throw new InvalidIpcStreamError(`the Arrow IPC message at byte ${position} runs past the end of the stream`);
      const { framed, metadataAt, bodyAt } = frame(prefix.subarray(0, prefixLength), metadataLength, bodyLength);
      metadata.copy(framed, metadataAt);
      await readAt(source, framed, bodyAt, bodyLength, position + prefixLength + metadataLength);
      yield { framed, metadata: framed.subarray(metadataAt, metadataAt + metadataLength), body: framed.subarray(bodyAt, bodyAt + bodyLength), message };
      position += total;
    }
  } finally {
    await source.close();
  }
}

/** Bytes read by position: from a file, or copied from memory. */
interface PositionalSource {
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `into` at `offset`; how many (0 at the end). */
  read(into: Buffer, offset: number, length: number, position: number): Promise<number> | number;
  close(): Promise<void>;
}

async function fileSource(path: string): Promise<PositionalSource> {
  const handle = await fsp.open(path, 'r');
  try {
    const { size } = await handle.stat();
    return { size, read: async (into, offset, length, position) => (await handle.read(into, offset, length, position)).bytesRead, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function bytesSource(bytes: Uint8Array): PositionalSource {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { size: source.byteLength, read: (into, offset, length, position) => source.copy(into, offset, position, Math.min(position + length, source.byteLength)), close: async () => {} };
}

/** Reads exactly `length` bytes at `position` (fewer only at the end of the stream); returns how many. */
async function readAt(source: PositionalSource, into: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const bytesRead = await source.read(into, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  if (done < length) throw new InvalidIpcStreamError(`the Arrow IPC stream ends at byte ${position + done}, inside a message`);
  return done;
}

/**
 * Checks what the contract requires of an uploaded stream's messages: a Schema first, metadata
 * V4 or V5, no body compression, no tensors.
 */
export function checkUploadMessage(message: Message, index: number): void {
  if (index === 0 && message.headerType !== MessageHeader.Schema) throw new InvalidIpcStreamError('an Arrow IPC stream must start with its Schema message');
  if (index > 0 && message.headerType === MessageHeader.Schema) throw new InvalidIpcStreamError('an Arrow IPC stream has exactly one Schema message, at the start');
  if (message.version < MetadataVersion.V4) throw new InvalidIpcStreamError(`Arrow IPC metadata version ${MetadataVersion[message.version]} is too old (V4 or V5 expected)`);
  if (message.headerType !== MessageHeader.Schema && message.headerType !== MessageHeader.RecordBatch && message.headerType !== MessageHeader.DictionaryBatch) {
    throw new InvalidIpcStreamError(`unexpected Arrow IPC message type ${MessageHeader[message.headerType]}`);
  }
  if (message.compression) throw new InvalidIpcStreamError('compressed Arrow IPC bodies are not accepted: send uncompressed record batches');
}

/** Bytes arriving in pieces, read as one sequence from the front. */
class ByteQueue {
  private pieces: Uint8Array[] = [];
  length = 0;

  push(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    this.pieces.push(piece);
    this.length += piece.byteLength;
  }

  readInt32(offset: number): number {
    const bytes = this.peek(offset + 4);
    return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getInt32(0, true);
  }

  /** The first `n` bytes, in one piece (the front pieces are merged if needed). */
  peek(n: number): Uint8Array {
    if (this.pieces[0].byteLength < n) {
      let merged = 0;
      let size = 0;
      while (size < n) size += this.pieces[merged++].byteLength;
      const joined = new Uint8Array(size);
      let offset = 0;
      for (const piece of this.pieces.splice(0, merged)) {
        joined.set(piece, offset);
        offset += piece.byteLength;
      }
      this.pieces.unshift(joined);
    }
    return this.pieces[0].subarray(0, n);
  }

  take(n: number): Uint8Array {
    const bytes = this.peek(n);
    if (this.pieces[0].byteLength === n) this.pieces.shift();
    else this.pieces[0] = this.pieces[0].subarray(n);
    this.length -= n;
    return bytes;
  }
}
