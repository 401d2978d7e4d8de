/**
 * The canonical visit-table hash (`visitseq_sha256`), defined in docs/visit-tables.md:
 * SHA-256 of `str(recs.dtype)` (numpy's text of a packed structured dtype) followed by the
 * bytes of the record array, where each column becomes a little-endian numpy field:
 * ints/uints/floats/bools as their own dtype, text as `<U{w}` (UTF-32LE, zero-padded, w = the
 * longest value in code points, at least 1), dates and timestamps as `<M8[unit]`. Nulls are ''
 * for text, NaN for floats, NaT for times; an int or bool column with nulls becomes `<f8`.
 * Every NaN is hashed as numpy's `np.nan` bit pattern, so NaN and null are the same value.
 *
 * Text widths need the whole column, so the hash takes two passes: a scan
 * ({@link CanonicalHashScan}) and the hashing itself ({@link CanonicalHasher}). Each pass
 * streams; rows are packed into a reusable buffer of about 4 MiB and fed to node:crypto.
 */
import { createHash, Hash } from 'node:crypto';
import { Data, DataType, RecordBatch, Schema, TimeUnit, Type } from 'apache-arrow';
import { VisitTableSource, openSource, reReadable } from '../source';
import { boolAt, hasNulls, isTextType, isValidAt, utf8Rows } from '../arrow-columns';
import { pythonStrRepr } from './python-repr';
import type { PackKernels } from './pack-kernels';

/** Raised for tables the canonical hash does not define (unsupported types, bad column names). */
export class CanonicalHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalHashError';
  }
}

type Encoding =
  | { kind: 'int' | 'uint'; itemsize: 1 | 2 | 4 | 8 }
  | { kind: 'float'; itemsize: 2 | 4 | 8 }
  | { kind: 'bool' }
  | { kind: 'text' }
  | { kind: 'datetime'; unit: 'D' | 's' | 'ms' | 'us' | 'ns' };

/** One field of the canonical record array. */
export interface CanonicalField {
  /** The column name. */
  readonly name: string;
  /** numpy's text for the field's dtype, e.g. `<f8`, `<U12`, `?`, `i1`. */
  readonly numpyDtype: string;
  /** Bytes per row. */
  readonly itemsize: number;
  /** Byte offset of the field in a packed row. */
  readonly offset: number;
}

/** The canonical record-array layout of a table: its fields, row size and dtype text. */
export interface CanonicalLayout {
  readonly fields: readonly CanonicalField[];
  readonly rowSize: number;
  /** `str(recs.dtype)` as numpy prints it, e.g. `[('observationStartMJD', '<f8'), ('band', '<U1')]`. */
  readonly dtypeString: string;
  /** The number of rows seen by the scan. */
  readonly rows: number;
}

interface ColumnPlan extends CanonicalField {
  readonly index: number;
  readonly encoding: Encoding;
  /** Int or bool column with nulls: hashed as float64. */
  readonly asFloat64: boolean;
}

interface InternalLayout extends CanonicalLayout {
  readonly plans: readonly ColumnPlan[];
}

const UNIT_NAMES: Record<number, 's' | 'ms' | 'us' | 'ns'> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

function encodingOf(name: string, type: DataType): Encoding {
  if (isTextType(type)) return { kind: 'text' };
  switch (type.typeId) {
    case Type.Int: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      return { kind: t.isSigned ? 'int' : 'uint', itemsize: (t.bitWidth / 8) as 1 | 2 | 4 | 8 };
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      return { kind: 'float', itemsize: ([2, 4, 8] as const)[precision] };
    }
    case Type.Bool:
      return { kind: 'bool' };
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      return { kind: 'datetime', unit: unit === 0 ? 'D' : 'ms' };
    }
    case Type.Timestamp:
      return { kind: 'datetime', unit: UNIT_NAMES[(type as unknown as { unit: number }).unit] };
    default:
      throw new CanonicalHashError(`the canonical hash does not define column ${JSON.stringify(name)} of type ${type}`);
  }
}

function numpyDtypeOf(encoding: Encoding, asFloat64: boolean, width: number): [string, number] {
  if (asFloat64) return ['<f8', 8];
  switch (encoding.kind) {
    case 'int':
    case 'uint': {
      const letter = encoding.kind === 'int' ? 'i' : 'u';
      return [encoding.itemsize === 1 ? `${letter}1` : `<${letter}${encoding.itemsize}`, encoding.itemsize];
    }
    case 'float':
      return [`<f${encoding.itemsize}`, encoding.itemsize];
    case 'bool':
      return ['?', 1];
    case 'text':
      return [`<U${width}`, 4 * width];
    case 'datetime':
      return [`<M8[${encoding.unit}]`, 8];
  }
}

/** Pass one: learns, batch by batch, the text widths and which int/bool columns have nulls. */
export class CanonicalHashScan {
  private readonly encodings: Encoding[];
  private readonly widths: number[];
  private readonly nulls: boolean[];
  private rowCount = 0;

  constructor(private readonly schema: Schema) {
    const names = new Set<string>();
    for (const field of schema.fields) {
      if (field.name === '') throw new CanonicalHashError('the canonical hash needs non-empty column names');
      if (names.has(field.name)) throw new CanonicalHashError(`duplicate column name ${JSON.stringify(field.name)}`);
      names.add(field.name);
    }
    this.encodings = schema.fields.map((f) => encodingOf(f.name, f.type));
    this.widths = schema.fields.map(() => 1);
    this.nulls = schema.fields.map(() => false);
  }

  observe(batch: RecordBatch): void {
    this.rowCount += batch.numRows;
    this.encodings.forEach((encoding, c) => {
      for (const data of batch.getChildAt(c)!.data) {
        if (hasNulls(data)) this.nulls[c] = true;
        if (encoding.kind === 'text') this.widths[c] = maxCodePoints(data, this.widths[c]);
      }
    });
  }

  layout(): CanonicalLayout {
    let offset = 0;
    const plans: ColumnPlan[] = this.schema.fields.map((field, index) => {
      const encoding = this.encodings[index];
      const asFloat64 = this.nulls[index] && (encoding.kind === 'int' || encoding.kind === 'uint' || encoding.kind === 'bool');
      const [numpyDtype, itemsize] = numpyDtypeOf(encoding, asFloat64, this.widths[index]);
      const plan = { name: field.name, numpyDtype, itemsize, offset, index, encoding, asFloat64 };
      offset += itemsize;
      return plan;
    });
    const dtypeString = `[${plans.map((p) => `(${pythonStrRepr(p.name)}, '${p.numpyDtype}')`).join(', ')}]`;
    const layout: InternalLayout = {
      fields: plans.map(({ name, numpyDtype, itemsize, offset }) => ({ name, numpyDtype, itemsize, offset })),
      rowSize: offset,
      dtypeString,
      rows: this.rowCount,
      plans,
    };
    return layout;
  }
}

function maxCodePoints(data: Data, atLeast: number): number {
  const offsets = plainTextOffsets(data);
  if (offsets) return maxCodePointsOfPlainText(offsets.words, offsets.step, data.values as Uint8Array, data.length, atLeast);
  const rows = utf8Rows(data);
  const bytes = rows.bytes;
  let max = atLeast;
  for (let i = 0; i < data.length; i++) {
    const start = rows.start(i);
    const end = rows.end(i);
    // A value has at most as many code points as bytes: count only when it could be longer.
    if (end - start > max) max = Math.max(max, codePointsIn(bytes, start, end));
  }
  return max;
}

/** How many code points the UTF-8 bytes [start, end) hold: the bytes that are not continuation bytes. */
function codePointsIn(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k++) if ((bytes[k] & 0xc0) !== 0x80) n++;
  return n;
}

/**
 * The offsets of a Utf8 or LargeUtf8 column without nulls as 32-bit words, `step` words apart
 * (a LargeUtf8 offset read as its low word, exact while its values are under 2 GiB): the text
 * columns {@link maxCodePoints} reads without a call, or a BigInt, per row (on a LargeUtf8 table
 * of 2 million visits, pandas 3's strings, that was most of the scan's CPU), and the ones the
 * WebAssembly kernel packs. Dictionaries and columns with nulls take the general paths.
 */
function plainTextOffsets(data: Data): { words: Int32Array; step: 1 | 2 } | undefined {
  if (DataType.isDictionary(data.type) || hasNulls(data)) return undefined;
  const offsets = data.valueOffsets as ArrayBufferView | undefined;
  if (offsets instanceof Int32Array) return { words: offsets, step: 1 };
  if (offsets instanceof BigInt64Array && LITTLE_ENDIAN && offsets.length > 0 && offsets[offsets.length - 1] < 2n ** 31n) {
    return { words: new Int32Array(offsets.buffer, offsets.byteOffset, offsets.length * 2), step: 2 };
  }
  return undefined;
}

function maxCodePointsOfPlainText(words: Int32Array, step: 1 | 2, bytes: Uint8Array, length: number, atLeast: number): number {
  let max = atLeast;
  for (let i = 0, at = 0; i < length; i++, at += step) {
    const start = words[at];
    const end = words[at + step];
    // A value has at most as many code points as bytes: count only when it could be longer.
    if (end - start > max) max = Math.max(max, codePointsIn(bytes, start, end));
  }
  return max;
}

const CHUNK_BYTES = 4 << 20;

/**
 * Packs rows of batches into the canonical record array's bytes, a run of rows at a time, into
 * buffers the caller provides: what {@link CanonicalHasher} hashes, and what a worker thread
 * packs while another thread hashes ({@link canonicalSha256OfIpcFile}).
 */
export class CanonicalRowPacker {
  private readonly plans: readonly ColumnPlan[];
  readonly rowSize: number;

  /**
   * With `kernels`, columns whose Arrow buffers lie in the kernels' memory are packed by them
   * when the destination buffer does too (what the hash workers arrange); the bytes are the same.
   */
  constructor(
    layout: CanonicalLayout,
    private readonly kernels?: PackKernels,
  ) {
    const internal = layout as InternalLayout;
    if (!internal.plans) throw new CanonicalHashError('the canonical hash needs a layout made by CanonicalHashScan');
    this.plans = internal.plans;
    this.rowSize = layout.rowSize;
  }

  /** Rows per buffer of about `bytes` (at least one). */
  rowsPer(bytes: number): number {
    return Math.max(1, Math.floor(bytes / Math.max(1, this.rowSize)));
  }

  /**
   * Packs rows of `batch` from `firstRow` into `buffer`, as many as fit (all that are left if
   * they do); returns how many. Bytes past those rows are left as they were.
   */
  pack(batch: RecordBatch, firstRow: number, buffer: Uint8Array): number {
    const n = Math.min(Math.floor(buffer.byteLength / Math.max(1, this.rowSize)), batch.numRows - firstRow);
    if (n <= 0 || this.rowSize === 0) return Math.max(0, batch.numRows - firstRow);
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const kernels = this.kernels && buffer.buffer === this.kernels.memory.buffer ? this.kernels : undefined;
    for (const plan of this.plans) {
      // Rows [firstRow, firstRow + n) of the column may span several Data chunks (normally one).
      let start = 0;
      let done = 0;
      for (const data of batch.getChildAt(plan.index)!.data) {
        const end = start + data.length;
        const from = Math.max(firstRow + done, start);
        if (from < end && done < n) {
          const count = Math.min(n - done, end - from);
          if (!kernels || !this.encodeWithKernels(kernels, plan, data, from - start, count, buffer.byteOffset + done * this.rowSize + plan.offset)) {
            this.encode(plan, data, from - start, count, done, buffer, view);
          }
          done += count;
        }
        start = end;
        if (done === n) break;
      }
    }
    return n;
  }

  /**
   * Writes rows [from, from + count) of `data` to address `dst` (the first row's field) with the
   * kernels, if they cover the column and its buffers lie in their memory; false otherwise.
   */
  private encodeWithKernels(kernels: PackKernels, plan: ColumnPlan, data: Data, from: number, count: number, dst: number): boolean {
    const memory = kernels.memory.buffer;
    const values = data.values as ArrayBufferView | undefined;
    if (plan.asFloat64 || !values || values.buffer !== memory) return false;
    const enc = plan.encoding;
    const { rowSize } = this;
    switch (enc.kind) {
      case 'int':
      case 'uint': {
        const src = values.byteOffset + from * enc.itemsize;
        const copy = { 8: kernels.copy64, 4: kernels.copy32, 2: kernels.copy16, 1: kernels.copy8 }[enc.itemsize];
        copy(src, count, dst, rowSize);
        return true;
      }
      case 'float': {
        const src = values.byteOffset + from * enc.itemsize;
        const copy = { 8: kernels.copyFloat64, 4: kernels.copyFloat32, 2: kernels.copyFloat16 }[enc.itemsize];
        copy(src, count, dst, rowSize);
        if (hasNulls(data)) {
          const view = new DataView(memory);
          for (let i = from, d = dst; i < from + count; i++, d += rowSize) if (!isValidAt(data, i)) writeNaN(view, d, enc.itemsize);
        }
        return true;
      }
      case 'text': {
        // Utf8 and LargeUtf8 (what pandas 3's strings become) without nulls; dictionaries and nulls take the JavaScript path.
        const offsets = plainTextOffsets(data);
        if (!offsets || offsets.words.buffer !== memory) return false;
        const offsetSize = offsets.step === 1 ? 4 : 8;
        kernels.packText(offsets.words.byteOffset + from * offsetSize, offsetSize, values.byteOffset, count, dst, rowSize, plan.itemsize);
        return true;
      }
      default:
        return false;
    }
  }

  /** Writes rows [from, from + count) of `data` into buffer rows [at, at + count). */
  private encode(plan: ColumnPlan, data: Data, from: number, count: number, at: number, buffer: Uint8Array, view: DataView): void {
    const { rowSize } = this;
    let d = at * rowSize + plan.offset;
    const enc = plan.encoding;
    if (plan.asFloat64) {
      for (let i = from; i < from + count; i++, d += rowSize) {
        if (!isValidAt(data, i)) writeNaN64(view, d);
        else view.setFloat64(d, enc.kind === 'bool' ? (boolAt(data, i) ? 1 : 0) : Number(data.values[i]), true);
      }
      return;
    }
    switch (enc.kind) {
      case 'int':
      case 'uint': {
        const size = enc.itemsize;
        const values = data.values as ArrayBufferView & ArrayLike<unknown>;
        const src = new Uint8Array(values.buffer, values.byteOffset + from * size, count * size);
        copyStrided(src, size, count, buffer, d, rowSize);
        return;
      }
      case 'float': {
        const size = enc.itemsize;
        const values = data.values as Float64Array | Float32Array | Uint16Array;
        const src = new Uint8Array(values.buffer, values.byteOffset + from * size, count * size);
        const nulls = hasNulls(data);
        if (size === 8 && LITTLE_ENDIAN && ((src.byteOffset | buffer.byteOffset | d | rowSize) & 3) === 0) {
          // One pass over 32-bit words that also turns every NaN into np.nan.
          copyFloat64Words(new Uint32Array(src.buffer, src.byteOffset, count * 2), count, new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength >> 2), d >> 2, rowSize >> 2);
          if (nulls) for (let i = from; i < from + count; i++, d += rowSize) if (!isValidAt(data, i)) writeNaN64(view, d);
          return;
        }
        copyStrided(src, size, count, buffer, d, rowSize);
        // Then nulls and every NaN become numpy's np.nan bit pattern.
        for (let i = from; i < from + count; i++, d += rowSize) {
          const nan = size === 2 ? isHalfNaN((values as Uint16Array)[i]) : values[i] !== values[i];
          if (nan || (nulls && !isValidAt(data, i))) writeNaN(view, d, size);
        }
        return;
      }
      case 'bool':
        for (let i = from; i < from + count; i++, d += rowSize) buffer[d] = boolAt(data, i) ? 1 : 0;
        return;
      case 'datetime': {
        const values = data.values as Int32Array | BigInt64Array | Float64Array;
        const nulls = hasNulls(data);
        for (let i = from; i < from + count; i++, d += rowSize) {
          if (nulls && !isValidAt(data, i)) view.setBigInt64(d, NAT, true);
          else view.setBigInt64(d, BigInt(values[i]), true);
        }
        return;
      }
      case 'text': {
        // Every byte of the field is written (the buffer is reused): code points, then zeros.
        const rows = utf8Rows(data);
        if (LITTLE_ENDIAN && ((buffer.byteOffset | d | rowSize) & 3) === 0) {
          packTextWords(rows, from, count, new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength >> 2), d >> 2, rowSize >> 2, plan.itemsize >> 2);
        } else {
          for (let i = from; i < from + count; i++, d += rowSize) {
            let k = d;
            forEachCodePoint(rows, i, (cp) => {
              view.setUint32(k, cp, true);
              k += 4;
            });
            buffer.fill(0, k, d + plan.itemsize);
          }
        }
        return;
      }
    }
  }
}

/** Pass two: packs rows of the canonical record array and hashes them. */
export class CanonicalHasher {
  private readonly hash: Hash;
  private readonly packer: CanonicalRowPacker;
  private readonly buffer: Uint8Array;
  private rowCount = 0;

  constructor(layout: CanonicalLayout) {
    this.packer = new CanonicalRowPacker(layout);
    this.hash = createHash('sha256').update(layout.dtypeString, 'utf8');
    this.buffer = new Uint8Array(this.packer.rowsPer(CHUNK_BYTES) * this.packer.rowSize);
  }

  /** The number of rows hashed so far. */
  get rows(): number {
    return this.rowCount;
  }

  update(batch: RecordBatch): void {
    for (let row = 0; row < batch.numRows; ) {
      const n = this.packer.pack(batch, row, this.buffer);
      this.hash.update(this.buffer.subarray(0, n * this.packer.rowSize));
      row += n;
    }
    this.rowCount += batch.numRows;
  }

  /** The 32-byte digest. */
  digest(): Buffer {
    return this.hash.digest();
  }
}

const NAT = -(2n ** 63n);

function isHalfNaN(bits: number): boolean {
  return (bits & 0x7c00) === 0x7c00 && (bits & 0x03ff) !== 0;
}

function writeNaN64(view: DataView, at: number): void {
  view.setUint32(at, 0, true);
  view.setUint32(at + 4, 0x7ff80000, true);
}

/** numpy's np.nan in 2, 4 or 8 bytes: 0x7e00, 0x7fc00000, 0x7ff8000000000000. */
function writeNaN(view: DataView, at: number, size: number): void {
  if (size === 8) writeNaN64(view, at);
  else if (size === 4) view.setUint32(at, 0x7fc00000, true);
  else view.setUint16(at, 0x7e00, true);
}

/** Copies `count` items of `size` bytes from a dense source into rows `stride` bytes apart. */
function copyStrided(src: Uint8Array, size: number, count: number, dst: Uint8Array, at: number, stride: number): void {
  // Whole 32-bit words when everything is 4-aligned (opsim rows are: f8, i8 and <U fields),
  // a quarter of the byte moves; the bytes are the same.
  if ((size & 3) === 0 && ((src.byteOffset | dst.byteOffset | at | stride) & 3) === 0) {
    copyStridedWords(new Uint32Array(src.buffer, src.byteOffset, (count * size) >> 2), size >> 2, count, new Uint32Array(dst.buffer, dst.byteOffset, dst.byteLength >> 2), at >> 2, stride >> 2);
    return;
  }
  let s = 0;
  let d = at;
  switch (size) {
    case 8:
      for (let i = 0; i < count; i++, s += 8, d += stride) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = src[s + 3];
        dst[d + 4] = src[s + 4];
        dst[d + 5] = src[s + 5];
        dst[d + 6] = src[s + 6];
        dst[d + 7] = src[s + 7];
      }
      return;
    case 4:
      for (let i = 0; i < count; i++, s += 4, d += stride) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = src[s + 3];
      }
      return;
    default:
      for (let i = 0; i < count; i++, s += size, d += stride) for (let k = 0; k < size; k++) dst[d + k] = src[s + k];
  }
}

/** Whether typed arrays are little-endian here (the canonical record array is). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Text values as UTF-32 code points in 32-bit words, each field `width` words, zero-padded. */
function packTextWords(rows: ReturnType<typeof utf8Rows>, from: number, count: number, words: Uint32Array, at: number, stride: number, width: number): void {
  const bytes = rows.bytes;
  for (let i = from, w0 = at; i < from + count; i++, w0 += stride) {
    let p = rows.start(i);
    const end = rows.end(i);
    let w = w0;
    while (p < end) {
      const b0 = bytes[p];
      if (b0 < 0x80) {
        words[w++] = b0;
        p++;
      } else if (b0 < 0xe0) {
        words[w++] = ((b0 & 0x1f) << 6) | (bytes[p + 1] & 0x3f);
        p += 2;
      } else if (b0 < 0xf0) {
        words[w++] = ((b0 & 0x0f) << 12) | ((bytes[p + 1] & 0x3f) << 6) | (bytes[p + 2] & 0x3f);
        p += 3;
      } else {
        words[w++] = ((b0 & 0x07) << 18) | ((bytes[p + 1] & 0x3f) << 12) | ((bytes[p + 2] & 0x3f) << 6) | (bytes[p + 3] & 0x3f);
        p += 4;
      }
    }
    for (const last = w0 + width; w < last; w++) words[w] = 0;
  }
}

/** Calls `emit` with each code point of text value `i` (UTF-8 decoded). */
function forEachCodePoint(rows: ReturnType<typeof utf8Rows>, i: number, emit: (cp: number) => void): void {
  const bytes = rows.bytes;
  for (let p = rows.start(i), end = rows.end(i); p < end; ) {
    const b0 = bytes[p];
    if (b0 < 0x80) {
      emit(b0);
      p++;
    } else if (b0 < 0xe0) {
      emit(((b0 & 0x1f) << 6) | (bytes[p + 1] & 0x3f));
      p += 2;
    } else if (b0 < 0xf0) {
      emit(((b0 & 0x0f) << 12) | ((bytes[p + 1] & 0x3f) << 6) | (bytes[p + 2] & 0x3f));
      p += 3;
    } else {
      emit(((b0 & 0x07) << 18) | ((bytes[p + 1] & 0x3f) << 12) | ((bytes[p + 2] & 0x3f) << 6) | (bytes[p + 3] & 0x3f));
      p += 4;
    }
  }
}

/** Copies float64s as word pairs into rows `stride` words apart, writing np.nan (0x7ff8000000000000) for every NaN. */
function copyFloat64Words(src: Uint32Array, count: number, dst: Uint32Array, at: number, stride: number): void {
  for (let i = 0, s = 0, d = at; i < count; i++, s += 2, d += stride) {
    const low = src[s];
    const high = src[s + 1];
    if ((high & 0x7ff00000) === 0x7ff00000 && ((high & 0xfffff) | low) !== 0) {
      dst[d] = 0;
      dst[d + 1] = 0x7ff80000;
    } else {
      dst[d] = low;
      dst[d + 1] = high;
    }
  }
}

function copyStridedWords(src: Uint32Array, words: number, count: number, dst: Uint32Array, at: number, stride: number): void {
  let s = 0;
  let d = at;
  if (words === 2) {
    for (let i = 0; i < count; i++, s += 2, d += stride) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
    }
  } else if (words === 1) {
    for (let i = 0; i < count; i++, s++, d += stride) dst[d] = src[s];
  } else {
    for (let i = 0; i < count; i++, s += words, d += stride) for (let k = 0; k < words; k++) dst[d + k] = src[s + k];
  }
}

/** Scans a source and returns its canonical layout (pass one only). */
export async function canonicalLayout(source: VisitTableSource): Promise<CanonicalLayout> {
  const stream = await openSource(source);
  const scan = new CanonicalHashScan(stream.schema);
  for await (const batch of stream) scan.observe(batch);
  return scan.layout();
}

/**
 * The canonical visit-table hash of a table (32 raw bytes, as stored in `visitseq_sha256`).
 * Reads a re-readable source twice in bounded memory; a one-shot stream is collected first.
 */
export async function canonicalSha256(source: VisitTableSource): Promise<Buffer> {
  const again = await reReadable(source);
  const layout = await canonicalLayout(again);
  const hasher = new CanonicalHasher(layout);
  for await (const batch of await openSource(again)) hasher.update(batch);
  if (hasher.rows !== layout.rows) {
    throw new CanonicalHashError(`the table changed between the two passes of the hash (${layout.rows} then ${hasher.rows} rows)`);
  }
  return hasher.digest();
}
