import {
  Binary,
  Bool,
  Data,
  DataType,
  DateDay,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
} from 'apache-arrow';
import { ArrowChunk, ArrowChunkEncoder, TARGET_CHUNK_BYTES } from '@visitsarch/arrow-ipc';

/** A result column as PostgreSQL describes it. */
export interface ResultColumn {
  name: string;
  dataTypeID: number;
}

/** One message's worth of the Arrow IPC stream: whole encapsulated messages and the rows they hold. */
export type IpcChunk = ArrowChunk;

/** A row of PostgreSQL text values (null for SQL NULL). */
export type TextRow = (string | null)[];

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

type Kind = 'utf8' | 'binary' | 'int64' | 'float64' | 'bool' | 'date' | 'timestamp' | 'timestamptz';

/** The SQL → Arrow mapping of proto/README.md; every other type travels as PostgreSQL's text output. */
function kindOf(oid: number): Kind {
  switch (oid) {
    case OID.bytea:
      return 'binary';
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return 'int64';
    case OID.float4:
    case OID.float8:
    case OID.numeric:
      return 'float64';
    case OID.bool:
      return 'bool';
    case OID.date:
      return 'date';
    case OID.timestamp:
      return 'timestamp';
    case OID.timestamptz:
      return 'timestamptz';
    default:
      return 'utf8'; // uuid, json, jsonb, text, and anything else
  }
}

/** The Arrow type of each kind: the schema's, which the column data is made with. */
const ARROW_TYPES: Record<Kind, () => DataType> = {
  utf8: () => new Utf8(),
  binary: () => new Binary(),
  int64: () => new Int64(),
  float64: () => new Float64(),
  bool: () => new Bool(),
  date: () => new DateDay(),
  timestamp: () => new TimestampMicrosecond(),
  timestamptz: () => new TimestampMicrosecond('UTC'),
};

/**
 * Turns rows of PostgreSQL text values into one Arrow IPC stream, framed by @visitsarch/arrow-ipc
 * (schema first, chunks of about 1 MiB, end-of-stream marker last; also for an empty result).
 * Rows are gathered until their text is about TARGET_CHUNK_BYTES, then made into one record
 * batch, which the framing slices if its buffers are larger. Values are parsed from text because
 * the Query role's connections return text, with the session at UTC and DateStyle ISO, so the
 * formats below are the only ones that occur.
 */
export class ArrowStreamEncoder {
  private readonly kinds: Kind[];
  private readonly schema: Schema;
  private readonly chunks: ArrowChunkEncoder;
  private pending: TextRow[] = [];
  private pendingBytes = 0;

  constructor(columns: ResultColumn[]) {
    this.kinds = columns.map((column) => kindOf(column.dataTypeID));
    this.schema = new Schema(columns.map((column, index) => new Field(column.name, ARROW_TYPES[this.kinds[index]](), true)));
    this.chunks = new ArrowChunkEncoder(this.schema);
  }

  /** Adds rows; returns the chunks that are ready. */
  add(rows: TextRow[]): IpcChunk[] {
    const chunks: IpcChunk[] = [];
    for (const row of rows) {
      this.pending.push(row);
      this.pendingBytes += row.reduce((sum, value) => sum + 8 + (value === null ? 0 : value.length), 0);
      if (this.pendingBytes >= TARGET_CHUNK_BYTES) chunks.push(...this.flush());
    }
    return chunks;
  }

  /** The remaining rows (or the bare schema for an empty result), ended by the end-of-stream marker. */
  finish(): IpcChunk[] {
    return [...this.flush(), this.chunks.finish()];
  }

  private flush(): IpcChunk[] {
    const rows = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (rows.length === 0) return [];
    const children = this.kinds.map((kind, index) => columnData(kind, this.schema.fields[index].type, rows, index));
    const data = makeData({ type: new Struct(this.schema.fields), length: rows.length, nullCount: 0, children });
    return this.chunks.add(new RecordBatch(this.schema, data));
  }
}

function validity(rows: TextRow[], index: number): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(rows.length / 8));
  let nullCount = 0;
  rows.forEach((row, i) => {
    if (row[index] === null) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/**
 * The values of column `index` as Arrow data of `type` (the schema's type of the column's kind).
 * Each column is built in place, in one buffer of its own, without a Buffer or a BigInt per value
 * where that can be helped: QueryNight's thousand rows are encoded on every call (issue #19).
 */
function columnData(kind: Kind, type: DataType, rows: TextRow[], index: number): Data {
  const length = rows.length;
  switch (kind) {
    case 'utf8': {
      // One encoding of the column's text: offsets counted in characters are byte offsets when all of it is ASCII.
      const valueOffsets = new Int32Array(length + 1);
      let text = '';
      for (let i = 0; i < length; i++) {
        const value = rows[i][index];
        if (value !== null) text += value;
        valueOffsets[i + 1] = text.length;
      }
      const data = Buffer.from(text, 'utf8');
      if (data.length !== text.length) {
        for (let i = 0; i < length; i++) {
          const value = rows[i][index];
          valueOffsets[i + 1] = valueOffsets[i] + (value === null ? 0 : Buffer.byteLength(value, 'utf8'));
        }
      }
      return makeData({ type, length, ...validity(rows, index), valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, data.length) } as any);
    }
    case 'binary': {
      const parts = rows.map((row) => (row[index] === null ? Buffer.alloc(0) : byteaFromText(row[index] as string)));
      const valueOffsets = new Int32Array(length + 1);
      parts.forEach((part, i) => (valueOffsets[i + 1] = valueOffsets[i] + part.length));
      const data = new Uint8Array(Buffer.concat(parts));
      return makeData({ type, length, ...validity(rows, index), valueOffsets, data } as any);
    }
    case 'int64':
      return makeData({ type: type as Int64, length, ...validity(rows, index), data: BigInt64Array.from(rows, (row) => (row[index] === null ? 0n : BigInt(row[index] as string))) });
    case 'float64':
      return makeData({ type: type as Float64, length, ...validity(rows, index), data: Float64Array.from(rows, (row) => (row[index] === null ? 0 : Number(row[index]))) });
    case 'bool': {
      const data = new Uint8Array(Math.ceil(length / 8));
      for (let i = 0; i < length; i++) if (rows[i][index] === 't') data[i >> 3] |= 1 << (i & 7);
      return makeData({ type: type as Bool, length, ...validity(rows, index), data });
    }
    case 'date': {
      // 'infinity' and BC dates have no Arrow date32 value: they become null. A night's rows share few dates: each is parsed once.
      const data = new Int32Array(length);
      const nullBitmap = new Uint8Array(Math.ceil(length / 8));
      const parsed = new Map<string, number | null>();
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        const value = rows[i][index];
        let day: number | null | undefined = null;
        if (value !== null) {
          day = parsed.get(value);
          if (day === undefined) parsed.set(value, (day = daysFromDateText(value)));
        }
        if (day === null) nullCount++;
        else {
          data[i] = day;
          nullBitmap[i >> 3] |= 1 << (i & 7);
        }
      }
      return makeData({ type: type as DateDay, length, nullBitmap, nullCount, data });
    }
    case 'timestamp':
    case 'timestamptz': {
      const data = new BigInt64Array(length);
      const nullBitmap = new Uint8Array(Math.ceil(length / 8));
      let nullCount = 0;
      for (let i = 0; i < length; i++) {
        const value = rows[i][index];
        const micros = value === null ? null : microsFromTimestampText(value);
        if (micros === null) nullCount++;
        else {
          data[i] = micros;
          nullBitmap[i >> 3] |= 1 << (i & 7);
        }
      }
      return makeData({ type: type as TimestampMicrosecond, length, nullBitmap, nullCount, data });
    }
  }
}

/** PostgreSQL's hex output of bytea (`\x0a1b…`, the default bytea_output). */
function byteaFromText(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar, any year (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The number of the `count` decimal digits of `text` from `at`, or -1 if one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The `YYYY-MM-DD` at the start of `text` (PostgreSQL's ISO output of a year of four digits), as
 * days since the epoch; undefined for anything else (a longer year, a BC date, infinity).
 */
function isoDatePrefix(text: string): number | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined; // '-'
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return daysFromCivil(year, month, day);
}

const DATE_PATTERN = /^(\d{4,})-(\d\d)-(\d\d)$/;

function daysFromDateText(text: string): number | null {
  if (text.length === 10) {
    const days = isoDatePrefix(text);
    if (days !== undefined) return days;
  }
  const match = DATE_PATTERN.exec(text);
  if (!match) return null;
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
}

const TIMESTAMP_PATTERN = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** Microseconds since the epoch of an ISO-style timestamp as PostgreSQL prints it (offset included for timestamptz). */
function microsFromTimestampText(text: string): bigint | null {
  const fast = isoTimestampMicros(text);
  if (fast !== undefined) return BigInt(fast);
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  const seconds = daysFromCivil(Number(year), Number(month), Number(day)) * 86_400 + Number(hour) * 3600 + Number(minute) * 60 + Number(second);
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) : 0;
  return BigInt(seconds - offset) * 1_000_000n + BigInt((fraction ?? '').padEnd(6, '0'));
}

/**
 * The common case of microsFromTimestampText without a regular expression: `YYYY-MM-DD HH:MM:SS`,
 * an optional fraction, an optional `±HH[:MM[:SS]]` offset, and a value a double holds exactly;
 * undefined for anything else, which the pattern then reads.
 */
function isoTimestampMicros(text: string): number | undefined {
  if (text.length < 19 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined; // ' ', ':', ':'
  const days = isoDatePrefix(text);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (days === undefined || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let fraction = 0;
  if (text.charCodeAt(at) === 46) {
    // '.' and 1 to 6 digits
    let scale = 100_000;
    for (at++; at < text.length && at < 26; at++, scale /= 10) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) break;
      fraction += digit * scale;
    }
    if (at === 20) return undefined;
  }
  let offset = 0;
  const sign = text.charCodeAt(at);
  if (sign === 43 || sign === 45) {
    // '+' or '-', then HH, :MM, :SS
    const parts = [0, 0, 0];
    let part = 0;
    for (at++; part < 3; part++) {
      if (part > 0) {
        if (at === text.length) break;
        if (text.charCodeAt(at) !== 58) return undefined;
        at++;
      }
      parts[part] = digits(text, at, 2);
      if (parts[part] < 0) return undefined;
      at += 2;
    }
    offset = (sign === 45 ? -1 : 1) * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  }
  if (at !== text.length) return undefined;
  const micros = (days * 86_400 + hour * 3600 + minute * 60 + second - offset) * 1_000_000 + fraction;
  return Number.isSafeInteger(micros) ? micros : undefined;
}
