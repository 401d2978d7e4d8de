/**
 * The stats service through the whole archive: sequences added through the gateway (visits
 * stored by the real blob archive, records in the real PostgreSQL through the real metadata
 * service), then ComputeNightlyStats, ListNightlyStats, PlotNightlyStats and ImportMafResults
 * through the gateway, and the `nightly_stats` / `plot_nightly` commands of the CLI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Float64, Int64, RecordBatch, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { Client } from 'pg';
import { gatewayV1, metadataV1, statsV1, typeV1 } from '@visitsarch/contracts';
import { GatewayClients } from '@visitsarch/grpc-client';
import { computeNightlyStats, NightlyStatRow } from '@visitsarch/nightly-stats';
import { mismatches, pandasNightlyStats } from '@visitsarch/nightly-stats/testing';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { makeHome, startTestStack } from './support/stack-fixture';
import { cli, REPO_ROOT } from './support/run';

jest.setTimeout(180_000);

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let stack: TestStack;
let archive: GatewayClients;
let gateway: GatewayClients['gateway'];
let metadata: GatewayClients['metadata'];
let stats: GatewayClients['stats'];
let db: Client;
let work: string;

/** The sequences the tests use, by role. */
const uuids = {} as Record<'baseline' | 'prenight' | 'completed' | 'awkward' | 'noNights' | 'metadataOnly' | 'corrupted', string>;
const opsim = syntheticOpsimTable({ rows: 6000, seed: 11, batchRows: 2500 });
const prenight = syntheticOpsimTable({ rows: 5000, seed: 12 });
const completed = syntheticOpsimTable({ rows: 4000, seed: 13 });
const awkward = awkwardTable();

/** mulberry32: deterministic test data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An awkward opsim-like table: 30 nights with gaps (empty nights), single-visit nights, a night
 * whose altitudes are all NaN, scattered NaNs, tied (rounded) values, an int64 column, and
 * rows out of night order.
 */
function awkwardTable(): Table {
  const next = random(7);
  const mjd: number[] = [];
  const altitude: number[] = [];
  const azimuth: number[] = [];
  const fieldRA: number[] = [];
  const target: bigint[] = [];
  const note: string[] = [];
  for (let night = 0; night < 30; night++) {
    if (night % 7 === 3) continue; // an empty night
    const visits = night % 5 === 1 ? 1 : 1 + Math.floor(next() * 60);
    for (let v = 0; v < visits; v++) {
      mjd.push(60980.5 + night + 0.48 + v * 0.0004);
      const u = next();
      altitude.push(night === 12 || u < 0.12 ? NaN : Math.round(20 + 70 * next())); // ties
      azimuth.push(u > 0.9 ? NaN : 360 * next());
      fieldRA.push(-30 + 400 * next() * next());
      target.push(BigInt(Math.floor(next() * 5)));
      note.push(`visit ${v}`);
    }
  }
  const rotate = <T>(values: T[]) => [...values.slice(300, 420), ...values.slice(0, 300), ...values.slice(420)];
  return new Table({
    observationStartMJD: vectorFromArray(rotate(mjd), new Float64()),
    altitude: vectorFromArray(rotate(altitude), new Float64()),
    azimuth: vectorFromArray(rotate(azimuth), new Float64()),
    fieldRA: vectorFromArray(rotate(fieldRA), new Float64()),
    target_id: vectorFromArray(rotate(target), new Int64()),
    note: vectorFromArray(rotate(note), new Utf8()),
  });
}

/** A table as the gateway takes it: one Arrow IPC stream in pieces (a piece need not end on a message boundary). */
function* ipcChunks(table: Table): Generator<typeV1.ArrowIpcChunk> {
  const bytes = tableToIPC(table, 'stream');
  const piece = 50_000;
  for (let start = 0; start < bytes.length; start += piece) yield { ipcBytes: Buffer.from(bytes.subarray(start, start + piece)), rowCount: start === 0 ? table.numRows : 0 };
}

async function addSimulation(label: string, table: Table, extra: Partial<gatewayV1.AddSimulationHeader> = {}): Promise<gatewayV1.AddSimulationResponse> {
  const header: gatewayV1.AddSimulationHeader = { label, telescope: 'simonyi', tags: [], requestId: '', format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED, ...extra };
  return gateway.clientStream('addSimulation', [{ header }, ...[...ipcChunks(table)].map((chunk) => ({ chunk }))]);
}

async function addCompleted(label: string, table: Table): Promise<gatewayV1.AddCompletedResponse> {
  const header: gatewayV1.AddCompletedHeader = { label, telescope: 'simonyi', query: 'SELECT * FROM cdb_lsstcam.visit1 -- synthetic', tags: [], requestId: '', format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED };
  return gateway.clientStream('addCompleted', [{ header }, ...[...ipcChunks(table)].map((chunk) => ({ chunk }))]);
}

/** The library's answer for a whole in-memory table. */
function libraryStats(table: Table, columns: string[], accumulated: boolean, range: { firstDayObs?: string; lastDayObs?: string } = {}) {
  return computeNightlyStats({ schema: table.schema, async *[Symbol.asyncIterator](): AsyncGenerator<RecordBatch> { yield* table.batches; } }, { columns, accumulated, ...range });
}

/** Every stored statistic matching a filter, following ListNightlyStats' pages (small pages, so there are several). */
async function listStats(request: Partial<metadataV1.ListNightlyStatsRequest>): Promise<metadataV1.NightlyStat[]> {
  const stats: metadataV1.NightlyStat[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await metadata.unary('listNightlyStats', { visitseqUuids: [], valueNames: [], pageSize: 40, ...request, pageToken });
    stats.push(...page.stats);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken);
  expect(pages).toBeGreaterThan(0);
  return stats;
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'OK', (error: grpc.ServiceError) => grpc.status[error.code] ?? String(error));

/** Rows in PostgreSQL's nightly_stats for a sequence. */
async function storedRowCount(uuid: string): Promise<number> {
  const result = await db.query('SELECT count(*)::int AS n FROM visitsarch.nightly_stats WHERE visitseq_uuid = $1', [uuid]);
  return result.rows[0].n as number;
}

beforeAll(async () => {
  stack = await startTestStack();
  work = makeHome('visitsarch-stats-');
  archive = new GatewayClients(stack.gateway, { token: stack.token });
  ({ gateway, metadata, stats } = archive);
  db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  uuids.baseline = (await addSimulation('baseline v5.1', opsim)).visitseqUuid;
  uuids.prenight = (await addSimulation('prenight 2025-11-02', prenight)).visitseqUuid;
  uuids.completed = (await addCompleted('completed (ConsDB)', completed)).visitseqUuid;
  uuids.awkward = (await addSimulation('NaNs, single-visit and empty nights', awkward)).visitseqUuid;
  const noNights = new Table({ altitude: vectorFromArray([1, 2], new Float64()), band: vectorFromArray(['r', 'g'], new Utf8()) });
  uuids.noNights = (await addSimulation('no nights', noNights, { firstDayObs: '2025-11-01', lastDayObs: '2025-11-02' })).visitseqUuid;
  uuids.metadataOnly = (await addSimulation('metadata only', syntheticOpsimTable({ rows: 500, seed: 21 }), { archiveUrl: '' })).visitseqUuid;
  uuids.corrupted = (await addSimulation('to be corrupted', syntheticOpsimTable({ rows: 1500, seed: 22 }))).visitseqUuid;
}, 300_000);

afterAll(async () => {
  archive?.close();
  await db?.end();
  await stack?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('ComputeNightlyStats', () => {
  it('describes the stored visits like the library and pandas, reports missing columns, and stores them', async () => {
    const columns = ['altitude', 's_ra', 'eff_time_median'];
    const request = { visitseqUuid: uuids.baseline, columns, store: true, includeAccumulated: true, omitStats: false };
    const response = await stats.unary('computeNightlyStats', request);
    const expected = await libraryStats(opsim, columns, true);
    expect(response.missingColumns).toEqual(['eff_time_median']);
    expect(expected.rows.length).toBeGreaterThan(10);
    expect(response.statCount).toBe(expected.rows.length);
    expect(response.stats).toEqual(expected.rows.map((row) => ({ visitseqUuid: uuids.baseline, ...row })));
    expect(mismatches(response.stats, pandasNightlyStats(opsim, { altitude: 'altitude', s_ra: 'fieldRA' }, true))).toEqual([]);

    // What was stored (PostgreSQL, read back through the gateway) is what was computed.
    expect(await storedRowCount(uuids.baseline)).toBe(expected.rows.length);
    const stored = await listStats({ visitseqUuids: [uuids.baseline] });
    expect(sortStats(stored)).toEqual(sortStats(response.stats));
  });

  it('upserts: computing and storing again adds no row and leaves the values equal', async () => {
    const request = { visitseqUuid: uuids.baseline, columns: ['altitude', 's_ra'], store: true, includeAccumulated: true, omitStats: true };
    const first = await stats.unary('computeNightlyStats', request);
    const before = sortStats(await listStats({ visitseqUuids: [uuids.baseline] }));
    const count = await storedRowCount(uuids.baseline);
    expect(count).toBe(before.length);
    const again = await stats.unary('computeNightlyStats', request);
    expect(again).toMatchObject({ stats: [], statCount: first.statCount });
    expect(first.statCount).toBeGreaterThan(0);
    expect(await storedRowCount(uuids.baseline)).toBe(count);
    expect(sortStats(await listStats({ visitseqUuids: [uuids.baseline] }))).toEqual(before);
  });

  it('equals pandas on a stored table with NaNs, ties, an int64 column, single-visit and empty nights', async () => {
    const columns = { altitude: 'altitude', azimuth: 'azimuth', s_ra: 'fieldRA', target_id: 'target_id' };
    const response = await stats.unary('computeNightlyStats', { visitseqUuid: uuids.awkward, columns: Object.keys(columns), store: true, includeAccumulated: true, omitStats: false });
    expect(response.missingColumns).toEqual([]);
    const rows = response.stats.map(({ visitseqUuid: _uuid, ...row }) => row);
    expect(mismatches(rows, pandasNightlyStats(awkward, columns, true))).toEqual([]);
    expect(rows).toEqual((await libraryStats(awkward, Object.keys(columns), true)).rows);
    // The cases the table was built for are really there.
    const single = rows.filter((r) => !r.accumulated && r.valueName === 's_ra' && r.count === 1);
    expect(single.length).toBeGreaterThan(0);
    expect(single.every((r) => Number.isNaN(r.std) && r.min === r.p05 && r.p95 === r.max)).toBe(true);
    const allNaN = rows.find((r) => !r.accumulated && r.valueName === 'altitude' && r.dayObs === '2025-11-13');
    expect(allNaN).toMatchObject({ count: 0 });
    expect(Number.isNaN(allNaN!.median)).toBe(true);
    expect(rows.some((r) => r.dayObs === '2025-11-04')).toBe(false); // night 3 is empty
    // NaN statistics survive PostgreSQL.
    const stored = await listStats({ visitseqUuids: [uuids.awkward], valueNames: ['altitude'], dayObsRange: { firstDayObs: '2025-11-13', lastDayObs: '2025-11-13' }, accumulated: false });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual({ visitseqUuid: uuids.awkward, ...allNaN });
  });

  it('defaults to altitude and azimuth, single-night statistics, and restricts to a day_obs range', async () => {
    const response = await stats.unary('computeNightlyStats', { visitseqUuid: uuids.prenight, columns: [], store: false, includeAccumulated: false, omitStats: false, dayObsRange: { firstDayObs: '20251105', lastDayObs: '2025-11-08' } });
    expect(new Set(response.stats.map((s) => s.valueName))).toEqual(new Set(['altitude', 'azimuth']));
    expect(response.stats.every((s) => !s.accumulated && s.dayObs >= '2025-11-05' && s.dayObs <= '2025-11-08')).toBe(true);
    expect(response.stats.length).toBeGreaterThan(0);
    const expected = await libraryStats(prenight, ['altitude', 'azimuth'], false, { firstDayObs: '2025-11-05', lastDayObs: '2025-11-08' });
    expect(response.stats).toEqual(expected.rows.map((row) => ({ visitseqUuid: uuids.prenight, ...row })));
    expect(await storedRowCount(uuids.prenight)).toBe(0); // store = false
  });

  it('reads a mixed sequence from its parents: early nights from one, late nights from the other', async () => {
    const mixed = await gateway.unary('addMixed', {
      label: 'baseline through 2025-11-04, then prenight',
      telescope: '',
      earlyParentUuid: uuids.baseline,
      lateParentUuid: uuids.prenight,
      lastEarlyDayObs: '2025-11-04',
      firstLateDayObs: '2025-11-05',
      materialize: false,
      tags: [],
      requestId: '',
      format: 0,
    });
    const response = await stats.unary('computeNightlyStats', { visitseqUuid: mixed.visitseqUuid, columns: ['altitude'], store: false, includeAccumulated: false, omitStats: false });
    const early = (await libraryStats(opsim, ['altitude'], false, { lastDayObs: '2025-11-04' })).rows;
    const late = (await libraryStats(prenight, ['altitude'], false, { firstDayObs: '2025-11-05' })).rows;
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    expect(response.stats).toEqual([...early, ...late].map((row) => ({ visitseqUuid: mixed.visitseqUuid, ...row })));
  });

  it('answers with the contract codes', async () => {
    const base = { columns: [], store: false, includeAccumulated: false, omitStats: false };
    const compute = (request: Partial<statsV1.ComputeNightlyStatsRequest>) => codeOf(stats.unary('computeNightlyStats', { ...base, visitseqUuid: uuids.baseline, ...request }));
    expect(await compute({ visitseqUuid: 'nope' })).toBe('INVALID_ARGUMENT');
    expect(await compute({ visitseqUuid: '00000000-0000-4000-8000-000000000099' })).toBe('NOT_FOUND');
    expect(await compute({ visitseqUuid: uuids.metadataOnly })).toBe('FAILED_PRECONDITION');
    expect(await compute({ visitseqUuid: uuids.noNights })).toBe('FAILED_PRECONDITION');
    expect(await compute({ columns: ['band'] })).toBe('INVALID_ARGUMENT');
    expect(await compute({ columns: ['altitude', ' '] })).toBe('INVALID_ARGUMENT');
    expect(await compute({ dayObsRange: { firstDayObs: '2025-11-09', lastDayObs: '2025-11-02' } })).toBe('INVALID_ARGUMENT');
    expect(await compute({ dayObsRange: { firstDayObs: '2025-13-45', lastDayObs: '' } })).toBe('INVALID_ARGUMENT');
    expect(await compute({ visitseqUuid: uuids.corrupted })).toBe('OK');
  });

  it('says DATA_LOSS when the stored object no longer hashes as its file record says', async () => {
    const { visitSequence } = await metadata.unary('getVisitSequence', { visitseqUuid: uuids.corrupted });
    const url = visitSequence!.visitseqUrl!;
    expect(url.startsWith('file://')).toBe(true);
    const file = fileURLToPath(url);
    expect(file.startsWith(path.join(stack.home, 'archive'))).toBe(true);
    const bytes = fs.readFileSync(file);
    const original = Buffer.from(bytes);
    const at = Math.floor(bytes.length / 2);
    bytes[at] ^= 0xff;
    fs.writeFileSync(file, bytes);
    try {
      expect(await codeOf(stats.unary('computeNightlyStats', { visitseqUuid: uuids.corrupted, columns: ['altitude'], store: true, includeAccumulated: false, omitStats: false }))).toBe('DATA_LOSS');
      expect(await storedRowCount(uuids.corrupted)).toBe(0);
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(await codeOf(stats.unary('computeNightlyStats', { visitseqUuid: uuids.corrupted, columns: ['altitude'], store: false, includeAccumulated: false, omitStats: false }))).toBe('OK');
  });
});

describe('PlotNightlyStats', () => {
  const three = () => [uuids.baseline, uuids.prenight, uuids.completed];
  const labels = ['baseline v5.1', 'prenight 2025-11-02', 'completed (ConsDB)'];

  beforeAll(async () => {
    for (const uuid of three()) await stats.unary('computeNightlyStats', { visitseqUuid: uuid, columns: ['altitude'], store: true, includeAccumulated: true, omitStats: true });
  });

  const plot = (visitseqUuids: string[], format = typeV1.ImageFormat.IMAGE_FORMAT_UNSPECIFIED, accumulated = false) =>
    stats.unary('plotNightlyStats', { visitseqUuids, valueName: 'altitude', accumulated, format, dayObsRange: { firstDayObs: '', lastDayObs: '2025-11-20' } });

  it.each([[1], [3]])('draws an SVG for %i sequence(s): one box per stored night and sequence, a legend, readable axes', async (count) => {
    const plotted = three().slice(0, count);
    const response = await plot(plotted);
    expect(response.mediaType).toBe('image/svg+xml');
    const svg = Buffer.from(response.image).toString('utf8');
    expect(wellFormedXml(svg)).toBe('ok');
    const stored = await listStats({ visitseqUuids: plotted, valueNames: ['altitude'], accumulated: false, dayObsRange: { firstDayObs: '', lastDayObs: '2025-11-20' } });
    expect(stored.length).toBeGreaterThan(count * 5);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"\/>/g)).toHaveLength(stored.length); // the boxes
    expect(svg.match(/<g stroke="#[0-9A-F]{6}"/g)).toHaveLength(count); // one series per sequence
    expect(svg).toContain('altitude (deg)');
    expect(svg).toContain('2025-11-0');
    expect(svg).not.toContain('2025-11-21');
    for (const label of labels.slice(0, count)) expect(svg).toContain(`>${label}</text>`);
    for (const label of labels.slice(count)) expect(svg).not.toContain(label);
  });

  it('renders PNG for one and three sequences: the PNG signature, 2000 × 1120 pixels', async () => {
    for (const plotted of [three().slice(0, 1), three()]) {
      const response = await plot(plotted, typeV1.ImageFormat.IMAGE_FORMAT_PNG, true);
      const png = Buffer.from(response.image);
      expect(response.mediaType).toBe('image/png');
      expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2000, 1120]); // 1000 × 560 drawn at 2×
      fs.writeFileSync(path.join(work, `plot-${plotted.length}.png`), png);
      if (process.env.VISITSARCH_KEEP_PLOTS) fs.copyFileSync(path.join(work, `plot-${plotted.length}.png`), path.join(process.env.VISITSARCH_KEEP_PLOTS, `plot-${plotted.length}.png`));
    }
  });

  it('answers with the contract codes', async () => {
    const request = (extra: Partial<statsV1.PlotNightlyStatsRequest>) => codeOf(stats.unary('plotNightlyStats', { visitseqUuids: [uuids.baseline], valueName: 'altitude', accumulated: false, format: 0, ...extra }));
    expect(await request({ visitseqUuids: [] })).toBe('INVALID_ARGUMENT');
    expect(await request({ visitseqUuids: Array.from({ length: 21 }, () => uuids.baseline) })).toBe('INVALID_ARGUMENT');
    expect(await request({ valueName: ' ' })).toBe('INVALID_ARGUMENT');
    expect(await request({ visitseqUuids: ['not-a-uuid'] })).toBe('INVALID_ARGUMENT');
    expect(await request({ visitseqUuids: ['00000000-0000-4000-8000-000000000099'] })).toBe('NOT_FOUND');
    expect(await request({ valueName: 'airmass' })).toBe('FAILED_PRECONDITION'); // never computed
    expect(await request({ visitseqUuids: [uuids.metadataOnly] })).toBe('FAILED_PRECONDITION');
    expect(await request({ dayObsRange: { firstDayObs: '2030-01-01', lastDayObs: '' } })).toBe('FAILED_PRECONDITION');
  });
});

describe('ImportMafResults', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(work, 'maf-'))));

  /** A results database written by rubin_sim's own ResultsDb (the real MAF schema). */
  function resultsDb(): Buffer {
    const script = String.raw`
import sys, numpy as np
from rubin_sim.maf.db import ResultsDb
db = ResultsDb(out_dir=sys.argv[1])
m1 = db.update_metric('CoaddM5', 'HealpixSlicer', 'baseline', "filter = 'r'", 'r band', 'm1.npz')
db.update_summary_stat(m1, 'Median', 26.5)
db.update_summary_stat(m1, 'Mean', 26.25)
m2 = db.update_metric('Nvisits', 'UniSlicer', 'baseline', '', '', 'm2.npz')
db.update_summary_stat(m2, 'Count', 2100000)
db.update_summary_stat(m2, 'Identity', np.array([('a', 1.5), ('b', 2.5)], dtype=[('name', 'U4'), ('value', float)]))
db.session.execute(__import__('sqlalchemy').text("INSERT INTO summarystats (metric_id, summary_name, summary_value) VALUES (:m, 'Undefined', NULL)"), {'m': m2})
db.session.commit()
db.close()
`;
    const out = fs.mkdtempSync(path.join(dir, 'db-'));
    const result = spawnSync(PYTHON, ['-c', script, out], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return fs.readFileSync(path.join(out, 'resultsDb_sqlite.db'));
  }

  const send = (messages: statsV1.ImportMafResultsRequest[]) => stats.clientStream('importMafResults', messages);
  const EXPECTED = {
    'Median CoaddM5 r band HealpixSlicer': 26.5,
    'Mean CoaddM5 r band HealpixSlicer': 26.25,
    'Count Nvisits UniSlicer': 2100000,
    'Identity a Nvisits UniSlicer': 1.5,
    'Identity b Nvisits UniSlicer': 2.5,
  };

  async function summariesOf(uuid: string) {
    const result = await db.query('SELECT maf_metric_name, to_char(day_obs, \'YYYY-MM-DD\') AS day_obs, accumulated, summary_value FROM visitsarch.maf_summary_metrics WHERE visitseq_uuid = $1 ORDER BY maf_metric_name', [uuid]);
    return result.rows as { maf_metric_name: string; day_obs: string; accumulated: boolean; summary_value: number }[];
  }

  it('records every numeric summary statistic as a MAF metric and a summary value of the sequence, idempotently', async () => {
    const bytes = resultsDb();
    const header = { visitseqUuid: uuids.baseline, dayObs: '20251120', accumulated: true, rubinSimVersion: '2.6.2' };
    const pieces = [bytes.subarray(0, 1000), bytes.subarray(1000)].map((data) => ({ data }));
    expect(await send([{ header }, ...pieces])).toEqual({ metricCount: 5, summaryMetricCount: 5, skippedCount: 1 });
    const summaries = await summariesOf(uuids.baseline);
    expect(Object.fromEntries(summaries.map((s) => [s.maf_metric_name, s.summary_value]))).toEqual(EXPECTED);
    expect(summaries.every((s) => s.day_obs === '2025-11-20' && s.accumulated)).toBe(true);
    const metric = await db.query('SELECT "constraint", slicer_class_name, rubin_sim_version FROM visitsarch.maf_metrics WHERE maf_metric_name = $1', ['Median CoaddM5 r band HealpixSlicer']);
    expect(metric.rows).toEqual([{ constraint: "filter = 'r'", slicer_class_name: 'HealpixSlicer', rubin_sim_version: '2.6.2' }]);

    // Importing again replaces: the same rows, no more.
    expect(await send([{ header }, { data: bytes }])).toEqual({ metricCount: 5, summaryMetricCount: 5, skippedCount: 1 });
    expect(await summariesOf(uuids.baseline)).toEqual(summaries);

    // The maf_summary view shows them for a metric set and a tag.
    await metadata.unary('upsertMafMetricSets', { members: Object.keys(EXPECTED).map((mafMetricName) => ({ metricSet: 'imported', mafMetricName, invert: false, mag: false })) });
    await metadata.unary('addTags', { visitseqUuid: uuids.baseline, tags: ['maf-test'] });
    const listed = await metadata.unary('listMafSummary', { metricSet: 'imported', tag: 'maf-test', pageSize: 100, pageToken: '' });
    expect(Object.fromEntries(listed.entries.map((e) => [e.mafMetricName, e.summaryValue]))).toEqual(EXPECTED);
    expect(listed.entries.every((e) => e.visitseqUuid === uuids.baseline && e.visitseqLabel === 'baseline v5.1' && e.dayObs === '2025-11-20' && e.accumulated)).toBe(true);
  });

  it('takes the sequence\'s last_day_obs when the header gives no day_obs', async () => {
    const { visitSequence } = await metadata.unary('getVisitSequence', { visitseqUuid: uuids.prenight });
    expect(await send([{ header: { visitseqUuid: uuids.prenight, dayObs: '', accumulated: false } }, { data: resultsDb() }])).toMatchObject({ summaryMetricCount: 5 });
    const summaries = await summariesOf(uuids.prenight);
    expect(summaries).toHaveLength(5);
    expect(summaries.every((s) => s.day_obs === visitSequence!.lastDayObs && !s.accumulated)).toBe(true);
  });

  it('refuses what is not a header-then-bytes stream of a MAF results database', async () => {
    const header = { visitseqUuid: uuids.completed, dayObs: '', accumulated: false };
    expect(await codeOf(send([{ data: Buffer.from('x') }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(send([{ header }, { header }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(send([{ header }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(send([{ header }, { data: Buffer.from('not an sqlite file at all, just text') }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(send([{ header: { ...header, dayObs: '2025-13-45' } }, { data: resultsDb() }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(send([{ header: { ...header, visitseqUuid: '00000000-0000-4000-8000-000000000099' } }, { data: resultsDb() }]))).toBe('NOT_FOUND');
    expect(await summariesOf(uuids.completed)).toEqual([]);
  });
});

describe('the CLI', () => {
  it('nightly_stats prints and stores the spec columns\' statistics, naming those the visits lack', async () => {
    const result = await cli(['nightly_stats', uuids.completed], stack.gateway);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the visits have no column for: eff_time_median, sky_bg_median, psf_area_median');
    const [header, ...lines] = result.stdout.trim().split('\n');
    expect(header.split('\t')).toEqual(['day_obs', 'value_name', 'accumulated', 'count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max']);
    const expected = await libraryStats(completed, ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude'], true);
    expect(lines).toHaveLength(expected.rows.length);
    expect(lines.map((line) => line.split('\t').slice(0, 4))).toEqual(expected.rows.map((r) => [r.dayObs, r.valueName, String(r.accumulated), String(r.count)]));
    expect(result.stderr).toContain(`stored ${expected.rows.length} statistics rows of ${uuids.completed}`);
    expect(await storedRowCount(uuids.completed)).toBe(expected.rows.length);
  });

  it('plot_nightly writes an SVG and a PNG', async () => {
    const svgFile = path.join(work, 'x.svg');
    const svg = await cli(['plot_nightly', uuids.baseline, uuids.prenight, '--value', 'altitude', '-o', svgFile], stack.gateway);
    expect(svg.stderr).toMatch(/^wrote .*x\.svg \(image\/svg\+xml, \d+ bytes\)\n$/);
    expect(svg.code).toBe(0);
    const text = fs.readFileSync(svgFile, 'utf8');
    expect(wellFormedXml(text)).toBe('ok');
    expect(text).toContain('>baseline v5.1</text>');
    expect(text).toContain('>prenight 2025-11-02</text>');

    const pngFile = path.join(work, 'x.png');
    const png = await cli(['plot_nightly', uuids.completed, '--value', 'altitude', '--accumulated', '-o', pngFile], stack.gateway);
    expect(png.code).toBe(0);
    const bytes = fs.readFileSync(pngFile);
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([2000, 1120]);

    const bad = await cli(['plot_nightly', uuids.completed, '--value', 'altitude', '-o', path.join(work, 'x.gif')], stack.gateway);
    // cli-error.ts says usage errors exit with 2; the stats command uses the default 1 (reported, cli/ is not ours).
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^visitsarch: the output file must end in \.svg or \.png, got .*x\.gif\n$/);
    expect(fs.existsSync(path.join(work, 'x.gif'))).toBe(false);
  });
});

/** Sorted by the table's key, for comparing sets of rows. */
function sortStats<T extends NightlyStatRow & { visitseqUuid: string }>(stats: T[]): T[] {
  const key = (s: T) => `${s.visitseqUuid}|${s.dayObs}|${s.valueName}|${Number(s.accumulated)}`;
  return [...stats].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Parses with Python's XML parser: 'ok' or its complaint. */
function wellFormedXml(text: string): string {
  const result = spawnSync(PYTHON, ['-c', 'import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.read()); print("ok")'], { input: text, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : result.stderr;
}


