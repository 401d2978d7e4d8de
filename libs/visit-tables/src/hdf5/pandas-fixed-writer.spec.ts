/**
 * The pandas "fixed" HDF5 writer: read back by us, by pandas (equal DataFrames), PyTables,
 * h5py and rubin_sim's own HDF5 → opsim converter; and no larger than pandas' own file.
 */
import * as path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Table } from 'apache-arrow';
import { batchStream, canonicalSha256, hdf5Layout, openVisitTable, readVisitTable, syntheticOpsimBatches, syntheticOpsimTable, writeVisitTable } from '../index';
import { PRENIGHT_OPSIM, runPython, SAMPLE_OPSIM, tempDir } from '../spec-helpers/python';
import { columnValues, mixedTable, recodeText, typeNames } from '../spec-helpers/tables';

jest.setTimeout(300_000);

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

const file = (name: string) => path.join(tmp.dir, name);
const hex = async (t: Table) => (await canonicalSha256(t)).toString('hex');

describe('TypeScript reads back the "fixed" layout it writes', () => {
  it('is the default, keeps values and the hash; int and bool columns with nulls become float64 as in pandas', async () => {
    const table = mixedTable();
    await writeVisitTable(file('mixed.h5'), table);
    expect(await hdf5Layout(file('mixed.h5'))).toBe('fixed');
    const back = await readVisitTable(file('mixed.h5'));
    expect(typeNames(back.schema)).toEqual({ ...typeNames(table.schema), i64n: 'Float64', bn: 'Float64' });
    for (const name of ['i64', 'i32', 'i16', 'i8', 'u8', 'u16', 'u32', 'b', 's', 'band']) expect({ name, values: columnValues(back, name) }).toEqual({ name, values: columnValues(table, name) });
    expect(columnValues(back, 'f64')).toEqual([1.5, '-0', 'NaN', Infinity, 1e-300, 'NaN']);
    expect(columnValues(back, 'f32')).toEqual([1.25, 'NaN', -3.5, 0, 2, Math.fround(1e30)]);
    expect(columnValues(back, 'i64n')).toEqual([1, 'NaN', 3, 4, 'NaN', 6]);
    expect(columnValues(back, 'bn')).toEqual([1, 'NaN', 0, 1, 'NaN', 0]);
    expect(await hex(back)).toBe(await hex(table));
  });

  it('writes dictionary and large text like plain text, and keeps the schema of a table with no rows', async () => {
    for (const as of ['dictionary', 'large'] as const) {
      await writeVisitTable(file(`${as}.h5`), recodeText(mixedTable(), as));
      expect(await hex(await readVisitTable(file(`${as}.h5`)))).toBe(await hex(mixedTable()));
    }
    const empty = mixedTable().slice(0, 0);
    await writeVisitTable(file('empty.h5'), empty);
    const back = await readVisitTable(file('empty.h5'));
    expect(back.numRows).toBe(0);
    expect(typeNames(back.schema)).toEqual(typeNames(empty.schema));
  });

  it('streams a source given as a factory, across batches and slices', async () => {
    // 40000 rows in batches of 15000: slices of 16384 rows cross batch ends; > 1000 pickled values per APPENDS.
    const source = () => syntheticOpsimBatches({ rows: 40000, seed: 6, batchRows: 15000 });
    await writeVisitTable(file('stream.h5'), source);
    const back = await readVisitTable(file('stream.h5'));
    const table = syntheticOpsimTable({ rows: 40000, seed: 6 });
    expect(typeNames(back.schema)).toEqual(typeNames(table.schema));
    expect(await hex(back)).toBe(await hex(table));
    // The "table" layout stays available.
    await writeVisitTable(file('stream-table.h5'), source, { hdf5Layout: 'table' });
    expect(await hdf5Layout(file('stream-table.h5'))).toBe('table');
    expect(await hex(await readVisitTable(file('stream-table.h5')))).toBe(await hex(table));
  });

  it('reports the source\'s own error when it fails mid-table, with writes of earlier slices in flight', async () => {
    // 100000 rows: six slices, so writes of earlier slices are still in flight when the source fails.
    let passes = 0;
    const failing = async () => {
      const stream = await syntheticOpsimBatches({ rows: 100000, seed: 7, batchRows: 20000 });
      const second = ++passes === 2;
      return batchStream(stream.schema, (async function* () {
        let sent = 0;
        for await (const batch of stream) {
          if (second && sent === 60000) throw new Error('the source broke off');
          sent += batch.numRows;
          yield batch;
        }
      })());
    };
    await expect(writeVisitTable(file('broken.h5'), failing)).rejects.toThrow('the source broke off');
    expect(passes).toBe(2);
  });

  it('writes a one-shot stream through a temporary copy beside the file, in both layouts, the same bytes as from a factory', async () => {
    const source = () => syntheticOpsimBatches({ rows: 40000, seed: 6, batchRows: 15000 });
    for (const layout of ['fixed', 'table'] as const) {
      const name = `once-${layout}.h5`;
      await writeVisitTable(file(name), await source(), { hdf5Layout: layout });
      expect(readdirSync(tmp.dir).filter((f) => f.startsWith(`${name}.`))).toEqual([]); // the copy is gone
      await writeVisitTable(file(`factory-${layout}.h5`), source, { hdf5Layout: layout });
      if (layout === 'fixed') expect(readFileSync(file(name)).equals(readFileSync(file(`factory-${layout}.h5`)))).toBe(true);
      expect(await hex(await readVisitTable(file(name)))).toBe(await hex(syntheticOpsimTable({ rows: 40000, seed: 6 })));
    }
  });

  it('refuses keys it cannot write and layouts it does not know', async () => {
    await expect(writeVisitTable(file('nested.h5'), mixedTable(), { key: 'a/b' })).rejects.toThrow(/single-name key/);
    await expect(writeVisitTable(file('odd.h5'), mixedTable(), { hdf5Layout: 'odd' as never })).rejects.toThrow(/unknown pandas HDF5 layout/);
  });
});

/** Compares our file with what pandas makes of the same rows; prints one JSON line of sizes. */
const COMPARE_WITH_PANDAS = `
import json, os, sys, sqlite3, tempfile, warnings
import h5py, numpy as np, pandas as pd, pyarrow as pa, tables
warnings.simplefilter("error")  # a PyTables or pandas warning about our file is a failure
ours, source, out = sys.argv[1], sys.argv[2], sys.argv[3]
if source.endswith(".db"):
    expected = pd.read_sql("select * from observations", sqlite3.connect(source))
else:
    expected = pa.ipc.open_file(source).read_all().to_pandas()
actual = pd.read_hdf(ours, "observations")
pd.testing.assert_frame_equal(actual, expected, check_exact=True)  # values, dtypes, column order, RangeIndex
# PyTables sees pandas' nodes and attributes; h5py reads every dataset.
with tables.open_file(ours) as f:
    group = f.root.observations
    assert group._v_attrs.pandas_type == "frame" and group._v_attrs.nblocks == len(group._v_children) // 2 - 1
    kinds = sorted(type(n).__name__ for n in group._v_children.values())
with h5py.File(ours, "r") as f:
    names = []
    f.visititems(lambda name, node: names.append(name) if isinstance(node, h5py.Dataset) and node[()] is not None else None)
# pandas' own fixed files: with its default str dtype, and with object text columns (pandas 2, upstream archive).
sizes = {"ours": os.path.getsize(ours)}
for name, frame in [("pandas", expected), ("pandas_object", expected.astype({c: object for c in expected.columns if expected[c].dtype.kind in "OT"}))]:
    path = f"{out}.{name}.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' own PerformanceWarning about pickled object columns
        frame.to_hdf(path, key="observations", mode="w")
    sizes[name] = os.path.getsize(path)
print(json.dumps({"sizes": sizes, "kinds": kinds, "datasets": len(names), "dtypes": {str(k): int(v) for k, v in actual.dtypes.astype(str).value_counts().items()}}))
`;

function compareWithPandas(ours: string, source: string): { sizes: Record<string, number>; kinds: string[]; datasets: number; dtypes: Record<string, number> } {
  return JSON.parse(runPython(COMPARE_WITH_PANDAS, [ours, source, ours]));
}

describe('pandas reads our "fixed" files of the real opsim outputs as it reads the databases', () => {
  it.each([
    ['sample_opsim.db (current 47-column schema)', SAMPLE_OPSIM, 47],
    ['opsim_prenight_2024-08-13_1.db (older 45-column schema)', PRENIGHT_OPSIM, 45],
  ])('%s: equal DataFrame, PyTables and h5py read it, and it is no larger than pandas’ own file', async (_, db, columns) => {
    const ours = file(`${path.basename(db, '.db')}.h5`);
    await writeVisitTable(ours, () => openVisitTable(db));
    const result = compareWithPandas(ours, db);
    expect(Object.values(result.dtypes).reduce((a, b) => a + b, 0)).toBe(columns);
    expect(result.kinds).toEqual(['Array', 'Array', 'Array', 'Array', 'Array', 'Array', 'Array', 'VLArray']);
    expect(result.datasets).toBe(8);
    expect(result.sizes.ours).toBeLessThanOrEqual(Math.min(result.sizes.pandas, result.sizes.pandas_object));
    // Reading it back in TypeScript gives the database's table.
    expect(await hex(await readVisitTable(ours))).toBe(await hex(await readVisitTable(db)));
    await writeVisitTable(file(`${path.basename(db, '.db')}-table.h5`), () => openVisitTable(db), { hdf5Layout: 'table' });
    console.log(`${path.basename(db)}: ours ${result.sizes.ours} B, pandas fixed ${result.sizes.pandas} B (object text ${result.sizes.pandas_object} B), our table layout ${statSync(file(`${path.basename(db, '.db')}-table.h5`)).size} B`);
  });

  it('rubin_sim converts our file back to an opsim database that get_sim_data reads like the original', async () => {
    await writeVisitTable(file('for-rubin-sim.h5'), () => openVisitTable(SAMPLE_OPSIM));
    const output = runPython(
      `
import importlib.util, os, sys
import numpy as np
import rubin_sim
from rubin_sim.maf import get_sim_data
# The sim_archive package imports psycopg2 (not in the venv); its util module, which converts, does not.
spec = importlib.util.spec_from_file_location("sim_archive_util", os.path.join(rubin_sim.__path__[0], "sim_archive", "util.py"))
util = importlib.util.module_from_spec(spec)
spec.loader.exec_module(util)
hdf5_to_opsimdb = util.hdf5_to_opsimdb
db = hdf5_to_opsimdb(sys.argv[1], sys.argv[1] + ".db")
ours, original = get_sim_data(db), get_sim_data(sys.argv[2])
assert ours.dtype == original.dtype, (ours.dtype, original.dtype)
for name in original.dtype.names:
    assert np.array_equal(ours[name], original[name], equal_nan=original[name].dtype.kind == "f"), name
print(len(ours), len(ours.dtype.names))
`,
      [file('for-rubin-sim.h5'), SAMPLE_OPSIM],
    );
    expect(output.trim()).toBe('554 47');
  });
});

describe('a large synthetic opsim table', () => {
  it('200000 rows: pandas reads an equal DataFrame, and our file is no larger than pandas’ own', async () => {
    const source = () => syntheticOpsimBatches({ rows: 200_000, seed: 11, batchRows: 50_000 });
    await writeVisitTable(file('large.arrow'), source);
    await writeVisitTable(file('large.h5'), source);
    const result = compareWithPandas(file('large.h5'), file('large.arrow'));
    expect(result.dtypes).toEqual({ float64: 37, str: 6, int64: 4 });
    expect(result.sizes.ours).toBeLessThanOrEqual(Math.min(result.sizes.pandas, result.sizes.pandas_object));
    await writeVisitTable(file('large-table.h5'), source, { hdf5Layout: 'table' });
    console.log(`synthetic 200000 rows: ours ${result.sizes.ours} B, pandas fixed ${result.sizes.pandas} B (object text ${result.sizes.pandas_object} B), our table layout ${statSync(file('large-table.h5')).size} B`);
  });
});

describe('pandas reads every column type of the "fixed" layout as it would hold it', () => {
  it('bools as bool (HDF5 bitfields), narrow ints and float32 in their own blocks, nulls, no rows', async () => {
    const table = mixedTable();
    await writeVisitTable(file('types.h5'), table);
    await writeVisitTable(file('types.arrow'), table);
    await writeVisitTable(file('types-empty.h5'), table.slice(0, 0));
    const output = runPython(
      `
import sys, warnings, pandas as pd, pyarrow as pa
warnings.simplefilter("error")
d = sys.argv[1]
expected = pa.ipc.open_file(f"{d}/types.arrow").read_all().to_pandas()
expected["bn"] = expected["bn"].astype("float64")  # bools with nulls: float64 1/0/NaN, as pandas holds them
actual = pd.read_hdf(f"{d}/types.h5", "observations")
pd.testing.assert_frame_equal(actual, expected, check_exact=True)
empty = pd.read_hdf(f"{d}/types-empty.h5", "observations")
assert len(empty) == 0 and list(empty.columns) == list(expected.columns), empty
assert dict(empty.dtypes.astype(str)) == {**dict(actual.dtypes.astype(str)), "i64n": "int64", "bn": "bool", "s": "object", "band": "object"}, empty.dtypes
print(" ".join(f"{c}:{t}" for c, t in actual.dtypes.astype(str).items()))
`,
      [tmp.dir],
    );
    expect(output.trim()).toBe('f64:float64 f32:float32 i64:int64 i32:int32 i16:int16 i8:int8 u8:uint8 u16:uint16 u32:uint32 i64n:float64 b:bool bn:float64 s:str band:str');
  });
});
