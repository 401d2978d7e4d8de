import { RecordBatchStreamWriter, Table } from 'apache-arrow';
import type { typeV1 } from '@visitsarch/contracts';

/** Rows per record batch: ~300 bytes × 3000 rows ≈ 1 MiB, the contract's target chunk size. */
const ROWS_PER_CHUNK = 3000;

/**
 * A table as the contract's Arrow chunks (type/v1/arrow.proto): one IPC stream cut on message
 * boundaries — the first chunk starts with the Schema message (alone for an empty table), each
 * carries whole record batches of at most ROWS_PER_CHUNK rows, the last ends with the
 * end-of-stream marker. The writer's bytes are taken from its sink as they are produced
 * (`toUint8Array` would return the whole stream again each time).
 */
export async function* arrowChunks(table: Table): AsyncGenerator<typeV1.ArrowIpcChunk> {
  const writer = new RecordBatchStreamWriter();
  let pieces: Uint8Array[] = [];
  const drained = (async () => {
    for await (const piece of writer) pieces.push(piece);
  })();
  // The sink hands pieces to the reader above through promises: let them settle.
  const take = async (rowCount: number): Promise<typeV1.ArrowIpcChunk> => {
    await new Promise((resolve) => setImmediate(resolve));
    const chunk = { ipcBytes: Buffer.concat(pieces), rowCount };
    pieces = [];
    return chunk;
  };

  let held: typeV1.ArrowIpcChunk | undefined;
  if (table.numRows === 0) writer.reset(undefined, table.schema);
  for (let offset = 0; offset < table.numRows; offset += ROWS_PER_CHUNK) {
    const slice = table.slice(offset, Math.min(table.numRows, offset + ROWS_PER_CHUNK));
    for (const batch of slice.batches) writer.write(batch);
    if (held) yield held;
    held = await take(slice.numRows);
  }
  writer.close();
  await drained;
  const rest = Buffer.concat(pieces);
  yield held ? { ipcBytes: Buffer.concat([held.ipcBytes, rest]), rowCount: held.rowCount } : { ipcBytes: rest, rowCount: 0 };
}
