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
import { protobufVarint as varint } from '@visitsarch/contracts';
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
 * A request message whose only field set is `chunk` (field number `chunkField`, an ArrowIpcChunk),
 * serialized as protobuf would: for a client sending pre-encoded requests (ServiceClient passes
 * Buffers through). The framing is written into the slack the encoder left around the chunk's
 * bytes, so they are not copied again (serializing `{ chunk }` copied them into a new buffer).
 */
export function chunkRequestBytes(chunk: ArrowChunk, chunkField: number): Buffer {
  const ipcLength = chunk.ipcBytes.byteLength;
  const rowCount = chunk.rowCount > 0 ? [0x10, ...varint(chunk.rowCount)] : []; // row_count = 2; zero is left out
  const chunkLength = 1 + varint(ipcLength).length + ipcLength + rowCount.length;
  const before = Uint8Array.from([...varint((chunkField << 3) | 2), ...varint(chunkLength), 0x0a, ...varint(ipcLength)]); // chunk, then ipc_bytes = 1
  return withRequestFraming(chunk.ipcBytes, before, Uint8Array.from(rowCount));
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
