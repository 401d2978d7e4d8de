import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/run';
import { makeHome, SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';

// Every service's Prometheus metrics (docs/operations.md, "Metrics"), scraped over HTTP from a
// whole archive started as `npm start` starts it, before and after real CLI commands: each service
// on its own port, counting its own calls (the gateway's forwarded ones too, under the service
// that declares them), its streamed bytes and rows, its storage and database operations, and
// `visitsarch status --format json` naming every URL.

type TestStack = Awaited<ReturnType<typeof startTestStack>>;
type ServiceName = keyof TestStack['services'];
const SERVICES: ServiceName[] = ['gateway', 'metadata', 'blob-archive', 'consdb-ingest', 'stats'];
const METADATA = 'visitsarch.metadata.v1.MetadataService';
const GATEWAY = 'visitsarch.gateway.v1.GatewayService';
const BLOB = 'visitsarch.blob_archive.v1.BlobArchiveService';

type Scrape = Map<string, number>;

async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const series: Scrape = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** Whether a series of this name (with at least these labels) exists, and the sum of their values. */
function find(scraped: Scrape, name: string, labels: Record<string, string> = {}): { found: boolean; total: number } {
  let found = false;
  let total = 0;
  for (const [series, number] of scraped) {
    const match = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
    if (match[1] !== name) continue;
    const own = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, text]) => [key, text]));
    if (!Object.entries(labels).every(([key, wanted]) => own[key] === wanted)) continue;
    found = true;
    total += number;
  }
  return { found, total };
}
const value = (scraped: Scrape, name: string, labels: Record<string, string> = {}) => find(scraped, name, labels).total;

describe('metrics of a running archive', () => {
  let stack: TestStack;
  let work: string;
  const visitsarch = (args: string[]) => cli(args, stack.gateway);
  const urls = {} as Record<ServiceName, string>;
  const before = {} as Record<ServiceName, Scrape>;
  const after = {} as Record<ServiceName, Scrape>;
  const delta = (service: ServiceName, name: string, labels: Record<string, string> = {}) => value(after[service], name, labels) - value(before[service], name, labels);

  beforeAll(async () => {
    stack = await startTestStack();
    work = makeHome('visitsarch-metrics-');
    for (const name of SERVICES) urls[name] = stack.metricsUrls[name];
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('`visitsarch status --format json` names the metrics URL of every service, each its own', async () => {
    const status = await visitsarch(['status', '--format', 'json']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as { service: string; address: string; status: string; metrics_url: string | null }[];
    expect(rows.map((row) => row.service)).toEqual(SERVICES);
    for (const row of rows) {
      expect(row.status).toBe('SERVING');
      expect(row.metrics_url).toBe(urls[row.service as ServiceName]);
      expect(row.metrics_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    }
    expect(new Set(rows.map((row) => row.metrics_url)).size).toBe(SERVICES.length);
    // The gateway's own URL is the one it serves; the others', what `npm start` told it, are theirs too.
    expect(rows[0].metrics_url).toBe(`http://${stack.services.gateway.metricsAddress}/metrics`);
    for (const name of SERVICES) expect(urls[name]).toBe(`http://${stack.services[name].metricsAddress}/metrics`);

    // Without --format: the same, one aligned line per service, its status last.
    const plain = await visitsarch(['status']);
    const lines = plain.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(SERVICES);
    for (const [index, line] of lines.entries()) expect(line).toMatch(new RegExp(`\\s${urls[SERVICES[index]].replace(/[.]/g, '\\.')}\\s+SERVING$`));
  });

  it('counts the calls, bytes, rows, storage and database operations of real commands', async () => {
    for (const name of SERVICES) before[name] = await scrape(urls[name]);

    const added = await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'metrics test', '--telescope=simonyi']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const uuid = added.stdout.trim();
    expect((await visitsarch(['tag', uuid, 'metrics-test'])).code).toBe(0);
    const queried = await visitsarch(['--format', 'json', 'query', "SELECT visitseq_uuid FROM visitsextra WHERE visitseq_uuid = '" + uuid + "'"]);
    expect(queried.stderr).toBe('');
    expect(JSON.parse(queried.stdout)).toEqual([{ visitseq_uuid: uuid }]);
    const destination = path.join(work, 'visits.arrow');
    const downloaded = await visitsarch(['download', uuid, 'visits', destination]);
    expect(downloaded.stderr).toBe('');
    expect(fs.statSync(destination).size).toBeGreaterThan(0);
    const failed = await visitsarch(['tag', '00000000-0000-4000-8000-000000000000', 'x']);
    expect(failed.code).not.toBe(0);

    for (const name of SERVICES) after[name] = await scrape(urls[name]);

    // The gateway: its own calls, and the calls it forwards, under the service that declares them.
    expect(delta('gateway', 'grpc_server_handled_total', { grpc_service: GATEWAY, grpc_method: 'AddSimulation', grpc_type: 'client_stream', grpc_code: 'OK' })).toBe(1);
    expect(delta('gateway', 'grpc_server_handled_total', { grpc_service: METADATA, grpc_method: 'AddTags', grpc_type: 'unary', grpc_code: 'OK' })).toBe(1);
    expect(delta('gateway', 'grpc_server_handled_total', { grpc_service: METADATA, grpc_method: 'AddTags', grpc_code: 'NotFound' })).toBe(1);
    expect(delta('gateway', 'grpc_server_handled_total', { grpc_service: METADATA, grpc_method: 'Query', grpc_type: 'server_stream', grpc_code: 'OK' })).toBe(1);
    expect(delta('gateway', 'grpc_server_handling_seconds_count', { grpc_service: METADATA, grpc_method: 'AddTags' })).toBe(2);
    expect(delta('gateway', 'visitsarch_stream_bytes_total', { grpc_service: GATEWAY, grpc_method: 'AddSimulation', direction: 'received' })).toBeGreaterThan(10_000);
    expect(delta('gateway', 'visitsarch_stream_rows_total', { grpc_service: GATEWAY, grpc_method: 'AddSimulation', direction: 'received' })).toBeGreaterThan(0);
    // `download` of an .arrow file: the file's bytes, converted by the archive (ExportVisits), not Arrow chunks.
    expect(delta('gateway', 'visitsarch_stream_bytes_total', { grpc_service: GATEWAY, grpc_method: 'ExportVisits', direction: 'sent' })).toBeGreaterThan(fs.statSync(destination).size);
    expect(delta('gateway', 'visitsarch_stream_bytes_total', { grpc_service: METADATA, grpc_method: 'Query', direction: 'sent' })).toBeGreaterThan(0);
    // The rows the gateway received are those the blob archive stored.
    const rows = delta('gateway', 'visitsarch_stream_rows_total', { grpc_method: 'AddSimulation', direction: 'received' });
    expect(delta('blob-archive', 'visitsarch_stream_rows_total', { grpc_service: BLOB, grpc_method: 'UploadVisitTable', direction: 'received' })).toBe(rows);

    // metadata: the calls themselves, the free SQL's rows, its database, its pools, its free-SQL gauges.
    expect(delta('metadata', 'grpc_server_handled_total', { grpc_service: METADATA, grpc_method: 'AddTags', grpc_code: 'OK' })).toBe(1);
    expect(delta('metadata', 'visitsarch_stream_rows_total', { grpc_service: METADATA, grpc_method: 'Query', direction: 'sent' })).toBe(1);
    expect(delta('metadata', 'visitsarch_db_query_duration_seconds_count', { operation: 'INSERT', outcome: 'ok' })).toBeGreaterThan(0);
    expect(delta('metadata', 'visitsarch_db_query_duration_seconds_count', { operation: 'FETCH' })).toBeGreaterThan(0);
    expect(value(after.metadata, 'visitsarch_db_query_duration_seconds_count', { pool: 'health', operation: 'SELECT', outcome: 'ok' })).toBeGreaterThan(0); // SELECT 1, its health check
    for (const gauge of ['visitsarch_db_pool_connections', 'visitsarch_db_pool_idle_connections', 'visitsarch_db_pool_waiting_requests', 'visitsarch_db_pool_max_connections']) {
      expect({ gauge, found: find(after.metadata, gauge).found }).toEqual({ gauge, found: true });
    }
    expect(value(after.metadata, 'visitsarch_db_pool_connections')).toBeGreaterThan(0);
    expect(value(after.metadata, 'visitsarch_db_pool_max_connections', { pool: 'health' })).toBe(1);
    expect(value(after.metadata, 'visitsarch_db_pool_waiting_requests')).toBe(0);
    expect(value(after.metadata, 'visitsarch_free_sql_max_concurrent')).toBe(8);
    expect(find(after.metadata, 'visitsarch_free_sql_running')).toEqual({ found: true, total: 0 });

    // blob-archive: bytes in and out, and the file store's operations.
    expect(delta('blob-archive', 'visitsarch_stream_bytes_total', { grpc_service: BLOB, grpc_method: 'UploadVisitTable', direction: 'received' })).toBeGreaterThan(10_000);
    expect(delta('blob-archive', 'visitsarch_stream_bytes_total', { grpc_service: BLOB, grpc_method: 'ExportVisitTable', direction: 'sent' })).toBeGreaterThan(fs.statSync(destination).size);
    expect(delta('blob-archive', 'visitsarch_storage_operation_duration_seconds_count', { backend: 'file', operation: 'commit', outcome: 'ok' })).toBe(1);
    expect(delta('blob-archive', 'visitsarch_storage_operation_duration_seconds_count', { backend: 'file', operation: 'write' })).toBeGreaterThan(0);
    expect(delta('blob-archive', 'visitsarch_storage_operation_duration_seconds_count', { backend: 'file' })).toBeGreaterThan(3);

    // Every service: the health checks it answered (the stack's wait for SERVING, the others' dependency checks) and the process metrics.
    for (const name of SERVICES) {
      expect({ name, checks: value(after[name], 'grpc_server_handled_total', { grpc_service: 'grpc.health.v1.Health', grpc_method: 'Check', grpc_code: 'OK' }) > 0 }).toEqual({ name, checks: true });
      expect({ name, cpu: value(after[name], 'process_cpu_user_seconds_total') > 0 }).toEqual({ name, cpu: true });
    }
    // Each counts only its own calls: the gateway never saw a BlobArchiveService call, consdb-ingest none of this test's.
    expect(find(after.gateway, 'grpc_server_started_total', { grpc_service: BLOB }).found).toBe(false);
    expect(delta('consdb-ingest', 'grpc_server_started_total', { grpc_service: 'visitsarch.consdb_ingest.v1.ConsdbIngestService' })).toBe(0);
  });
});
