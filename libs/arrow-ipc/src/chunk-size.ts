/**
 * The one chunk-size rule of the Arrow chunk framing (`visitsarch.type.v1.ArrowIpcChunk`,
 * proto/README.md "Arrow chunk framing"): senders target about 1 MiB per chunk and never exceed
 * the 4 MiB gRPC message limit, by slicing record batches (in row order) so that each slice's
 * buffers take about TARGET_CHUNK_BYTES. A chunk holds one slice (with its dictionaries); a batch
 * already at most that size travels whole. Slices are views of the batch (no copy).
 */
import { Data, RecordBatch } from 'apache-arrow';

/** One message of the Arrow chunk framing; the same shape as the generated `typeV1.ArrowIpcChunk`. */
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

/**
 * Splits a batch, preserving row order, into slices of about `targetBytes` each (and, if a
 * sender asks for it, of at most `maxRows` rows).
 */
export function* sliceBatch(batch: RecordBatch, targetBytes = TARGET_CHUNK_BYTES, maxRows = Infinity): Generator<RecordBatch> {
  const bytes = batchBytes(batch);
  if ((bytes <= targetBytes && batch.numRows <= maxRows) || batch.numRows <= 1) {
    yield batch;
    return;
  }
  const rowsPerSlice = Math.max(1, Math.min(maxRows, Math.floor((batch.numRows * targetBytes) / bytes)));
  for (let start = 0; start < batch.numRows; start += rowsPerSlice) yield batch.slice(start, Math.min(batch.numRows, start + rowsPerSlice));
}
