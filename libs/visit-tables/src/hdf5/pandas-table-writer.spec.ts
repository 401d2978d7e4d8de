/** The pandas "table" HDF5 writer's append mode: several keys in one file, as pandas' `mode="a"`. */
import * as path from 'node:path';
import { readHdf5, syntheticOpsimTable, writeHdf5 } from '../index';
import { runPython, tempDir } from '../spec-helpers/python';

jest.setTimeout(120_000);

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

describe('writing a second key into a "table" layout file (append)', () => {
  it('keeps the first table, and pandas and we read both', async () => {
    const file = path.join(tmp.dir, 'two.h5');
    const first = syntheticOpsimTable({ rows: 30, seed: 1 });
    const second = syntheticOpsimTable({ rows: 7, seed: 2 });
    await writeHdf5(file, first, { layout: 'table', key: 'reward_df', chunkRows: 30 });
    await writeHdf5(file, second, { layout: 'table', key: 'obs_rewards', chunkRows: 7, append: true });

    expect((await readHdf5(file, { key: 'reward_df' })).numRows).toBe(30);
    expect((await readHdf5(file, { key: 'obs_rewards' })).numRows).toBe(7);
    const seen = runPython(
      `import sys, pandas as pd
with pd.HDFStore(sys.argv[1], 'r') as store:
    print(sorted(store.keys()), len(store['reward_df']), len(store['obs_rewards']), store['obs_rewards']['observationStartMJD'].iloc[0])`,
      [file],
    );
    expect(seen.trim()).toBe(`['/obs_rewards', '/reward_df'] 30 7 ${second.getChild('observationStartMJD')!.get(0)}`);

    // Without append, the file is replaced.
    await writeHdf5(file, second, { layout: 'table', key: 'obs_rewards', chunkRows: 7 });
    await expect(readHdf5(file, { key: 'reward_df' })).rejects.toThrow();
  });
});
