/**
 * Decodes the pickled numpy object array of a pandas "fixed" HDF5 object block while reading
 * it from disk, a slice of rows at a time, straight into Arrow columns: the pickle of a large
 * table (150 MB for 2.1 million visits with six text columns) is never held whole, nor are its
 * values as JS objects. It accepts exactly what {@link safeUnpickle} accepts of such an array
 * whose elements are text, None, numbers and booleans; anything else it declines (undefined),
 * and the caller decodes the whole pickle with {@link safeUnpickle}, which raises the error.
 *
 * Two passes over the elements:
 * 1. {@link scanObjectArrayPickle}: checks that every element is a plain value, finds each
 *    column's type (as the whole-pickle reader decides it: text, float64 or bool; None and NaN
 *    do not count) and which memo entries the pickle refers back to (Python memoizes every
 *    value, and refers back only to values it meets again as the same object, in practice
 *    one-character strings such as the band);
 * 2. {@link ObjectArrayRows}: decodes the elements row slice by row slice, keeping only the memo
 *    entries that are referred to.
 * The elements of a numpy array are pickled in C order of its shape; pandas stores an object
 * block transposed (rows × columns), so a slice of rows is a run of consecutive elements.
 */
import { readSync } from 'node:fs';
import { Bool, Data, DataType, Float64, Utf8 } from 'apache-arrow';
import { ColumnBuilder, columnBuilder, Utf8Builder } from './arrow-build';
import { objectArrayPrelude, PickleError, PyValue } from './pickle';

const NULL = 0;
const TEXT = 1;
const NUMBER = 2;
const BOOL = 3;
const OTHER = 4;
type Kind = typeof NULL | typeof TEXT | typeof NUMBER | typeof BOOL | typeof OTHER;

const WINDOW_BYTES = 4 << 20;
/** How far into the pickle the elements may start (the prelude is a few hundred bytes). */
const PRELUDE_BYTES = 1 << 16;

/** The bytes [address, address + size) of a file, read through a window that slides forward. */
class FileWindow {
  buf: Buffer;
  /** Valid bytes in `buf`. */
  len = 0;
  /** The read position in `buf`. */
  p = 0;
  /** A position in `buf` from which bytes are kept when the window slides (the last value's start), or −1. */
  keep = -1;
  private next: number;
  private readonly end: number;

  constructor(
    private readonly fd: number,
    address: number,
    size: number,
    capacity = WINDOW_BYTES,
  ) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(64, Math.min(capacity, size)));
    this.next = address;
    this.end = address + size;
  }

  /** Makes bytes [p, p + n) available; false if the pickle ends first. */
  fill(n: number): boolean {
    if (this.p + n <= this.len) return true;
    if (this.p > this.len) {
      // Skipped past the window (pass 1 steps over text without reading it).
      this.next += this.p - this.len;
      this.p = this.len;
      if (this.next > this.end) throw new PickleError('truncated pickle');
    }
    const from = this.keep >= 0 ? Math.min(this.keep, this.p) : this.p;
    if (from > 0) {
      this.buf.copy(this.buf, 0, from, this.len);
      this.len -= from;
      this.p -= from;
      if (this.keep >= 0) this.keep -= from;
    }
    if (this.p + n > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.p + n));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    while (this.len < this.p + n && this.next < this.end) {
      const got = readSync(this.fd, this.buf, this.len, Math.min(this.buf.length - this.len, this.end - this.next), this.next);
      if (got === 0) throw new PickleError('truncated pickle (the file ends inside it)');
      this.len += got;
      this.next += got;
    }
    return this.p + n <= this.len;
  }

  /** Like fill, but a pickle that ends first is an error. */
  need(n: number): void {
    if (this.p + n > this.len && !this.fill(n)) throw new PickleError('truncated pickle');
  }

  /** Where reading resumes, as a file offset. */
  get offset(): number {
    return this.next - (this.len - this.p);
  }
}

/** What pass 1 learnt: the elements' columns and which memo entries are referred to. */
export interface ObjectArrayScan {
  /** The array's shape: [rows, columns] (or [rows] for a 1-D block). */
  shape: number[];
  /** The Arrow type of each column (of the `columns` elements of each row). */
  types: DataType[];
  /** File offset of the first element's opcode. */
  elementsAt: number;
  /** The memo of the prelude, as plain values. */
  preludeMemo: Map<number, PyValue | undefined>;
  /** Bit i set: memo entry i is referred to by a later GET. */
  referenced: Uint8Array;
}

/**
 * The kinds of the memo's entries: Python memoizes text and containers, not None, booleans or
 * numbers, so nearly every entry is text; only the others are listed.
 */
class MemoKinds {
  next = 0;
  private readonly notText = new Map<number, Kind>();
  set(index: number, kind: Kind): void {
    if (kind === TEXT) this.notText.delete(index);
    else this.notText.set(index, kind);
    if (index >= this.next) this.next = index + 1;
  }
  get(index: number): Kind {
    if (index >= this.next) throw new PickleError(`pickle memo ${index} missing`);
    return this.notText.get(index) ?? TEXT;
  }
}

function growTo(array: Uint8Array, size: number): Uint8Array {
  if (size <= array.length) return array;
  const grown = new Uint8Array(Math.max(size, array.length * 2));
  grown.set(array);
  return grown;
}

function kindOf(value: PyValue | undefined): Kind {
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) return NULL;
  if (typeof value === 'string') return TEXT;
  if (typeof value === 'number') return NUMBER;
  if (typeof value === 'boolean') return BOOL;
  return OTHER;
}

/**
 * Pass 1 over the pickle of a numpy object array stored in the file at [address, address +
 * size): the array's shape, its columns' types and the referred-to memo entries. Undefined if
 * the pickle is not a C-order list of plain values of an array of `rowsFirst` shape (rows ×
 * columns, or rows): the caller then reads it whole. Throws PickleError as the whole-pickle
 * reader would for a column mixing text, numbers and booleans.
 */
export function scanObjectArrayPickle(fd: number, address: number, size: number, columnNames: string[], windowBytes = WINDOW_BYTES): ObjectArrayScan | undefined {
  const head = new FileWindow(fd, address, size, PRELUDE_BYTES);
  head.fill(Math.min(size, PRELUDE_BYTES));
  const prelude = objectArrayPrelude(head.buf.subarray(0, head.len));
  if (!prelude) return undefined;
  const { shape } = prelude;
  const columns = columnNames.length;
  if (!(shape.length === 1 ? columns === 1 : shape.length === 2 && shape[1] === columns)) return undefined;
  const total = shape.reduce((a, b) => a * b, 1);
  const window = new FileWindow(fd, address + prelude.position, size - prelude.position, windowBytes);

  const memo = new MemoKinds();
  for (const [index, value] of prelude.memo) memo.set(index, kindOf(value));
  let referenced: Uint8Array = new Uint8Array(1024);
  const seen = new Uint8Array(columns); // bit k: kind k seen in the column
  let count = 0;
  let column = 0;
  let inMark = false;
  let lastKind: Kind = OTHER; // memoizing before any element memoizes the list itself
  const w = window;
  for (;;) {
    w.need(1);
    const op = w.buf[w.p++];
    let kind: Kind;
    switch (op) {
      case 0x8c: // SHORT_BINUNICODE
        w.need(1);
        w.p += 1 + w.buf[w.p];
        kind = TEXT;
        break;
      case 0x58: // BINUNICODE
        w.need(4);
        w.p += 4 + w.buf.readUInt32LE(w.p);
        kind = TEXT;
        break;
      case 0x8d: {
        // BINUNICODE8
        w.need(8);
        const n = Number(w.buf.readBigUInt64LE(w.p));
        w.p += 8 + n;
        kind = TEXT;
        break;
      }
      case 0x4e: // NONE
        kind = NULL;
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        kind = BOOL;
        break;
      case 0x47: // BINFLOAT
        w.need(8);
        kind = Number.isNaN(w.buf.readDoubleBE(w.p)) ? NULL : NUMBER;
        w.p += 8;
        break;
      case 0x4b: // BININT1
        w.p += 1;
        kind = NUMBER;
        break;
      case 0x4d: // BININT2
        w.p += 2;
        kind = NUMBER;
        break;
      case 0x4a: // BININT
        w.p += 4;
        kind = NUMBER;
        break;
      case 0x8a: {
        // LONG1: only integers a double holds exactly (larger ones are bigints: declined)
        w.need(1);
        const n = w.buf[w.p];
        w.need(1 + n);
        if (n > 6) return undefined;
        w.p += 1 + n;
        kind = NUMBER;
        break;
      }
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        w.need(op === 0x68 ? 1 : 4);
        const index = op === 0x68 ? w.buf[w.p] : w.buf.readUInt32LE(w.p);
        w.p += op === 0x68 ? 1 : 4;
        kind = memo.get(index);
        referenced = growTo(referenced, (index >> 3) + 1);
        referenced[index >> 3] |= 1 << (index & 7);
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.next, lastKind);
        continue;
      case 0x71: // BINPUT
      case 0x72: {
        // LONG_BINPUT
        w.need(op === 0x71 ? 1 : 4);
        const index = op === 0x71 ? w.buf[w.p] : w.buf.readUInt32LE(w.p);
        w.p += op === 0x71 ? 1 : 4;
        memo.set(index, lastKind);
        continue;
      }
      case 0x28: // MARK
        if (inMark) return undefined; // a container element
        inMark = true;
        continue;
      case 0x65: // APPENDS
        if (!inMark) return undefined;
        inMark = false;
        continue;
      case 0x61: // APPEND
        if (inMark) return undefined;
        continue;
      case 0x95: // FRAME
        w.need(8);
        w.p += 8;
        continue;
      case 0x74: {
        // TUPLE: the end of the elements (closing the array's state); then BUILD and STOP.
        if (inMark || count !== total) return undefined;
        const tail: number[] = [];
        while (tail.length < 2 && w.fill(1)) {
          const next = w.buf[w.p++];
          if (next === 0x95) w.p += 8; // FRAME
          else if (next === 0x71) w.p += 1; // BINPUT (of the state tuple)
          else if (next === 0x72) w.p += 4; // LONG_BINPUT
          else if (next !== 0x94) tail.push(next); // MEMOIZE
        }
        if (tail[0] !== 0x62 || tail[1] !== 0x2e || w.fill(1)) return undefined;
        const types = columnNames.map((name, c) => columnType(seen[c], name));
        return { shape, types, elementsAt: address + prelude.position, preludeMemo: prelude.memo, referenced };
      }
      default:
        return undefined;
    }
    if (kind === OTHER || count === total) return undefined;
    w.need(0);
    lastKind = kind;
    seen[column] |= 1 << kind;
    count++;
    if (++column === columns) column = 0;
  }
}

function columnType(seen: number, name: string): DataType {
  const text = (seen >> TEXT) & 1;
  const number = (seen >> NUMBER) & 1;
  const bool = (seen >> BOOL) & 1;
  if (text + number + bool > 1) throw new PickleError(`column ${JSON.stringify(name)} mixes text, numbers and booleans`);
  return number ? new Float64() : bool ? new Bool() : new Utf8();
}

/** A memo entry kept for a later GET: text as its UTF-8 bytes, or a number, a boolean or None. */
type Kept = Buffer | number | boolean | null;

/**
 * Pass 2: the elements, decoded a slice of rows at a time into Arrow columns of the types pass 1
 * found. Values equal those of decoding the whole pickle with {@link safeUnpickle}: None is
 * null; NaN is null in text and bool columns and NaN in float64 ones; text that is not valid
 * UTF-8 (Python pickles lone surrogates) reads as the whole-pickle reader reads it.
 */
export class ObjectArrayRows {
  private readonly window: FileWindow;
  private readonly kept = new Map<number, Kept>();
  private memoNext: number;
  private readonly columns: number;
  private readonly rows: number;
  private row = 0;
  // The last value read, for the memo opcode that may follow it.
  // (Text is window.buf[window.keep, window.keep + lastLength): the window keeps it.)
  private lastKind: Kind = OTHER;
  private lastLength = 0;
  private lastNumber = 0;

  /** `end`: the file offset where the pickle ends. */
  constructor(
    fd: number,
    private readonly scan: ObjectArrayScan,
    end: number,
    windowBytes = WINDOW_BYTES,
  ) {
    this.window = new FileWindow(fd, scan.elementsAt, end - scan.elementsAt, windowBytes);
    this.columns = scan.types.length;
    this.rows = scan.shape[0];
    this.memoNext = 0;
    for (const [index, value] of scan.preludeMemo) {
      this.memoNext = Math.max(this.memoNext, index + 1);
      if (!this.isReferenced(index)) continue;
      this.kept.set(index, typeof value === 'string' ? Buffer.from(value, 'utf8') : (value as Kept));
    }
  }

  /** The Arrow type of each column. */
  get types(): DataType[] {
    return this.scan.types;
  }

  private isReferenced(index: number): boolean {
    const byte = index >> 3;
    return byte < this.scan.referenced.length && (this.scan.referenced[byte] & (1 << (index & 7))) !== 0;
  }

  /** The next `n` rows, one Data per column. */
  next(n: number): Data[] {
    if (this.row + n > this.rows) throw new Error(`asked for rows ${this.row}…${this.row + n} of an object block of ${this.rows}`);
    const builders = this.scan.types.map((type) => columnBuilder(type, n));
    const isText = this.scan.types.map((type) => type instanceof Utf8);
    const isFloat = this.scan.types.map((type) => type instanceof Float64);
    const columns = this.columns;
    const w = this.window;
    let remaining = n * columns;
    let column = 0;
    while (remaining > 0) {
      w.need(1);
      const op = w.buf[w.p++];
      let kind: Kind;
      switch (op) {
        case 0x8c: {
          w.need(1);
          const len = w.buf[w.p];
          w.need(1 + len);
          this.text(w.p + 1, len);
          kind = TEXT;
          break;
        }
        case 0x58: {
          w.need(4);
          const len = w.buf.readUInt32LE(w.p);
          w.need(4 + len);
          this.text(w.p + 4, len);
          kind = TEXT;
          break;
        }
        case 0x8d: {
          w.need(8);
          const len = Number(w.buf.readBigUInt64LE(w.p));
          w.need(8 + len);
          this.text(w.p + 8, len);
          kind = TEXT;
          break;
        }
        case 0x4e:
          kind = NULL;
          break;
        case 0x88:
        case 0x89:
          kind = BOOL;
          this.lastNumber = op === 0x88 ? 1 : 0;
          break;
        case 0x47:
          w.need(8);
          this.lastNumber = w.buf.readDoubleBE(w.p);
          w.p += 8;
          kind = NUMBER;
          break;
        case 0x4b:
          w.need(1);
          this.lastNumber = w.buf[w.p];
          w.p += 1;
          kind = NUMBER;
          break;
        case 0x4d:
          w.need(2);
          this.lastNumber = w.buf.readUInt16LE(w.p);
          w.p += 2;
          kind = NUMBER;
          break;
        case 0x4a:
          w.need(4);
          this.lastNumber = w.buf.readInt32LE(w.p);
          w.p += 4;
          kind = NUMBER;
          break;
        case 0x8a: {
          w.need(1);
          const len = w.buf[w.p];
          w.need(1 + len);
          this.lastNumber = len === 0 ? 0 : w.buf.readIntLE(w.p + 1, len);
          w.p += 1 + len;
          kind = NUMBER;
          break;
        }
        case 0x68:
        case 0x6a: {
          w.need(op === 0x68 ? 1 : 4);
          const index = op === 0x68 ? w.buf[w.p] : w.buf.readUInt32LE(w.p);
          w.p += op === 0x68 ? 1 : 4;
          const value = this.kept.get(index);
          if (value === undefined) throw new PickleError(`pickle memo ${index} missing`);
          this.push(builders[column], isText[column], isFloat[column], value);
          this.lastKind = OTHER; // a GET is not memoized again
          w.keep = -1;
          remaining--;
          if (++column === columns) column = 0;
          continue;
        }
        case 0x94:
          this.remember(this.memoNext++);
          continue;
        case 0x71:
        case 0x72: {
          w.need(op === 0x71 ? 1 : 4);
          const index = op === 0x71 ? w.buf[w.p] : w.buf.readUInt32LE(w.p);
          w.p += op === 0x71 ? 1 : 4;
          this.memoNext = Math.max(this.memoNext, index + 1);
          this.remember(index);
          continue;
        }
        case 0x28:
        case 0x65:
        case 0x61:
          continue;
        case 0x95:
          w.need(8);
          w.p += 8;
          continue;
        default:
          throw new PickleError(`pickle opcode 0x${op.toString(16)} among the elements of an object array`);
      }
      this.lastKind = kind;
      if (kind !== TEXT) w.keep = -1;
      const builder = builders[column];
      if (kind === TEXT) (builder as Utf8Builder).pushUtf8Range(w.buf, w.keep, w.keep + this.lastLength);
      else if (kind === NULL) builder.push(null);
      else if (kind === NUMBER) builder.push(isFloat[column] ? this.lastNumber : Number.isNaN(this.lastNumber) ? null : this.lastNumber);
      else builder.push(this.lastNumber === 1);
      remaining--;
      if (++column === columns) column = 0;
    }
    this.row += n;
    return builders.map((builder) => builder.finish());
  }

  /** Text of `length` bytes at `start` in the window is the value just read (kept there for a memo opcode). */
  private text(start: number, length: number): void {
    const w = this.window;
    w.keep = start;
    w.p = start + length;
    this.lastLength = length;
  }

  private push(builder: ColumnBuilder, text: boolean, float: boolean, value: Kept): void {
    if (value === null) builder.push(null);
    else if (typeof value === 'number') builder.push(float || !Number.isNaN(value) ? value : null);
    else if (typeof value === 'boolean') builder.push(value);
    else if (text) (builder as Utf8Builder).pushUtf8Range(value, 0, value.length);
    else throw new PickleError('text in a column that holds none');
  }

  /** Memo entry `index` is the last value read: kept if a later GET refers to it. */
  private remember(index: number): void {
    if (!this.isReferenced(index)) return;
    const w = this.window;
    switch (this.lastKind) {
      case TEXT:
        this.kept.set(index, Buffer.from(w.buf.subarray(w.keep, w.keep + this.lastLength)));
        break;
      case NUMBER:
        this.kept.set(index, this.lastNumber);
        break;
      case BOOL:
        this.kept.set(index, this.lastNumber === 1);
        break;
      case NULL:
        this.kept.set(index, null);
        break;
      default:
        throw new PickleError(`pickle memo ${index} refers to something other than a plain value`);
    }
  }
}
