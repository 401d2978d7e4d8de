/**
 * The opsim `info` table (run provenance) through every format that can hold it: read from a
 * `.db` written by rubin_scheduler's own SchemaConverter.obs2opsim and from the upstream
 * archive's `.h5`, kept as schema metadata, written back, and read by Python.
 */
import * as path from 'node:path';
import { Schema, Table } from 'apache-arrow';
import { canonicalSha256, hdf5Layout, OPSIM_INFO_METADATA_KEY, OpsimInfoRow, opsimInfoOf, readVisitTable, syntheticOpsimTable, withOpsimInfo, writeVisitTable } from './index';
import { runPython, tempDir } from './spec-helpers/python';

jest.setTimeout(180_000);

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);

/** As run_info_table makes them, plus a duplicate parameter and non-ASCII text (order and duplicates must survive). */
const INFO: OpsimInfoRow[] = [
  ['Date, ymd', '2025, 6, 1'],
  ['hostname', 'sim-host'],
  ['rubin_scheduler.__version__', '4.6.0'],
  ['note', 'é😀 "quoted", comma'],
  ['note', 'second'],
];

const withInfo = (table: Table, rows: OpsimInfoRow[]) => new Table(withOpsimInfo(table.schema, rows), table.batches);

describe('the opsim info table', () => {
  it('is read from a .db written by rubin_scheduler SchemaConverter.obs2opsim, and from upstream opsimdb_to_hdf5 output', async () => {
    runPython(
      `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")  # pandas 3 deprecations inside rubin_scheduler
from rubin_scheduler.scheduler.utils import SchemaConverter, ObservationArray
from rubin_sim.sim_archive.util import opsimdb_to_hdf5
rows = json.loads(sys.argv[2])
obs = ObservationArray(3)
obs["mjd"] = [60000.1, 60000.2, 60000.3]
obs["band"] = ["g", "r", "i"]
info = np.zeros(len(rows), dtype=list(zip(["Parameter", "Value"], ["|U200", "|U200"])))  # run_info_table's dtype
info["Parameter"] = [r[0] for r in rows]
info["Value"] = [r[1] for r in rows]
SchemaConverter().obs2opsim(obs, filename=sys.argv[1] + "/rs.db", info=info)
opsimdb_to_hdf5(sys.argv[1] + "/rs.db", sys.argv[1] + "/upstream.h5")`,
      [tmp.dir, JSON.stringify(INFO)],
    );
    const fromDb = await readVisitTable(file('rs.db'));
    expect(opsimInfoOf(fromDb.schema)).toEqual(INFO);
    expect(fromDb.numRows).toBe(3);
    const fromH5 = await readVisitTable(file('upstream.h5'));
    expect(opsimInfoOf(fromH5.schema)).toEqual(INFO);
    expect(await canonicalSha256(fromH5)).toEqual(await canonicalSha256(fromDb));
  });

  it.each(['visits.db', 'visits.h5', 'visits-table.h5', 'visits.parquet', 'visits.arrow', 'visits.arrows'])('round-trips through %s with the visits unchanged', async (name) => {
    const visits = syntheticOpsimTable({ rows: 500, seed: 3, batchRows: 200 });
    await writeVisitTable(file(name), withInfo(visits, INFO), { hdf5Layout: name.includes('table') ? 'table' : 'fixed' });
    const back = await readVisitTable(file(name));
    expect(opsimInfoOf(back.schema)).toEqual(INFO);
    expect(back.schema.fields.map((f) => f.name)).toEqual(visits.schema.fields.map((f) => f.name));
    expect(await canonicalSha256(back)).toEqual(await canonicalSha256(visits));
    if (name.endsWith('.h5')) expect(await hdf5Layout(file(name))).toBe(name.includes('table') ? 'table' : 'fixed');
  });

  it('is absent when a file has none, and nothing is written for a table without it', async () => {
    const visits = syntheticOpsimTable({ rows: 10, seed: 4 });
    for (const name of ['plain.db', 'plain.h5', 'plain.parquet', 'plain.arrow']) {
      await writeVisitTable(file(name), visits);
      expect((await readVisitTable(file(name))).schema.metadata.has(OPSIM_INFO_METADATA_KEY)).toBe(false);
    }
    const tables = runPython(
      `import sqlite3, sys, pandas as pd
print(sorted(r[0] for r in sqlite3.connect(sys.argv[1] + "/plain.db").execute("SELECT name FROM sqlite_master")))
with pd.HDFStore(sys.argv[1] + "/plain.h5", "r") as s: print(s.keys())`,
      [tmp.dir],
    );
    expect(tables.trim().split('\n')).toEqual(["['observations']", "['/observations']"]);
  });

  it('is written as rubin_scheduler writes it (.db) and as pandas reads it (.db, both .h5 layouts, Parquet, Arrow)', async () => {
    const visits = withInfo(syntheticOpsimTable({ rows: 50, seed: 5 }), INFO);
    await writeVisitTable(file('ours.db'), visits);
    await writeVisitTable(file('ours-fixed.h5'), visits);
    await writeVisitTable(file('ours-table.h5'), visits, { hdf5Layout: 'table' });
    await writeVisitTable(file('ours.parquet'), visits);
    await writeVisitTable(file('ours.arrow'), visits);
    const output = runPython(
      `import json, sqlite3, sys, warnings
import numpy as np, pandas as pd, pyarrow.parquet as pq, pyarrow as pa
warnings.simplefilter("error")
d = sys.argv[1]
rows = json.loads(sys.argv[2])
ref = sqlite3.connect(":memory:")
info = np.zeros(len(rows), dtype=list(zip(["Parameter", "Value"], ["|U200", "|U200"])))
info["Parameter"] = [r[0] for r in rows]
info["Value"] = [r[1] for r in rows]
pd.DataFrame(info).to_sql("info", ref)  # what SchemaConverter.obs2opsim does
sql = lambda con: [r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'info' ORDER BY type DESC")]
ours = sqlite3.connect(d + "/ours.db")
out = {"sql": sql(ours) == sql(ref), "sql_text": sql(ours)}
a, b = pd.read_sql("SELECT * FROM info", ours), pd.read_sql("SELECT * FROM info", ref)
out["db_frame_equal"] = bool(a.equals(b)) and list(a.dtypes.astype(str)) == list(b.dtypes.astype(str))
out["db"] = a[["Parameter", "Value"]].values.tolist()
for layout in ["fixed", "table"]:
    f = pd.read_hdf(d + "/ours-" + layout + ".h5", "info")
    out["h5_" + layout] = f[["Parameter", "Value"]].values.tolist()
    out["h5_" + layout + "_index"] = f["index"].tolist()
    out["h5_" + layout + "_visits"] = len(pd.read_hdf(d + "/ours-" + layout + ".h5", "observations"))
out["parquet"] = json.loads(pq.read_schema(d + "/ours.parquet").metadata[b"opsim.info"])
out["arrow"] = json.loads(pa.ipc.open_file(d + "/ours.arrow").schema.metadata[b"opsim.info"])
print(json.dumps(out))`,
      [tmp.dir, JSON.stringify(INFO)],
    );
    const seen = JSON.parse(output);
    expect(seen.sql_text).toEqual(['CREATE TABLE "info" (\n"index" INTEGER,\n  "Parameter" TEXT,\n  "Value" TEXT\n)', 'CREATE INDEX "ix_info_index"ON "info" ("index")']);
    expect(seen.sql).toBe(true);
    expect(seen.db_frame_equal).toBe(true);
    for (const key of ['db', 'h5_fixed', 'h5_table', 'parquet', 'arrow']) expect([key, seen[key]]).toEqual([key, INFO]);
    expect(seen.h5_fixed_index).toEqual([0, 1, 2, 3, 4]);
    expect(seen.h5_table_index).toEqual([0, 1, 2, 3, 4]);
    expect(seen.h5_fixed_visits).toBe(50);
    expect(seen.h5_table_visits).toBe(50);
  });

  it('does not change the canonical hash, and malformed metadata is refused by the writers', async () => {
    const visits = syntheticOpsimTable({ rows: 20, seed: 6 });
    expect(await canonicalSha256(withInfo(visits, INFO))).toEqual(await canonicalSha256(visits));
    const bad = new Table(new Schema(visits.schema.fields, new Map([[OPSIM_INFO_METADATA_KEY, '{"not": "rows"}']])), visits.batches);
    await expect(writeVisitTable(file('bad.db'), bad)).rejects.toThrow(/opsim.info/);
    await expect(writeVisitTable(file('bad.h5'), bad)).rejects.toThrow(/opsim.info/);
  });

  it('appending to a .db continues the info index as pandas to_sql(if_exists="append") does', async () => {
    const { writeOpsimSqlite } = await import('./sqlite');
    const visits = withInfo(syntheticOpsimTable({ rows: 5, seed: 7 }), INFO.slice(0, 2));
    await writeOpsimSqlite(file('twice.db'), visits);
    await writeOpsimSqlite(file('twice.db'), visits, { ifExists: 'append' });
    const back = await readVisitTable(file('twice.db'));
    expect(back.numRows).toBe(10);
    expect(opsimInfoOf(back.schema)).toEqual([...INFO.slice(0, 2), ...INFO.slice(0, 2)]);
    const indices = runPython(`import sqlite3, sys; print([r[0] for r in sqlite3.connect(sys.argv[1]).execute('SELECT "index" FROM info ORDER BY rowid')])`, [file('twice.db')]);
    expect(indices.trim()).toBe('[0, 1, 2, 3]');
  });
});
