import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { canonicalSha256, hdf5Layout, readVisitTable, syntheticOpsimTable } from '@visitsarch/visit-tables';
import { toIpcChunks } from './arrow-ipc';
import { writeVisitsFile } from './visits-file';

describe('writeVisitsFile (download converted on the client)', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visits-file-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes .h5 in pandas’ "fixed" layout by default and in the "table" layout on request (--hdf5-layout)', async () => {
    const table = tableFromArrays({ observationStartMJD: Float64Array.from([60000.1, 60000.2]), band: ['g', 'r'] });
    const messages = async function* () {
      for await (const chunk of toIpcChunks(table)) yield { chunk };
    };
    const expected = await canonicalSha256(table);
    for (const layout of [undefined, 'table', 'fixed'] as const) {
      const file = path.join(dir, `visits-${layout ?? 'default'}.h5`);
      await writeVisitsFile(messages(), file, file, layout);
      expect(await hdf5Layout(file)).toBe(layout ?? 'fixed');
      expect(await canonicalSha256(await readVisitTable(file))).toEqual(expected);
    }
  });

  it('writes .db batch by batch and .h5 through a copy of the stream it removes, for a table of many chunks', async () => {
    const table = syntheticOpsimTable({ rows: 20_000, seed: 3, batchRows: 3000 });
    const messages = async function* () {
      for await (const chunk of toIpcChunks(table)) yield { chunk };
    };
    const expected = await canonicalSha256(table);
    const out = fs.mkdtempSync(path.join(dir, 'many-'));
    for (const name of ['visits.db', 'visits.h5']) {
      const partial = path.join(out, `.${name}.partial`);
      await writeVisitsFile(messages(), partial, path.join(out, name));
      expect(fs.readdirSync(out).filter((f) => f.startsWith(`.${name}`))).toEqual([`.${name}.partial`]); // no spool left behind
      expect(await canonicalSha256(await readVisitTable(partial, { format: name.endsWith('.db') ? 'sqlite' : 'hdf5' }))).toEqual(expected);
    }
  });
});
