/**
 * Writes a visit table as pandas' HDF5 "table" layout (what `df.to_hdf(path, key=key,
 * format="table")` writes), so that `pandas.read_hdf(path, key)` gives back an equal
 * DataFrame: a PyTables group `/<key>` carrying pandas' attributes, holding a PyTables Table
 * `/<key>/table`, a compound dataset with an int64 `index` field and one `values_block_<k>`
 * field per column (one column per block, so each text column gets its own width).
 *
 * Written on request (`layout: 'table'`; the default is the smaller "fixed" layout of
 * pandas-fixed-writer.ts): it needs no pickled data and is appendable, but its chunked rows
 * with fixed-width text make files several times larger. The dataset is chunked and extended
 * batch by batch. PyTables keeps Python objects in attributes as protocol-0 pickles, written
 * here by {@link pickleProtocol0}.
 *
 * Type mapping (pandas-columns.ts): floats and ints keep their numpy dtype, bools are uint8
 * with pandas dtype `bool`, text is fixed-width UTF-8 `S<w>` with w the longest value in bytes
 * and null written as pandas' nan_rep "nan"; int and bool columns with nulls become float64.
 */
import { Data, RecordBatch } from 'apache-arrow';
import { VisitTableSource, openSource, reReadable } from '../source';
import { isValidAt, utf8Rows } from '../arrow-columns';
import { pickleProtocol0, PicklableValue } from '../pickle';
import { withHostFile, writeRaw } from './h5wasm-loader';
import { ColumnPlan, ColumnScan, packNumbers, planColumns, scanColumns } from './pandas-columns';

export interface Hdf5TableWriteOptions {
  /** The HDF5 key (pandas) of the table; default `observations`. */
  key?: string;
  /** Rows per HDF5 chunk and per write; default 32768. */
  chunkRows?: number;
  /** Add `key` to an existing file (as pandas' `mode="a"`, e.g. the two tables of a `rewards.h5`) instead of replacing it. */
  append?: boolean;
  /** The first pass's result (with text widths, {@link PANDAS_NAN_REP} for nulls) when the caller has it: the source is then read once. */
  scanned?: ColumnScan;
}

/** The text pandas writes for a null string (its default nan_rep). */
export const PANDAS_NAN_REP = 'nan';

function attr(node: any, name: string, value: string | PicklableValue, pickled = false): void {
  const text = pickled ? pickleProtocol0(value as PicklableValue) : (value as string);
  // Fixed-length strings, as PyTables writes them: pickles as ASCII (PyTables unpickles those
  // ending in '.'), plain text as UTF-8 (which PyTables returns as str rather than bytes).
  node.create_attribute(name, text, [], `${pickled ? 'A' : 'S'}${Math.max(1, Buffer.byteLength(text))}`);
}

function intAttr(node: any, name: string, value: number): void {
  node.create_attribute(name, new BigInt64Array([BigInt(value)]), [], '<q');
}

/** PyTables needs a FIELD_<n>_FILL attribute of each field's own type (zero, or '' for text). */
function fillAttr(node: any, field: number, plan: ColumnPlan): void {
  const name = `FIELD_${field}_FILL`;
  if (plan.kind === 'text') node.create_attribute(name, '', [], 'A1');
  else if (plan.itemsize === 8 && (plan.kind === 'int' || plan.kind === 'uint')) node.create_attribute(name, [0n], [], plan.h5dtype);
  else node.create_attribute(name, [0], [], plan.h5dtype);
}

/** Writes one column of a batch slice into packed rows of the compound dataset. */
function packColumn(plan: ColumnPlan, data: Data, from: number, count: number, out: Uint8Array, view: DataView, rowSize: number, offset: number): void {
  if (plan.kind !== 'text') return packNumbers(plan, data, from, count, out, view, rowSize, offset);
  const rows = utf8Rows(data);
  const nan = PANDAS_NAN_REP;
  for (let i = from, d = offset; i < from + count; i++, d += rowSize) {
    if (!isValidAt(data, i)) {
      for (let k = 0; k < nan.length; k++) out[d + k] = nan.charCodeAt(k);
      continue;
    }
    out.set(rows.bytes.subarray(rows.start(i), rows.end(i)), d);
  }
}

/** Writes a table to an HDF5 file in pandas' "table" layout (see the module comment). */
export async function writePandasTableHdf5(path: string, source: VisitTableSource, options: Hdf5TableWriteOptions = {}): Promise<void> {
  const key = (options.key ?? 'observations').replace(/^\/+/, '');
  const chunkRows = options.chunkRows ?? 32768;
  const again = await reReadable(source);
  const { schema, textBytes, nulls } = options.scanned ?? (await scanColumns(again, { textWidths: true, nullText: PANDAS_NAN_REP }));
  const plans = planColumns(schema, textBytes, nulls);
  const blocks = plans.map((_, k) => `values_block_${k}`);

  await withHostFile(path, async (wasmPath, { h5, module }) => {
    const file = new h5.File(wasmPath, options.append ? 'a' : 'w');
    try {
      if (!('CLASS' in file.attrs)) {
        attr(file, 'CLASS', 'GROUP');
        attr(file, 'PYTABLES_FORMAT_VERSION', '2.1');
        attr(file, 'TITLE', '');
        attr(file, 'VERSION', '1.0');
      }

      const group = file.create_group(key);
      attr(group, 'CLASS', 'GROUP');
      attr(group, 'TITLE', '');
      attr(group, 'VERSION', '1.0');
      attr(group, 'pandas_type', 'frame_table');
      attr(group, 'table_type', 'appendable_frame');
      attr(group, 'encoding', 'UTF-8');
      attr(group, 'errors', 'strict');
      intAttr(group, 'levels', 1);
      attr(group, 'index_cols', [{ tuple: [0, 'index'] }], true);
      attr(group, 'values_cols', blocks, true);
      attr(group, 'non_index_axes', [{ tuple: [1, plans.map((p) => p.name)] }], true);
      attr(group, 'data_columns', [], true);
      attr(group, 'nan_rep', PANDAS_NAN_REP);
      const info = new Map<PicklableValue, PicklableValue>([[1, new Map<PicklableValue, PicklableValue>([['names', [null]], ['type', 'Index']])], ['index', new Map()]]);
      for (const block of blocks) info.set(block, new Map());
      attr(group, 'info', info, true);

      // The compound row type: int64 index, then one 1-element array field per column.
      const compound: any[] = [['index', '<q'], ...plans.map((p, k) => [blocks[k], p.h5dtype])];
      const metadata = h5.dtype_to_metadata(compound) as any;
      const rowSize: number = metadata.size;
      const tablePath = `/${key}/table`;
      const empty = module._malloc(1);
      try {
        module.create_dataset(file.file_id, tablePath, BigInt(empty), {
          ...metadata,
          shape: [0n],
          maxshape: [18446744073709551615n],
          chunks: [BigInt(chunkRows)],
          compression: 0,
          compression_opts: [],
          track_order: false,
        });
      } finally {
        module._free(empty);
      }
      const table = file.get(tablePath) as any;

      const offsets: number[] = metadata.compound_type.members.map((m: any) => m.offset);
      const buffer = new Uint8Array(chunkRows * rowSize);
      const view = new DataView(buffer.buffer);
      let written = 0;
      const writeRows = (batch: RecordBatch) => {
        const columns = plans.map((p) => batch.getChildAt(p.index)!.data);
        for (let row = 0; row < batch.numRows; ) {
          // Take rows from a single Data chunk of every column at a time.
          const n = Math.min(chunkRows, batch.numRows - row);
          buffer.fill(0, 0, n * rowSize);
          for (let r = 0; r < n; r++) view.setBigInt64(r * rowSize, BigInt(written + r), true);
          plans.forEach((plan, c) => {
            let done = 0;
            let base = 0;
            for (const data of columns[c]) {
              const lo = Math.max(row + done, base);
              const hi = Math.min(row + n, base + data.length);
              if (lo < hi) {
                packColumn(plan, data, lo - base, hi - lo, buffer, view, rowSize, (lo - row) * rowSize + offsets[c + 1]);
                done += hi - lo;
              }
              base += data.length;
            }
          });
          module.resize_dataset(file.file_id, tablePath, [BigInt(written + n)]);
          writeRaw(module, file.file_id, tablePath, [written], [n], buffer.subarray(0, n * rowSize));
          written += n;
          row += n;
        }
      };
      for await (const batch of await openSource(again)) writeRows(batch);

      attr(table, 'CLASS', 'TABLE');
      attr(table, 'TITLE', '');
      attr(table, 'VERSION', '2.7');
      intAttr(table, 'NROWS', written);
      attr(table, 'FIELD_0_NAME', 'index');
      intAttr(table, 'FIELD_0_FILL', 0);
      attr(table, 'index_kind', 'integer');
      plans.forEach((plan, k) => {
        const block = blocks[k];
        attr(table, `FIELD_${k + 1}_NAME`, block);
        fillAttr(table, k + 1, plan);
        attr(table, `${block}_dtype`, plan.pandasDtype);
        attr(table, `${block}_kind`, [plan.name], true);
        if (plan.kind === 'text') {
          attr(table, `${block}_meta`, 'str');
          attr(table, `${block}_nan_rep`, PANDAS_NAN_REP);
        } else attr(table, `${block}_meta`, null, true);
      });
    } finally {
      file.close();
    }
  });
}
