import { checkHealth, listHealth, ServingStatus } from '@visitsarch/grpc-client';

const SERVICES = ['metadata', 'blob-archive', 'consdb-ingest', 'stats'];

/** Prints one line per service (the gateway, then what the gateway sees of the others). Returns the exit code. */
export async function statusCommand(gateway: string): Promise<number> {
  const rows: [string, string, ServingStatus][] = [];
  const gatewayStatus = await checkHealth(gateway);
  rows.push(['gateway', gateway, gatewayStatus]);
  if (gatewayStatus !== 'UNREACHABLE') {
    const statuses = await listHealth(gateway).catch(() => ({}) as Record<string, ServingStatus>);
    for (const name of SERVICES) rows.push([name, 'via gateway', statuses[`dependency/${name}`] ?? 'UNKNOWN']);
  } else {
    for (const name of SERVICES) rows.push([name, 'via gateway', 'UNKNOWN']);
  }
  const width = Math.max(...rows.map((row) => row[1].length));
  for (const [name, where, status] of rows) process.stdout.write(`${name.padEnd(14)} ${where.padEnd(width)}  ${status}\n`);
  if (gatewayStatus === 'UNREACHABLE') {
    process.stderr.write(`visitsarch: cannot reach the gateway at ${gateway}: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.\n`);
  }
  return rows.every((row) => row[2] === 'SERVING') ? 0 : 1;
}
