/**
 * How visit tables travel between the readers, the writers and the hash: as Apache Arrow
 * record batches that share one schema. The schema travels with the batches because a table
 * with no rows must still tell its columns and types.
 */
import { RecordBatch, Schema, Table } from 'apache-arrow';

/** A one-shot stream of record batches of one visit table, with the table's schema known up front. */
export interface VisitBatchStream extends AsyncIterable<RecordBatch> {
  readonly schema: Schema;
  /**
   * True if the batches are read into reused memory (opened with PassOptions.reuseBuffers, and
   * the reader could honour it): only a consumer that keeps no batch may read this stream. Such a
   * stream holds no file until it is iterated.
   */
  readonly reusesBuffers?: boolean;
}

/**
 * What a consumer tells a factory about one pass. `reuseBuffers`: the consumer is done with each
 * batch once it asks for the next (it keeps no batch, slice or view of one), so the reader may
 * read later batches into the memory of earlier ones instead of allocating afresh: the 858 MB
 * of new buffers per pass over a 2.1-million-visit table otherwise start a dozen full collections.
 */
export interface PassOptions {
  reuseBuffers?: boolean;
}

/**
 * How many sets of buffers a reader honouring `reuseBuffers` uses in turn: a batch read into one
 * stays valid while the next two are read (its consumer has moved on by then, with one to spare).
 */
export const REUSED_BUFFER_SETS = 3;

/**
 * A visit table given to a writer or to the hash.
 * - `Table`: in memory, re-readable.
 * - `VisitBatchStream`: a one-shot stream. Operations that need two passes (the canonical
 *   hash, the HDF5 writer, which must know string widths first) collect it in memory.
 * - a factory: called once per pass, so two-pass operations run in bounded memory (for
 *   example `() => openVisitTable(path)` or `() => syntheticOpsimBatches({...})`).
 */
export type VisitTableSource = Table | VisitBatchStream | VisitBatchFactory;

/** Opens one pass over a table (a VisitTableSource that can be read again): told what the pass allows. */
export type VisitBatchFactory = (pass?: PassOptions) => VisitBatchStream | Promise<VisitBatchStream>;

/** Wraps a schema and any (async) iterable of batches as a {@link VisitBatchStream}. */
export function batchStream(schema: Schema, batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>): VisitBatchStream {
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches as AsyncIterable<RecordBatch>) yield batch;
    },
  };
}

/** A stream over the batches of an in-memory table (zero-row batches skipped). */
export function tableStream(table: Table): VisitBatchStream {
  return batchStream(
    table.schema,
    table.batches.filter((b) => b.numRows > 0),
  );
}

/** True if the source can be read twice without holding it in memory (a Table or a factory). */
export function isReReadable(source: VisitTableSource): source is Table | VisitBatchFactory {
  return source instanceof Table || typeof source === 'function';
}

/**
 * Opens one pass over a source (a factory is told `pass`). A one-shot stream can be opened only
 * once. A stream read into reused buffers is refused to a pass that did not allow it (one that
 * may keep batches, such as collectTable): it would keep memory that later batches overwrite.
 */
export async function openSource(source: VisitTableSource, pass: PassOptions = {}): Promise<VisitBatchStream> {
  if (source instanceof Table) return tableStream(source);
  let stream: VisitBatchStream | Table = source as VisitBatchStream;
  // A factory may hand back a Table (untyped callers do): stream it rather than iterate its rows.
  if (typeof source === 'function') stream = await source(pass);
  if (stream instanceof Table) return tableStream(stream);
  if (stream.reusesBuffers && !pass.reuseBuffers) throw new Error('this visit-table stream is read into reused buffers (PassOptions.reuseBuffers): only a consumer that keeps no batch may read it');
  return stream;
}

/**
 * Returns a source that may be opened several times: tables and factories as they are, a
 * one-shot stream collected into a Table (this is where memory stops being bounded).
 */
export async function reReadable(source: VisitTableSource): Promise<Table | VisitBatchFactory> {
  if (isReReadable(source)) return source;
  return collectTable(source);
}

/** Collects a stream (or any source) into one in-memory Table, keeping the schema of empty tables. */
export async function collectTable(source: VisitTableSource): Promise<Table> {
  if (source instanceof Table) return source;
  const stream = await openSource(source);
  const batches: RecordBatch[] = [];
  for await (const batch of stream) if (batch.numRows > 0) batches.push(batch);
  return batches.length > 0 ? new Table(stream.schema, batches) : new Table(stream.schema);
}
