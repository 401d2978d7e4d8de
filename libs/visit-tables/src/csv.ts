/**
 * CSV output (RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma,
 * quote, CR or LF; UTF-8). Numbers are written in JavaScript's shortest round-trip form, so
 * floats read back exactly; booleans as `True`/`False` (pandas' spelling); nulls and NaN as
 * empty fields, empty text as `""`. Write only: CSV carries no types.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { RecordBatch, Type } from 'apache-arrow';
import { VisitTableSource, openSource } from './source';
import { boolAt, isTextType, isValidAt, textAt, utf8Rows } from './arrow-columns';

function quote(text: string): string {
  return /[",\r\n]/.test(text) || text === '' || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatter(batch: RecordBatch, c: number): (i: number) => string {
  const vector = batch.getChildAt(c)!;
  const data = vector.data[0];
  if (vector.data.length !== 1) return (i) => formatValue(vector.get(i));
  if (isTextType(data.type)) {
    const rows = utf8Rows(data);
    const decoder = new TextDecoder();
    return (i) => {
      const text = textAt(rows, data, i, decoder);
      return text === null ? '' : quote(text);
    };
  }
  if (data.type.typeId === Type.Bool) return (i) => (isValidAt(data, i) ? (boolAt(data, i) ? 'True' : 'False') : '');
  if (data.type.typeId === Type.Int || data.type.typeId === Type.Float) {
    const values = data.values as ArrayLike<number | bigint>;
    const half = (data.type as any).precision === 0;
    return (i) => (isValidAt(data, i) ? formatValue(half ? vector.get(i) : values[i]) : '');
  }
  return (i) => formatValue(vector.get(i));
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Date) return value.toISOString();
  return quote(String(value));
}

/** Encodes a table as CSV bytes, one chunk per batch slice of at most 8192 rows. */
export async function* encodeCsv(source: VisitTableSource): AsyncGenerator<Uint8Array> {
  const stream = await openSource(source);
  yield Buffer.from(stream.schema.fields.map((f) => quote(f.name)).join(',') + '\r\n', 'utf8');
  for await (const batch of stream) {
    const formats = stream.schema.fields.map((_, c) => formatter(batch, c));
    for (let start = 0; start < batch.numRows; start += 8192) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(batch.numRows, start + 8192); i++) lines.push(formats.map((f) => f(i)).join(','));
      yield Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
    }
  }
}

/** Writes a table to a CSV file. */
export async function writeCsv(path: string, source: VisitTableSource): Promise<void> {
  await pipeline(Readable.from(encodeCsv(source)), createWriteStream(path));
}
