/**
 * opsim SQLite databases: visits in a table (default `observations`) as pandas `to_sql`
 * writes them (INTEGER, REAL, TEXT columns, no index or key), which is what rubin_scheduler's
 * SchemaConverter writes and what `rubin_sim.maf.get_sim_data` reads.
 *
 * Reading keeps the file's own columns and order (older opsim schemas included). SQLite is
 * dynamically typed, so each column's Arrow type comes from the storage classes actually
 * present (one aggregate query): only integers → Int64 (Bool if declared BOOLEAN), integers
 * and reals → Float64, any text → Utf8 (numbers in a text column become their text), blobs
 * are refused; an all-NULL column falls back to its declared type's affinity. Reading costs
 * that scan plus the rows (about 80 k rows/s for the 47 opsim columns on our machines).
 */
import Database from 'better-sqlite3';
import { existsSync, unlinkSync } from 'node:fs';
import { Bool, DataType, Field, Float64, Int64, RecordBatch, Schema, Table, Type, Utf8 } from 'apache-arrow';
import { VisitBatchStream, VisitTableSource, collectTable, openSource } from './source';
import { columnBuilder, recordBatchOf } from './arrow-build';
import { boolAt, isTextType, isValidAt, textAt, utf8Rows } from './arrow-columns';
import { OPSIM_INFO_NAME, OpsimInfoRow, opsimInfoOf, withOpsimInfo } from './opsim-info';

export interface SqliteReadOptions {
  /** The table to read; default `observations`. */
  table?: string;
  /** Rows per record batch; default 65536. */
  batchRows?: number;
}

export interface SqliteWriteOptions {
  /** The table to write; default `observations`. */
  table?: string;
  /** What to do if the table exists: fail (default), replace it, or append to it. */
  ifExists?: 'fail' | 'replace' | 'append';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1) for an all-NULL column. */
function typeFromDeclared(declared: string): DataType {
  const t = declared.toUpperCase();
  if (t === 'BOOLEAN' || t === 'BOOL') return new Bool();
  if (t.includes('INT')) return new Int64();
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return new Utf8();
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return new Float64();
  return new Float64();
}

interface ColumnInfo {
  name: string;
  declared: string;
}

function columnsOf(db: Database.Database, table: string): ColumnInfo[] {
  const rows = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string; type: string }[];
  if (rows.length === 0) throw new Error(`no table ${JSON.stringify(table)} in the SQLite file`);
  return rows.map((r) => ({ name: r.name, declared: r.type ?? '' }));
}

/**
 * Chooses each column's Arrow type from the storage classes present (see the module comment).
 * One aggregate over the table: `max(nullif(typeof(c), 'null'))` is the "widest" class present,
 * because 'text' > 'real' > 'integer' > 'blob' as strings (blobs are refused while reading).
 */
function inferSchema(db: Database.Database, table: string, columns: ColumnInfo[]): Schema {
  const parts = columns.map((c) => `max(nullif(typeof(${quote(c.name)}), 'null'))`);
  const row = db.prepare(`SELECT ${parts.join(', ')} FROM ${quote(table)}`).raw(true).get() as (string | null)[];
  return new Schema(
    columns.map((c, i) => {
      const widest = row[i];
      const declared = typeFromDeclared(c.declared);
      let type: DataType;
      if (widest === 'text') type = new Utf8();
      else if (widest === 'real') type = new Float64();
      else if (widest === 'integer') type = declared.typeId === Type.Bool ? new Bool() : new Int64();
      else if (widest === 'blob') throw new Error(`column ${JSON.stringify(c.name)} holds BLOBs, which visit tables do not support`);
      else type = declared;
      return new Field(c.name, type, true);
    }),
  );
}

/** Opens an opsim SQLite table for streaming reads. */
export async function openOpsimSqlite(path: string, options: SqliteReadOptions = {}): Promise<VisitBatchStream> {
  if (!existsSync(path)) throw new Error(`no such SQLite file: ${path}`);
  const table = options.table ?? 'observations';
  const batchRows = options.batchRows ?? 65536;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  let schema: Schema;
  try {
    schema = inferSchema(db, table, columnsOf(db, table));
    if (table !== OPSIM_INFO_NAME) schema = withOpsimInfo(schema, readInfoTable(db));
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      try {
        const statement = db.prepare(`SELECT * FROM ${quote(table)}`).raw(true).safeIntegers(true);
        const texts = schema.fields.map((f) => f.type.typeId === Type.Utf8);
        let builders = schema.fields.map((f) => columnBuilder(f.type, batchRows));
        let count = 0;
        for (const row of statement.iterate() as IterableIterator<unknown[]>) {
          for (let c = 0; c < row.length; c++) {
            const v = row[c];
            if (v instanceof Uint8Array) throw new Error(`column ${JSON.stringify(schema.fields[c].name)} holds BLOBs, which visit tables do not support`);
            // Integers come as BigInt (exact); a text column may hold numbers, kept as text.
            builders[c].push(texts[c] && v !== null && typeof v !== 'string' ? String(v) : v);
          }
          if (++count === batchRows) {
            yield recordBatchOf(schema, builders.map((b) => b.finish()));
            builders = schema.fields.map((f) => columnBuilder(f.type, batchRows));
            count = 0;
            // Let other work run between batches; better-sqlite3 is synchronous.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        if (count > 0) yield recordBatchOf(schema, builders.map((b) => b.finish()));
      } finally {
        db.close();
      }
    },
  };
}

/**
 * The rows of the opsim `info` table (its Parameter and Value columns, in rowid order), or
 * undefined if the file has no such table or it lacks either column.
 */
function readInfoTable(db: Database.Database): OpsimInfoRow[] | undefined {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(OPSIM_INFO_NAME) !== undefined;
  if (!exists) return undefined;
  const names = columnsOf(db, OPSIM_INFO_NAME).map((c) => c.name);
  if (!names.includes('Parameter') || !names.includes('Value')) return undefined;
  const rows = db.prepare(`SELECT "Parameter", "Value" FROM ${quote(OPSIM_INFO_NAME)} ORDER BY rowid`).raw(true).all() as unknown[][];
  const text = (v: unknown) => (v === null ? null : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));
  return rows.map((r) => [text(r[0]), text(r[1])]);
}

/**
 * Writes the opsim `info` rows as rubin_scheduler does (`pd.DataFrame(info).to_sql("info", con)`):
 * the same `CREATE TABLE` and `CREATE INDEX` text, an `index` column 0…n−1, Parameter, Value.
 * An existing `info` table is handled by `ifExists` like the visits' table (appended rows
 * continue its index).
 */
function writeInfoTable(db: Database.Database, rows: OpsimInfoRow[], ifExists: 'fail' | 'replace' | 'append', path: string): void {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(OPSIM_INFO_NAME) !== undefined;
  if (exists && ifExists === 'fail') throw new Error(`table ${JSON.stringify(OPSIM_INFO_NAME)} already exists in ${path}`);
  if (exists && ifExists === 'replace') db.exec(`DROP TABLE ${quote(OPSIM_INFO_NAME)}`);
  let first = 0;
  if (!exists || ifExists === 'replace') {
    db.exec(`CREATE TABLE "info" (\n"index" INTEGER,\n  "Parameter" TEXT,\n  "Value" TEXT\n)`);
    db.exec(`CREATE INDEX "ix_info_index"ON "info" ("index")`);
  } else {
    const names = columnsOf(db, OPSIM_INFO_NAME).map((c) => c.name);
    if (!names.includes('Parameter') || !names.includes('Value')) throw new Error(`the ${OPSIM_INFO_NAME} table in ${path} has no Parameter and Value columns`);
    if (names.includes('index')) first = Number((db.prepare(`SELECT coalesce(max("index") + 1, 0) FROM "info"`).raw(true).get() as unknown[])[0]);
  }
  const hasIndex = columnsOf(db, OPSIM_INFO_NAME).some((c) => c.name === 'index');
  const insert = db.prepare(hasIndex ? `INSERT INTO "info" ("index", "Parameter", "Value") VALUES (?, ?, ?)` : `INSERT INTO "info" ("Parameter", "Value") VALUES (?, ?)`);
  db.transaction(() => rows.forEach(([parameter, value], i) => insert.run(...(hasIndex ? [first + i, parameter, value] : [parameter, value]))))();
}

/** Reads a whole opsim SQLite table into memory. */
export async function readOpsimSqlite(path: string, options: SqliteReadOptions = {}): Promise<Table> {
  return collectTable(await openOpsimSqlite(path, options));
}

/**
 * The SQLite column type written for an Arrow type, as pandas `to_sql` writes it: INTEGER
 * for integers, REAL for floats, TEXT for text; BOOLEAN for booleans (read back as Bool;
 * pandas and sqlite3 see integers 0/1). Other types are refused.
 */
export function sqliteDeclaredType(field: Field): 'INTEGER' | 'REAL' | 'TEXT' | 'BOOLEAN' {
  const type = field.type;
  if (isTextType(type)) return 'TEXT';
  switch (type.typeId) {
    case Type.Int:
      return 'INTEGER';
    case Type.Float:
      return 'REAL';
    case Type.Bool:
      return 'BOOLEAN';
    default:
      throw new Error(`cannot write column ${JSON.stringify(field.name)} of type ${type} to SQLite`);
  }
}

/**
 * Writes a table as an opsim SQLite table, with the same `CREATE TABLE` text pandas'
 * `to_sql` produces. Rows are inserted batch by batch, one transaction per batch.
 */
export async function writeOpsimSqlite(path: string, source: VisitTableSource, options: SqliteWriteOptions = {}): Promise<void> {
  const table = options.table ?? 'observations';
  const stream = await openSource(source);
  const types = stream.schema.fields.map(sqliteDeclaredType);
  const info = opsimInfoOf(stream.schema);
  const created = !existsSync(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    if (exists && (options.ifExists ?? 'fail') === 'fail') throw new Error(`table ${JSON.stringify(table)} already exists in ${path}`);
    if (exists && options.ifExists === 'replace') db.exec(`DROP TABLE ${quote(table)}`);
    if (!exists || options.ifExists === 'replace') {
      const columns = stream.schema.fields.map((f, i) => `${quote(f.name)} ${types[i]}`);
      db.exec(`CREATE TABLE ${quote(table)} (\n${columns.join(',\n  ')}\n)`);
    }
    // Several rows per INSERT (fewer statement executions: ~15% faster for opsim's 47 columns).
    const placeholders = `(${stream.schema.fields.map(() => '?').join(', ')})`;
    const rowsPerInsert = Math.max(1, Math.min(50, Math.floor(4096 / Math.max(1, types.length))));
    const insertMany = db.prepare(`INSERT INTO ${quote(table)} VALUES ${Array(rowsPerInsert).fill(placeholders).join(', ')}`);
    const insert = db.prepare(`INSERT INTO ${quote(table)} VALUES ${placeholders}`);
    // Our own INTEGER columns store an integral double as that integer (an appended-to table's own columns might not).
    const int64AsNumber = !exists || options.ifExists === 'replace';
    const insertBatch = db.transaction((batch: RecordBatch) => {
      const getters = stream.schema.fields.map((_, c) => valueGetter(batch, c, int64AsNumber));
      const columns = getters.length;
      const rows = new Array<unknown>(columns * rowsPerInsert);
      const row = new Array<unknown>(columns);
      let i = 0;
      for (; i + rowsPerInsert <= batch.numRows; i += rowsPerInsert) {
        for (let k = 0, at = 0; k < rowsPerInsert; k++) for (let c = 0; c < columns; c++) rows[at++] = getters[c](i + k);
        insertMany.run(rows);
      }
      for (; i < batch.numRows; i++) {
        for (let c = 0; c < columns; c++) row[c] = getters[c](i);
        insert.run(row);
      }
    });
    for await (const batch of stream) insertBatch(batch);
    if (info && table !== OPSIM_INFO_NAME) writeInfoTable(db, info, options.ifExists ?? 'fail', path);
  } catch (error) {
    db.close();
    // Leave nothing half-written behind, but never delete a file that was there before.
    if (created) unlinkSync(path);
    throw error;
  }
  db.close();
}

/** A function giving row i of column c as a value better-sqlite3 binds (NaN binds as NULL). */
function valueGetter(batch: RecordBatch, c: number, int64AsNumber = false): (i: number) => unknown {
  const vector = batch.getChildAt(c)!;
  const data = vector.data.length === 1 ? vector.data[0] : undefined;
  if (!data) return (i) => normalize(vector.get(i));
  if (isTextType(data.type)) {
    const rows = utf8Rows(data);
    const decoder = new TextDecoder();
    return (i) => textAt(rows, data, i, decoder);
  }
  if (data.type.typeId === Type.Bool) return (i) => (isValidAt(data, i) ? (boolAt(data, i) ? 1 : 0) : null);
  const values = data.values as ArrayLike<number | bigint>;
  if (data.type.typeId === Type.Int && (data.type as unknown as { bitWidth: number; isSigned: boolean }).bitWidth === 64 && !(data.type as any).isSigned) {
    return (i) => {
      if (!isValidAt(data, i)) return null;
      const v = values[i] as bigint;
      if (v > 0x7fffffffffffffffn) throw new Error(`uint64 value ${v} does not fit an SQLite INTEGER`);
      return v;
    };
  }
  if (int64AsNumber && data.type.typeId === Type.Int && (data.type as unknown as { bitWidth: number }).bitWidth === 64) {
    // As a JS number where that is exact (no BigInt per value): a column of INTEGER affinity
    // stores such a number as the same integer.
    const view = values as unknown as BigInt64Array;
    const words = new Int32Array(view.buffer, view.byteOffset, view.length * 2);
    return (i) => {
      if (!isValidAt(data, i)) return null;
      const high = words[2 * i + 1];
      return high >= -0x200000 && high < 0x200000 ? high * 4294967296 + (words[2 * i] >>> 0) : values[i];
    };
  }
  return (i) => (isValidAt(data, i) ? values[i] : null);
}

function normalize(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value ?? null;
}
