import { tableToArrowChunks } from '@visitsarch/arrow-ipc';
import type { Table } from 'apache-arrow';
import type { typeV1 } from '@visitsarch/contracts';

/**
 * At most this many visits a chunk: a converted ConsDB visit is ~300 bytes, so a chunk stays near
 * the framing's 1 MiB target, and a receiver handles one night of visits in a few chunks.
 */
export const ROWS_PER_CHUNK = 3000;

/** A converted table as the contract's Arrow chunks (@visitsarch/arrow-ipc's framing), ROWS_PER_CHUNK rows at most each. */
export function arrowChunks(table: Table): AsyncGenerator<typeV1.ArrowIpcChunk> {
  return tableToArrowChunks(table, { maxRows: ROWS_PER_CHUNK });
}
