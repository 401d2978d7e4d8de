/**
 * Fast builders of Arrow columns from JS values, for readers that get values one at a time
 * (SQLite rows, pickled object arrays). Each builder has a fixed capacity (the batch size),
 * writes straight into typed arrays and produces one `Data` without intermediate copies.
 */
import { isUtf8 } from 'node:buffer';
import { Bool, Data, DataType, Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Type, Utf8 } from 'apache-arrow';

export interface ColumnBuilder {
  readonly type: DataType;
  /** Appends a value; null and undefined are nulls. */
  push(value: unknown): void;
  /** The built column; the builder must not be used afterwards. */
  finish(): Data;
}

class Validity {
  bitmap: Uint8Array;
  nulls = 0;
  constructor(capacity: number) {
    this.bitmap = new Uint8Array(Math.ceil(capacity / 8)).fill(0xff);
  }
  setNull(i: number): void {
    this.bitmap[i >> 3] &= ~(1 << (i & 7));
    this.nulls++;
  }
  get bitmapOrEmpty(): Uint8Array {
    return this.nulls > 0 ? this.bitmap : new Uint8Array(0);
  }
}

class Float64Builder implements ColumnBuilder {
  readonly type = new Float64();
  private readonly values: Float64Array;
  private readonly validity: Validity;
  private length = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.validity = new Validity(capacity);
  }
  push(value: unknown): void {
    const i = this.length++;
    if (value === null || value === undefined) {
      this.validity.setNull(i);
      this.values[i] = NaN;
    } else this.values[i] = Number(value);
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmapOrEmpty,
      data: this.values.subarray(0, this.length),
    });
  }
}

class Int64Builder implements ColumnBuilder {
  readonly type = new Int64();
  private readonly values: BigInt64Array;
  private readonly validity: Validity;
  private length = 0;
  constructor(capacity: number) {
    this.values = new BigInt64Array(capacity);
    this.validity = new Validity(capacity);
  }
  push(value: unknown): void {
    const i = this.length++;
    if (value === null || value === undefined) this.validity.setNull(i);
    else this.values[i] = typeof value === 'bigint' ? value : BigInt(value as number);
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmapOrEmpty,
      data: this.values.subarray(0, this.length),
    });
  }
}

class BoolBuilder implements ColumnBuilder {
  readonly type = new Bool();
  private readonly bits: Uint8Array;
  private readonly validity: Validity;
  private length = 0;
  constructor(capacity: number) {
    this.bits = new Uint8Array(Math.ceil(capacity / 8));
    this.validity = new Validity(capacity);
  }
  push(value: unknown): void {
    const i = this.length++;
    if (value === null || value === undefined) this.validity.setNull(i);
    else if (value && value !== 0n) this.bits[i >> 3] |= 1 << (i & 7);
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmapOrEmpty,
      data: this.bits,
    });
  }
}

class Utf8Builder implements ColumnBuilder {
  readonly type = new Utf8();
  private readonly offsets: Int32Array;
  private bytes: Buffer;
  private readonly validity: Validity;
  private length = 0;
  constructor(capacity: number) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = Buffer.allocUnsafe(Math.max(64, capacity * 16));
    this.validity = new Validity(capacity);
  }
  push(value: unknown): void {
    const i = this.length++;
    let end = this.offsets[i];
    if (value === null || value === undefined) this.validity.setNull(i);
    else {
      const text = typeof value === 'string' ? value : String(value);
      // Worst case 3 bytes per UTF-16 unit.
      if (end + text.length * 3 > this.bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, end + text.length * 3));
        this.bytes.copy(grown, 0, 0, end);
        this.bytes = grown;
      }
      end += this.bytes.write(text, end, 'utf8');
    }
    this.offsets[i + 1] = end;
  }
  /** Appends raw UTF-8 bytes (already validated). */
  pushBytes(bytes: Uint8Array): void {
    const i = this.length++;
    let end = this.offsets[i];
    if (end + bytes.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, end + bytes.length));
      this.bytes.copy(grown, 0, 0, end);
      this.bytes = grown;
    }
    this.bytes.set(bytes, end);
    end += bytes.length;
    this.offsets[i + 1] = end;
  }
  /**
   * Appends text given as UTF-8 bytes `src[start, end)`. Bytes that are not valid UTF-8 are
   * appended as {@link push} appends the JS string they decode to (U+FFFD for each invalid
   * sequence), so that every reader gives the same text.
   */
  pushUtf8Range(src: Uint8Array, start: number, end: number): void {
    const i = this.length;
    const at = this.offsets[i];
    const n = end - start;
    if (at + n > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, at + n));
      this.bytes.copy(grown, 0, 0, at);
      this.bytes = grown;
    }
    const out = this.bytes;
    let high = 0;
    if (n <= 32) {
      for (let k = 0; k < n; k++) high |= out[at + k] = src[start + k];
    } else {
      out.set(src.subarray(start, end), at);
      for (let k = start; k < end; k++) high |= src[k];
    }
    if (high & 0x80 && !isUtf8(out.subarray(at, at + n))) {
      this.push(Buffer.from(src.buffer, src.byteOffset + start, n).toString('utf8'));
      return;
    }
    this.length = i + 1;
    this.offsets[i + 1] = at + n;
  }
  finish(): Data {
    const used = this.offsets[this.length];
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmapOrEmpty,
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      // Copy out so the batch does not pin a mostly empty growth buffer.
      data: new Uint8Array(this.bytes.subarray(0, used)),
    });
  }
}

export { Utf8Builder };

/** A builder for one of the types readers produce: Float64, Int64, Bool or Utf8. */
export function columnBuilder(type: DataType, capacity: number): ColumnBuilder {
  switch (type.typeId) {
    case Type.Float:
      return new Float64Builder(capacity);
    case Type.Int:
      return new Int64Builder(capacity);
    case Type.Bool:
      return new BoolBuilder(capacity);
    case Type.Utf8:
      return new Utf8Builder(capacity);
    default:
      throw new Error(`no column builder for ${type}`);
  }
}

/** A RecordBatch from whole columns (Data) of equal length. */
export function recordBatchOf(schema: Schema, columns: Data[]): RecordBatch {
  const length = columns.length > 0 ? columns[0].length : 0;
  const struct = makeData({ type: new Struct(schema.fields as Field[]), length, nullCount: 0, children: columns });
  return new RecordBatch(schema, struct);
}
