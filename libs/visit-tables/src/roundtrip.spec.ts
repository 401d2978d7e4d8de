import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { Float64, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import {
  canonicalSha256,
  collectTable,
  decodeVisitTable,
  encodeVisitTable,
  hdf5Layout,
  readVisitTable,
  syntheticOpsimTable,
  VisitTableFormat,
  WriteVisitTableOptions,
  writeVisitTable,
} from './index';
import { columnValues, mixedTable, typeNames, uint64Table } from './spec-helpers/tables';
import { tempDir } from './spec-helpers/python';

const hex = async (t: Table) => (await canonicalSha256(t)).toString('hex');

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

async function roundTrip(table: Table, file: string, options: WriteVisitTableOptions = {}): Promise<Table> {
  const target = path.join(tmp.dir, file);
  await writeVisitTable(target, table, options);
  return readVisitTable(target);
}

function expectSameValues(actual: Table, expected: Table, columns = expected.schema.fields.map((f) => f.name)): void {
  expect(actual.numRows).toBe(expected.numRows);
  for (const name of columns) expect({ name, values: columnValues(actual, name) }).toEqual({ name, values: columnValues(expected, name) });
}

describe.each([
  ['arrow-file', 'mixed.arrow'],
  ['arrow-stream', 'mixed.arrows'],
  ['parquet', 'mixed.parquet'],
])('%s round trip', (_format, file) => {
  it('keeps types and values exactly, and the hash', async () => {
    const table = mixedTable();
    const back = await roundTrip(table, file);
    expect(typeNames(back.schema)).toEqual(typeNames(table.schema));
    expectSameValues(back, table);
    expect(await hex(back)).toBe(await hex(table));
    const u64 = await roundTrip(uint64Table(), `u64-${file}`);
    expect(columnValues(u64, 'u64')).toEqual([0n, 2n ** 64n - 1n, 5n]);
  });

  it('keeps the schema of an empty table', async () => {
    const empty = mixedTable().slice(0, 0);
    const back = await roundTrip(empty, `empty-${file}`);
    expect(back.numRows).toBe(0);
    expect(typeNames(back.schema)).toEqual(typeNames(empty.schema));
    expect(await hex(back)).toBe(await hex(empty));
  });
});

describe('opsim SQLite round trip', () => {
  it('keeps values; ints become int64 and floats float64, as SQLite stores them', async () => {
    const table = mixedTable();
    const back = await roundTrip(table, 'mixed.db');
    const types = typeNames(back.schema);
    for (const name of ['i64', 'i32', 'i16', 'i8', 'u8', 'u16', 'u32', 'i64n']) expect(types[name]).toBe('Int64');
    for (const name of ['f64', 'f32']) expect(types[name]).toBe('Float64');
    expect([types.b, types.bn, types.s]).toEqual(['Bool', 'Bool', 'Utf8']);
    for (const name of ['i64', 'i64n', 'b', 'bn', 's', 'band']) expect(columnValues(back, name)).toEqual(columnValues(table, name));
    for (const name of ['i32', 'i16', 'i8', 'u8', 'u16', 'u32']) expect(columnValues(back, name)).toEqual(columnValues(table, name).map((v) => BigInt(v as number)));
    expect(columnValues(back, 'f32')).toEqual(columnValues(table, 'f32'));
    // SQLite has no NaN (it stores NULL, which the hash treats alike) and stores whole-number
    // reals as integers, which loses the sign of -0.0.
    expect(columnValues(back, 'f64')).toEqual([1.5, 0, null, Infinity, 1e-300, null]);
    const pick = (t: Table) => {
      const rows = t.slice(2);
      return new Table({ f64: rows.getChild('f64')!, i64: rows.getChild('i64')!, i64n: rows.getChild('i64n')!, b: rows.getChild('b')!, bn: rows.getChild('bn')!, s: rows.getChild('s')! });
    };
    expect(await hex(pick(back))).toBe(await hex(pick(table)));
  });

  it('keeps the schema of an empty table and refuses to overwrite a table', async () => {
    const empty = new Table({ x: vectorFromArray([1.5], new Float64()) }).slice(0, 0);
    const back = await roundTrip(empty, 'empty.db');
    expect(back.numRows).toBe(0);
    expect(typeNames(back.schema)).toEqual({ x: 'Float64' });
    await expect(writeVisitTable(path.join(tmp.dir, 'empty.db'), empty)).rejects.toThrow(/already exists/);
    expect((await readVisitTable(path.join(tmp.dir, 'empty.db'))).numRows).toBe(0); // still there
  });

  it('types columns by what they hold', async () => {
    const table = syntheticOpsimTable({ rows: 1000, seed: 3, batchRows: 300 });
    const back = await roundTrip(table, 'opsim.db');
    expect(typeNames(back.schema)).toEqual(typeNames(table.schema));
    expectSameValues(back, table);
    expect(await hex(back)).toBe(await hex(table));
    expect(back.schema.fields.every((f) => f.type instanceof Int64 || f.type instanceof Float64 || f.type instanceof Utf8)).toBe(true);
  });
});

// The default "fixed" layout has its own tests (hdf5/pandas-fixed-writer.spec.ts).
describe('HDF5 round trip (pandas "table" layout)', () => {
  const asTable: WriteVisitTableOptions = { hdf5Layout: 'table' };
  it('keeps values and the hash; int and bool columns with nulls become float64 as in pandas', async () => {
    const table = mixedTable();
    const back = await roundTrip(table, 'mixed.h5', asTable);
    expect(await hdf5Layout(path.join(tmp.dir, 'mixed.h5'))).toBe('table');
    const expectedTypes = { ...typeNames(table.schema), i64n: 'Float64', bn: 'Float64' };
    expect(typeNames(back.schema)).toEqual(expectedTypes);
    const same = table.schema.fields.map((f) => f.name).filter((n) => !['f64', 'f32', 'i64n', 'bn'].includes(n));
    expectSameValues(back, table, same);
    expect(columnValues(back, 'f64')).toEqual([1.5, '-0', 'NaN', Infinity, 1e-300, 'NaN']);
    expect(columnValues(back, 'i64n')).toEqual([1, 'NaN', 3, 4, 'NaN', 6]);
    expect(columnValues(back, 'bn')).toEqual([1, 'NaN', 0, 1, 'NaN', 0]);
    expect(await hex(back)).toBe(await hex(table));
  });

  it('keeps the schema of an empty table, and streams in batches', async () => {
    const empty = mixedTable().slice(0, 0);
    const back = await roundTrip(empty, 'empty.h5', asTable);
    expect(back.numRows).toBe(0);
    expect(await hex(back)).toBe(await hex(empty));
    const opsim = syntheticOpsimTable({ rows: 5000, seed: 5, batchRows: 1500 });
    const target = path.join(tmp.dir, 'opsim.h5');
    await writeVisitTable(target, opsim, asTable);
    expect(await hdf5Layout(target)).toBe('table');
    const stream = await (await import('./index')).openVisitTable(target, { batchRows: 2000 });
    const sizes: number[] = [];
    for await (const batch of stream) sizes.push(batch.numRows);
    expect(sizes).toEqual([2000, 2000, 1000]);
    const back2 = await readVisitTable(target);
    expectSameValues(back2, opsim);
    expect(await hex(back2)).toBe(await hex(opsim));
  });
});

describe('byte encodings and CSV', () => {
  it('encodes and decodes Arrow IPC bytes', async () => {
    const table = mixedTable();
    const chunks: Uint8Array[] = [];
    for await (const chunk of encodeVisitTable(table, 'arrow-stream')) chunks.push(chunk);
    const back = await collectTable(await decodeVisitTable(Buffer.concat(chunks)));
    expect(await hex(back)).toBe(await hex(table));
  });

  it('writes RFC 4180 CSV', async () => {
    const table = new Table({ x: vectorFromArray([0], new Float64()) }).slice(0, 0);
    await writeVisitTable(path.join(tmp.dir, 'empty.csv'), table);
    expect(readFileSync(path.join(tmp.dir, 'empty.csv'), 'utf8')).toBe('x\r\n');
    const small = mixedTable();
    const subset = new Table({ f64: small.getChild('f64')!, i64n: small.getChild('i64n')!, bn: small.getChild('bn')!, s: small.getChild('s')! });
    await writeVisitTable(path.join(tmp.dir, 'small.csv'), subset);
    expect(readFileSync(path.join(tmp.dir, 'small.csv'), 'utf8')).toBe(
      'f64,i64n,bn,s\r\n1.5,1,True,a\r\n0,,,ée\r\n,3,False,\r\ninf,4,True,😀 émoji\r\n1e-300,,,""\r\n,6,False,"tab\tquote""comma,"\r\n',
    );
  });

  it('refuses to guess a format', async () => {
    await expect(writeVisitTable(path.join(tmp.dir, 'visits.txt'), mixedTable())).rejects.toThrow(/cannot tell/);
    const format: VisitTableFormat = 'csv';
    await expect(readVisitTable(path.join(tmp.dir, 'small.csv'), { format })).rejects.toThrow(/CSV/);
  });
});

