/**
 * A safe decoder for the subset of Python pickles found in pandas/PyTables HDF5 files, and an
 * encoder for the protocol-0 pickles PyTables stores in attributes.
 *
 * Decoding never executes anything: it is a stack machine over data opcodes (None, bools,
 * ints, floats, str, bytes, tuples, lists, dicts, memo) plus exactly three "globals", each
 * replaced by a data-only stand-in: `numpy._core.multiarray._reconstruct` (also under its
 * numpy 1.x name `numpy.core.multiarray._reconstruct`), `numpy.ndarray` and `numpy.dtype`.
 * REDUCE is accepted only for `_reconstruct(numpy.ndarray, (0,), b'b')` and `dtype('O8', …)`,
 * BUILD only to fill such an array or dtype, and the array must be an object array (`|O`)
 * whose elements are themselves plain data. Any other opcode or global raises PickleError.
 */

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A Python tuple (kept apart from lists so callers can tell them apart). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A decoded numpy object array: its shape, Fortran flag and elements in C (row-major) order. */
export class NumpyObjectArray {
  shape: number[] = [];
  fortran = false;
  items: PyValue[] = [];
}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | Map<PyValue, PyValue> | NumpyObjectArray;

class Global {
  constructor(readonly name: string) {}
}
class NumpyDtype {
  constructor(readonly descr: string) {}
}
class PendingArray extends NumpyObjectArray {}

const ALLOWED_GLOBALS = new Set([
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
]);

const MARK = Symbol('mark');
type StackItem = PyValue | Global | NumpyDtype | typeof MARK;

/** Decodes a pickle made only of plain data and numpy object arrays (see the module comment). */
export function safeUnpickle(input: Uint8Array): PyValue {
  return unpickle(input, false) as PyValue;
}

/**
 * Where the elements of a pickled numpy object array begin: what {@link safeUnpickle} knows
 * once it has read everything before the array's list of elements (the array's shape and
 * Fortran flag, the memo so far) and the position just after that list's EMPTY_LIST. The
 * elements that follow can then be decoded piece by piece (pickle-stream.ts).
 */
export interface ObjectArrayPrelude {
  shape: number[];
  fortran: boolean;
  /** Offset in the input of the first opcode after the elements' EMPTY_LIST. */
  position: number;
  /** The memo so far (index → value; the globals and the dtype are not plain data: undefined). */
  memo: Map<number, PyValue | undefined>;
}

/**
 * Reads the start of a pickle written by `pickle.dumps(numpy_object_array)` up to the
 * beginning of its list of elements. Undefined if the pickle is not laid out that way (or that
 * point is beyond `input`, a prefix of the pickle); throws PickleError for what
 * {@link safeUnpickle} refuses.
 */
export function objectArrayPrelude(input: Uint8Array): ObjectArrayPrelude | undefined {
  try {
    const prelude = unpickle(input, true);
    return prelude instanceof PreludeFound ? prelude.prelude : undefined;
  } catch (error) {
    if (error instanceof PickleError && error.message === 'truncated pickle') return undefined;
    throw error;
  }
}

class PreludeFound {
  constructor(readonly prelude: ObjectArrayPrelude) {}
}

function unpickle(input: Uint8Array, stopAtElements: boolean): PyValue | PreludeFound {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, StackItem>();
  let p = 0;

  const need = (n: number) => {
    if (p + n > bytes.length) throw new PickleError('truncated pickle');
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw new PickleError('truncated pickle');
    const line = bytes.toString('latin1', p, end);
    p = end + 1;
    return line;
  };
  const popMark = (): StackItem[] => {
    for (let k = stack.length - 1; k >= 0; k--) {
      if (stack[k] === MARK) {
        const items = stack.splice(k);
        items.shift();
        return items;
      }
    }
    throw new PickleError('pickle MARK missing');
  };
  const top = (): StackItem => {
    if (stack.length === 0) throw new PickleError('pickle stack underflow');
    return stack[stack.length - 1];
  };
  const pop = (): StackItem => {
    const v = top();
    stack.pop();
    return v;
  };
  const data = (v: StackItem): PyValue => {
    if (v === MARK || v instanceof Global || v instanceof NumpyDtype) throw new PickleError('unexpected non-data value in pickle');
    if (v instanceof PendingArray) throw new PickleError('numpy array used before it was built');
    return v;
  };
  const str = (start: number, end: number) => bytes.toString('utf8', start, end);

  while (p < bytes.length) {
    const op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        if (bytes[p++] > 5) throw new PickleError('unsupported pickle protocol');
        break;
      case 0x95: // FRAME (length is advisory)
        need(8);
        p += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleError('malformed pickle (stack at STOP)');
        if (stopAtElements) return null; // a pickle of something else
        return data(stack[0]);
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(bytes[p]);
        p += 1;
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(bytes.readUInt16LE(p));
        p += 2;
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(bytes.readInt32LE(p));
        p += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        need(1);
        const n = bytes[p++];
        need(n);
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[p + k]);
        if (n > 0 && bytes[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x49: {
        // INT (protocol 0): also I00/I01 for False/True
        const line = readLine();
        if (line === '00' || line === '01') stack.push(line === '01');
        else if (/^-?\d+$/.test(line)) stack.push(Number.isSafeInteger(Number(line)) ? Number(line) : BigInt(line));
        else throw new PickleError('bad INT in pickle');
        break;
      }
      case 0x4c: {
        // LONG (protocol 0)
        const line = readLine().replace(/L$/, '');
        if (!/^-?\d+$/.test(line)) throw new PickleError('bad LONG in pickle');
        stack.push(Number.isSafeInteger(Number(line)) ? Number(line) : BigInt(line));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(bytes.readDoubleBE(p));
        p += 8;
        break;
      case 0x46: {
        // FLOAT (protocol 0)
        const line = readLine();
        const v = Number(line === 'nan' ? NaN : line === 'inf' ? Infinity : line === '-inf' ? -Infinity : line);
        if (Number.isNaN(v) && line !== 'nan') throw new PickleError('bad FLOAT in pickle');
        stack.push(v);
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        need(1);
        const n = bytes[p++];
        need(n);
        stack.push(str(p, p + n));
        p += n;
        break;
      }
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = bytes.readUInt32LE(p);
        p += 4;
        need(n);
        stack.push(str(p, p + n));
        p += n;
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = Number(bytes.readBigUInt64LE(p));
        p += 8;
        need(n);
        stack.push(str(p, p + n));
        p += n;
        break;
      }
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        stack.push(rawUnicodeUnescape(readLine()));
        break;
      case 0x43: {
        // SHORT_BINBYTES
        need(1);
        const n = bytes[p++];
        need(n);
        stack.push(new Uint8Array(bytes.subarray(p, p + n)));
        p += n;
        break;
      }
      case 0x42: {
        // BINBYTES
        need(4);
        const n = bytes.readUInt32LE(p);
        p += 4;
        need(n);
        stack.push(new Uint8Array(bytes.subarray(p, p + n)));
        p += n;
        break;
      }
      case 0x5d: // EMPTY_LIST
        if (stopAtElements) {
          // The elements of a numpy array: the fifth item of its state tuple, after
          // (version, shape, dtype, fortran), the array being just below the tuple's MARK.
          const n = stack.length;
          const [array, mark, , shape, dtype, fortran] = stack.slice(n - 6);
          if (n >= 6 && array instanceof PendingArray && mark === MARK && shape instanceof PyTuple && dtype instanceof NumpyDtype && typeof fortran === 'boolean') {
            if (!shape.items.every((d) => typeof d === 'number')) throw new PickleError('bad numpy array shape');
            const plain = new Map<number, PyValue | undefined>();
            for (const [k, v] of memo) plain.set(k, v === MARK || v instanceof Global || v instanceof NumpyDtype || v instanceof PendingArray ? undefined : v);
            return new PreludeFound({ shape: shape.items as number[], fortran, position: p, memo: plain });
          }
        }
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark().map(data));
        break;
      case 0x61: {
        // APPEND
        const item = data(pop());
        const list = top();
        if (!Array.isArray(list)) throw new PickleError('APPEND to a non-list');
        list.push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark().map(data);
        const list = top();
        if (!Array.isArray(list)) throw new PickleError('APPENDS to a non-list');
        for (const item of items) list.push(item);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(tupleOf(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(tupleOf([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(tupleOf([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tupleOf([pop(), b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark().map(data);
        const map = new Map<PyValue, PyValue>();
        for (let k = 0; k + 1 < items.length; k += 2) map.set(items[k], items[k + 1]);
        stack.push(map);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = data(pop());
        const key = data(pop());
        const map = top();
        if (!(map instanceof Map)) throw new PickleError('SETITEM on a non-dict');
        map.set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark().map(data);
        const map = top();
        if (!(map instanceof Map)) throw new PickleError('SETITEMS on a non-dict');
        for (let k = 0; k + 1 < items.length; k += 2) map.set(items[k], items[k + 1]);
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT
        memo.set(Number(readLine()), top());
        break;
      case 0x71: // BINPUT
        need(1);
        memo.set(bytes[p++], top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(bytes.readUInt32LE(p), top());
        p += 4;
        break;
      case 0x67: // GET
        stack.push(memoGet(memo, Number(readLine())));
        break;
      case 0x68: // BINGET
        need(1);
        stack.push(memoGet(memo, bytes[p++]));
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        stack.push(memoGet(memo, bytes.readUInt32LE(p)));
        p += 4;
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('bad STACK_GLOBAL');
        stack.push(allowedGlobal(`${module}.${name}`));
        break;
      }
      case 0x63: {
        // GLOBAL (protocol 0-3)
        const module = readLine();
        const name = readLine();
        stack.push(allowedGlobal(`${module}.${name}`));
        break;
      }
      case 0x52: {
        // REDUCE: only the numpy reconstructors
        const args = pop();
        const callable = pop();
        if (!(callable instanceof Global) || !(args instanceof PyTuple)) throw new PickleError('REDUCE of something other than an allowed numpy global');
        if (callable.name.endsWith('._reconstruct')) {
          const [cls] = args.items as unknown as StackItem[];
          if (!(cls instanceof Global) || cls.name !== 'numpy.ndarray') throw new PickleError('_reconstruct of something other than numpy.ndarray');
          stack.push(new PendingArray());
        } else if (callable.name === 'numpy.dtype') {
          const [descr] = args.items;
          if (typeof descr !== 'string') throw new PickleError('bad numpy.dtype arguments');
          stack.push(new NumpyDtype(descr) as unknown as PyValue);
        } else throw new PickleError(`REDUCE of ${callable.name} is not allowed`);
        break;
      }
      case 0x62: {
        // BUILD: set the state of a numpy dtype or array stand-in
        const state = pop();
        const target = top();
        if (target instanceof NumpyDtype) {
          if (target.descr !== 'O8' && target.descr !== 'O4') throw new PickleError(`numpy arrays of dtype ${target.descr} are not supported (object arrays only)`);
          break;
        }
        if (!(target instanceof PendingArray) || !(state instanceof PyTuple)) throw new PickleError('BUILD of something other than a numpy array');
        const [, shape, dtype, fortran, items] = state.items as unknown as StackItem[];
        if (!(dtype instanceof NumpyDtype)) throw new PickleError('numpy array without a dtype');
        if (!(shape instanceof PyTuple) || !shape.items.every((n) => typeof n === 'number')) throw new PickleError('bad numpy array shape');
        if (!Array.isArray(items)) throw new PickleError('numpy array data must be a list of objects');
        const array = new NumpyObjectArray();
        array.shape = shape.items as number[];
        array.fortran = fortran === true;
        array.items = items as PyValue[];
        if (array.items.length !== array.shape.reduce((a, b) => a * b, 1)) throw new PickleError('numpy array size does not match its shape');
        stack[stack.length - 1] = array;
        break;
      }
      default:
        throw new PickleError(`pickle opcode 0x${op.toString(16)} (${JSON.stringify(String.fromCharCode(op))}) is not allowed`);
    }
  }
  throw new PickleError('pickle without STOP');
}

function tupleOf(items: StackItem[]): PyTuple {
  // Tuples may hold stand-ins (the numpy reconstruct arguments), checked where used.
  if (items.some((v) => v === MARK)) throw new PickleError('MARK inside a tuple');
  return new PyTuple(items as PyValue[]);
}

function memoGet(memo: Map<number, StackItem>, key: number): StackItem {
  if (!memo.has(key)) throw new PickleError(`pickle memo ${key} missing`);
  return memo.get(key)!;
}

function allowedGlobal(name: string): Global {
  if (!ALLOWED_GLOBALS.has(name)) throw new PickleError(`pickle global ${name} is not allowed`);
  return new Global(name);
}

function rawUnicodeUnescape(text: string): string {
  // Bytes were read as latin-1, which is what raw-unicode-escape means outside \u escapes.
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4, u8) => String.fromCodePoint(parseInt(u4 ?? u8, 16)));
}

/** Values the protocol-0 encoder writes: what PyTables attributes of pandas tables hold. */
export type PicklableValue = null | boolean | number | string | PicklableValue[] | { tuple: PicklableValue[] } | Map<PicklableValue, PicklableValue>;

/**
 * Encodes a value as a protocol-0 pickle in pure ASCII, as PyTables stores non-numpy
 * attributes (pandas' `index_cols`, `non_index_axes`, `values_block_0_kind`, …).
 */
export function pickleProtocol0(value: PicklableValue): string {
  const out: string[] = [];
  const emit = (v: PicklableValue): void => {
    if (v === null) out.push('N');
    else if (typeof v === 'boolean') out.push(v ? 'I01\n' : 'I00\n');
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new Error('pickleProtocol0 writes integers only');
      out.push(`I${v}\n`);
    } else if (typeof v === 'string') out.push(`V${rawUnicodeEscapeAscii(v)}\n`);
    else if (Array.isArray(v)) {
      out.push('(l');
      for (const item of v) {
        emit(item);
        out.push('a');
      }
    } else if (v instanceof Map) {
      out.push('(d');
      for (const [k, item] of v) {
        emit(k);
        emit(item);
        out.push('s');
      }
    } else {
      out.push('(');
      v.tuple.forEach(emit);
      out.push('t');
    }
  };
  emit(value);
  return out.join('') + '.';
}

function rawUnicodeEscapeAscii(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f && ch !== '\\') out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out;
}

/**
 * Streams the pickle of a numpy object array of text and None, as PyTables stores an object
 * block of pandas' "fixed" layout (`pickle.dumps(array, protocol)` of the block's values):
 * `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')`, then BUILD with
 * `(1, shape, dtype('O8'), False, [values in C order])` — exactly the subset {@link safeUnpickle}
 * reads. Protocol 4 opcodes without framing (framing is optional for unpicklers).
 *
 * `numpy.core.multiarray` rather than numpy 2's `numpy._core.multiarray`: numpy 1 cannot load
 * the latter, and numpy 2 loads the former silently.
 *
 * Repeated text values are written once and then referred to through the pickle memo (as
 * Python does for repeated objects), which keeps repetitive columns such as `band` small; the
 * memo keeps at most `memoLimit` distinct values.
 */
export class NumpyObjectArrayPickler {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  private total = 0;
  private memo = new ByteMemo();
  private inBatch = 0;
  private pushed = 0;
  private readonly expected: number;

  constructor(
    readonly shape: number[],
    private readonly memoLimit = 1 << 20,
  ) {
    this.expected = shape.reduce((a, b) => a * b, 1);
    const global = (module: string, name: string) => this.raw(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
    this.byte(0x80, 4); // PROTO 4
    global('numpy.core.multiarray', '_reconstruct');
    global('numpy', 'ndarray');
    this.byte(0x4b, 0, 0x85); // (0,)
    this.byte(0x43, 1, 0x62); // b'b'
    this.byte(0x87, 0x52); // TUPLE3, REDUCE
    this.byte(0x28); // MARK: the state tuple
    this.int(1);
    this.byte(0x28);
    for (const n of shape) this.int(n);
    this.byte(0x74); // TUPLE: the shape
    global('numpy', 'dtype');
    this.shortText('O8');
    this.byte(0x89, 0x88, 0x87, 0x52); // (False, True), REDUCE
    this.byte(0x28); // the dtype's state: (3, '|', None, None, None, -1, -1, 63)
    this.int(3);
    this.shortText('|');
    this.byte(0x4e, 0x4e, 0x4e);
    this.int(-1);
    this.int(-1);
    this.int(63);
    this.byte(0x74, 0x62); // TUPLE, BUILD
    this.byte(0x89); // not Fortran order
    this.byte(0x5d); // EMPTY_LIST, filled by APPENDS batches of 1000 as Python writes them
  }

  /** Appends a text value given as UTF-8 bytes. */
  pushUtf8(bytes: Uint8Array, start: number, end: number): void {
    this.item();
    const n = end - start;
    const literal = (n < 256 ? 2 : 5) + n;
    const hash = n > 3 ? ByteMemo.hash(bytes, start, end) : 0;
    const found = n > 3 ? this.memo.find(bytes, start, end, hash) : -1;
    const known = found >= 0 ? found : undefined;
    if (known !== undefined && (known < 256 ? 2 : 5) < literal) {
      if (known < 256) this.byte2(0x68, known); // BINGET
      else this.byte(0x6a, known & 0xff, (known >>> 8) & 0xff, (known >>> 16) & 0xff, known >>> 24); // LONG_BINGET
      return;
    }
    if (n < 256) this.byte2(0x8c, n); // SHORT_BINUNICODE
    else this.byte(0x58, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24); // BINUNICODE
    this.rawRange(bytes, start, end);
    if (n > 3 && known === undefined && this.memo.size < this.memoLimit) {
      this.byte1(0x94); // MEMOIZE: the next memo index
      this.memo.add(bytes, start, end, hash);
    }
  }

  /** Appends None (a null value). */
  pushNone(): void {
    this.item();
    this.byte1(0x4e);
  }

  /** Bytes completed so far (handed out once). */
  take(): Buffer[] {
    this.flush();
    const out = this.chunks;
    this.chunks = [];
    return out;
  }

  /** Closes the pickle; returns the remaining bytes. */
  finish(): Buffer[] {
    if (this.pushed !== this.expected) throw new Error(`pickled ${this.pushed} values for an array of ${this.expected}`);
    if (this.inBatch > 0) this.byte(0x65); // APPENDS
    this.byte(0x74, 0x62, 0x2e); // TUPLE (the state), BUILD, STOP
    return this.take();
  }

  /** Total bytes of the pickle so far. */
  get length(): number {
    return this.total;
  }

  /** Opens the next value: batches of 1000 values between MARK and APPENDS. */
  private item(): void {
    if (this.inBatch === 1000) {
      this.byte1(0x65); // APPENDS
      this.inBatch = 0;
    }
    if (this.inBatch++ === 0) this.byte1(0x28); // MARK
    this.pushed++;
  }

  private int(v: number): void {
    if (v >= 0 && v < 256) this.byte(0x4b, v); // BININT1
    else if (v >= -0x80000000 && v <= 0x7fffffff) this.byte(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff); // BININT
    else {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(v));
      this.byte(0x8a, 8); // LONG1
      this.raw(b);
    }
  }

  private shortText(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.byte(0x8c, bytes.length);
    this.raw(bytes);
  }

  // One and two bytes without an array per call (once or twice per value).
  private byte1(a: number): void {
    if (this.pos + 1 > this.buf.length) this.ensure(1);
    this.buf[this.pos++] = a;
    this.total += 1;
  }

  private byte2(a: number, b: number): void {
    if (this.pos + 2 > this.buf.length) this.ensure(2);
    this.buf[this.pos++] = a;
    this.buf[this.pos++] = b;
    this.total += 2;
  }

  private byte(...values: number[]): void {
    this.ensure(values.length);
    for (const v of values) this.buf[this.pos++] = v;
    this.total += values.length;
  }

  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    if (bytes.length > this.buf.length) {
      this.chunks.push(Buffer.from(bytes));
    } else {
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    }
    this.total += bytes.length;
  }

  /** Like raw(bytes.subarray(start, end)), without a view per value for short text. */
  private rawRange(bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > 64 || this.pos + n > this.buf.length) {
      this.raw(bytes.subarray(start, end));
      return;
    }
    const buf = this.buf;
    for (let k = 0, at = this.pos; k < n; k++) buf[at + k] = bytes[start + k];
    this.pos += n;
    this.total += n;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length && n <= 1 << 20) this.buf = Buffer.allocUnsafe(1 << 20);
  }
}

/**
 * The pickler's memo of text values: byte strings → memo indices (0, 1, 2, … in the order
 * added). Keys are kept in one growing arena and found through an open-addressing hash table,
 * so that looking a value up costs no JS string and no object per value.
 */
class ByteMemo {
  size = 0;
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private starts = new Float64Array(1024);
  private table = new Int32Array(2048); // memo index + 1; 0: empty
  private hashes = new Int32Array(1024);

  /** FNV-1a over the bytes. */
  static hash(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    return h | 0;
  }

  /** The memo index of these bytes, or −1. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const mask = this.table.length - 1;
    const n = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot];
      if (entry === 0) return -1;
      const index = entry - 1;
      if (this.hashes[index] !== hash) continue;
      const at = this.starts[index];
      if (this.starts[index + 1] - at !== n) continue;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (this.arena[at + k] !== bytes[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return index;
    }
  }

  /** Adds bytes not in the memo yet; returns their index. */
  add(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const n = end - start;
    if (this.used + n > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.used + n));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    for (let k = 0; k < n; k++) this.arena[this.used + k] = bytes[start + k];
    const index = this.size++;
    if (index + 2 > this.starts.length) {
      const starts = new Float64Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.starts[index] = this.used;
    this.used += n;
    this.starts[index + 1] = this.used;
    this.hashes[index] = hash;
    if (this.size * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(index);
    return index;
  }

  private place(index: number): void {
    const mask = this.table.length - 1;
    let slot = this.hashes[index] & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = index + 1;
  }

  private rehash(slots: number): void {
    this.table = new Int32Array(slots);
    for (let index = 0; index < this.size; index++) this.place(index);
  }
}
