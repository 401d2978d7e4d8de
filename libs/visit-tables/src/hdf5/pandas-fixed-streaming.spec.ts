/**
 * The streaming reader of pandas' "fixed" layout (pickle-stream.ts, raw-storage.ts): files pandas
 * writes, read a slice of rows at a time straight from disk, give exactly what reading everything
 * through h5wasm and decoding each pickle whole gives: at every slice size, with the pickle's
 * window refilled inside values, with memo references crossing slices, and for the layouts it
 * declines (compressed blocks), which fall back to the whole-pickle reader.
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { RecordBatch, Table } from 'apache-arrow';
import { canonicalSha256, openHdf5, openSource, readHdf5, writeHdf5 } from '../index';
import { runPython, tempDir } from '../spec-helpers/python';
import { columnValues, typeNames } from '../spec-helpers/tables';
import { fixedLayoutReading } from './pandas-readers';
import { globalHeapObject, rawStorage, readSuperblock } from './raw-storage';
import { loadH5wasm } from './h5wasm-loader';
import { scanObjectArrayPickle, ObjectArrayRows } from '../pickle-stream';
import { NumpyObjectArray, safeUnpickle } from '../pickle';

jest.setTimeout(120_000);

let tmp: ReturnType<typeof tempDir>;
const file = (name: string) => path.join(tmp.dir, name);
const ROWS = 2503; // not a multiple of any slice size below

/**
 * Frames as rubin_sim's (object text columns, one pickled block, pandas 2 style) and as pandas 3
 * writes its `str` columns (one 1-D block each), with what makes pickles interesting: None and
 * NaN among text, one-character strings and repeated string objects (memo references, across any
 * slice boundary), non-ASCII text, a lone surrogate (pickled as invalid UTF-8), text longer than
 * 255 bytes (BINUNICODE), empty strings, and object columns of numbers and booleans.
 */
const WRITE = `
import sys, numpy as np, pandas as pd, warnings
warnings.simplefilter("ignore")
d, n = sys.argv[1], int(sys.argv[2])
notes = ["survey, %d" % k for k in range(7)]           # the same 7 objects again and again
long_text = "x" * 300 + "é"
def text(i):
    return [None, np.nan, "", "é😀 ünïcode", long_text, "\\ud800 lone", notes[i % 7], "v%d" % i][i % 8]
frame = pd.DataFrame({
    "observationId": np.arange(n, dtype=np.int64),
    "band": pd.Series(["ugrizy"[i % 6] for i in range(n)], dtype=object),
    "fieldRA": np.linspace(0, 360, n),
    "fieldDec": np.linspace(-90, 30, n),                 # float64 blocks of several columns
    "altitude": np.linspace(20, 90, n),
    "f32b": np.arange(n, dtype=np.float32) * 2,
    "note": pd.Series([text(i) for i in range(n)], dtype=object),
    "scheduler_note": pd.Series([notes[(i * 3) % 7] for i in range(n)], dtype=object),
    "f32": np.arange(n, dtype=np.float32) / 3,
    "i32": np.arange(n, dtype=np.int32) - 1000,
    "i16": (np.arange(n) % 30000).astype(np.int16),
    "i8": (np.arange(n) % 100).astype(np.int8),
    "u8": (np.arange(n) % 200).astype(np.uint8),
    "flag": np.arange(n) % 3 == 0,
    "obj_float": pd.Series([[1.5, None, np.nan, -2.0][i % 4] for i in range(n)], dtype=object),
    "obj_int": pd.Series([[1, 300, 70000, 2**40, -5][i % 5] for i in range(n)], dtype=object),
    "obj_bool": pd.Series([[True, None, False][i % 3] for i in range(n)], dtype=object),
})
frame.loc[5, "fieldRA"] = np.nan
frame.to_hdf(f"{d}/objects.h5", key="observations")
strs = frame[["observationId", "band", "scheduler_note", "fieldRA"]].astype({"band": "str", "scheduler_note": "str"})
strs.to_hdf(f"{d}/str-dtype.h5", key="observations")
frame.to_hdf(f"{d}/compressed.h5", key="observations", complevel=5, complib="zlib")
frame.iloc[:0].to_hdf(f"{d}/empty.h5", key="observations")
`;

beforeAll(() => {
  tmp = tempDir();
  runPython(WRITE, [tmp.dir, String(ROWS)]);
});
afterAll(() => tmp.cleanup());
afterEach(() => {
  fixedLayoutReading.fromDisk = true;
  fixedLayoutReading.windowBytes = 4 << 20;
  fixedLayoutReading.trace = undefined;
});

/** Reads with the given settings; the ways each block was read. */
async function read(name: string, batchRows: number, settings: Partial<typeof fixedLayoutReading> = {}): Promise<{ table: Table; ways: string[] }> {
  const ways: string[] = [];
  Object.assign(fixedLayoutReading, { fromDisk: true, windowBytes: 4 << 20 }, settings, { trace: (block: number, how: string) => ways.push(`${block}:${how}`) });
  const table = await readHdf5(file(name), { batchRows });
  fixedLayoutReading.trace = undefined;
  return { table, ways };
}

function expectSameTable(actual: Table, expected: Table): void {
  expect(typeNames(actual.schema)).toEqual(typeNames(expected.schema));
  expect(actual.numRows).toBe(expected.numRows);
  for (const field of expected.schema.fields) expect([field.name, columnValues(actual, field.name)]).toEqual([field.name, columnValues(expected, field.name)]);
}

describe('reading pandas "fixed" files from disk, a slice of rows at a time', () => {
  it('streams the object block and preads the numeric ones of the upstream layout', async () => {
    const { ways } = await read('objects.h5', 1000);
    expect(ways.filter((w) => w.endsWith('streamed pickle'))).toHaveLength(1);
    expect(ways.filter((w) => w.endsWith('whole pickle') || w.endsWith('h5wasm'))).toEqual([]);
    expect((await read('str-dtype.h5', 1000)).ways.filter((w) => w.endsWith('streamed pickle'))).toHaveLength(2);
  });

  it.each([
    ['objects.h5', 1],
    ['objects.h5', 7],
    ['objects.h5', 1000],
    ['objects.h5', 100_000],
    ['str-dtype.h5', 7],
    ['str-dtype.h5', 4096],
  ])('%s in slices of %d rows equals the whole-pickle reading through h5wasm', async (name, batchRows) => {
    const expected = (await read(name, 65536, { fromDisk: false })).table;
    const { table, ways } = await read(name, batchRows);
    expect(ways.some((w) => w.endsWith('streamed pickle'))).toBe(true);
    expectSameTable(table, expected);
    expect(table.batches.length).toBe(Math.ceil(ROWS / batchRows));
    expect((await canonicalSha256(table)).toString('hex')).toBe((await canonicalSha256(expected)).toString('hex'));
  });

  it('reads values through a window smaller than the values themselves (refilled inside them)', async () => {
    const expected = (await read('objects.h5', 65536, { fromDisk: false })).table;
    for (const windowBytes of [64, 301, 4099]) expectSameTable((await read('objects.h5', 333, { windowBytes })).table, expected);
  });

  it('gives the values pandas holds: None and NaN are null in text, NaN stays NaN in object floats', async () => {
    const { table } = await read('objects.h5', 7);
    const note = columnValues(table, 'note');
    expect(note.slice(0, 8)).toEqual([null, null, '', 'é😀 ünïcode', 'x'.repeat(300) + 'é', '\ufffd\ufffd\ufffd lone', 'survey, 6', 'v7']);
    expect(columnValues(table, 'scheduler_note').slice(0, 3)).toEqual(['survey, 0', 'survey, 3', 'survey, 6']);
    expect(columnValues(table, 'band').slice(0, 7)).toEqual(['u', 'g', 'r', 'i', 'z', 'y', 'u']);
    expect(columnValues(table, 'obj_float').slice(0, 4)).toEqual([1.5, null, 'NaN', -2]);
    expect(columnValues(table, 'obj_int').slice(0, 5)).toEqual([1, 300, 70000, 2 ** 40, -5]);
    expect(columnValues(table, 'obj_bool').slice(0, 3)).toEqual([true, null, false]);
    expect(columnValues(table, 'fieldRA')[5]).toBe('NaN');
    expect(typeNames(table.schema)).toMatchObject({ note: 'Utf8', obj_float: 'Float64', obj_int: 'Float64', obj_bool: 'Bool', f32: 'Float32', i16: 'Int16', u8: 'Uint8', flag: 'Bool' });
  });

  it('falls back to h5wasm and the whole pickle for compressed blocks, with the same values', async () => {
    const { table, ways } = await read('compressed.h5', 500);
    expect(ways.some((w) => w.endsWith('streamed pickle') || w.endsWith('pread'))).toBe(false);
    expectSameTable(table, (await read('objects.h5', 500)).table);
  });

  it('reads the numeric columns into reused buffers for a consumer that keeps no batch (reuseBuffers), with the same values', async () => {
    const expected = (await read('objects.h5', 65536, { fromDisk: false })).table;
    const names = expected.schema.fields.map((field) => field.name);
    // Read from disk (pread) and through h5wasm: both fill the same reused column buffers.
    for (const fromDisk of [true, false]) {
      fixedLayoutReading.fromDisk = fromDisk;
      const stream = await openHdf5(file('objects.h5'), { batchRows: 500, reuseBuffers: true });
      expect(stream.reusesBuffers).toBe(true);
      const kept: RecordBatch[] = [];
      const seen = new Map<string, unknown[]>(names.map((name) => [name, []]));
      for await (const batch of stream) {
        kept.push(batch);
        const one = new Table([batch]);
        for (const name of names) seen.get(name)!.push(...columnValues(one, name));
      }
      expect(kept).toHaveLength(Math.ceil(ROWS / 500));
      for (const name of names) expect([fromDisk, name, seen.get(name)]).toEqual([fromDisk, name, columnValues(expected, name)]);
      // The buffers are really reused: the first batch, kept, now shows the fourth batch's values.
      for (const name of ['fieldRA', 'altitude', 'f32']) {
        expect(columnValues(new Table([kept[0]]), name)).toEqual(columnValues(new Table([kept[3]]), name));
        expect(columnValues(new Table([kept[0]]), name)).not.toEqual(columnValues(expected, name).slice(0, 500));
      }
      // Text (the pickled block) is not reused.
      expect(columnValues(new Table([kept[0]]), 'note')).toEqual(columnValues(expected, 'note').slice(0, 500));
    }
  });

  it('holds no file in a reusing stream until it is read (its owner may drop it unread), and refuses it to a consumer that keeps batches', async () => {
    const openFiles = () => readdirSync('/proc/self/fd').length; // Linux: the process's descriptors
    const before = openFiles();
    const dropped = await Promise.all(Array.from({ length: 10 }, () => openHdf5(file('objects.h5'), { batchRows: 500, reuseBuffers: true })));
    expect(dropped.every((stream) => stream.reusesBuffers)).toBe(true);
    expect(openFiles()).toBeLessThanOrEqual(before);
    for await (const batch of dropped[0]) if (batch.numRows > 0) break; // read, then stopped early: closed too
    expect(openFiles()).toBeLessThanOrEqual(before);
    await expect(openSource(() => openHdf5(file('objects.h5'), { batchRows: 500, reuseBuffers: true }))).rejects.toThrow(/reused buffers/);
    expect(openFiles()).toBeLessThanOrEqual(before);

    // Opened again when read, the file's pickle is not scanned again (the first opening's scan serves).
    const ways: string[] = [];
    fixedLayoutReading.trace = (block, how) => ways.push(`${block}:${how}`);
    for await (const batch of await openHdf5(file('objects.h5'), { batchRows: 500, reuseBuffers: true })) expect(batch.numRows).toBeGreaterThan(0);
    expect(ways.filter((way) => way.endsWith('streamed pickle'))).toHaveLength(2); // opened twice
    expect(ways.filter((way) => way.endsWith('pickle scanned'))).toHaveLength(1); // scanned once
  });

  it('reads a frame without rows', async () => {
    const { table } = await read('empty.h5', 100);
    expect(table.numRows).toBe(0);
    expect(typeNames(table.schema).note).toBe('Utf8');
  });

  it('streams the files our own writer makes (a contiguous VLArray) back to the same table', async () => {
    const original = (await read('objects.h5', 1000)).table;
    await writeHdf5(file('ours.h5'), original);
    const { table, ways } = await read('ours.h5', 999);
    expect(ways.some((w) => w.endsWith('streamed pickle'))).toBe(true);
    expectSameTable(table, (await read('ours.h5', 65536, { fromDisk: false })).table);
    // As pandas holds them: nulls in floats are NaN, bools with nulls are float64.
    const text = original.schema.fields.filter((f) => String(f.type) === 'Utf8').map((f) => f.name);
    expectSameTable(table.select(text), original.select(text));
  });
});

describe('the pieces', () => {
  it('finds the pickle of a VLArray where h5py finds it (global heap object of the first chunk)', async () => {
    const [block, expected] = runPython(
      `import sys, h5py, hashlib\nwith h5py.File(sys.argv[1]) as f:\n    name = next(k for k in f["observations"] if f["observations"][k].dtype == object)\n    v = bytes(f["observations"][name][0])\nprint(name)\nprint(len(v), hashlib.sha256(v).hexdigest())`,
      [file('objects.h5')],
    )
      .trim()
      .split('\n');
    const { h5, module } = await loadH5wasm();
    const h5file = new h5.File(file('objects.h5'), 'r');
    const header = Buffer.from(module.create_object_reference(h5file.file_id, `observations/${block}`) as number[]).readBigUInt64LE(0);
    h5file.close();
    const fd = openSync(file('objects.h5'), 'r');
    try {
      const superblock = readSuperblock(fd, readFileSync(file('objects.h5')).length)!;
      const storage = rawStorage(fd, Number(header), superblock)!;
      expect(storage.kind).toBe('first-chunk');
      const bytes = readFileSync(file('objects.h5'));
      const address = (storage as { address: number }).address;
      const object = globalHeapObject(fd, bytes.subarray(address, address + 16), superblock);
      const pickle = bytes.subarray(object.address, object.address + object.size);
      expect(`${object.size} ${createHash('sha256').update(pickle).digest('hex')}`).toBe(expected);

      // Decoded in slices, the elements are those of the whole pickle, row after row.
      const whole = safeUnpickle(pickle) as NumpyObjectArray;
      expect(whole).toBeInstanceOf(NumpyObjectArray);
      const columns = whole.shape[1];
      const scan = scanObjectArrayPickle(fd, object.address, object.size, Array.from({ length: columns }, (_, k) => `c${k}`), 32)!;
      expect(scan.shape).toEqual(whole.shape);
      const rows = new ObjectArrayRows(fd, scan, object.address + object.size, 32);
      for (let start = 0; start < ROWS; start += 10) {
        const n = Math.min(10, ROWS - start);
        const data = rows.next(n);
        for (let r = 0; r < n; r++) {
          for (let k = 0; k < columns; k++) {
            const expectedValue = whole.items[(start + r) * columns + k];
            const value = data[k].getValid(r) ? (scan.types[k].typeId === 5 ? new TextDecoder().decode(data[k].values.subarray(data[k].valueOffsets[r], data[k].valueOffsets[r + 1])) : data[k].values[r]) : null;
            if (expectedValue === null || (typeof expectedValue === 'number' && Number.isNaN(expectedValue) && scan.types[k].typeId === 5)) expect(value).toBeNull();
            else if (typeof expectedValue === 'boolean') expect(Boolean((data[k].values[r >> 3] >> (r & 7)) & 1)).toBe(expectedValue);
            else expect(value).toEqual(expectedValue);
          }
        }
      }
      expect(() => rows.next(1)).toThrow(/asked for rows/);
    } finally {
      closeSync(fd);
    }
  });
});
