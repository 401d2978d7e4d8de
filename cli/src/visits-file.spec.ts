import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { canonicalSha256, hdf5Layout, readVisitTable } from '@visitsarch/visit-tables';
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
});
