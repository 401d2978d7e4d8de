import { RecordBatch, RecordBatchStreamWriter, Table, tableFromIPC } from 'apache-arrow';
import type { typeV1 } from '@visitsarch/contracts';

/** Target size of one gRPC message of Arrow data (well under the 4 MiB default limit). */
const CHUNK_BYTES = 1 << 20;

/**
 * Serialises record batches as one Arrow IPC stream cut into ~1 MiB chunks, each ending on a
 * record-batch boundary (large batches are sliced by rows first).
 */
export async function* toIpcChunks(table: Table | AsyncIterable<RecordBatch>, schema = table instanceof Table ? table.schema : undefined): AsyncGenerator<typeV1.ArrowIpcChunk> {
  const writer = new RecordBatchStreamWriter();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let pendingRows = 0;
  const reader = (async () => {
    for await (const piece of writer) {
      pending.push(piece);
      pendingBytes += piece.byteLength;
    }
  })();
  const take = (): typeV1.ArrowIpcChunk => {
    const chunk = { ipcBytes: Buffer.concat(pending), rowCount: pendingRows };
    pending = [];
    pendingBytes = 0;
    pendingRows = 0;
    return chunk;
  };
  const batches = table instanceof Table ? table.batches : table;
  let started = false;
  for await (const batch of batches) {
    const rowBytes = Math.max(1, batch.data.byteLength / Math.max(1, batch.numRows));
    const rowsPerSlice = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
    for (let offset = 0; offset < batch.numRows || (!started && offset === 0); offset += rowsPerSlice) {
      const slice = batch.numRows === 0 ? batch : batch.slice(offset, Math.min(batch.numRows, offset + rowsPerSlice));
      writer.write(slice);
      started = true;
      pendingRows += slice.numRows;
      await new Promise((resolve) => setImmediate(resolve));
      if (pendingBytes >= CHUNK_BYTES) yield take();
      if (batch.numRows === 0) break;
    }
  }
  if (!started && schema) writer.reset(undefined, schema);
  writer.close();
  await reader;
  if (pendingBytes > 0) yield take();
}

/** Reads the Arrow IPC stream carried by a sequence of chunks into a Table. */
export async function fromIpcChunks(messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>): Promise<Table> {
  const pieces: Uint8Array[] = [];
  for await (const message of messages) if (message.chunk?.ipcBytes.length) pieces.push(message.chunk.ipcBytes);
  return pieces.length ? tableFromIPC(Buffer.concat(pieces)) : new Table();
}
