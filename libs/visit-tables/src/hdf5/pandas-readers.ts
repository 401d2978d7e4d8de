/**
 * Reads pandas HDF5 files in both layouts:
 * - "table" (`format="table"`, what {@link writePandasTableHdf5} writes): a PyTables Table
 *   whose compound rows hold an index and `values_block_<k>` fields (each an array of the
 *   block's columns). Read in slices of rows straight from disk.
 * - "fixed" (pandas' default, what the upstream archive and {@link writePandasFixedHdf5}
 *   write): per dtype block a 2-D array `block<k>_values` (rows × columns), except text/object
 *   blocks, which are PyTables VLArrays holding a pickled numpy object array, decoded by
 *   {@link safeUnpickle} (data only).
 *   Numeric blocks are read in row slices; object blocks must be decoded whole.
 * The DataFrame index is not a column and is not read.
 */
import { Bool, DataType, Field, Float32, Float64, Int16, Int32, Int64, Int8, Schema, Uint16, Uint32, Uint64, Uint8, makeData, Utf8, Data } from 'apache-arrow';
import { VisitBatchStream } from '../source';
import { recordBatchOf, Utf8Builder, columnBuilder } from '../arrow-build';
import { NumpyObjectArray, PickleError, PyTuple, PyValue, safeUnpickle } from '../pickle';
import { H5Api, readRaw } from './h5wasm-loader';

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_BITFIELD = 4;
const H5T_ARRAY = 10;

export type Hdf5Layout = 'table' | 'fixed';

interface OpenFile {
  h5: H5Api;
  module: any;
  file: any;
  key: string;
}

function attrValue(node: any, name: string): unknown {
  const attrs = node.attrs as Record<string, { value: unknown }>;
  return name in attrs ? attrs[name].value : undefined;
}

function textAttr(node: any, name: string): string | undefined {
  const value = attrValue(node, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return String(value);
}

/** A PyTables attribute holding a protocol-0 pickle (or plain text if it is not one). */
function pickledAttr(node: any, name: string): PyValue | undefined {
  const text = textAttr(node, name);
  if (text === undefined) return undefined;
  if (!text.endsWith('.')) return text;
  return safeUnpickle(Buffer.from(text, 'latin1'));
}

/** The layout of the pandas object under `key`, from its `pandas_type` attribute. */
export function layoutOf(file: any, key: string): Hdf5Layout {
  const group = file.get(key);
  if (!group) throw new Error(`no key ${JSON.stringify(key)} in the HDF5 file (keys: ${file.keys().join(', ')})`);
  const pandasType = textAttr(group, 'pandas_type');
  if (pandasType === 'frame_table') return 'table';
  if (pandasType === 'frame') return 'fixed';
  throw new Error(`HDF5 key ${JSON.stringify(key)} is not a pandas DataFrame (pandas_type ${JSON.stringify(pandasType)})`);
}

function arrowType(meta: any, pandasDtype: string | undefined, what: string): DataType {
  if (pandasDtype === 'bool' || meta.type === H5T_BITFIELD) return new Bool();
  if (pandasDtype && /^datetime64|^timedelta64|^category/.test(pandasDtype)) throw new Error(`${what}: pandas dtype ${pandasDtype} is not supported`);
  if (meta.type === H5T_FLOAT) {
    if (meta.size === 8) return new Float64();
    if (meta.size === 4) return new Float32();
  }
  if (meta.type === H5T_INTEGER) {
    const types = meta.signed ? [Int8, Int16, Int32, Int64] : [Uint8, Uint16, Uint32, Uint64];
    const k = [1, 2, 4, 8].indexOf(meta.size);
    if (k >= 0) return new types[k]();
  }
  if (meta.type === H5T_STRING && !meta.vlen) return new Utf8();
  throw new Error(`${what}: HDF5 type class ${meta.type} of size ${meta.size} is not supported`);
}

/** Extracts `count` items of `size` bytes, `stride` bytes apart, into a new typed array. */
function gather(type: DataType, raw: Uint8Array, first: number, count: number, stride: number, size: number): Data {
  const out = new Uint8Array(count * size);
  for (let i = 0, s = first, d = 0; i < count; i++, s += stride, d += size) for (let k = 0; k < size; k++) out[d + k] = raw[s + k];
  if (type instanceof Bool) {
    const bits = new Uint8Array(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) if (out[i]) bits[i >> 3] |= 1 << (i & 7);
    return makeData({ type, length: count, nullCount: 0, data: bits });
  }
  const ArrayType = (type as any).ArrayType as { new (buffer: ArrayBuffer): ArrayBufferView };
  return makeData({ type: type as any, length: count, nullCount: 0, data: new ArrayType(out.buffer) as any });
}

/** Fixed-width text: UTF-8 bytes padded with NULs; the nan_rep text reads as null. */
function gatherText(raw: Uint8Array, first: number, count: number, stride: number, size: number, nanRep: Buffer | undefined): Data {
  const builder = new Utf8Builder(count);
  for (let i = 0, s = first; i < count; i++, s += stride) {
    let end = s + size;
    while (end > s && raw[end - 1] === 0) end--;
    const bytes = raw.subarray(s, end);
    if (nanRep && bytes.length === nanRep.length && nanRep.equals(bytes)) builder.push(null);
    else builder.pushBytes(bytes);
  }
  return builder.finish();
}

// ---------------------------------------------------------------- "table" layout

interface TableColumn {
  name: string;
  type: DataType;
  /** Byte offset of the value in a row. */
  offset: number;
  size: number;
  nanRep?: Buffer;
}

export function openTableLayout({ module, file, key }: OpenFile, batchRows: number): VisitBatchStream {
  const group = file.get(key);
  const table = file.get(`${key}/table`);
  if (!table) throw new Error(`pandas table ${JSON.stringify(key)} has no "table" dataset`);
  const meta = table.metadata;
  const rowSize: number = meta.size;
  const rows: number = meta.shape[0];
  const encoding = (textAttr(group, 'encoding') ?? 'UTF-8').toUpperCase();
  if (encoding !== 'UTF-8' && encoding !== 'UTF8' && encoding !== 'ASCII') throw new Error(`pandas table encoding ${encoding} is not supported`);
  const groupNanRep = pickledAttr(group, 'nan_rep');
  const columns = new Map<string, TableColumn>();
  for (const member of meta.compound_type.members) {
    if (member.name === 'index') continue;
    const names = pickledAttr(table, `${member.name}_kind`);
    if (!Array.isArray(names)) continue; // not a values block (e.g. a MultiIndex level)
    const pandasDtype = textAttr(table, `${member.name}_dtype`);
    const base = member.type === H5T_ARRAY ? member.array_type : member;
    const type = arrowType(base, pandasDtype, `column block ${member.name}`);
    const nanRepValue = textAttr(table, `${member.name}_nan_rep`) ?? (typeof groupNanRep === 'string' ? groupNanRep : 'nan');
    names.forEach((name, j) => {
      columns.set(String(name), {
        name: String(name),
        type,
        offset: member.offset + j * base.size,
        size: base.size,
        nanRep: type instanceof Utf8 ? Buffer.from(nanRepValue, 'utf8') : undefined,
      });
    });
  }
  // Column order: pandas' non_index_axes [(1, [names])] when present.
  const axes = pickledAttr(group, 'non_index_axes');
  let order = [...columns.keys()];
  if (Array.isArray(axes) && axes[0] instanceof PyTuple && Array.isArray(axes[0].items[1])) order = (axes[0].items[1] as PyValue[]).map(String);
  const ordered = order.map((name) => {
    const column = columns.get(name);
    if (!column) throw new Error(`pandas table ${JSON.stringify(key)}: no values for column ${JSON.stringify(name)}`);
    return column;
  });
  const schema = new Schema(ordered.map((c) => new Field(c.name, c.type, true)));
  const path = `/${key}/table`;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      try {
        for (let start = 0; start < rows; start += batchRows) {
          const n = Math.min(batchRows, rows - start);
          const raw = readRaw(module, file.file_id, path, [start], [n], n * rowSize);
          const data = ordered.map((c) =>
            c.type instanceof Utf8 ? gatherText(raw, c.offset, n, rowSize, c.size, c.nanRep) : gather(c.type, raw, c.offset, n, rowSize, c.size),
          );
          yield recordBatchOf(schema, data);
        }
      } finally {
        file.close();
      }
    },
  };
}

// ---------------------------------------------------------------- "fixed" layout

interface FixedColumn {
  name: string;
  type: DataType;
  block: number;
  /** Position of the column among the block's items. */
  item: number;
  nitems: number;
  /** Decoded object-block values (row-major over rows × items) when the block is pickled. */
  objects?: PyValue[];
  elementSize?: number;
}

function readStrings(file: any, path: string): string[] {
  const value = file.get(path).value;
  return (Array.isArray(value) ? value : [value]).map((v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v)));
}

function objectColumnType(values: PyValue[], item: number, nitems: number, name: string): DataType {
  let text = false;
  let number = false;
  let bool = false;
  for (let i = item; i < values.length; i += nitems) {
    const v = values[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
    if (typeof v === 'string') text = true;
    else if (typeof v === 'number') number = true;
    else if (typeof v === 'boolean') bool = true;
    else throw new PickleError(`column ${JSON.stringify(name)} holds ${Object.prototype.toString.call(v)} values, which visit tables do not support`);
  }
  if ([text, number, bool].filter(Boolean).length > 1) throw new PickleError(`column ${JSON.stringify(name)} mixes text, numbers and booleans`);
  return number ? new Float64() : bool ? new Bool() : new Utf8();
}

/** pandas writes an empty array as a 1-element placeholder with the real shape in a `shape` attribute. */
function declaredShape(node: any): number[] | undefined {
  const shape = pickledAttr(node, 'shape');
  return shape instanceof PyTuple ? (shape.items as number[]) : undefined;
}

const NUMPY_TYPES: Record<string, () => DataType> = {
  float64: () => new Float64(),
  float32: () => new Float32(),
  int64: () => new Int64(),
  int32: () => new Int32(),
  int16: () => new Int16(),
  int8: () => new Int8(),
  uint64: () => new Uint64(),
  uint32: () => new Uint32(),
  uint16: () => new Uint16(),
  uint8: () => new Uint8(),
  bool: () => new Bool(),
};

export function openFixedLayout({ module, file, key }: OpenFile, batchRows: number): VisitBatchStream {
  const group = file.get(key);
  const nblocks = Number(attrValue(group, 'nblocks'));
  const names = readStrings(file, `${key}/axis0`);
  const axis1 = file.get(`${key}/axis1`);
  const rows: number = (declaredShape(axis1) ?? axis1.metadata.shape)[0];
  const byName = new Map<string, FixedColumn>();
  const blocks: { rowsFirst: boolean; nitems: number; size: number; oneDimensional: boolean }[] = [];
  for (let b = 0; b < nblocks; b++) {
    const items = readStrings(file, `${key}/block${b}_items`);
    const values = file.get(`${key}/block${b}_values`);
    const meta = values.metadata;
    const transposed = Number(attrValue(values, 'transposed') ?? 0) === 1;
    if (meta.type === 9 /* H5T_VLEN: a VLArray of pickled objects */) {
      const pickle = values.value;
      const array = safeUnpickle((Array.isArray(pickle) ? pickle[0] : pickle) as Uint8Array);
      if (!(array instanceof NumpyObjectArray)) throw new PickleError(`block ${b} of ${key} is not a pickled numpy array`);
      // Stored as values.T: rows × items (or just rows for a 1-D extension block).
      const shape = array.shape;
      const rowsFirst = shape.length === 1 || transposed;
      const nitems = shape.length === 1 ? 1 : rowsFirst ? shape[1] : shape[0];
      const objects = rows === 0 ? [] : rowsFirst ? array.items : transpose(array.items, shape[0], shape[1]);
      items.forEach((name, item) => {
        byName.set(name, { name, type: objectColumnType(objects, item, nitems, name), block: b, item, nitems, objects });
      });
      blocks.push({ rowsFirst: true, nitems, size: 0, oneDimensional: true });
    } else {
      const declared = declaredShape(values);
      const valueType = textAttr(values, 'value_type');
      if (declared && declared.reduce((x, y) => x * y, 1) === 0) {
        // An empty placeholder: the type comes from value_type.
        const type = NUMPY_TYPES[valueType ?? '']?.();
        if (!type) throw new Error(`block ${b} of ${key}: pandas dtype ${valueType} is not supported`);
        items.forEach((name, item) => byName.set(name, { name, type, block: b, item, nitems: items.length }));
        blocks.push({ rowsFirst: true, nitems: items.length, size: 0, oneDimensional: false });
        continue;
      }
      const type = arrowType(meta, valueType === 'bool' ? 'bool' : valueType, `block ${b} of ${key}`);
      const shape: number[] = meta.shape;
      const oneDimensional = shape.length === 1;
      const rowsFirst = oneDimensional || transposed;
      const nitems = oneDimensional ? 1 : rowsFirst ? shape[1] : shape[0];
      items.forEach((name, item) => byName.set(name, { name, type, block: b, item, nitems, elementSize: meta.size }));
      blocks.push({ rowsFirst, nitems, size: meta.size, oneDimensional });
    }
  }
  const columns = names.map((name) => {
    const column = byName.get(name);
    if (!column) throw new Error(`pandas fixed frame ${JSON.stringify(key)}: no block holds column ${JSON.stringify(name)}`);
    return column;
  });
  const schema = new Schema(columns.map((c) => new Field(c.name, c.type, true)));
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      try {
        for (let start = 0; start < rows; start += batchRows) {
          const n = Math.min(batchRows, rows - start);
          const raws = new Map<number, Uint8Array>();
          const data = columns.map((c) => {
            if (c.objects) return objectSlice(c, start, n);
            const { nitems, size, rowsFirst, oneDimensional } = blocks[c.block];
            const path = `/${key}/block${c.block}_values`;
            if (!raws.has(c.block)) {
              // One read per block and batch: rows [start, start + n) of every item.
              const [offset, count] = oneDimensional ? [[start], [n]] : rowsFirst ? [[start, 0], [n, nitems]] : [[0, start], [nitems, n]];
              raws.set(c.block, readRaw(module, file.file_id, path, offset, count, n * nitems * size));
            }
            const raw = raws.get(c.block)!;
            return rowsFirst ? gather(c.type, raw, c.item * size, n, nitems * size, size) : gather(c.type, raw, c.item * n * size, n, size, size);
          });
          yield recordBatchOf(schema, data);
        }
      } finally {
        file.close();
      }
    },
  };
}

function transpose(items: PyValue[], rows: number, cols: number): PyValue[] {
  const out = new Array<PyValue>(items.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = items[r * cols + c];
  return out;
}

function objectSlice(column: FixedColumn, start: number, n: number): Data {
  const builder = columnBuilder(column.type, n);
  const { objects, item, nitems } = column;
  for (let r = start; r < start + n; r++) {
    const v = objects![r * nitems + item];
    builder.push(v === null || (typeof v === 'number' && Number.isNaN(v) && !(column.type instanceof Float64)) ? null : v);
  }
  return builder.finish();
}

