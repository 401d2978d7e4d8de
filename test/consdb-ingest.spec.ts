/**
 * The consdb-ingest service in the whole stack, against a ConsDB of our own (both access
 * paths): the gateway's QueryConsdb queries ConsDB, records a `completed` sequence with the
 * stored visits all or nothing, and streams the converted visits back; ConsDB's failures map
 * to the contract's codes; incremental ingests chain sequences; a retry is answered from the
 * archive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Table, tableFromIPC } from 'apache-arrow';
import { Client } from 'pg';
import { gatewayV1 } from '@visitsarch/contracts';
import { GatewayClients } from '@visitsarch/grpc-client';
import { AUXTEL_SCIENCE_CONSDB_QUERY, OPSIM_COLUMN_NAMES, SIMONYI_SCIENCE_CONSDB_QUERY } from '@visitsarch/consdb';
import { startTestConsdb, TestConsdb, TEST_CONSDB_TOKEN } from '@visitsarch/consdb/testing';
import { readVisitTable } from '@visitsarch/visit-tables';
import { REPO_ROOT, run } from './support/run';
import { clientEnv } from './support/credentials';
import { makeHome, startTestStack } from './support/stack-fixture';

jest.setTimeout(300_000);

/** The API's cap in this test: below a three-night ingest, so the service must page. */
const ROW_LIMIT = 250;

let consdb: TestConsdb;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let archive: GatewayClients;
let gateway: GatewayClients['gateway'];
let metadata: GatewayClients['metadata'];
let tokenFile: string;

beforeAll(async () => {
  consdb = await startTestConsdb({ rowLimit: ROW_LIMIT });
  tokenFile = path.join(makeHome('consdb-token-'), 'token');
  fs.writeFileSync(tokenFile, `${TEST_CONSDB_TOKEN}\n`);
  stack = await startTestStack({
    env: {
      CONSDB_URL: consdb.api.url,
      CONSDB_ALLOWED_ENDPOINTS: consdb.databaseUrl,
      CONSDB_ROW_LIMIT: String(ROW_LIMIT),
      ACCESS_TOKEN_FILE: tokenFile,
    },
  });
  archive = new GatewayClients(stack.gateway, { token: stack.token });
  ({ gateway, metadata } = archive);
});

afterAll(async () => {
  archive?.close();
  await stack?.stop();
  await consdb?.stop();
  if (tokenFile) fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
});

type QueryConsdb = Partial<gatewayV1.QueryConsdbRequest>;

async function queryConsdb(request: QueryConsdb): Promise<{ first: gatewayV1.QueryConsdbResponse; table: Table }> {
  const messages: gatewayV1.QueryConsdbResponse[] = [];
  const call = gateway.serverStream('queryConsdb', {
    query: '',
    label: 'test',
    telescope: 'simonyi',
    firstDayobs: '',
    lastDayobs: '',
    endpoint: '',
    incremental: false,
    baseVisitseqUuid: '',
    tags: [],
    requestId: '',
    ...request,
  });
  for await (const message of call) messages.push(message as gatewayV1.QueryConsdbResponse);
  return { first: messages[0], table: tableOfChunks(messages.map((m) => m.chunk)) };
}

async function downloadVisits(visitseqUuid: string): Promise<Table> {
  const messages: gatewayV1.DownloadVisitsResponse[] = [];
  for await (const message of gateway.serverStream('downloadVisits', { visitseqUuid, columns: [] })) messages.push(message as gatewayV1.DownloadVisitsResponse);
  return tableOfChunks(messages.map((m) => m.chunk));
}

function tableOfChunks(chunks: ({ ipcBytes: Uint8Array } | undefined)[]): Table {
  return tableFromIPC(Buffer.concat(chunks.flatMap((chunk) => (chunk?.ipcBytes.length ? [Buffer.from(chunk.ipcBytes)] : []))));
}

const sequence = async (visitseqUuid: string) => (await metadata.unary('getVisitSequence', { visitseqUuid })).visitSequence!;
const ids = (table: Table) => [...table.getChild('observationId')!.toArray()].map(Number).sort((a, b) => a - b);
const scienceIds = (telescope: 'simonyi' | 'auxtel', first: number, last: number) =>
  consdb.exposures[telescope]
    .filter((e) => e.science && (e.exposure.day_obs as number) >= first && (e.exposure.day_obs as number) <= last)
    .map((e) => Number(e.exposure.exposure_id))
    .sort((a, b) => a - b);
const sentToApi = () => consdb.api.queries.length;

describe('the default queries', () => {
  it('are served per telescope; an unknown telescope is INVALID_ARGUMENT', async () => {
    await expect(gateway.unary('getDefaultConsdbQuery', { telescope: 'simonyi' })).resolves.toEqual({ query: SIMONYI_SCIENCE_CONSDB_QUERY });
    await expect(gateway.unary('getDefaultConsdbQuery', { telescope: 'auxtel' })).resolves.toEqual({ query: AUXTEL_SCIENCE_CONSDB_QUERY });
    await expect(gateway.unary('getDefaultConsdbQuery', { telescope: 'lsst' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe.each([
  ['the HTTP API (paged past its row cap)', () => ''],
  ['PostgreSQL', () => consdb.databaseUrl],
])('an ingest through %s', (_path, endpoint) => {
  it('stores exactly the science visits as a completed sequence with its query, and returns them', async () => {
    const before = sentToApi();
    const { first, table } = await queryConsdb({ label: 'SV visits', firstDayobs: '20251201', lastDayobs: '20251203', endpoint: endpoint() });
    if (!endpoint()) expect(consdb.api.queries.slice(before).filter((sql) => sql.startsWith('SELECT count(*)')).length).toBeGreaterThan(1);
    else expect(sentToApi()).toBe(before);

    expect(table.schema.fields.slice(0, 47).map((f) => f.name)).toEqual(OPSIM_COLUMN_NAMES);
    expect(ids(table)).toEqual(scienceIds('simonyi', 20251201, 20251203));
    expect(table.numRows).toBeGreaterThan(ROW_LIMIT);
    expect(Number(first.rowCount)).toBe(table.numRows);
    expect(first.mixedVisitseqUuid).toBeUndefined();

    const record = await sequence(first.visitseqUuid);
    expect(record).toMatchObject({ visitseqLabel: 'SV visits', telescope: 'simonyi', firstDayObs: '2025-12-01', lastDayObs: '2025-12-03' });
    expect(record.completed?.query).toBe(SIMONYI_SCIENCE_CONSDB_QUERY);
    expect(record.visitseqUrl).toBe(first.visitseqUrl);
    expect(record.creationTime).toBeTruthy();
    // What the archive holds is what was returned.
    const stored = await downloadVisits(first.visitseqUuid);
    expect(ids(stored)).toEqual(ids(table));
    expect(stored.schema.fields.slice(0, 47).map((f) => f.name)).toEqual(OPSIM_COLUMN_NAMES);
  });
});

it('ingests AuxTel with its default query', async () => {
  const { first, table } = await queryConsdb({ label: 'AuxTel', telescope: 'auxtel', lastDayobs: '2025-12-02' });
  expect(ids(table)).toEqual(scienceIds('auxtel', 0, 20251202));
  const record = await sequence(first.visitseqUuid);
  expect(record).toMatchObject({ telescope: 'auxtel', firstDayObs: '2025-12-01', lastDayObs: '2025-12-02' });
  expect(record.completed?.query).toBe(AUXTEL_SCIENCE_CONSDB_QUERY);
});

it('runs and records a user-supplied query instead of the default, within the day_obs bounds', async () => {
  const query = "SELECT * FROM cdb_lsstcam.visit1 WHERE img_type = 'science' AND s_ra IS NOT NULL AND band IN ('g', 'r')";
  const { first, table } = await queryConsdb({ label: 'g and r', query, firstDayobs: '20251202', lastDayobs: '20251202' });
  const expected = consdb.exposures.simonyi
    .filter((e) => e.science && e.exposure.day_obs === 20251202 && ['g', 'r'].includes(e.exposure.band as string))
    .map((e) => Number(e.exposure.exposure_id));
  expect(expected.length).toBeGreaterThan(0);
  expect(ids(table)).toEqual(expected);
  // visit1 alone: no quicklook columns, so no seeing, but every opsim column is there.
  expect(table.schema.fields.slice(0, 47).map((f) => f.name)).toEqual(OPSIM_COLUMN_NAMES);
  expect(table.getChild('seeingFwhmEff')!.nullCount).toBe(table.numRows);
  expect((await sequence(first.visitseqUuid)).completed?.query).toBe(query);
});

describe('ConsDB failures map to the contract codes with ConsDB’s message', () => {
  it('an SQL error is FAILED_PRECONDITION', async () => {
    await expect(queryConsdb({ query: 'SELECT nonsense FROM cdb_lsstcam.visit1', lastDayobs: '20251203' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('nonsense'),
    });
  });

  it('a query without the columns a visit needs is FAILED_PRECONDITION', async () => {
    await expect(queryConsdb({ query: 'SELECT visit_id, day_obs FROM cdb_lsstcam.visit1', lastDayobs: '20251203' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('s_ra'),
    });
  });

  it('an endpoint the server may not send its token to is PERMISSION_DENIED', async () => {
    await expect(queryConsdb({ endpoint: 'https://evil.example.org/consdb', lastDayobs: '20251203' })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('a refused token is PERMISSION_DENIED (the token file is read at each use)', async () => {
    fs.writeFileSync(tokenFile, 'gt-wrong.token\n');
    try {
      await expect(queryConsdb({ lastDayobs: '20251203' })).rejects.toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining('401') });
    } finally {
      fs.writeFileSync(tokenFile, `${TEST_CONSDB_TOKEN}\n`);
    }
  });

  it('persistent transient failures are UNAVAILABLE after the retries, and nothing is recorded', async () => {
    const listed = async () => (await metadata.unary('listVisitSequences', { telescope: 'simonyi', tagsAll: [], tagsAny: [], labelContains: 'unavailable', orderBy: '', pageSize: 10, pageToken: '', kind: 0 })).visitSequences;
    consdb.api.failNext(100);
    try {
      await expect(queryConsdb({ label: 'unavailable', lastDayobs: '20251203' })).rejects.toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining('OperationalError') });
    } finally {
      consdb.api.failNext(0);
    }
    expect(await listed()).toEqual([]);
  });

  it('a reversed or malformed day_obs range is INVALID_ARGUMENT', async () => {
    await expect(queryConsdb({ firstDayobs: '20251203', lastDayobs: '20251201' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(queryConsdb({ lastDayobs: '2025-13-45' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(queryConsdb({ label: '', lastDayobs: '20251203' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe('a retry with the same request_id', () => {
  it('returns the stored visits from the archive without asking ConsDB again, even if ConsDB changed', async () => {
    const requestId = randomUUID();
    const original = await queryConsdb({ label: 'retried', firstDayobs: '20251201', lastDayobs: '20251201', requestId });
    const visitId = Number(original.table.getChild('observationId')!.get(0));
    const rotation = Number(original.table.getChild('rotSkyPos')!.get(0));
    await updateConsdb(`UPDATE cdb_lsstcam.exposure SET sky_rotation = ${(rotation + 90) % 360} WHERE exposure_id = ${visitId}`);

    const before = sentToApi();
    const retried = await queryConsdb({ label: 'retried', firstDayobs: '20251201', lastDayobs: '20251201', requestId });
    expect(sentToApi()).toBe(before);
    expect(retried.first.visitseqUuid).toBe(original.first.visitseqUuid);
    expect(Number(retried.first.rowCount)).toBe(original.table.numRows);
    expect(ids(retried.table)).toEqual(ids(original.table));
    expect(Number(retried.table.getChild('rotSkyPos')!.get(0))).toBe(rotation);
  });

  it('for a different request fails with ALREADY_EXISTS, recording nothing', async () => {
    const requestId = randomUUID();
    const original = await queryConsdb({ label: 'reused id', firstDayobs: '20251201', lastDayobs: '20251201', requestId });
    await expect(queryConsdb({ label: 'reused id', firstDayobs: '20251201', lastDayobs: '20251202', requestId })).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
      details: expect.stringMatching(/request_id \S+ was already used for a different request; use a new request_id/),
    });
    expect((await sequence(original.first.visitseqUuid)).lastDayObs).toBe('2025-12-01');
  });

  it('of a metadata-only ingest cannot return its visits: FAILED_PRECONDITION', async () => {
    const requestId = randomUUID();
    const original = await queryConsdb({ label: 'metadata only', lastDayobs: '20251201', archiveUrl: '', requestId });
    expect(original.first.visitseqUrl).toBeUndefined();
    expect(original.table.numRows).toBeGreaterThan(0);
    await expect(queryConsdb({ label: 'metadata only', lastDayobs: '20251201', archiveUrl: '', requestId })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });
});

describe('incremental ingests', () => {
  // A query of its own, so other tests' ingests of the default query are not the base.
  const query = `${SIMONYI_SCIENCE_CONSDB_QUERY}\n  AND v.science_program = 'BLOCK-365'`;

  it('query only the nights after the previous ingest and chain it with a mixed sequence', async () => {
    const base = await queryConsdb({ label: 'history', query, firstDayobs: '20251201', lastDayobs: '20251202' });
    await consdb.addNights({ telescope: 'simonyi', firstDayObs: 20251204, nights: 1, seed: 21 });

    const next = await queryConsdb({ label: 'history', query, lastDayobs: '20251204', incremental: true });
    expect(ids(next.table)).toEqual(scienceIds('simonyi', 20251203, 20251204));
    expect(next.first.mixedVisitseqUuid).toBeTruthy();
    expect(await sequence(next.first.visitseqUuid)).toMatchObject({ firstDayObs: '2025-12-03', lastDayObs: '2025-12-04' });
    const mixed = await sequence(next.first.mixedVisitseqUuid!);
    expect(mixed.mixed).toMatchObject({ earlyParentUuid: base.first.visitseqUuid, lateParentUuid: next.first.visitseqUuid });
    expect(mixed).toMatchObject({ firstDayObs: '2025-12-01', lastDayObs: '2025-12-04' });
    // The whole history under one UUID, without re-downloading it from ConsDB.
    expect(ids(await downloadVisits(next.first.mixedVisitseqUuid!))).toEqual(scienceIds('simonyi', 20251201, 20251204));

    // Nothing new to cover is FAILED_PRECONDITION.
    await expect(queryConsdb({ label: 'history', query, lastDayobs: '20251204', incremental: true })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  // The previous increment's mixed sequence was materialized, so it can be the next base.
  it('a second increment extends the mixed sequence of the first', async () => {
    await consdb.addNights({ telescope: 'simonyi', firstDayObs: 20251205, nights: 1, seed: 22 });
    const previous = await queryConsdb({ label: 'history', query, lastDayobs: '20251205', incremental: true });
    expect(ids(previous.table)).toEqual(scienceIds('simonyi', 20251205, 20251205));
    const mixed = await sequence(previous.first.mixedVisitseqUuid!);
    expect(mixed).toMatchObject({ firstDayObs: '2025-12-01', lastDayObs: '2025-12-05' });
    expect(ids(await downloadVisits(previous.first.mixedVisitseqUuid!))).toEqual(scienceIds('simonyi', 20251201, 20251205));
  });
});

describe('the CLI: visitsarch query_consdb', () => {
  let work: string;
  beforeAll(() => {
    work = makeHome('query-consdb-cli-');
    // `visitsarch` on the PATH as a user has it: the built CLI, with query_consdb registered
    // here until cli/src/program.ts registers it itself.
    fs.writeFileSync(path.join(work, 'visitsarch.js'), CLI_LAUNCHER);
    fs.writeFileSync(path.join(work, 'visitsarch'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(work, 'visitsarch.js')}" "$@"\n`, { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const bash = (script: string) =>
    run('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env: { ...process.env, PATH: `${work}:${process.env.PATH}`, ...clientEnv(stack.gateway) }, timeoutMs: 120_000 });

  it('runs the specification’s bash example (its line continuations restored) and prints only the UUID', async () => {
    // Verbatim but for the backslashes the spec's example lacks after its first three lines,
    // without which bash runs `--label=…` as a command; the trailing commas stay.
    const example = [
      'COMPLETED_ARCH_ID=$(visitsarch query_consdb \\',
      '    completed_visits.h5, \\',
      '    --label="Here is another set of sample visits", \\',
      '    --telescope="simonyi", \\',
      '    --last_dayobs=20360101,',
      ') ',
      'echo "$COMPLETED_ARCH_ID"',
    ].join('\n');
    const result = await bash(example);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const uuid = result.stdout.trim();
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const record = await sequence(uuid);
    expect(record).toMatchObject({ visitseqLabel: 'Here is another set of sample visits', telescope: 'simonyi', lastDayObs: '2036-01-01', firstDayObs: '2025-12-01' });
    const written = await readVisitTable(path.join(work, 'completed_visits.h5'));
    expect(written.schema.fields.slice(0, 47).map((f) => f.name)).toEqual(OPSIM_COLUMN_NAMES);
    expect(ids(written)).toEqual(ids(await downloadVisits(uuid)));
  });

  it('never overwrites OUT_FILE and refuses an unknown format before querying ConsDB', async () => {
    fs.writeFileSync(path.join(work, 'taken.db'), 'mine');
    const before = sentToApi();
    const exists = await bash('visitsarch query_consdb taken.db --label x --last_dayobs 20251201');
    expect([exists.code, exists.stdout]).toEqual([2, '']);
    expect(exists.stderr).toMatch(/taken.db exists/);
    expect(fs.readFileSync(path.join(work, 'taken.db'), 'utf8')).toBe('mine');
    const format = await bash('visitsarch query_consdb visits.txt --label x --last_dayobs 20251201');
    expect([format.code, format.stdout]).toEqual([2, '']);
    const baseAlone = await bash(`visitsarch query_consdb based.h5 --label x --last_dayobs 20251201 --base ${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`);
    expect([baseAlone.code, baseAlone.stdout, baseAlone.stderr]).toEqual([2, '', 'visitsarch: --base names the sequence an incremental ingest extends: give --incremental too\n']);
    const nowhere = await bash('visitsarch query_consdb no/such/folder/v.h5 --label nowhere --last_dayobs 20251201');
    expect([nowhere.code, nowhere.stdout]).toEqual([2, '']);
    expect(nowhere.stderr).toMatch(/^visitsarch: cannot write no\/such\/folder\/v.h5: the folder .* does not exist\n$/);
    expect(sentToApi()).toBe(before);
  });

  it('reports ConsDB’s refusal in one line and writes nothing', async () => {
    const result = await bash(`visitsarch query_consdb bad.parquet --label x --last_dayobs 20251201 --query 'SELECT nonsense FROM cdb_lsstcam.visit1'`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^visitsarch: .*nonsense/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.readdirSync(work).filter((name) => name.includes('bad.parquet'))).toEqual([]);
  });

  it('writes an opsim SQLite for --incremental and prints the mixed sequence’s UUID', async () => {
    const query = `${SIMONYI_SCIENCE_CONSDB_QUERY} AND v.seq_num > 0`;
    const base = await bash(`visitsarch query_consdb base.db --label cli --first_dayobs 20251201 --last_dayobs 20251202 --query "${query}"`);
    expect(base.code).toBe(0);
    const next = await bash(`visitsarch query_consdb next.db --label cli --last_dayobs 20251203 --incremental --query "${query}"`);
    expect(next.code).toBe(0);
    const mixed = await sequence(next.stdout.trim());
    expect(mixed.mixed).toMatchObject({ earlyParentUuid: base.stdout.trim() });
    expect(ids(await readVisitTable(path.join(work, 'next.db')))).toEqual(scienceIds('simonyi', 20251203, 20251203));
  });
});

/** The built CLI with query_consdb registered (a no-op once cli/src/program.ts does it). */
const CLI_LAUNCHER = `
const root = ${JSON.stringify(REPO_ROOT)};
const { buildProgram } = require(root + '/cli/dist/program.js');
const { CliContext } = require(root + '/cli/dist/context.js');
const { CliError } = require(root + '/cli/dist/cli-error.js');
const { registerConsdbCommands } = require(root + '/cli/dist/commands/consdb.js');
const program = buildProgram();
if (!program.commands.some((command) => command.name() === 'query_consdb')) {
  registerConsdbCommands(program, new CliContext(program));
  program.commands.at(-1).exitOverride();
}
program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    if (String(error.code).startsWith('commander.')) process.exit(error.exitCode === 0 ? 0 : 2);
    process.stderr.write('visitsarch: ' + error.message + '\\n');
    process.exit(error instanceof CliError ? error.exitCode : 1);
  },
);
`;

/** Changes the test ConsDB behind the service's back. */
async function updateConsdb(sql: string): Promise<void> {
  const client = new Client({ connectionString: consdb.databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
