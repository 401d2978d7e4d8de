import { Data, MessageHeader, RecordBatch, RecordBatchReader, Schema } from 'apache-arrow';
import { IpcMessage, IpcStreamEncoder } from './ipc-messages';

/** One message of the Arrow chunk framing (`visitsarch.type.v1.ArrowIpcChunk`). */
export interface ArrowChunk {
  ipcBytes: Uint8Array;
  rowCount: number;
}

/** What senders aim for per chunk (the contract: about 1 MiB). */
export const TARGET_CHUNK_BYTES = 1024 * 1024;
/** What no chunk may exceed (the default gRPC message limit). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** The bytes the buffers of a batch occupy: a close estimate of its encoded body size. */
export function batchBytes(batch: RecordBatch): number {
  let total = 0;
  const visit = (data: Data) => {
    total += data.values?.byteLength ?? 0;
    total += data.valueOffsets?.byteLength ?? 0;
    total += data.nullBitmap?.byteLength ?? 0;
    total += (data as { typeIds?: Uint8Array }).typeIds?.byteLength ?? 0;
    for (const child of data.children) visit(child);
  };
  visit(batch.data);
  return total;
}

/** Splits a batch, preserving row order, into slices of about `targetBytes` each. */
export function* sliceBatch(batch: RecordBatch, targetBytes = TARGET_CHUNK_BYTES): Generator<RecordBatch> {
  const bytes = batchBytes(batch);
  if (bytes <= targetBytes || batch.numRows <= 1) {
    yield batch;
    return;
  }
  const rowsPerSlice = Math.max(1, Math.floor((batch.numRows * targetBytes) / bytes));
  for (let start = 0; start < batch.numRows; start += rowsPerSlice) yield batch.slice(start, Math.min(batch.numRows, start + rowsPerSlice));
}

/**
 * Encodes a table, given as batches, into chunks of the contract's framing: the Schema alone
 * first, then one chunk per slice of about 1 MiB. Batches must have the given schema (same
 * fields); dictionary columns are sent as they are (callers hydrate them first).
 */
export async function* encodeArrowChunks(schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, targetBytes = TARGET_CHUNK_BYTES): AsyncGenerator<ArrowChunk> {
  const encoder = new IpcStreamEncoder(schema);
  yield { ipcBytes: encoder.schemaMessage(), rowCount: 0 };
  for await (const batch of batches) {
    if (batch.numRows === 0) continue;
    for (const slice of sliceBatch(batch, targetBytes)) yield { ipcBytes: encoder.encode(slice), rowCount: slice.numRows };
  }
}

/**
 * Forwards the messages of an Arrow IPC stream as chunks without decoding them, grouping small
 * messages up to about 1 MiB: the fast path for stored Arrow streams, which we write in
 * batches of that size. A message too large for one chunk (a stream written elsewhere, with
 * huge batches) is decoded and re-sliced instead.
 */
export async function* forwardArrowMessages(messages: AsyncIterable<IpcMessage>, targetBytes = TARGET_CHUNK_BYTES): AsyncGenerator<ArrowChunk> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let pendingRows = 0;
  let schemaMessage: Uint8Array | undefined;
  let hasDictionaries = false;
  let reencoder: IpcStreamEncoder | undefined;
  const flush = (): ArrowChunk => {
    const chunk = { ipcBytes: pending.length === 1 ? pending[0] : Buffer.concat(pending), rowCount: pendingRows };
    pending = [];
    pendingBytes = 0;
    pendingRows = 0;
    return chunk;
  };
  for await (const { bytes, message } of messages) {
    if (message.headerType === MessageHeader.Schema) schemaMessage = bytes;
    if (message.headerType === MessageHeader.DictionaryBatch) hasDictionaries = true;
    if (bytes.byteLength > MAX_CHUNK_BYTES - 64 * 1024 && message.headerType === MessageHeader.RecordBatch && schemaMessage && !hasDictionaries) {
      if (pendingBytes > 0) yield flush();
      // Decode this one batch (with the schema) and re-slice it.
      const reader = RecordBatchReader.from(Buffer.concat([schemaMessage, bytes]));
      const batch = reader.next().value as RecordBatch;
      if (!reencoder) {
        reencoder = new IpcStreamEncoder(reader.schema);
        reencoder.schemaMessage(); // primes the encoder; the client already has the schema
      }
      for (const slice of sliceBatch(batch, targetBytes)) yield { ipcBytes: reencoder.encode(slice), rowCount: slice.numRows };
      continue;
    }
    // Small messages are grouped; one of about the target size travels alone (no copy).
    if (pendingBytes > 0 && pendingBytes + bytes.byteLength > Math.min(MAX_CHUNK_BYTES, targetBytes * 1.5)) yield flush();
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
    if (message.headerType === MessageHeader.RecordBatch) pendingRows += (message.header() as { length: number }).length;
    if (pendingBytes >= targetBytes) yield flush();
  }
  if (pendingBytes > 0) yield flush();
}
