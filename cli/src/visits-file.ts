import { tableFromIPC } from 'apache-arrow';
import { typeV1 } from '@visitsarch/contracts';
import { canonicalSha256, formatFromFileName, openVisitTable, VisitBatchStream, VisitTableFormat, writeVisitTable } from '@visitsarch/visit-tables';
import { CliError } from './cli-error';

/** The contract's TableFormat of each visit-table format name (used for --store_as). */
export const TABLE_FORMATS: Record<VisitTableFormat, typeV1.TableFormat> = {
  hdf5: typeV1.TableFormat.TABLE_FORMAT_HDF5,
  sqlite: typeV1.TableFormat.TABLE_FORMAT_OPSIM_SQLITE,
  parquet: typeV1.TableFormat.TABLE_FORMAT_PARQUET,
  'arrow-file': typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_FILE,
  'arrow-stream': typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_STREAM,
  csv: typeV1.TableFormat.TABLE_FORMAT_CSV,
};

export function storageFormat(name: string): typeV1.TableFormat {
  return TABLE_FORMATS[name as VisitTableFormat];
}

/** The contract's format of a file, from its extension; a usage error naming the accepted ones otherwise. */
export function tableFormatOfFile(file: string): typeV1.TableFormat {
  const format = formatFromFileName(file);
  if (!format) throw new CliError(`cannot tell the format of ${file} from its extension: use .h5, .db, .parquet, .arrow, .arrows or .csv`, 2);
  return TABLE_FORMATS[format];
}

/** Opens a local visits file of any readable format as a stream of record batches. */
export async function openVisitsFile(file: string): Promise<VisitBatchStream> {
  const format = formatFromFileName(file);
  if (!format || format === 'csv') throw new CliError(`cannot read visits from ${file}: use a .h5, .db, .parquet, .arrow or .arrows file`, 2);
  try {
    return await openVisitTable(file);
  } catch (error) {
    throw new CliError(`cannot read the visits in ${file}: ${(error as Error).message}`, 2);
  }
}

/** The canonical visit-table hash (visitseq_sha256) of a local visits file, read twice in bounded memory. */
export async function canonicalHashOfFile(file: string): Promise<Buffer> {
  await openVisitsFile(file); // clear errors for unreadable files before hashing
  return Buffer.from(await canonicalSha256(() => openVisitTable(file)));
}

/** Writes visits received as Arrow chunks to `partial`, in the format of `dest`'s extension. */
export async function writeVisitsFile(messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>, partial: string, dest: string): Promise<void> {
  const format = formatFromFileName(dest);
  if (!format) throw new CliError(`cannot tell the format of ${dest} from its extension`, 2);
  const pieces: Uint8Array[] = [];
  for await (const message of messages) if (message.chunk?.ipcBytes.length) pieces.push(message.chunk.ipcBytes);
  await writeVisitTable(partial, tableFromIPC(Buffer.concat(pieces)), { format });
}
