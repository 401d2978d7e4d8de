import { DataType, Table } from 'apache-arrow';
import { CliError } from './cli-error';

export type OutputFormat = 'tsv' | 'csv' | 'json' | 'table';
export const OUTPUT_FORMATS: OutputFormat[] = ['tsv', 'csv', 'json', 'table'];

/** The output format: as asked, else `table` on a terminal and TSV for pipes and files. */
export function outputFormat(requested: string | undefined): OutputFormat {
  if (requested === undefined) return process.stdout.isTTY ? 'table' : 'tsv';
  if (!(OUTPUT_FORMATS as string[]).includes(requested)) throw new CliError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(requested)}`, 2);
  return requested as OutputFormat;
}

export type Row = Record<string, unknown>;

/** Rows of an Arrow table with values made printable: ISO dates and times, hex hashes, JSON kept as JSON text. */
export function rowsOfTable(table: Table): { columns: string[]; rows: Row[] } {
  const columns = table.schema.fields.map((field) => field.name);
  const converters = table.schema.fields.map((field) => converterFor(field.type));
  const rows: Row[] = [];
  for (let index = 0; index < table.numRows; index++) {
    const row: Row = {};
    columns.forEach((name, column) => {
      const value = table.getChildAt(column)?.get(index);
      row[name] = value === null || value === undefined ? null : converters[column](value);
    });
    rows.push(row);
  }
  return { columns, rows };
}

function converterFor(type: DataType): (value: unknown) => unknown {
  if (DataType.isDate(type)) return (value) => new Date(Number(value)).toISOString().slice(0, 10);
  // apache-arrow hands timestamps of every unit out as epoch milliseconds.
  if (DataType.isTimestamp(type)) return (value) => new Date(Number(value)).toISOString();
  if (DataType.isBinary(type) || DataType.isFixedSizeBinary(type)) return (value) => Buffer.from(value as Uint8Array).toString('hex');
  if (DataType.isInt(type) && type.bitWidth === 64) return (value) => (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : String(value));
  if (DataType.isList(type) || DataType.isStruct(type)) return (value) => JSON.parse(JSON.stringify((value as { toJSON(): unknown }).toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  return (value) => value;
}

/** Renders rows in the chosen format: TSV/CSV with a header line, JSON (an array of objects), or an aligned table. */
export function renderRows(columns: string[], rows: Row[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  if (format === 'tsv') return [columns, ...cells].map((line) => line.map((cell) => cell.replace(/[\t\n\r]/g, ' ')).join('\t')).join('\n') + '\n';
  if (format === 'csv') return [columns, ...cells].map((line) => line.map(csvQuote).join(',')).join('\r\n') + '\r\n';
  const widths = columns.map((column, index) => Math.min(60, Math.max(column.length, ...cells.map((line) => line[index].length))));
  const fit = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
  const lines = [columns.map((column, index) => fit(column, widths[index])).join('  '), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const line of cells) lines.push(line.map((cell, index) => fit(cell.replace(/\s+/g, ' '), widths[index])).join('  ').trimEnd());
  return `${lines.join('\n')}\n${rows.length} row${rows.length === 1 ? '' : 's'}\n`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvQuote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
