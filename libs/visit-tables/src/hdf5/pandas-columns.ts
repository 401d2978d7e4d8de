/**
 * How visit-table columns become pandas columns in HDF5, shared by the "table" and "fixed"
 * writers: the numpy dtype of each column, the first pass over the source (row count, nulls,
 * text widths) and the packing of numeric values into rows of a given stride.
 *
 * pandas cannot hold nulls in int or bool columns, so such a column is written as float64 with
 * NaN ('as-f8'), exactly as pandas would hold it; null floats become NaN.
 */
import { Data, DataType, RecordBatch, Schema, Type } from 'apache-arrow';
import { VisitTableSource, openSource } from '../source';
import { boolAt, hasNulls, isTextType, isValidAt, utf8Rows } from '../arrow-columns';

export type ColumnKind = 'float' | 'int' | 'uint' | 'bool' | 'text' | 'as-f8';

export interface ColumnPlan {
  name: string;
  index: number;
  kind: ColumnKind;
  /** Bytes per value (text: the longest value in UTF-8 bytes, when widths were scanned). */
  itemsize: number;
  /** h5wasm dtype string of the value's base type. */
  h5dtype: string;
  /** numpy dtype name pandas records for the column (`bytes<8w>` for fixed-width text). */
  pandasDtype: string;
}

function kindOf(field: { name: string; type: DataType }): { kind: ColumnKind; itemsize: number } {
  const type = field.type;
  if (isTextType(type)) return { kind: 'text', itemsize: 1 };
  switch (type.typeId) {
    case Type.Float: {
      const precision = (type as any).precision as number;
      if (precision === 0) throw new Error(`cannot write float16 column ${JSON.stringify(field.name)} to HDF5`);
      return { kind: 'float', itemsize: precision === 1 ? 4 : 8 };
    }
    case Type.Int:
      return { kind: (type as any).isSigned ? 'int' : 'uint', itemsize: (type as any).bitWidth / 8 };
    case Type.Bool:
      return { kind: 'bool', itemsize: 1 };
    default:
      throw new Error(`cannot write column ${JSON.stringify(field.name)} of type ${type} to pandas HDF5`);
  }
}

export function planColumns(schema: Schema, textBytes: number[], nulls: boolean[]): ColumnPlan[] {
  return schema.fields.map((field, index) => {
    let { kind, itemsize } = kindOf(field);
    if ((kind === 'int' || kind === 'uint' || kind === 'bool') && nulls[index]) {
      kind = 'as-f8';
      itemsize = 8;
    }
    const bits = itemsize * 8;
    switch (kind) {
      case 'float':
      case 'as-f8':
        return { name: field.name, index, kind, itemsize, h5dtype: `<${itemsize === 4 ? 'f' : 'd'}`, pandasDtype: `float${bits}` };
      case 'int':
      case 'uint': {
        const letter = { 1: 'b', 2: 'h', 4: 'i', 8: 'q' }[itemsize]!;
        return {
          name: field.name,
          index,
          kind,
          itemsize,
          h5dtype: `<${kind === 'int' ? letter : letter.toUpperCase()}`,
          pandasDtype: `${kind}${bits}`,
        };
      }
      case 'bool':
        return { name: field.name, index, kind, itemsize: 1, h5dtype: '<B', pandasDtype: 'bool' };
      case 'text': {
        const width = Math.max(1, textBytes[index]);
        return { name: field.name, index, kind, itemsize: width, h5dtype: `S${width}`, pandasDtype: `bytes${8 * width}` };
      }
    }
  });
}

export interface ColumnScan {
  schema: Schema;
  rows: number;
  /** Longest text value of each column in UTF-8 bytes (nullText counted for nulls); 0 unless asked for. */
  textBytes: number[];
  nulls: boolean[];
}

export interface ScanOptions {
  /** Measure text widths (the "table" layout's fixed-width strings). */
  textWidths?: boolean;
  /** The text standing for a null (counted in the widths). */
  nullText?: string;
}

/** The first pass, batch by batch: row count, null presence and (optionally) text widths. */
export class ColumnScanner {
  private readonly textBytes: number[];
  private readonly nulls: boolean[];
  private readonly texts: boolean[];
  private readonly nullBytes: number;
  private rows = 0;

  constructor(
    private readonly schema: Schema,
    { textWidths = false, nullText = '' }: ScanOptions = {},
  ) {
    const fields = schema.fields;
    this.textBytes = fields.map(() => 0);
    this.nulls = fields.map(() => false);
    this.texts = fields.map((f) => textWidths && isTextType(f.type));
    this.nullBytes = Buffer.byteLength(nullText);
  }

  add(batch: RecordBatch): void {
    this.rows += batch.numRows;
    for (let c = 0; c < this.nulls.length; c++) {
      for (const data of batch.getChildAt(c)!.data) {
        const anyNull = hasNulls(data);
        if (anyNull) this.nulls[c] = true;
        if (!this.texts[c]) continue;
        const text = utf8Rows(data);
        let max = this.textBytes[c];
        for (let i = 0; i < data.length; i++) max = Math.max(max, text.end(i) - text.start(i));
        if (anyNull) max = Math.max(max, this.nullBytes);
        this.textBytes[c] = max;
      }
    }
  }

  result(): ColumnScan {
    return { schema: this.schema, rows: this.rows, textBytes: [...this.textBytes], nulls: [...this.nulls] };
  }
}

/** The first pass: row count, null presence and (optionally) text widths, `nullText` standing for nulls. */
export async function scanColumns(source: VisitTableSource, options: ScanOptions = {}): Promise<ColumnScan> {
  const stream = await openSource(source, { reuseBuffers: true }); // the scanner keeps no batch
  const scanner = new ColumnScanner(stream.schema, options);
  for await (const batch of stream) scanner.add(batch);
  return scanner.result();
}

/**
 * Writes values [from, from + count) of a numeric or bool column into `out`, one value every
 * `stride` bytes starting at `offset` (a field of packed rows, or a column of a row-major block).
 */
export function packNumbers(plan: ColumnPlan, data: Data, from: number, count: number, out: Uint8Array, view: DataView, stride: number, offset: number): void {
  let d = offset;
  switch (plan.kind) {
    case 'float':
    case 'int':
    case 'uint': {
      const values = data.values as ArrayBufferView;
      const size = plan.itemsize;
      const srcAt = values.byteOffset + from * size;
      const outBase = out.byteOffset - (out.byteOffset % 4);
      if ((size === 8 || size === 4) && srcAt % 4 === 0 && (out.byteOffset + offset) % 4 === 0 && stride % 4 === 0) {
        // Whole 32-bit words (bit-exact: NaN payloads are kept).
        const src = new Uint32Array(values.buffer, srcAt, (count * size) >> 2);
        const dst = new Uint32Array(out.buffer, outBase, (out.byteLength + out.byteOffset - outBase) >> 2);
        const step = stride >> 2;
        let w = (out.byteOffset + offset - outBase) >> 2;
        if (size === 8) {
          for (let i = 0, s = 0; i < count; i++, s += 2, w += step) {
            dst[w] = src[s];
            dst[w + 1] = src[s + 1];
          }
        } else for (let i = 0; i < count; i++, w += step) dst[w] = src[i];
      } else {
        const src = new Uint8Array(values.buffer, srcAt, count * size);
        for (let i = 0, s = 0; i < count; i++, s += size, d += stride) for (let k = 0; k < size; k++) out[d + k] = src[s + k];
      }
      if (plan.kind === 'float' && hasNulls(data)) {
        // Nulls become NaN, as pandas holds them.
        for (let i = 0, e = offset; i < count; i++, e += stride) {
          if (isValidAt(data, from + i)) continue;
          if (size === 8) view.setFloat64(e, NaN, true);
          else view.setFloat32(e, NaN, true);
        }
      }
      return;
    }
    case 'as-f8': {
      const isBool = data.type.typeId === Type.Bool;
      for (let i = from; i < from + count; i++, d += stride) {
        const value = !isValidAt(data, i) ? NaN : isBool ? (boolAt(data, i) ? 1 : 0) : Number((data.values as any)[i]);
        view.setFloat64(d, value, true);
      }
      return;
    }
    case 'bool':
      for (let i = from; i < from + count; i++, d += stride) out[d] = boolAt(data, i) ? 1 : 0;
      return;
    case 'text':
      throw new Error(`packNumbers: column ${JSON.stringify(plan.name)} is text`);
  }
}
