import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Bool, Float64, Int64, Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { writeHdf5 } from '@visitsarch/visit-tables';

const BASIS_FUNCTIONS = ['M5DiffBasisFunction', 'FootprintBasisFunction', 'SlewtimeBasisFunction'];
const SURVEYS = ['greedy', 'blob_long', 'DDF'];
/** The scheduler refills its queue about every ten visits. */
const VISITS_PER_FILL = 10;

/**
 * The demo simulation's `rewards.h5`, shaped as rubin_scheduler's `sim_runner(record_rewards=True)`
 * returns them and the upstream archive stores them: `reward_df` (one row per basis function of
 * each survey each time the queue was filled) and `obs_rewards` (each visit's queue fill), under
 * those keys. Deterministic: the same visits give the same values.
 */
export async function writeDemoRewards(visits: Table, file: string): Promise<void> {
  const mjds = visits.getChild('observationStartMJD')!.toArray() as Float64Array;
  const fillNs = (mjd: number) => BigInt(Math.round(mjd * 86400e9));
  let state = 2025;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows: { survey: number; basis: string; start: number }[] = [];
  for (let visit = 0; visit < mjds.length; visit += VISITS_PER_FILL) {
    SURVEYS.forEach((_, survey) => BASIS_FUNCTIONS.forEach((basis) => rows.push({ survey, basis, start: mjds[visit] })));
  }
  const rewardDf = tableFromArrays({
    list_index: vectorFromArray(rows.map(() => 0n), new Int64()),
    survey_index: vectorFromArray(rows.map((row) => BigInt(row.survey)), new Int64()),
    survey_label: vectorFromArray(rows.map((row) => SURVEYS[row.survey]), new Utf8()),
    basis_function: vectorFromArray(rows.map((row) => row.basis), new Utf8()),
    feasible: vectorFromArray(rows.map(() => random() > 0.1), new Bool()),
    max_basis_reward: vectorFromArray(rows.map(() => random() * 2 - 1), new Float64()),
    basis_area: vectorFromArray(rows.map(() => random() * 2000), new Float64()),
    max_accum_reward: vectorFromArray(rows.map(() => random() * 2 - 1), new Float64()),
    accum_area: vectorFromArray(rows.map(() => random() * 2000), new Float64()),
    queue_start_mjd: vectorFromArray(rows.map((row) => row.start), new Float64()),
    queue_fill_mjd_ns: vectorFromArray(rows.map((row) => fillNs(row.start)), new Int64()),
  } as any);
  const obsRewards = tableFromArrays({
    mjd: vectorFromArray(Array.from(mjds), new Float64()),
    queue_fill_mjd_ns: vectorFromArray(Array.from(mjds, (_, i) => fillNs(mjds[i - (i % VISITS_PER_FILL)])), new Int64()),
  } as any);
  // Small tables: one chunk each ("table" layout, which can hold two keys in one file).
  await writeHdf5(file, rewardDf, { layout: 'table', key: 'reward_df', chunkRows: rewardDf.numRows });
  await writeHdf5(file, obsRewards, { layout: 'table', key: 'obs_rewards', chunkRows: obsRewards.numRows, append: true });
}

/** Runs `work` with the demo's rewards written to a temporary `rewards.h5`, removed afterwards. */
export async function withDemoRewards<T>(visits: Table, work: (file: string) => Promise<T>): Promise<T> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-demo-'));
  try {
    const file = path.join(directory, 'rewards.h5');
    await writeDemoRewards(visits, file);
    return await work(file);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
