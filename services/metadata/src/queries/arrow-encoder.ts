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

/** The values of column `index` as Arrow data of `type` (the schema's type of the column's kind). */
function columnData(kind: Kind, type: DataType, rows: TextRow[], index: number): Data {
  const length = rows.length;
  const values = rows.map((row) => row[index]);
  switch (kind) {
    case 'utf8':
    case 'binary': {
      const parts = values.map((value) => (value === null ? Buffer.alloc(0) : kind === 'utf8' ? Buffer.from(value, 'utf8') : byteaFromText(value)));
      const valueOffsets = new Int32Array(length + 1);
      parts.forEach((part, i) => (valueOffsets[i + 1] = valueOffsets[i] + part.length));
      const data = new Uint8Array(Buffer.concat(parts));
      return makeData({ type, length, ...validity(rows, index), valueOffsets, data } as any);
    }
    case 'int64':
      return makeData({ type: type as Int64, length, ...validity(rows, index), data: BigInt64Array.from(values, (value) => (value === null ? 0n : BigInt(value))) });
    case 'float64':
      return makeData({ type: type as Float64, length, ...validity(rows, index), data: Float64Array.from(values, (value) => (value === null ? 0 : Number(value))) });
    case 'bool': {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((value, i) => {
        if (value === 't') data[i >> 3] |= 1 << (i & 7);
      });
      return makeData({ type: type as Bool, length, ...validity(rows, index), data });
    }
    case 'date': {
      // 'infinity' and BC dates have no Arrow date32 value: they become null.
      const days = values.map((value) => (value === null ? null : daysFromDateText(value)));
      const nulls = rowsWithNulls(days);
      return makeData({ type: type as DateDay, length, ...validity(nulls, 0), data: Int32Array.from(days, (day) => day ?? 0) });
    }
    case 'timestamp':
    case 'timestamptz': {
      const micros = values.map((value) => (value === null ? null : microsFromTimestampText(value)));
      const nulls = rowsWithNulls(micros);
      return makeData({ type: type as TimestampMicrosecond, length, ...validity(nulls, 0), data: BigInt64Array.from(micros, (micro) => micro ?? 0n) });
    }
  }
}

function rowsWithNulls<T>(values: (T | null)[]): TextRow[] {
  return values.map((value) => [value === null ? null : '']);
}

/** PostgreSQL's hex output of bytea (`\x0a1b…`, the default bytea_output). */
function byteaFromText(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

const DATE_PATTERN = /^(\d{4,})-(\d\d)-(\d\d)$/;

function daysFromDateText(text: string): number | null {
  const match = DATE_PATTERN.exec(text);
  if (!match) return null;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86_400_000;
}

const TIMESTAMP_PATTERN = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** Microseconds since the epoch of an ISO-style timestamp as PostgreSQL prints it (offset included for timestamptz). */
function microsFromTimestampText(text: string): bigint | null {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) : 0;
  return BigInt(ms) * 1000n + BigInt((fraction ?? '').padEnd(6, '0')) - BigInt(offset) * 1_000_000n;
}
