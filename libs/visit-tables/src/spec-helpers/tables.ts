/** Test tables of every supported type, and comparison of tables by types and values. */
import { Bool, Dictionary, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, makeData, makeVector, Schema, Table, Uint16, Uint32, Uint64, Uint8, Utf8, vectorFromArray, Vector } from 'apache-arrow';

/** A small table with one column per supported type, nulls, non-ASCII text and edge values. */
export function mixedTable(): Table {
  return new Table({
    f64: vectorFromArray([1.5, -0, null, Infinity, 1e-300, NaN], new Float64()),
    f32: vectorFromArray([1.25, null, -3.5, 0, 2, 1e30], new Float32()),
    i64: vectorFromArray([1n, -2n, 9007199254740993n, 0n, -(2n ** 63n), 2n ** 63n - 1n], new Int64()),
    i32: vectorFromArray([1, -2, 2147483647, -2147483648, 0, 7], new Int32()),
    i16: vectorFromArray([1, -2, 32767, 0, 5, 6], new Int16()),
    i8: vectorFromArray([1, -2, 127, -128, 0, 3], new Int8()),
    u8: vectorFromArray([0, 255, 1, 2, 3, 4], new Uint8()),
    u16: vectorFromArray([0, 65535, 1, 2, 3, 4], new Uint16()),
    u32: vectorFromArray([0, 4294967295, 1, 2, 3, 4], new Uint32()),
    i64n: vectorFromArray([1n, null, 3n, 4n, null, 6n], new Int64()),
    b: vectorFromArray([true, false, true, true, false, false], new Bool()),
    bn: vectorFromArray([true, null, false, true, null, false], new Bool()),
    s: vectorFromArray(['a', 'ée', null, '😀 émoji', '', 'tab\tquote"comma,'], new Utf8()),
    band: vectorFromArray(['g', 'r', 'i', 'z', 'y', 'u'], new Utf8()),
  });
}

/**
 * Values for every branch of the WebAssembly packing kernels (hash/pack-kernels.wat): ASCII
 * runs of every length around the 8-byte SIMD step, 2-, 3- and 4-byte characters at and around
 * the edges of those steps, floats of each width with NaN payloads, both signs of zero and
 * nulls, integers of each width. `withHalf` adds a float16 column (numpy's `<f2`).
 */
export function kernelTable({ withHalf = true } = {}): Table {
  const ascii = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
  const text: string[] = [];
  for (let n = 0; n <= 40; n++) text.push(ascii.slice(0, n));
  for (const wide of ['é', '€', '😀']) for (const at of [0, 1, 7, 8, 9, 15, 16, 17, 24]) text.push(ascii.slice(0, at) + wide + ascii.slice(at, 20));
  text.push('ééééééééé', '😀😀😀😀😀😀😀😀😀', 'x'.repeat(64));
  const rows = text.length;
  const pattern = <T>(values: T[]) => Array.from({ length: rows }, (_, i) => values[i % values.length]);
  const f64 = new Float64Array(new BigUint64Array(pattern([0x7ff0000000000001n, 0xfff8000000000000n, 0x7ff8000000000000n, 0x8000000000000000n, 0x7ff0000000000000n, 0x3ff8000000000000n, 0xc00921fb54442d18n])).buffer);
  const f32 = new Float32Array(new Uint32Array(pattern([0x7f800001, 0xffc00000, 0x80000000, 0x7f800000, 0x3fc00000])).buffer);
  const f16 = new Uint16Array(pattern([0x7c01, 0xfe00, 0x8000, 0x7c00, 0x3e00]));
  // Every fifth float is null.
  const nullBitmap = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; i++) if (i % 5 !== 4) nullBitmap[i >> 3] |= 1 << (i & 7);
  const withNulls = <T extends Float16 | Float32 | Float64>(type: T, data: T['TArray']) =>
    makeVector(makeData({ type, length: rows, nullCount: countNulls(nullBitmap, rows), nullBitmap, data }));
  return new Table({
    text: vectorFromArray(text, new Utf8()),
    f64: makeVector(f64),
    f64n: withNulls(new Float64(), f64),
    f32: makeVector(f32),
    f32n: withNulls(new Float32(), f32),
    ...(withHalf ? { f16: makeVector(makeData({ type: new Float16(), length: rows, data: f16 })), f16n: withNulls(new Float16(), f16) } : {}),
    i64: vectorFromArray(pattern([1n, -(2n ** 63n), 2n ** 63n - 1n]), new Int64()),
    i32: vectorFromArray(pattern([1, -2147483648, 2147483647]), new Int32()),
    i16: vectorFromArray(pattern([1, -32768, 32767]), new Int16()),
    u8: vectorFromArray(pattern([0, 255, 7]), new Uint8()),
    last: vectorFromArray(pattern(['z', 'ÿ', '']), new Utf8()),
  });
}

function countNulls(bitmap: Uint8Array, rows: number): number {
  let nulls = 0;
  for (let i = 0; i < rows; i++) if (!(bitmap[i >> 3] & (1 << (i & 7)))) nulls++;
  return nulls;
}

/** The same table without unsigned 64-bit columns and other types SQLite/HDF5 cannot hold exactly. */
export const MIXED_COLUMNS = ['f64', 'f32', 'i64', 'i32', 'i16', 'i8', 'u8', 'u16', 'u32', 'i64n', 'b', 'bn', 's', 'band'];

export function uint64Table(): Table {
  return new Table({ u64: vectorFromArray([0n, 2n ** 64n - 1n, 5n], new Uint64()) });
}

/** Re-encodes text columns of a table as dictionary or large-utf8 columns. */
export function recodeText(table: Table, as: 'dictionary' | 'large'): Table {
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    if (field.type instanceof Utf8) {
      const values = vector.toArray() as (string | null)[];
      columns[field.name] = vectorFromArray(values, as === 'large' ? new LargeUtf8() : new Dictionary(new Utf8(), new Int32()));
    } else columns[field.name] = vector;
  }
  return new Table(columns);
}

/** Plain JS values of a column, with floats compared bit-for-bit-ish (NaN === NaN, -0 kept). */
export function columnValues(table: Table, name: string): unknown[] {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`no column ${name}`);
  return Array.from({ length: table.numRows }, (_, i) => {
    const v = vector.get(i);
    if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
    if (typeof v === 'number' && Object.is(v, -0)) return '-0';
    return v;
  });
}

export function typeNames(schema: Schema): Record<string, string> {
  return Object.fromEntries(schema.fields.map((f: Field) => [f.name, String(f.type)]));
}

