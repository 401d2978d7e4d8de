import * as grpc from '@grpc/grpc-js';
import { checkHealth, listHealth, ServingStatus } from '@visitsarch/grpc-client';
import { renderRows, type OutputFormat } from '../output';

const SERVICES = ['metadata', 'blob-archive', 'consdb-ingest', 'stats'];

/**
 * The response headers of a service's health answers naming metrics URLs (libs/grpc-server's
 * metrics.ts): its own, and `<header>-<dependency>` for each service it depends on whose URL
 * whoever started it told it (the gateway's `*_METRICS_URL` settings; `npm start` sets them).
 */
const METRICS_URL_HEADER = 'visitsarch-metrics-url';

/**
 * Prints the health of the gateway, then what the gateway sees of the others, with each one's
 * metrics URL as the gateway reports it. Without `format`, one aligned line per service (the
 * metrics column only when some URL is known); with it, rows service, address, status and
 * metrics_url in that format. Returns the exit code. Health needs no token; `credentials` are the
 * channel's (TLS when the gateway serves it).
 */
export async function statusCommand(gateway: string, format?: OutputFormat, credentials = grpc.credentials.createInsecure()): Promise<number> {
  const rows: { service: string; address: string; status: ServingStatus; metrics_url: string | null }[] = [];
  const [gatewayStatus, metricsUrls] = await Promise.all([checkHealth(gateway, '', 2000, credentials), reportedMetricsUrls(gateway, credentials)]);
  rows.push({ service: 'gateway', address: gateway, status: gatewayStatus, metrics_url: metricsUrls.gateway ?? null });
  const statuses = gatewayStatus !== 'UNREACHABLE' ? await listHealth(gateway, 2000, credentials).catch(() => ({}) as Record<string, ServingStatus>) : ({} as Record<string, ServingStatus>);
  for (const name of SERVICES) rows.push({ service: name, address: 'via gateway', status: statuses[`dependency/${name}`] ?? 'UNKNOWN', metrics_url: metricsUrls[name] ?? null });

  if (format) {
    process.stdout.write(renderRows(['service', 'address', 'status', 'metrics_url'], rows, format));
  } else {
    const width = Math.max(...rows.map((row) => row.address.length));
    const metricsWidth = Math.max(0, ...rows.map((row) => (row.metrics_url ?? '-').length));
    const withMetrics = rows.some((row) => row.metrics_url);
    for (const row of rows) {
      const metrics = withMetrics ? `${(row.metrics_url ?? '-').padEnd(metricsWidth)}  ` : '';
      process.stdout.write(`${row.service.padEnd(14)} ${row.address.padEnd(width)}  ${metrics}${row.status}\n`);
    }
  }
  if (gatewayStatus === 'UNREACHABLE') {
    process.stderr.write(`visitsarch: cannot reach the gateway at ${gateway}: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.\n`);
  }
  return rows.every((row) => row.status === 'SERVING') ? 0 : 1;
}

/**
 * The metrics URLs the gateway's health answer reports, by service (`gateway` for its own); none
 * if it does not answer or reports none.
 */
function reportedMetricsUrls(address: string, credentials: grpc.ChannelCredentials, timeoutMs = 2000): Promise<Record<string, string>> {
  const client = new grpc.Client(address, credentials);
  const found: Record<string, string> = {};
  const asIs = (bytes: Buffer) => bytes;
  return new Promise((resolve) => {
    // grpc.health.v1.Health/Check of the overall status: an empty HealthCheckRequest.
    const call = client.makeUnaryRequest('/grpc.health.v1.Health/Check', asIs, asIs, Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, () => {
      client.close();
      resolve(found);
    });
    call.on('metadata', (metadata: grpc.Metadata) => {
      for (const [key, value] of Object.entries(metadata.getMap())) {
        if (key === METRICS_URL_HEADER) found.gateway = String(value);
        else if (key.startsWith(`${METRICS_URL_HEADER}-`)) found[key.slice(METRICS_URL_HEADER.length + 1)] = String(value);
      }
    });
  });
}
