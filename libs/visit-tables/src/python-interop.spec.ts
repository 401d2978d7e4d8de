/**
 * Interoperability proven from Python: the project venv (.venv, made by tools/python-env.sh)
 * reads what we write and writes what we read. Every test spawns .venv/bin/python.
 */
import * as path from 'node:path';
import { Table, vectorFromArray, Float64, Utf8 } from 'apache-arrow';
import { canonicalSha256, hdf5Layout, readVisitTable, syntheticOpsimTable, writeVisitTable } from './index';
import { referenceHashFunction, runPython, SAMPLE_OPSIM, tempDir } from './spec-helpers/python';
import { columnValues, kernelTable, mixedTable, recodeText, typeNames } from './spec-helpers/tables';

jest.setTimeout(120_000);

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

const file = (name: string) => path.join(tmp.dir, name);
const hex = async (t: Table) => (await canonicalSha256(t)).toString('hex');

/** Reads Arrow IPC files in pandas with nullable ints/bools kept apart, as the hash defines them. */
const READ_ARROW_AS_PANDAS = `
import pyarrow as pa, pandas as pd
MAPPING = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
           pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(), pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(),
           pa.bool_(): pd.BooleanDtype()}
def read_arrow(path):
    return pa.ipc.open_file(path).read_all().to_pandas(types_mapper=MAPPING.get)
`;

describe('the canonical hash equals numpy’s (docs/visit-tables.md reference function)', () => {
  it('on tables of every supported type, non-ASCII text, NaN payloads, nulls, odd names and no rows', async () => {
    const odd = new Table({
      "it's": vectorFromArray([1.5, 2.5], new Float64()),
      'a\'b"c': vectorFromArray(['x', 'y'], new Utf8()),
      'é\t\\ 😀': vectorFromArray(['', '𝄞 clef'], new Utf8()),
    });
    const tables: Record<string, Table> = {
      mixed: mixedTable(),
      'mixed-dictionary': recodeText(mixedTable(), 'dictionary'),
      'mixed-empty': mixedTable().slice(0, 0),
      kernels: kernelTable(),
      'all-null-text': new Table({ s: vectorFromArray([null, null], new Utf8()), x: vectorFromArray([null, 1], new Float64()) }),
      odd,
      opsim: syntheticOpsimTable({ rows: 3000, seed: 9, batchRows: 1000 }),
    };
    const expected: Record<string, string> = {};
    for (const [name, table] of Object.entries(tables)) {
      await writeVisitTable(file(`${name}.arrow`), table);
      expected[name] = await hex(table);
    }
    const output = runPython(
      `${referenceHashFunction()}\n${READ_ARROW_AS_PANDAS}\nimport json, sys\n` +
        `print(json.dumps({n: visitseq_sha256(read_arrow(sys.argv[1] + "/" + n + ".arrow")).hex() for n in sys.argv[2:]}))`,
      [tmp.dir, ...Object.keys(tables)],
    );
    expect(JSON.parse(output)).toEqual(expected);
  });
});

describe.each(['fixed', 'table'] as const)('pandas reads our HDF5 (%s layout)', (layout) => {
  it('into a DataFrame equal to the table (pandas’ own types for int/bool columns with nulls)', async () => {
    const table = mixedTable();
    await writeVisitTable(file(`mixed-${layout}.h5`), table, { hdf5Layout: layout });
    await writeVisitTable(file('mixed-for-h5.arrow'), table);
    const opsim = syntheticOpsimTable({ rows: 5000, seed: 2 });
    await writeVisitTable(file(`opsim-${layout}.h5`), opsim, { hdf5Layout: layout });
    await writeVisitTable(file('opsim-for-h5.arrow'), opsim);
    expect(await hdf5Layout(file(`opsim-${layout}.h5`))).toBe(layout);
    const output = runPython(
      `
import sys, pandas as pd, pyarrow as pa, numpy as np
for name in ["mixed", "opsim"]:
    actual = pd.read_hdf(f"{sys.argv[1]}/{name}-{sys.argv[2]}.h5", key="observations")
    expected = pa.ipc.open_file(f"{sys.argv[1]}/{name}-for-h5.arrow").read_all().to_pandas()
    for col in expected.columns:
        if expected[col].dtype == object:  # bools with nulls: pandas holds them as float64 1/0/NaN in HDF5
            expected[col] = expected[col].astype("float64")
    assert list(actual.columns) == list(expected.columns), (list(actual.columns), list(expected.columns))
    assert actual.index.equals(pd.RangeIndex(len(expected))), actual.index
    pd.testing.assert_frame_equal(actual.reset_index(drop=True), expected, check_exact=True)
    print(name, len(actual), {k: int(v) for k, v in actual.dtypes.astype(str).value_counts().items()})
`,
      [tmp.dir, layout],
    );
    expect(output).toMatch(/^mixed 6 /m);
    expect(output).toMatch(/^opsim 5000 \{'float64': 37, 'str': 6, 'int64': 4\}/m);
  });
});

describe('Python reads our opsim SQLite', () => {
  it('sqlite3 + pandas see the exact 47 opsim columns and types', async () => {
    await writeVisitTable(file('opsim.db'), syntheticOpsimTable({ rows: 4000, seed: 4 }));
    const output = runPython(
      `
import sys, sqlite3, pandas as pd
ours, sample = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
info = lambda con: [(r[1], r[2]) for r in con.execute("PRAGMA table_info(observations)")]
assert info(ours) == info(sample), (info(ours), info(sample))
assert len(info(ours)) == 47
assert [r[0] for r in ours.execute("select name from sqlite_master")] == ["observations"]
df, ref = pd.read_sql("select * from observations", ours), pd.read_sql("select * from observations", sample)
assert dict(df.dtypes.astype(str)) == dict(ref.dtypes.astype(str)), (df.dtypes, ref.dtypes)
print(len(df), len(df.columns))
`,
      [file('opsim.db'), SAMPLE_OPSIM],
    );
    expect(output.trim()).toBe('4000 47');
  });

  it('rubin_scheduler SchemaConverter().opsim2obs and rubin_sim get_sim_data read it with no warning of their own', async () => {
    // Ask rubin_scheduler which columns it writes today (4.6 added extinction_limit).
    const expectedColumns = JSON.parse(
      runPython(`
import json
from rubin_scheduler.scheduler.utils import SchemaConverter, ObservationArray
print(json.dumps(list(SchemaConverter().obs2opsim(ObservationArray(1)).columns)))
`),
    ) as string[];
    const base = syntheticOpsimTable({ rows: 1 }).schema.fields.map((f) => f.name);
    const extinctionLimit = expectedColumns.includes('extinction_limit');
    expect(expectedColumns).toEqual(extinctionLimit ? [...base, 'extinction_limit'] : base);
    const table = syntheticOpsimTable({ rows: 2000, seed: 8, extinctionLimit });
    await writeVisitTable(file('for-rubin.db'), table);
    const output = runPython(
      `
import sys, warnings, sqlite3, tempfile, os
import numpy as np, pandas as pd
from rubin_scheduler.scheduler.utils import SchemaConverter, ObservationArray
sc = SchemaConverter()
def read_warnings(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        obs = sc.opsim2obs(path)
    return obs, sorted(str(w.message) for w in caught)
# opsim2obs warns even on SchemaConverter's own output (it drops the "note" field, then looks for it):
# our file must give exactly those warnings and no other.
own = os.path.join(tempfile.mkdtemp(), "own.db")
sc.obs2opsim(ObservationArray(2), filename=own)
_, baseline = read_warnings(own)
obs, ours = read_warnings(sys.argv[1])
assert ours == baseline, (ours, baseline)
df = pd.read_sql("select * from observations", sqlite3.connect(sys.argv[1]))
again = sc.obs2opsim(obs)
assert list(again.columns) == list(df.columns)
for col in df.columns:
    if df[col].dtype.kind == "f":
        assert np.allclose(again[col], df[col], rtol=1e-12, atol=1e-9), col
    else:
        assert (again[col].to_numpy() == df[col].to_numpy()).all(), col
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # rubin_sim's own imports warn about optional extras
    from rubin_sim.maf import get_sim_data
visits = get_sim_data(sys.argv[1])
assert len(visits) == len(df) and list(visits.dtype.names) == list(df.columns)
assert np.array_equal(visits["observationStartMJD"], df["observationStartMJD"].to_numpy())
print(len(obs), len(visits))
`,
      [file('for-rubin.db')],
    );
    expect(output.trim()).toBe('2000 2000');
  });
});

describe('we read the pandas "fixed" HDF5 layout the upstream archive writes', () => {
  it('text as pickled object arrays (str, None, NaN, non-ASCII), numbers, bools, several blocks', async () => {
    runPython(
      `
import sys, numpy as np, pandas as pd, pyarrow as pa, pyarrow.feather, sqlite3, warnings
warnings.simplefilter("ignore")
d = sys.argv[1]
df = pd.DataFrame({
    "mjd": [60980.5, 60980.6, np.nan, 60981.0],
    "night": np.array([0, 0, 1, 1], dtype="i8"),
    "n32": np.array([1, -2, 3, 2**31 - 1], dtype="i4"),
    "flag": [True, False, True, False],
    "band": pd.Series(["g", "r", None, "😀"], dtype="str"),
    "note": pd.Series(["blob, gr", None, np.nan, "é"], dtype=object),
    "reason": pd.Series(["a", "bb", "", "ccc"], dtype=object),
    "alt": [45.0, -0.0, np.inf, 1e-300],
})
df.to_hdf(f"{d}/fixed.h5", key="observations", mode="w")
pa.feather.write_feather(pa.Table.from_pandas(df, preserve_index=False), f"{d}/fixed-expected.arrow", compression="uncompressed")
df.iloc[:0].to_hdf(f"{d}/fixed-empty.h5", key="observations", mode="w")
# What the upstream archive does with an opsim database: read_sql, then to_hdf (fixed layout).
opsim = pd.read_sql("select * from observations", sqlite3.connect(sys.argv[2]))
opsim.to_hdf(f"{d}/upstream.h5", key="observations", mode="w")
opsim.astype({c: object for c in opsim.columns if opsim[c].dtype.kind in "OT"}).to_hdf(f"{d}/upstream-object.h5", key="observations", mode="w")
`,
      [tmp.dir, SAMPLE_OPSIM],
    );
    expect(await hdf5Layout(file('fixed.h5'))).toBe('fixed');
    const fixed = await readVisitTable(file('fixed.h5'));
    const expected = await readVisitTable(file('fixed-expected.arrow'));
    expect(typeNames(fixed.schema)).toEqual({ mjd: 'Float64', night: 'Int64', n32: 'Int32', flag: 'Bool', band: 'Utf8', note: 'Utf8', reason: 'Utf8', alt: 'Float64' });
    expect(fixed.schema.fields.map((f) => f.name)).toEqual(expected.schema.fields.map((f) => f.name));
    // HDF5 floats have no null: NaN stays NaN, where pyarrow turned pandas' NaN into null.
    const nanAsNull = (values: unknown[]) => values.map((v) => (v === 'NaN' ? null : v));
    for (const field of expected.schema.fields) expect(nanAsNull(columnValues(fixed, field.name))).toEqual(columnValues(expected, field.name));
    expect(columnValues(fixed, 'note')).toEqual(['blob, gr', null, null, 'é']);
    expect(await hex(fixed)).toBe(await hex(expected));

    const empty = await readVisitTable(file('fixed-empty.h5'));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(expected.schema.fields.map((f) => f.name));

    const sample = await readVisitTable(SAMPLE_OPSIM);
    for (const name of ['upstream.h5', 'upstream-object.h5']) {
      const upstream = await readVisitTable(file(name));
      expect(typeNames(upstream.schema)).toEqual(typeNames(sample.schema));
      expect(await hex(upstream)).toBe(await hex(sample));
    }
  });
});
