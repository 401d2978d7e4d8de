/**
 * Encoding tables as the chunks of the Arrow chunk framing, the one way every sender does it
 * (CLI uploads, ConsDB ingest, SQL results, the blob archive's decoded reads):
 *
 * - the Schema message starts the first chunk (a table without rows is its Schema alone);
 * - each further chunk holds one slice of a record batch (chunk-size.ts: about 1 MiB), with the
 *   slice's dictionary messages, and `row_count` its rows; empty batches are not sent;
 * - the end-of-stream marker ends the last chunk.
 *
 * Messages already encoded (a stored stream forwarded as it is) are grouped into chunks by
 * forwardArrowMessages (forward.ts), under the same size rule (TARGET_CHUNK_BYTES, sliceBatch).
 */
import { RecordBatch, Schema, Table } from 'apache-arrow';
import { protobufVarint as varint, readProtobufVarint } from '@visitsarch/contracts';
import { ArrowChunk, sliceBatch, TARGET_CHUNK_BYTES } from './chunk-size';
import { IpcStreamEncoder, joinWithSlack, withRequestFraming } from './ipc-stream-encoder';

export interface ArrowChunkOptions {
  /** Bytes of buffers a chunk aims for; TARGET_CHUNK_BYTES by default. */
  targetBytes?: number;
  /** At most this many rows a chunk (a sender whose receivers work row by row); unlimited by default. */
  maxRows?: number;
}

/**
 * The framing as a state machine, for senders that produce batches as they go: `add` returns
 * the chunks ready so far (the last one is held back, so that `finish` can end it with the
 * end-of-stream marker), `finish` the rest.
 */
export class ArrowChunkEncoder {
  private readonly encoder: IpcStreamEncoder;
  private readonly targetBytes: number;
  private readonly maxRows: number;
  private schemaBytes: Uint8Array | undefined;
  private held: ArrowChunk | undefined;

  constructor(schema: Schema, options: ArrowChunkOptions = {}) {
    this.encoder = new IpcStreamEncoder(schema);
    this.schemaBytes = this.encoder.schemaMessage();
    this.targetBytes = options.targetBytes ?? TARGET_CHUNK_BYTES;
    this.maxRows = options.maxRows ?? Infinity;
  }

  /** The chunks of one more batch, in stream order; the latest chunk is kept until the next call. */
  add(batch: RecordBatch): ArrowChunk[] {
    const ready: ArrowChunk[] = [];
    if (batch.numRows === 0) return ready;
    for (const slice of sliceBatch(batch, this.targetBytes, this.maxRows)) {
      let ipcBytes = this.encoder.encode(slice);
      if (this.schemaBytes) {
        ipcBytes = joinWithSlack([this.schemaBytes, ipcBytes]);
        this.schemaBytes = undefined;
      }
      if (this.held) ready.push(this.held);
      this.held = { ipcBytes, rowCount: slice.numRows };
    }
    return ready;
  }

  /** The last chunk, ended with the end-of-stream marker (the Schema and the marker alone if no row was sent). */
  finish(): ArrowChunk {
    const last = this.held ?? { ipcBytes: this.schemaBytes ?? new Uint8Array(0), rowCount: 0 };
    this.held = undefined;
    this.schemaBytes = undefined;
    return { ipcBytes: joinWithSlack([last.ipcBytes, IpcStreamEncoder.END_OF_STREAM]), rowCount: last.rowCount };
  }
}

/**
 * grpc-js hands a server each message 5 bytes into the buffer it assembled it in, behind the gRPC
 * frame's prefix (compression flag, length); the decoded `bytes` fields are views of that buffer.
 */
const GRPC_MESSAGE_OFFSET = 5;

/**
 * A request message whose only field set is `chunk` (field number `chunkField`, an ArrowIpcChunk),
 * serialized as protobuf would: for a client sending pre-encoded requests (ServiceClient passes
 * Buffers through). The framing is written into the slack the encoder left around the chunk's
 * bytes, so they are not copied again (serializing `{ chunk }` copied them into a new buffer).
 *
 * The two lengths in front of `ipc_bytes` are written a byte or two longer than needed where that
 * puts the Arrow bytes at a multiple of 8 in the receiving server's buffer: Arrow's typed arrays
 * must be aligned, and apache-arrow copied every misaligned message body (the whole table) before
 * reading it. The message decodes to the same values as the generated encoder's.
 *
 * REQUEST_HEADROOM free bytes precede it in its buffer: room for gRPC's prefix, so that the client
 * may send it in place (markFramable in @visitsarch/grpc-client).
 */
export function chunkRequestBytes(chunk: ArrowChunk, chunkField: number): Buffer {
  const ipcLength = chunk.ipcBytes.byteLength;
  const rowCount = chunk.rowCount > 0 ? [0x10, ...varint(chunk.rowCount)] : []; // row_count = 2; zero is left out
  const tag = varint((chunkField << 3) | 2);
  const [chunkLengthBytes, ipcLengthBytes] = alignedLengthSizes(tag.length, ipcLength, rowCount.length);
  const chunkLength = 1 + ipcLengthBytes + ipcLength + rowCount.length;
  const before = Uint8Array.from([...tag, ...varint(chunkLength, chunkLengthBytes), 0x0a, ...varint(ipcLength, ipcLengthBytes)]); // chunk, then ipc_bytes = 1
  return withRequestFraming(chunk.ipcBytes, before, Uint8Array.from(rowCount));
}

/**
 * `received` (a request message as a server received it, `chunk` decoded from it as views of its
 * bytes) if it is exactly a request carrying `chunk` as field `chunkField` and nothing else, laid
 * out as chunkRequestBytes lays it out (`ipc_bytes`, then `row_count` if not zero, no other
 * field), whichever length varints the sender chose, with the Arrow bytes 8-aligned in a
 * receiving server's buffer. A relay may then send it on as it is (the same bytes reach the next
 * server at the same offset) instead of copying `chunk` into a new request. Undefined otherwise.
 */
export function receivedChunkRequest(received: Uint8Array | undefined, chunk: ArrowChunk, chunkField: number): Buffer | undefined {
  if (!received || chunkField < 1 || chunkField > 15) return undefined; // a one-byte tag
  const ipc = chunk.ipcBytes;
  if (ipc.buffer !== received.buffer || received[0] !== ((chunkField << 3) | 2)) return undefined;
  const end = received.byteLength;
  const outer = readProtobufVarint(received, 1, 5);
  if (!outer || outer.next + outer.value !== end || received[outer.next] !== 0x0a) return undefined; // the one field spans the message; ipc_bytes first
  const inner = readProtobufVarint(received, outer.next + 1, 5);
  const ipcAt = ipc.byteOffset - received.byteOffset;
  if (!inner || inner.next !== ipcAt || inner.value !== ipc.byteLength || (GRPC_MESSAGE_OFFSET + ipcAt) % 8 !== 0) return undefined;
  const after = ipcAt + ipc.byteLength;
  if (after !== end && (received[after] !== 0x10 || readProtobufVarint(received, after + 1, 10)?.next !== end)) return undefined; // row_count, last, or nothing
  // The received buffer itself, not a view of it: it may carry what its receiver marked on it (framed-messages.ts in @visitsarch/grpc-client).
  return Buffer.isBuffer(received) ? received : Buffer.from(received.buffer, received.byteOffset, received.byteLength);
}

/**
 * The sizes of the chunk's and the ipc_bytes' length varints (at most 5 bytes each, the fewest
 * that do) that end the framing at a multiple of 8 in the receiver's buffer; the shortest ones if
 * none does (lengths over 256 MiB, which no chunk has).
 */
function alignedLengthSizes(tagBytes: number, ipcLength: number, rowCountBytes: number): [number, number] {
  const shortestIpc = varint(ipcLength).length;
  const shortestChunk = (ipcBytes: number) => varint(1 + ipcBytes + ipcLength + rowCountBytes).length;
  let aligned: [number, number] | undefined;
  for (let ipcBytes = shortestIpc; ipcBytes <= 5; ipcBytes++) {
    for (let chunkBytes = shortestChunk(ipcBytes); chunkBytes <= 5; chunkBytes++) {
      const fewer = !aligned || chunkBytes + ipcBytes < aligned[0] + aligned[1];
      if (fewer && (GRPC_MESSAGE_OFFSET + tagBytes + chunkBytes + 1 + ipcBytes) % 8 === 0) aligned = [chunkBytes, ipcBytes];
    }
  }
  return aligned ?? [shortestChunk(shortestIpc), shortestIpc];
}

/** Batches of one schema as the chunks of the framing. */
export async function* encodeArrowChunks(schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, options: ArrowChunkOptions = {}): AsyncGenerator<ArrowChunk> {
  const encoder = new ArrowChunkEncoder(schema, options);
  for await (const batch of batches) yield* encoder.add(batch);
  yield encoder.finish();
}

/** A table as the chunks of the framing. */
export function tableToArrowChunks(table: Table, options: ArrowChunkOptions = {}): AsyncGenerator<ArrowChunk> {
  return encodeArrowChunks(table.schema, table.batches, options);
}
