/**
 * pandas HDF5 files (PyTables). Writing uses pandas' default "fixed" layout unless the
 * "table" layout is asked for; reading accepts both (see the modules for details).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { RecordBatch, Schema, Table } from 'apache-arrow';
import { PassOptions, VisitBatchStream, VisitTableSource, batchStream, collectTable, isReReadable } from '../source';
import { openArrowIpc, writeArrowIpc } from '../arrow-ipc';
import { ColumnScanner } from './pandas-columns';
import { PANDAS_NAN_REP } from './pandas-table-writer';
import { loadH5wasm } from './h5wasm-loader';
import { Hdf5Layout, layoutOf, openFixedLayout, openTableLayout, PickleScans } from './pandas-readers';
import { Hdf5TableWriteOptions, writePandasTableHdf5 } from './pandas-table-writer';
import { writePandasFixedHdf5 } from './pandas-fixed-writer';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { OPSIM_INFO_NAME, OpsimInfoRow, opsimInfoOf, opsimInfoRowsOf, opsimInfoTable, streamUnderSchema, withOpsimInfo } from '../opsim-info';

export { Hdf5Layout };

export interface Hdf5WriteOptions extends Hdf5TableWriteOptions {
  /**
   * pandas' layout: "fixed" (default; `df.to_hdf(path, key=key)`, what the upstream archive
   * writes, smallest) or "table" (`format="table"`).
   */
  layout?: Hdf5Layout;
}

export interface Hdf5ReadOptions {
  /** The HDF5 key (pandas) of the table; default `observations`. */
  key?: string;
  /** Rows per record batch; default 65536. */
  batchRows?: number;
  /** PassOptions.reuseBuffers: the consumer keeps no batch ("fixed" frames then read their numeric columns into reused buffers). */
  reuseBuffers?: boolean;
}

async function openFile(path: string): Promise<{ h5: any; module: any; file: any; path: string }> {
  if (!existsSync(path)) throw new Error(`no such HDF5 file: ${path}`);
  const { h5, module } = await loadH5wasm();
  // h5wasm's Node build uses the host file system directly (NODERAWFS).
  return { h5, module, file: new h5.File(resolve(path), 'r'), path: resolve(path) };
}

/** Which pandas layout the table under `key` uses ("table" or "fixed"). */
export async function hdf5Layout(path: string, key = 'observations'): Promise<Hdf5Layout> {
  const { file } = await openFile(path);
  try {
    return layoutOf(file, key.replace(/^\/+/, ''));
  } finally {
    file.close();
  }
}

/**
 * The opsim `info` rows under the key `info` (a DataFrame with Parameter and Value columns, as
 * the upstream archive's `opsimdb_to_hdf5` writes), or undefined if there is no such key or
 * it is not such a frame.
 */
async function readInfoKey(path: string): Promise<OpsimInfoRow[] | undefined> {
  const opened = await openFile(path);
  let stream: VisitBatchStream;
  try {
    const group = (opened.file.keys() as string[]).includes(OPSIM_INFO_NAME) ? opened.file.get(OPSIM_INFO_NAME) : undefined;
    const pandasType = group?.attrs?.pandas_type?.value;
    if (pandasType !== 'frame' && pandasType !== 'frame_table') {
      opened.file.close();
      return undefined;
    }
    const at = { ...opened, key: OPSIM_INFO_NAME };
    stream = layoutOf(opened.file, OPSIM_INFO_NAME) === 'table' ? openTableLayout(at, 65536) : openFixedLayout(at, 65536);
  } catch (error) {
    opened.file.close();
    throw error;
  }
  return opsimInfoRowsOf(await collectTable(stream)); // reading to the end closes the file
}

/**
 * Opens a pandas HDF5 table (either layout) for streaming reads. The opsim `info` key, if the
 * file has one, becomes the schema's opsim info metadata (opsim-info.ts).
 */
export async function openHdf5(path: string, options: Hdf5ReadOptions = {}): Promise<VisitBatchStream> {
  const key = (options.key ?? 'observations').replace(/^\/+/, '');
  const info = key === OPSIM_INFO_NAME ? undefined : await readInfoKey(path);
  const batchRows = options.batchRows ?? 65536;
  const scans: PickleScans = new Map(); // a second opening does not scan the pickles again
  const open = async (): Promise<VisitBatchStream & { close?(): void }> => {
    const opened = await openFile(path);
    try {
      const layout = layoutOf(opened.file, key);
      return layout === 'table' ? openTableLayout({ ...opened, key }, batchRows) : openFixedLayout({ ...opened, key }, batchRows, options.reuseBuffers, scans);
    } catch (error) {
      opened.file.close();
      throw error;
    }
  };
  const stream = await open();
  const schema = withOpsimInfo(stream.schema, info);
  if (!stream.reusesBuffers) return streamUnderSchema(stream, schema);
  // A stream read into reused buffers holds no file until it is iterated (VisitBatchStream), so
  // that an owner may drop it unread: this opening only checked the file and read its schema.
  stream.close?.();
  return {
    schema,
    reusesBuffers: true,
    async *[Symbol.asyncIterator]() {
      yield* streamUnderSchema(await open(), schema);
    },
  };
}

/** Reads a whole pandas HDF5 table into memory. */
export async function readHdf5(path: string, options: Hdf5ReadOptions = {}): Promise<Table> {
  return collectTable(await openHdf5(path, options));
}

/**
 * Writes a table to an HDF5 file readable with `pandas.read_hdf(path, key)`, in pandas' "fixed"
 * layout unless `options.layout` is "table". Two streaming passes over the source; a one-shot
 * stream is saved, as it is read (its first pass), to a temporary Arrow file beside `path`,
 * which the second pass reads (memory stays bounded whatever the table's size).
 */
export async function writeHdf5(path: string, source: VisitTableSource, options: Hdf5WriteOptions = {}): Promise<void> {
  const layout = options.layout ?? 'fixed';
  if (layout !== 'table' && layout !== 'fixed') throw new Error(`unknown pandas HDF5 layout ${JSON.stringify(layout)} (use "fixed" or "table")`);
  if (!isReReadable(source)) {
    const spool = `${path}.spool-${process.pid}-${randomBytes(4).toString('hex')}.arrows`;
    try {
      const scanner = new ColumnScanner(source.schema, layout === 'table' ? { textWidths: true, nullText: PANDAS_NAN_REP } : {});
      await writeArrowIpc(spool, batchStream(source.schema, scanning(source, scanner)), 'stream');
      return await writeHdf5(path, (pass) => openArrowIpc(spool, pass), { ...options, scanned: scanner.result() });
    } finally {
      rmSync(spool, { force: true });
    }
  }
  const again = source;
  // The schema (and its opsim info) as the writer's first pass opens the source.
  const key = (options.key ?? 'observations').replace(/^\/+/, '');
  let info: OpsimInfoRow[] | undefined;
  const learn = (schema: Schema) => (info = key === OPSIM_INFO_NAME ? undefined : opsimInfoOf(schema)); // throws before writing if malformed
  if (again instanceof Table) learn(again.schema);
  let opened = again instanceof Table;
  const passes: VisitTableSource =
    again instanceof Table
      ? again
      : async (pass?: PassOptions) => {
          const stream = await again(pass);
          if (!opened) learn(stream.schema);
          opened = true;
          return stream;
        };
  if (layout === 'table') await writePandasTableHdf5(path, passes, options);
  else await writePandasFixedHdf5(path, passes, options);
  // The opsim info as the DataFrame `opsimdb_to_hdf5` stores under `info` (index, Parameter, Value).
  if (info) await writePandasTableHdf5(path, opsimInfoTable(info), { key: OPSIM_INFO_NAME, append: true });
}

/** The stream's batches, each also given to `scanner` (the first pass, done while spooling). */
async function* scanning(stream: VisitBatchStream, scanner: ColumnScanner): AsyncGenerator<RecordBatch> {
  for await (const batch of stream) {
    scanner.add(batch);
    yield batch;
  }
}
