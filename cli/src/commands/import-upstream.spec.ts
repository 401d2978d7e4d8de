import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONTRACTS, metadataV1, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { buildProgram } from '../program';

const { ROW_IMPORT_OUTCOME_IMPORTED: IMPORTED, ROW_IMPORT_OUTCOME_ALREADY_PRESENT: ALREADY_PRESENT, ROW_IMPORT_OUTCOME_SKIPPED: SKIPPED, ROW_IMPORT_OUTCOME_REFUSED: REFUSED } =
  metadataV1.RowImportOutcome;
const SEQUENCE = '47ed5c53-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const UNDATED = '5a0c1e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f';

/** A report as the metadata service answers it: one row of each outcome. */
function report(refused: boolean): metadataV1.ImportUpstreamResponse {
  const row = (tableName: string, visitseqUuid: string, key: string, outcome: metadataV1.RowImportOutcome, reason = '', sha = '') => ({
    tableName, visitseqUuid, key, outcome, reason, upstreamVisitseqSha256: Buffer.from(sha, 'hex'), upstreamVisitseqUrl: '', undatedUpstream: false,
  });
  const table = (tableName: string, copiedCount: number, skippedCount: number, rejectedCount: number, alreadyPresentCount: number, absentUpstream = false) => ({
    tableName, copiedCount, skippedCount, rejectedCount, alreadyPresentCount, absentUpstream,
  });
  const rows = [
    row('simulations', SEQUENCE, '', IMPORTED, "visitseq_sha256 is the upstream's", 'ab'.repeat(32)),
    row('tags', SEQUENCE, 'tag=prenight', ALREADY_PRESENT),
    row('tags', SEQUENCE, 'tag=prenight', SKIPPED, 'repeats the key of an earlier upstream row'),
  ];
  if (refused) rows.splice(1, 0, row('simulations', UNDATED, '', REFUSED, 'no first_day_obs and last_day_obs', 'cd'.repeat(32)));
  return { tables: [table('simulations', 1, 0, refused ? 1 : 0, 0), table('tags', 0, 2, 0, 1), table('maf_metrics', 0, 0, 0, 0, true)], rows };
}

describe('visitsarch import_upstream', () => {
  let server: grpc.Server;
  let address: string;
  let home: string;
  const requests: metadataV1.ImportUpstreamRequest[] = [];
  let output = '';
  let errors = '';

  beforeAll(async () => {
    // A stand-in for the gateway: MetadataService.ImportUpstream answering a canned report.
    const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(CONTRACTS.metadata.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] })) as any;
    server = new grpc.Server();
    server.addService(loaded.visitsarch.metadata.v1.MetadataService.service, {
      importUpstream: (call: grpc.ServerUnaryCall<metadataV1.ImportUpstreamRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        requests.push(call.request);
        callback(null, report(call.request.schema === 'with_refusals'));
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    address = `127.0.0.1:${port}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-import-cli-'));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    fs.rmSync(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    output = '';
    errors = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((output += String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((errors += String(chunk)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  /** Runs the command as main does; resolves with its exit code. */
  async function visitsarch(args: string[]): Promise<number> {
    const saved = { home: process.env.VISITSARCH_HOME, token: process.env.VISITSARCH_TOKEN };
    process.env.VISITSARCH_HOME = home;
    delete process.env.VISITSARCH_TOKEN;
    try {
      await buildProgram().parseAsync(['node', 'visitsarch', '--gateway', address, ...args]);
      return process.exitCode === undefined ? 0 : Number(process.exitCode);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`visitsarch: ${error.message}\n`);
      return error.exitCode;
    } finally {
      process.env.VISITSARCH_HOME = saved.home;
      if (saved.token !== undefined) process.env.VISITSARCH_TOKEN = saved.token;
    }
  }

  it('prints one line per upstream row and a summary, and exits 0 when nothing was refused', async () => {
    expect(await visitsarch(['--format', 'tsv', 'import_upstream', '--dsn', 'postgresql://u@upstream/opsim_log'])).toBe(0);
    expect(requests.pop()).toEqual({ dsn: 'postgresql://u@upstream/opsim_log', schema: 'vsmd', dryRun: false, sequenceNights: [] });
    expect(output.split('\n').slice(0, -1).map((line) => line.split('\t'))).toEqual([
      ['table', 'visitseq_uuid', 'key', 'outcome', 'reason', 'upstream_sha256'],
      ['simulations', SEQUENCE, '', 'imported', "visitseq_sha256 is the upstream's", 'ab'.repeat(32)],
      ['tags', SEQUENCE, 'tag=prenight', 'already-present', '', ''],
      ['tags', SEQUENCE, 'tag=prenight', 'skipped', 'repeats the key of an earlier upstream row', ''],
    ]);
    expect(errors).toBe('import_upstream: 3 upstream rows: 1 imported, 1 already present, 1 skipped, 0 refused (the upstream has no maf_metrics)\n');
  });

  it('with --dry-run asks for a dry run and says nothing was written', async () => {
    expect(await visitsarch(['--format', 'tsv', 'import-upstream', '--dsn', 'postgresql://u@upstream/opsim_log', '--schema', 'test', '--dry-run'])).toBe(0);
    expect(requests.pop()).toEqual({ dsn: 'postgresql://u@upstream/opsim_log', schema: 'test', dryRun: true, sequenceNights: [] });
    expect(output.split('\n')[1].split('\t')[3]).toBe('would-import');
    expect(errors).toBe('import_upstream: 3 upstream rows: 1 would be imported, 1 already present, 1 skipped, 0 refused (the upstream has no maf_metrics); dry run: nothing was written\n');
  });

  it('exits 1 with one error line saying how many rows were refused and where to look', async () => {
    expect(await visitsarch(['--format', 'tsv', 'import_upstream', '--dsn', 'postgresql://u@upstream/opsim_log', '--schema', 'with_refusals'])).toBe(1);
    expect(output).toContain(`simulations\t${UNDATED}\t\trefused\tno first_day_obs and last_day_obs\t${'cd'.repeat(32)}\n`);
    expect(errors.split('\n')).toEqual([
      'import_upstream: 4 upstream rows: 1 imported, 1 already present, 1 skipped, 1 refused (the upstream has no maf_metrics)',
      'visitsarch: 1 upstream row was refused: see the lines with outcome "refused" above; their reason says why and what to fix upstream',
      '',
    ]);
  });

  it('prints the report, the summary and the per-table counts as one JSON document with --format json', async () => {
    expect(await visitsarch(['--format', 'json', 'import_upstream', '--dsn', 'postgresql://u@upstream/opsim_log', '--schema', 'with_refusals', '--dry_run'])).toBe(1);
    const printed = JSON.parse(output);
    expect(printed.dry_run).toBe(true);
    expect(printed.summary).toEqual({ rows: 4, imported: 1, already_present: 1, skipped: 1, refused: 1 });
    expect(printed.tables).toEqual([
      { table: 'simulations', imported: 1, already_present: 0, skipped: 0, refused: 1, absent_upstream: false },
      { table: 'tags', imported: 0, already_present: 1, skipped: 1, refused: 0, absent_upstream: false },
      { table: 'maf_metrics', imported: 0, already_present: 0, skipped: 0, refused: 0, absent_upstream: true },
    ]);
    expect(printed.rows[1]).toEqual({ table: 'simulations', visitseq_uuid: UNDATED, key: '', outcome: 'refused', reason: 'no first_day_obs and last_day_obs', upstream_sha256: 'cd'.repeat(32) });
    expect(errors).toMatch(/refused: see the rows with "outcome": "refused" above/);
  });
});
