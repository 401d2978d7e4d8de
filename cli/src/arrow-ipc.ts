/**
 * The Arrow chunk framing as the CLI's commands call it; the framing itself (encode, chunk size,
 * decode) is @visitsarch/arrow-ipc's.
 */
import { RecordBatch, Table } from 'apache-arrow';
import { encodeArrowChunks, readArrowChunks } from '@visitsarch/arrow-ipc';

export { chunkRequestBytes } from '@visitsarch/arrow-ipc';
import type { typeV1 } from '@visitsarch/contracts';

/** A table, or batches of one schema, as the chunks of the framing (schema first, ~1 MiB chunks, end marker last). */
export async function* toIpcChunks(table: Table | AsyncIterable<RecordBatch>, schema = table instanceof Table ? table.schema : undefined): AsyncGenerator<typeV1.ArrowIpcChunk> {
  if (table instanceof Table) return yield* encodeArrowChunks(table.schema, table.batches);
  if (schema) return yield* encodeArrowChunks(schema, table);
  // No schema given: the first batch's (nothing is sent for no batch at all).
  const iterator = table[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  yield* encodeArrowChunks(first.value.schema, (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })());
}

/** Reads the Arrow IPC stream carried by a sequence of chunks into a Table. */
export const fromIpcChunks: (messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>) => Promise<Table> = readArrowChunks;
