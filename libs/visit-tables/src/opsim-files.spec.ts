import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Table } from 'apache-arrow';
import { canonicalSha256, OPSIM_COLUMNS, readOpsimSqlite, readVisitTable, syntheticOpsimBatches, syntheticOpsimTable, writeVisitTable } from './index';
import { PRENIGHT_OPSIM, SAMPLE_OPSIM, tempDir } from './spec-helpers/python';
import { columnValues, typeNames } from './spec-helpers/tables';

const ARROW_OF_SQLITE: Record<string, string> = { INTEGER: 'Int64', REAL: 'Float64', TEXT: 'Utf8' };

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

function declaredColumns(file: string): [string, string][] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('PRAGMA table_info(observations)').all() as { name: string; type: string }[]).map((c) => [c.name, c.type]);
  } finally {
    db.close();
  }
}

describe.each([
  ['schedview sample_opsim.db (current 47-column schema)', SAMPLE_OPSIM, 554, 47],
  ['schedview opsim_prenight_2024-08-13_1.db (older 45-column schema)', PRENIGHT_OPSIM, 242, 45],
])('%s', (_label, file, rows, columns) => {
  it('reads with the file’s own columns, in order, typed as declared', async () => {
    const table = await readOpsimSqlite(file);
    expect(table.numRows).toBe(rows);
    const declared = declaredColumns(file);
    expect(declared).toHaveLength(columns);
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual(declared.map(([n, t]) => [n, ARROW_OF_SQLITE[t]]));
  });

  it.each(['visits.h5', 'visits.parquet', 'visits.arrow', 'visits.db'])('survives a round trip through %s', async (name) => {
    const table = await readOpsimSqlite(file, { batchRows: 100 });
    const target = path.join(tmp.dir, `${path.basename(file)}-${name}`);
    await writeVisitTable(target, table);
    const back = await readVisitTable(target);
    expect(typeNames(back.schema)).toEqual(typeNames(table.schema));
    for (const field of table.schema.fields) expect(columnValues(back, field.name)).toEqual(columnValues(table, field.name));
    expect((await canonicalSha256(back)).equals(await canonicalSha256(table))).toBe(true);
  });
});

it('the older schema keeps its legacy columns', async () => {
  const names = (await readOpsimSqlite(PRENIGHT_OPSIM)).schema.fields.map((f) => f.name);
  expect(names).toEqual(expect.arrayContaining(['psudoParaAngle', 'note', 'block_id', 'scripted_id', 'filter']));
  expect(names).not.toContain('band');
});

describe('synthetic opsim tables', () => {
  it('have the 47 opsim columns of sample_opsim.db, in order, with its types', async () => {
    expect(OPSIM_COLUMNS.map((c) => [c.name, c.sqliteType])).toEqual(declaredColumns(SAMPLE_OPSIM));
    const table = syntheticOpsimTable({ rows: 2000, seed: 11 });
    const target = path.join(tmp.dir, 'synthetic.db');
    await writeVisitTable(target, table);
    expect(declaredColumns(target)).toEqual(declaredColumns(SAMPLE_OPSIM));
    const db = new Database(target, { readonly: true });
    const sql = (f: Database.Database) => (f.prepare("SELECT sql FROM sqlite_master WHERE name = 'observations'").get() as { sql: string }).sql;
    const sample = new Database(SAMPLE_OPSIM, { readonly: true });
    expect(sql(db)).toBe(sql(sample)); // the very CREATE TABLE text pandas to_sql writes
    db.close();
    sample.close();
  });

  it('are deterministic whatever the batch size, and plausible', async () => {
    const a = syntheticOpsimTable({ rows: 3000, seed: 42, batchRows: 3000 });
    const b = syntheticOpsimTable({ rows: 3000, seed: 42, batchRows: 777 });
    const c = syntheticOpsimTable({ rows: 3000, seed: 43 });
    const hash = async (t: Table) => (await canonicalSha256(t)).toString('hex');
    expect(await hash(a)).toBe(await hash(b));
    expect(await hash(a)).not.toBe(await hash(c));
    const mjd = columnValues(a, 'observationStartMJD') as number[];
    expect(mjd.every((v, i) => i === 0 || v > mjd[i - 1])).toBe(true);
    expect(mjd[0]).toBeGreaterThan(60980.5);
    const alt = columnValues(a, 'altitude') as number[];
    expect(Math.min(...alt)).toBeGreaterThanOrEqual(25);
    expect(Math.max(...alt)).toBeLessThanOrEqual(88);
    expect(new Set(columnValues(a, 'band'))).toEqual(new Set(['u', 'g', 'r', 'i', 'z', 'y']));
    const nights = columnValues(a, 'night') as bigint[];
    const perNight = nights.length / (Number(nights[nights.length - 1] - nights[0]) + 1);
    expect(perNight).toBeGreaterThan(300);
  });

  it('stream quickly', async () => {
    const rows = 300_000;
    const started = process.hrtime.bigint();
    let seen = 0;
    for await (const batch of syntheticOpsimBatches({ rows, seed: 1 })) seen += batch.numRows;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(seen).toBe(rows);
    console.log(`synthetic opsim: ${rows} rows in ${seconds.toFixed(2)} s = ${(rows / seconds / 1000).toFixed(0)} k rows/s`);
  });
});
