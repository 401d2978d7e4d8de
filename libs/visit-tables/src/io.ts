/** Format-independent reading and writing: dispatch on the format (given or from the file name/content). */
import { open } from 'node:fs/promises';
import { Table } from 'apache-arrow';
import { VisitTableFormat, VisitTableFormatError, formatFromFileName, formatFromMagic } from './formats';
import { PassOptions, VisitBatchStream, VisitTableSource, collectTable } from './source';
import { decodeArrowIpc, encodeArrowIpc, openArrowIpc, writeArrowIpc } from './arrow-ipc';
import { encodeParquet, openParquet, ParquetWriteOptions, writeParquet } from './parquet';
import { openOpsimSqlite, writeOpsimSqlite } from './sqlite';
import { Hdf5Layout, openHdf5, writeHdf5 } from './hdf5';
import { encodeCsv, writeCsv } from './csv';

export interface ReadVisitTableOptions extends PassOptions {
  /** The format; default: from the file's magic bytes, else from its name. */
  format?: VisitTableFormat;
  /** HDF5 key or SQLite table; default `observations`. */
  key?: string;
  /** Rows per record batch where the reader chooses (SQLite, HDF5, Parquet); default 65536. */
  batchRows?: number;
}

export interface WriteVisitTableOptions extends ParquetWriteOptions {
  /** The format; default: from the file name. */
  format?: VisitTableFormat;
  /** HDF5 key or SQLite table; default `observations`. */
  key?: string;
  /** pandas HDF5 layout: "fixed" (default, as `df.to_hdf` writes) or "table". */
  hdf5Layout?: Hdf5Layout;
}

/** Formats that can be produced as a byte stream without a file on disk. */
export type EncodableFormat = 'arrow-stream' | 'arrow-file' | 'parquet' | 'csv';

/** The format of a file on disk: from its first bytes, else from its name; throws if neither tells. */
export async function detectFileFormat(path: string): Promise<VisitTableFormat> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    const byMagic = formatFromMagic(head.subarray(0, bytesRead));
    if (byMagic) return byMagic;
  } finally {
    await handle.close();
  }
  // Every binary format has a magic number; only CSV can be known by its name alone. Refusing
  // here keeps a mislabelled file from reaching the format libraries (h5wasm floods stderr).
  const byName = formatFromFileName(path);
  if (byName === 'csv') return byName;
  if (byName) throw new VisitTableFormatError(`${path} is not a valid ${byName} file (its first bytes are not those of one)`);
  throw new VisitTableFormatError(`cannot tell the visit-table format of ${path}`);
}

/** Opens a visit table file for streaming reads, in any readable format. */
export async function openVisitTable(path: string, options: ReadVisitTableOptions = {}): Promise<VisitBatchStream> {
  const format = options.format ?? (await detectFileFormat(path));
  switch (format) {
    case 'sqlite':
      return openOpsimSqlite(path, { table: options.key, batchRows: options.batchRows });
    case 'hdf5':
      return openHdf5(path, { key: options.key, batchRows: options.batchRows, reuseBuffers: options.reuseBuffers });
    case 'parquet':
      return openParquet(path, { batchRows: options.batchRows });
    case 'arrow-file':
    case 'arrow-stream':
      return openArrowIpc(path, { reuseBuffers: options.reuseBuffers });
    case 'csv':
      throw new VisitTableFormatError('reading CSV is not supported (CSV carries no column types)');
  }
}

/** Reads a whole visit table file into memory. */
export async function readVisitTable(path: string, options: ReadVisitTableOptions = {}): Promise<Table> {
  return collectTable(await openVisitTable(path, options));
}

/** Writes a visit table to a file in the given format (default: from the file name). */
export async function writeVisitTable(path: string, source: VisitTableSource, options: WriteVisitTableOptions = {}): Promise<void> {
  const format = options.format ?? formatFromFileName(path);
  if (!format) throw new VisitTableFormatError(`cannot tell the visit-table format of ${JSON.stringify(path)}; pass options.format`);
  switch (format) {
    case 'sqlite':
      return writeOpsimSqlite(path, source, { table: options.key });
    case 'hdf5':
      return writeHdf5(path, source, { key: options.key, layout: options.hdf5Layout });
    case 'parquet':
      return writeParquet(path, source, options);
    case 'arrow-file':
      return writeArrowIpc(path, source, 'file');
    case 'arrow-stream':
      return writeArrowIpc(path, source, 'stream');
    case 'csv':
      return writeCsv(path, source);
  }
}

/**
 * Encodes a visit table as bytes in a streamable format. SQLite and HDF5 need a file on disk
 * (their libraries seek): write those with {@link writeVisitTable} to a temporary file.
 */
export function encodeVisitTable(source: VisitTableSource, format: EncodableFormat, options: ParquetWriteOptions = {}): AsyncGenerator<Uint8Array> {
  switch (format) {
    case 'arrow-stream':
      return encodeArrowIpc(source, 'stream');
    case 'arrow-file':
      return encodeArrowIpc(source, 'file');
    case 'parquet':
      return encodeParquet(source, options);
    case 'csv':
      return encodeCsv(source);
    default:
      throw new VisitTableFormatError(`format ${format} cannot be encoded as a byte stream; write it to a file`);
  }
}

/** Decodes Arrow IPC bytes (file or stream format) into a batch stream. */
export async function decodeVisitTable(bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<VisitBatchStream> {
  return decodeArrowIpc(bytes);
}
