/**
 * pandas HDF5 files (PyTables). Writing uses pandas' default "fixed" layout unless the
 * "table" layout is asked for; reading accepts both (see the modules for details).
 */
import { Table } from 'apache-arrow';
import { VisitBatchStream, VisitTableSource, collectTable } from '../source';
import { loadH5wasm } from './h5wasm-loader';
import { Hdf5Layout, layoutOf, openFixedLayout, openTableLayout } from './pandas-readers';
import { Hdf5TableWriteOptions, writePandasTableHdf5 } from './pandas-table-writer';
import { writePandasFixedHdf5 } from './pandas-fixed-writer';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';

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
}

async function openFile(path: string): Promise<{ h5: any; module: any; file: any }> {
  if (!existsSync(path)) throw new Error(`no such HDF5 file: ${path}`);
  const { h5, module } = await loadH5wasm();
  // h5wasm's Node build uses the host file system directly (NODERAWFS).
  return { h5, module, file: new h5.File(resolve(path), 'r') };
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

/** Opens a pandas HDF5 table (either layout) for streaming reads. */
export async function openHdf5(path: string, options: Hdf5ReadOptions = {}): Promise<VisitBatchStream> {
  const key = (options.key ?? 'observations').replace(/^\/+/, '');
  const opened = await openFile(path);
  try {
    const layout = layoutOf(opened.file, key);
    const batchRows = options.batchRows ?? 65536;
    return layout === 'table' ? openTableLayout({ ...opened, key }, batchRows) : openFixedLayout({ ...opened, key }, batchRows);
  } catch (error) {
    opened.file.close();
    throw error;
  }
}

/** Reads a whole pandas HDF5 table into memory. */
export async function readHdf5(path: string, options: Hdf5ReadOptions = {}): Promise<Table> {
  return collectTable(await openHdf5(path, options));
}

/**
 * Writes a table to an HDF5 file readable with `pandas.read_hdf(path, key)`, in pandas' "fixed"
 * layout unless `options.layout` is "table". Two streaming passes over the source.
 */
export async function writeHdf5(path: string, source: VisitTableSource, options: Hdf5WriteOptions = {}): Promise<void> {
  const layout = options.layout ?? 'fixed';
  if (layout === 'table') await writePandasTableHdf5(path, source, options);
  else if (layout === 'fixed') await writePandasFixedHdf5(path, source, options);
  else throw new Error(`unknown pandas HDF5 layout ${JSON.stringify(layout)} (use "fixed" or "table")`);
}
