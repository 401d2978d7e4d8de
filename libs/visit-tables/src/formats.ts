/** The file formats of visit tables and how file names and leading bytes map to them. */

/**
 * A file format for tables of visits (mirrors `visitsarch.type.v1.TableFormat`):
 * - `sqlite`: an opsim SQLite database, visits in table `observations`;
 * - `hdf5`: pandas/PyTables HDF5 (written in the "table" layout; "table" and "fixed" read);
 * - `parquet`: Apache Parquet;
 * - `arrow-file`: Arrow IPC file format (Feather V2);
 * - `arrow-stream`: Arrow IPC streaming format;
 * - `csv`: RFC 4180 CSV with a header row, UTF-8 (write only).
 */
export type VisitTableFormat = 'sqlite' | 'hdf5' | 'parquet' | 'arrow-file' | 'arrow-stream' | 'csv';

export const VISIT_TABLE_FORMATS: readonly VisitTableFormat[] = ['sqlite', 'hdf5', 'parquet', 'arrow-file', 'arrow-stream', 'csv'];

/** Raised when a format cannot be recognised or does not support an operation. */
export class VisitTableFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VisitTableFormatError';
  }
}

const EXTENSIONS: ReadonlyArray<[string, VisitTableFormat]> = [
  ['.h5', 'hdf5'],
  ['.hdf5', 'hdf5'],
  ['.hdf', 'hdf5'],
  ['.db', 'sqlite'],
  ['.sqlite', 'sqlite'],
  ['.sqlite3', 'sqlite'],
  ['.db3', 'sqlite'],
  ['.parquet', 'parquet'],
  ['.pq', 'parquet'],
  ['.arrow', 'arrow-file'],
  ['.feather', 'arrow-file'],
  ['.arrows', 'arrow-stream'],
  ['.csv', 'csv'],
];

/** The usual extension for each format (used for default file names such as `visits.h5`). */
export const FORMAT_EXTENSIONS: Readonly<Record<VisitTableFormat, string>> = {
  sqlite: '.db',
  hdf5: '.h5',
  parquet: '.parquet',
  'arrow-file': '.arrow',
  'arrow-stream': '.arrows',
  csv: '.csv',
};

/** Media types, e.g. for HTTP downloads. */
export const FORMAT_MEDIA_TYPES: Readonly<Record<VisitTableFormat, string>> = {
  sqlite: 'application/vnd.sqlite3',
  hdf5: 'application/x-hdf5',
  parquet: 'application/vnd.apache.parquet',
  'arrow-file': 'application/vnd.apache.arrow.file',
  'arrow-stream': 'application/vnd.apache.arrow.stream',
  csv: 'text/csv',
};

/**
 * The format of a file from its name (case-insensitive extension; a URL or path works too):
 * `.h5/.hdf5/.hdf` → hdf5, `.db/.sqlite/.sqlite3/.db3` → sqlite, `.parquet/.pq` → parquet,
 * `.arrow/.feather` → arrow-file, `.arrows` → arrow-stream, `.csv` → csv.
 * Returns undefined for anything else.
 */
export function formatFromFileName(name: string): VisitTableFormat | undefined {
  const base = name.split(/[?#]/)[0].toLowerCase();
  for (const [ext, format] of EXTENSIONS) if (base.endsWith(ext)) return format;
  return undefined;
}

/**
 * The format of a file from its first bytes (16 are enough), for readers that must detect a
 * stored format from the content: HDF5 and SQLite and Parquet and Arrow files have magic
 * numbers; an Arrow IPC stream starts with a continuation marker (0xFFFFFFFF). CSV is never
 * detected. Returns undefined when nothing matches.
 */
export function formatFromMagic(head: Uint8Array): VisitTableFormat | undefined {
  const startsWith = (magic: number[]) => magic.every((b, i) => head[i] === b);
  if (startsWith([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'hdf5';
  if (startsWith([...Buffer.from('SQLite format 3\0', 'latin1')])) return 'sqlite';
  if (startsWith([...Buffer.from('PAR1', 'latin1')])) return 'parquet';
  if (startsWith([...Buffer.from('ARROW1', 'latin1')])) return 'arrow-file';
  if (startsWith([0xff, 0xff, 0xff, 0xff])) return 'arrow-stream';
  return undefined;
}

/** Like {@link formatFromFileName} but throws a {@link VisitTableFormatError} naming the accepted extensions. */
export function requireFormatFromFileName(name: string): VisitTableFormat {
  const format = formatFromFileName(name);
  if (!format) {
    throw new VisitTableFormatError(
      `cannot tell the visit-table format of ${JSON.stringify(name)}: expected one of ${EXTENSIONS.map(([e]) => e).join(', ')}`,
    );
  }
  return format;
}
