import { RecordBatch, Table } from 'apache-arrow';
import { openArrowChunks } from '@visitsarch/arrow-ipc';
import { typeV1 } from '@visitsarch/contracts';
import {
  batchStream,
  canonicalSha256,
  formatFromFileName,
  Hdf5Layout,
  openVisitTable,
  PassOptions,
  registerIpcCodecs,
  tableFormatOf,
  VISIT_TABLE_FORMATS,
  VisitBatchStream,
  VisitTableFormat,
  writeVisitTable,
} from '@visitsarch/visit-tables';
import { DayObsRangeTracker, nightColumnOf, nightReader } from '@visitsarch/day-obs';
import { CliError } from './cli-error';

// Users' Feather and Arrow files often have LZ4- or ZSTD-compressed buffers (pandas' to_feather
// default); the CLI reads them, and sends the archive uncompressed batches.
registerIpcCodecs();

/** The visit-table format names (for --store_as). */
export const TABLE_FORMAT_NAMES: readonly VisitTableFormat[] = VISIT_TABLE_FORMATS;

export function storageFormat(name: string): typeV1.TableFormat {
  return tableFormatOf(name as VisitTableFormat);
}

/** The contract's format of a file, from its extension; a usage error naming the accepted ones otherwise. */
export function tableFormatOfFile(file: string): typeV1.TableFormat {
  const format = formatFromFileName(file);
  if (!format) throw new CliError(`cannot tell the format of ${file} from its extension: use .h5, .db, .parquet, .arrow, .arrows or .csv`, 2);
  return tableFormatOf(format);
}

/**
 * Rows per record batch read from a local file. The batches are re-cut into ~1 MiB chunks for
 * the wire anyway; smaller batches keep the memory of a large upload low (each batch is read,
 * converted and sent before the next is read) at no cost in speed.
 */
const READ_BATCH_ROWS = 4096;

/**
 * Opens a local visits file of any readable format as a stream of record batches; with
 * `pass.reuseBuffers`, read into reused buffers where the reader can (a consumer that is done
 * with each batch before it asks for the next: PassOptions).
 */
export async function openVisitsFile(file: string, pass: PassOptions = {}): Promise<VisitBatchStream> {
  const format = formatFromFileName(file);
  if (!format || format === 'csv') throw new CliError(`cannot read visits from ${file}: use a .h5, .db, .parquet, .arrow or .arrows file`, 2);
  try {
    return await openVisitTable(file, { batchRows: READ_BATCH_ROWS, reuseBuffers: pass.reuseBuffers });
  } catch (error) {
    throw new CliError(`cannot read the visits in ${file}: ${(error as Error).message}`, 2);
  }
}

/** The canonical visit-table hash (visitseq_sha256) of a local visits file, read twice in bounded memory. */
export async function canonicalHashOfFile(file: string): Promise<Buffer> {
  await openVisitsFile(file); // clear errors for unreadable files before hashing
  return Buffer.from(await canonicalSha256(() => openVisitTable(file, { batchRows: READ_BATCH_ROWS })));
}

/** The first and last day_obs of the visits in a local file (empty when it has no night column or no rows). */
export async function nightsOfVisitsFile(file: string): Promise<{ firstDayObs: string; lastDayObs: string }> {
  const stream = await openVisitsFile(file);
  const tracker = new DayObsRangeTracker(nightColumnOf(stream.schema) ? nightReader(stream.schema) : undefined);
  for await (const batch of stream) tracker.observe(batch);
  return tracker.range();
}

/** The pandas HDF5 layouts (for --hdf5-layout). */
export const HDF5_LAYOUTS: readonly Hdf5Layout[] = ['fixed', 'table'];

/**
 * Writes visits received as Arrow chunks to `partial`, in the format of `dest`'s extension
 * (HDF5 in pandas' `hdf5Layout`, default "fixed"), batch by batch as they arrive, in bounded
 * memory (HDF5, whose writer reads the table twice, goes through a temporary copy of the stream
 * beside `partial`: see writeHdf5).
 */
export async function writeVisitsFile(messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>, partial: string, dest: string, hdf5Layout?: Hdf5Layout): Promise<void> {
  const format = formatFromFileName(dest);
  if (!format) throw new CliError(`cannot tell the format of ${dest} from its extension`, 2);
  const reader = await openArrowChunks(messages);
  await writeVisitTable(partial, reader.schema ? batchStream(reader.schema, reader as AsyncIterable<RecordBatch>) : new Table(), { format, hdf5Layout });
}
