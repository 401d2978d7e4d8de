/**
 * Writes a visit table in pandas' default "fixed" HDF5 layout, what
 * `df.to_hdf(path, key="observations")` writes and what the upstream Rubin archive
 * (rubin_sim.sim_archive) writes and its readers expect. Under the group `/<key>`:
 * - `axis0`: the column names (`S<w>`, UTF-8); `axis1`: the index, int64 0…n−1;
 * - per dtype one block: `block<k>_items` (its column names) and `block<k>_values`, a
 *   contiguous rows × items array (`transposed` = 1), or, for text, a PyTables VLArray
 *   (variable-length uint8, PSEUDOATOM "object") holding one pickled numpy object array of
 *   the text columns (None for nulls), which is how pandas stores object columns.
 * Attributes are those PyTables and pandas write (pandas_type "frame", nblocks, …). A table
 * with no rows gets pandas' placeholders (a 1-element array with `shape` and `value_type`).
 *
 * Like pandas with object columns (pandas 2, and what the upstream archive holds), all text
 * columns share one object block; pandas 3 reads them back as its `str` dtype, pandas 2 as
 * object. Types follow pandas-columns.ts: int and bool columns with nulls become float64.
 *
 * Two passes over the source (the row count and the null-holding int/bool columns decide the
 * file's layout), both streaming: numeric blocks are written batch by batch straight to their
 * place in the file, and the pickle is streamed to the end of the file (a global heap); a
 * slice's writes overlap the packing of the next. Memory holds three slices of rows plus the
 * pickle's memo of repeated text values.
 */
import { open } from 'node:fs/promises';
import { Data, RecordBatch } from 'apache-arrow';
import { VisitTableSource, openSource, reReadable } from '../source';
import { isValidAt, utf8Rows } from '../arrow-columns';
import { NumpyObjectArrayPickler, pickleProtocol0 } from '../pickle';
import { ColumnPlan, ColumnScan, packNumbers, planColumns, scanColumns } from './pandas-columns';
import { attribute, eofPatch, fixedWidthStrings, globalHeapWithOneObject, H5Attribute, H5Dataset, H5Type, h5TypeSize, layoutFile } from './hdf5-structures';

export interface Hdf5FixedWriteOptions {
  /** The HDF5 key (pandas) of the table; default `observations`. A single name (no '/'). */
  key?: string;
  /** The first pass's result (rows, nulls), when the caller already has it: the source is then read once. */
  scanned?: ColumnScan;
}

/** Rows packed per write (bounds the buffer when a source has very large batches). */
const SLICE_ROWS = 16384;

interface Block {
  /** numpy dtype name ('object' for the text block). */
  dtype: string;
  type: H5Type | 'object';
  columns: ColumnPlan[];
  values?: H5Dataset;
}

function h5TypeOf(plan: ColumnPlan): H5Type {
  switch (plan.kind) {
    case 'float':
    case 'as-f8':
      return { class: 'float', size: plan.itemsize as 4 | 8 };
    case 'int':
    case 'uint':
      return { class: 'int', size: plan.itemsize as 1 | 2 | 4 | 8, signed: plan.kind === 'int' };
    case 'bool':
      return { class: 'bitfield' }; // PyTables' numpy bool: pandas reads anything else as a number
    case 'text':
      throw new Error('text columns go to the object block');
  }
}

/** One block per numpy dtype, in the order of their first column. */
function blocksOf(plans: ColumnPlan[]): Block[] {
  const byDtype = new Map<string, Block>();
  for (const plan of plans) {
    const dtype = plan.kind === 'text' ? 'object' : plan.pandasDtype;
    let block = byDtype.get(dtype);
    if (!block) byDtype.set(dtype, (block = { dtype, type: plan.kind === 'text' ? 'object' : h5TypeOf(plan), columns: [] }));
    block.columns.push(plan);
  }
  return [...byDtype.values()];
}

// PyTables' own attributes of its node classes.
const NAME_NONE = pickleProtocol0(null);
const arrayAttributes = (): H5Attribute[] => [attribute.text('CLASS', 'ARRAY'), attribute.text('VERSION', '2.4'), attribute.text('TITLE', ''), attribute.text('FLAVOR', 'numpy')];
const groupAttributes = (): H5Attribute[] => [attribute.text('CLASS', 'GROUP'), attribute.text('TITLE', ''), attribute.text('VERSION', '1.0')];

/** A pandas Index of strings (column names): `S<w>` with the attributes pandas' write_index sets. */
function nameIndex(name: string, names: string[]): H5Dataset {
  const { data, width } = fixedWidthStrings(names);
  return {
    kind: 'dataset',
    name,
    type: { class: 'string', size: width, cset: 'ascii' },
    shape: [names.length],
    data,
    attributes: [...arrayAttributes(), attribute.bool('transposed', true), attribute.text('kind', 'string'), attribute.pickled('name', NAME_NONE), attribute.text('nan_rep', '')],
  };
}

/** pandas' stand-in for an array with a zero-length axis: one float64 with the real shape and dtype. */
function emptyPlaceholder(name: string, shape: number[], dtype: string, extra: H5Attribute[] = []): H5Dataset {
  return {
    kind: 'dataset',
    name,
    type: { class: 'float', size: 8 },
    shape: shape.map(() => 1),
    data: new Uint8Array(8),
    attributes: [...arrayAttributes(), attribute.bool('transposed', false), ...extra, attribute.pickled('shape', pickleProtocol0({ tuple: shape })), attribute.text('value_type', dtype)],
  };
}

/** Writes a table to an HDF5 file in pandas' "fixed" layout (see the module comment). */
export async function writePandasFixedHdf5(path: string, source: VisitTableSource, options: Hdf5FixedWriteOptions = {}): Promise<void> {
  const key = (options.key ?? 'observations').replace(/^\/+/, '');
  if (!key || key.includes('/')) throw new Error(`the pandas "fixed" HDF5 writer needs a single-name key, not ${JSON.stringify(options.key)}`);
  const again = await reReadable(source);
  const { schema, rows, nulls } = options.scanned ?? (await scanColumns(again));
  const plans = planColumns(schema, [], nulls);
  if (plans.length === 0) throw new Error('cannot write a table without columns to pandas HDF5');
  const blocks = blocksOf(plans);

  const indexAttributes = [attribute.text('kind', 'integer'), attribute.pickled('name', NAME_NONE)];
  const axis1: H5Dataset =
    rows > 0
      ? { kind: 'dataset', name: 'axis1', type: { class: 'int', size: 8, signed: true }, shape: [rows], data: rows * 8, attributes: [...arrayAttributes(), attribute.bool('transposed', true), ...indexAttributes] }
      : emptyPlaceholder('axis1', [0], 'int64', indexAttributes);
  const children: H5Dataset[] = [nameIndex('axis0', plans.map((p) => p.name)), axis1];
  blocks.forEach((block, k) => {
    const name = `block${k}_values`;
    const items = block.columns.length;
    if (block.type === 'object') {
      block.values = {
        kind: 'dataset',
        name,
        type: { class: 'vlen-bytes' },
        shape: [1],
        data: 16, // the variable-length reference, written once the pickle's size is known
        attributes: [attribute.text('CLASS', 'VLARRAY'), attribute.text('VERSION', '1.4'), attribute.text('TITLE', ''), attribute.text('PSEUDOATOM', 'object'), attribute.bool('transposed', rows > 0)],
      };
    } else if (rows > 0) {
      const size = h5TypeSize(block.type);
      block.values = { kind: 'dataset', name, type: block.type, shape: [rows, items], data: rows * items * size, attributes: [...arrayAttributes(), attribute.bool('transposed', true)] };
    } else block.values = emptyPlaceholder(name, [items, 0], block.dtype);
    children.push(nameIndex(`block${k}_items`, block.columns.map((p) => p.name)), block.values);
  });

  const groupAttrs = [
    ...groupAttributes(),
    attribute.text('pandas_type', 'frame'),
    attribute.text('encoding', 'UTF-8'),
    attribute.text('errors', 'strict'),
    attribute.int64('ndim', 2),
    attribute.int64('nblocks', blocks.length),
    attribute.text('axis0_variety', 'regular'),
    attribute.text('axis1_variety', 'regular'),
    ...blocks.map((_, k) => attribute.text(`block${k}_items_variety`, 'regular')),
  ];
  const rootAttrs = [attribute.text('CLASS', 'GROUP'), attribute.text('PYTABLES_FORMAT_VERSION', '2.1'), attribute.text('TITLE', ''), attribute.text('VERSION', '1.0')];
  const layout = layoutFile({ kind: 'group', name: '', attributes: rootAttrs, children: [{ kind: 'group', name: key, attributes: groupAttrs, children }] });

  const text = blocks.find((b) => b.type === 'object');
  const pickler = text ? new NumpyObjectArrayPickler(rows > 0 ? [rows, text.columns.length] : [text.columns.length, 0]) : undefined;
  const file = await open(path, 'w');
  try {
    let at = 0;
    await file.write(layout.metadata, 0, layout.metadata.length, 0);
    // The pickle goes after every other structure, in a global heap collection of one object.
    const heapAddress = layout.end;
    const pickleStart = heapAddress + 32;
    let pickleAt = pickleStart;
    const writePickle = async (chunks: Buffer[]) => {
      for (const chunk of chunks) {
        await file.write(chunk, 0, chunk.length, pickleAt);
        pickleAt += chunk.length;
      }
    };

    if (rows > 0) {
      const numeric = blocks.filter((b) => b.type !== 'object');
      // Three sets of slice buffers: a slice's writes run while the next slices are packed into
      // the other sets (writing to the page cache costs about as much as packing on small machines).
      const sets = [0, 1, 2].map(() => ({
        index: new BigInt64Array(SLICE_ROWS),
        buffers: numeric.map((b) => Buffer.alloc(SLICE_ROWS * b.columns.length * h5TypeSize(b.type as H5Type))),
        writes: [] as Promise<unknown>[],
      }));
      let slices = 0;
      const writeSlice = async (batch: RecordBatch, from: number, n: number) => {
        const set = sets[slices++ % sets.length];
        await allWritten(set.writes.splice(0));
        const write = (bytes: Uint8Array, length: number, position: number) => set.writes.push(overlapped(file.write(bytes, 0, length, position)));
        const { index, buffers } = set;
        for (let i = 0; i < n; i++) index[i] = BigInt(at + i);
        write(new Uint8Array(index.buffer, 0, n * 8), n * 8, layout.reserved.get(axis1)! + at * 8);
        for (let b = 0; b < numeric.length; b++) {
          const block = numeric[b];
          const size = h5TypeSize(block.type as H5Type);
          const rowBytes = block.columns.length * size;
          const out = buffers[b];
          const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
          block.columns.forEach((plan, item) => packColumnSlice(plan, batch, from, n, (data, lo, count, rowOffset) => packNumbers(plan, data, lo, count, out, view, rowBytes, rowOffset * rowBytes + item * size)));
          write(out, n * rowBytes, layout.reserved.get(block.values!)! + at * rowBytes);
        }
        if (text && pickler) {
          // Row-major (rows × text columns), as numpy lists the values of a C-order array.
          const cursors = text.columns.map((plan) => new ChunkCursor(batch.getChildAt(plan.index)!.data));
          for (let r = from; r < from + n; r++) {
            for (const cursor of cursors) {
              cursor.seek(r);
              const { data, i, rows: textRows } = cursor;
              if (!isValidAt(data, i)) pickler.pushNone();
              else pickler.pushUtf8(textRows.bytes, textRows.start(i), textRows.end(i));
            }
          }
          for (const chunk of pickler.take()) {
            write(chunk, chunk.length, pickleAt); // fresh buffers, never reused
            pickleAt += chunk.length;
          }
        }
        at += n;
      };
      // Every write settles before the file is patched or closed, whether or not one failed.
      const pending = () => sets.flatMap((set) => set.writes.splice(0));
      try {
        // Values are copied out of each batch (packed, pickled) before the next is asked for.
        for await (const batch of await openSource(again, { reuseBuffers: true })) {
          for (let from = 0; from < batch.numRows; from += SLICE_ROWS) await writeSlice(batch, from, Math.min(SLICE_ROWS, batch.numRows - from));
        }
      } catch (error) {
        await Promise.allSettled(pending());
        throw error;
      }
      await allWritten(pending());
      if (at !== rows) throw new Error(`the visit table gave ${at} rows on its second reading, ${rows} on its first`);
    }

    let end = layout.end;
    if (text && pickler) {
      await writePickle(pickler.finish());
      const heap = globalHeapWithOneObject(heapAddress, pickleAt - pickleStart);
      await file.write(heap.prefix, 0, heap.prefix.length, heapAddress);
      await file.write(heap.suffix, 0, heap.suffix.length, pickleAt);
      await file.write(heap.reference, 0, heap.reference.length, layout.reserved.get(text.values!)!);
      end = heapAddress + heap.size;
    }
    const eof = eofPatch(end);
    await file.write(eof.bytes, 0, eof.bytes.length, eof.offset);
    await file.truncate(end);
  } finally {
    await file.close();
  }
}

/** Waits for every write of `writes`, then throws the first failure, if any (none is left running). */
async function allWritten(writes: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** A write awaited later: marked handled now, so that a failure surfaces where it is awaited, not as an unhandled rejection. */
function overlapped<T>(write: Promise<T>): Promise<T> {
  write.catch(() => undefined);
  return write;
}

/** Calls `pack` for each Data chunk of a column covering rows [from, from + n) of a batch. */
function packColumnSlice(plan: ColumnPlan, batch: RecordBatch, from: number, n: number, pack: (data: Data, lo: number, count: number, rowOffset: number) => void): void {
  let base = 0;
  for (const data of batch.getChildAt(plan.index)!.data) {
    const lo = Math.max(from, base);
    const hi = Math.min(from + n, base + data.length);
    if (lo < hi) pack(data, lo - base, hi - lo, lo - from);
    base += data.length;
  }
}

/** The Data chunk and position of a row of a column (rows asked in increasing order; no object per row). */
class ChunkCursor {
  private k = 0;
  private base = 0;
  data: Data;
  i = 0;
  rows: ReturnType<typeof utf8Rows>;
  constructor(private readonly chunks: readonly Data[]) {
    this.data = chunks[0];
    this.rows = utf8Rows(chunks[0]);
  }
  seek(row: number): void {
    while (row >= this.base + this.chunks[this.k].length) {
      this.base += this.chunks[this.k].length;
      this.data = this.chunks[++this.k];
      this.rows = utf8Rows(this.data);
    }
    this.i = row - this.base;
  }
}
