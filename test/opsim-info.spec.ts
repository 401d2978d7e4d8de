/**
 * The opsim `info` table (a run's provenance) through the whole archive: add_simulation of a
 * `.db` with an info table as rubin_scheduler writes it, stored in several formats, then
 * downloaded as `.db`, `.h5` (both layouts), `.parquet` and `.arrow`: the info rows come back
 * equal and in order, and the visits' hash is the hash of the visits alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { opsimInfoOf, readVisitTable } from '@visitsarch/visit-tables';
import { SAMPLE_OPSIM_DB, makeHome, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT, run } from './support/run';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const INFO: [string, string][] = [
  ['Date, ymd', '2025, 11, 1'],
  ['hostname', 'sim-host'],
  ['rubin_scheduler.__version__', '4.6.0'],
  ['extra', 'é😀, "quoted"'],
  ['extra', 'a repeated parameter'],
];

describe('the opsim info table through add_simulation and download', () => {
  let stack: TestStack;
  let work: string;
  let db: string;
  const visitsarch = (args: string[]) => cli(args, stack.gateway);

  beforeAll(async () => {
    stack = await startTestStack();
    work = makeHome('visitsarch-opsim-info-');
    db = path.join(work, 'with-info.db');
    fs.copyFileSync(SAMPLE_OPSIM_DB, db);
    // The info table as rubin_scheduler's SchemaConverter.obs2opsim writes it (run_info_table's dtype).
    const made = await run(
      path.join(REPO_ROOT, '.venv', 'bin', 'python'),
      [
        '-c',
        `import json, sqlite3, sys
import numpy as np, pandas as pd
rows = json.loads(sys.argv[2])
info = np.zeros(len(rows), dtype=list(zip(["Parameter", "Value"], ["|U200", "|U200"])))
info["Parameter"] = [r[0] for r in rows]
info["Value"] = [r[1] for r in rows]
with sqlite3.connect(sys.argv[1]) as con:
    pd.DataFrame(info).to_sql("info", con, if_exists="append")`,
        db,
        JSON.stringify(INFO),
      ],
    );
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it.each([['default'], ['arrow-stream'], ['hdf5'], ['sqlite']])('stored as %s, every download format that can hold it gives the info rows back', async (storeAs) => {
    const added = await visitsarch(['add_simulation', db, `info stored as ${storeAs}`, '--telescope=simonyi', ...(storeAs === 'default' ? [] : [`--store_as=${storeAs}`])]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const uuid = added.stdout.trim();

    const shown = JSON.parse((await visitsarch(['--format', 'json', 'show', uuid])).stdout);
    expect(shown.visitseq_sha256).toBe((await visitsarch(['hash', SAMPLE_OPSIM_DB])).stdout.trim());

    const plain = await readVisitTable(SAMPLE_OPSIM_DB);
    for (const [name, extra] of [['visits.db', []], ['visits.h5', []], ['visits-table.h5', ['--hdf5-layout', 'table']], ['visits.parquet', []], ['visits.arrow', []]] as const) {
      const dest = path.join(work, `${storeAs}-${name}`);
      const downloaded = await visitsarch(['download', uuid, 'visits', dest, ...extra]);
      expect([name, downloaded.stderr, downloaded.code]).toEqual([name, '', 0]);
      const table = await readVisitTable(dest);
      expect([name, opsimInfoOf(table.schema)]).toEqual([name, INFO]);
      expect(table.numRows).toBe(plain.numRows);
    }
  });
});
