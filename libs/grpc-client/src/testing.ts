import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, ServingStatus } from 'grpc-health-check';
import { listHealth } from './health-client';

/**
 * The service credential of services started in tests (SERVICE_CREDENTIAL): they present it to
 * each other, and a test calling an internal service directly presents it too (a ServiceClient in
 * a process that started a service does so by itself, see setPeerCredential).
 */
export const TEST_SERVICE_CREDENTIAL = 'visitsarch-test-service-credential';

/**
 * A gRPC server that serves only grpc.health.v1 with a status the test controls: it stands
 * where a downstream service would be, to test how a service reacts to that service's health.
 */
export async function startHealthServer(status: ServingStatus = 'SERVING', entries: Record<string, ServingStatus> = {}, address = '127.0.0.1:0') {
  const server = new grpc.Server();
  const health = new HealthImplementation({ ...entries, '': status });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    setStatus: (next: ServingStatus, entry = '') => health.setStatus(entry, next),
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Polls one entry of a server's health map until it has the expected status (or fails after `timeoutMs`). */
export async function waitForHealthEntry(address: string, entry: string, expected: ServingStatus, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, string> = {};
  while (Date.now() < deadline) {
    last = await listHealth(address, 1000).catch(() => ({}));
    if (last[entry] === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`health entry ${JSON.stringify(entry)} of ${address} did not become ${expected}: ${JSON.stringify(last)}`);
}

/**
 * Checks a service that depends only on other gRPC services: NOT_SERVING while they are
 * down or not serving, SERVING once every one of them serves, NOT_SERVING again when one stops.
 */
export async function checkFollowsServiceDependencies(
  start: (env: NodeJS.ProcessEnv) => Promise<{ port: number; shutdown(): Promise<void> }>,
  dependencyVariables: Record<string, string>,
): Promise<void> {
  const servers = await Promise.all(Object.keys(dependencyVariables).map(() => startHealthServer('NOT_SERVING')));
  const env: NodeJS.ProcessEnv = { GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'fatal', HEALTH_INTERVAL_MS: '100', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL };
  Object.values(dependencyVariables).forEach((variable, index) => (env[variable] = servers[index].address));
  const running = await start(env);
  const address = `127.0.0.1:${running.port}`;
  const names = Object.keys(dependencyVariables);
  try {
    await waitForHealthEntry(address, '', 'NOT_SERVING');
    for (const name of names) await waitForHealthEntry(address, `dependency/${name}`, 'NOT_SERVING');
    servers.forEach((server) => server.setStatus('SERVING'));
    await waitForHealthEntry(address, '', 'SERVING');
    for (const name of names) await waitForHealthEntry(address, `dependency/${name}`, 'SERVING');
    await servers[0].stop();
    await waitForHealthEntry(address, `dependency/${names[0]}`, 'NOT_SERVING');
    await waitForHealthEntry(address, '', 'NOT_SERVING');
    await waitForHealthEntry(address, 'liveness', 'SERVING');
  } finally {
    await running.shutdown();
    await Promise.all(servers.slice(1).map((server) => server.stop()));
  }
}

/**
 * A loopback `host:port` that is free right now, for a server started next. Taken below Linux's
 * ephemeral range (32768–60999), where the source ports of outgoing connections come from: a port
 * of that range can be taken by some client's connection between this check and the server's
 * bind. Never the same port twice in one process, nor the port of one of `taken` (addresses
 * another process chose, not listened on yet, which are free too).
 */
export async function freeAddress(taken: Iterable<string> = []): Promise<string> {
  const avoid = new Set([...taken].map((address) => Number(/:(\d+)$/.exec(address)?.[1])));
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW_PORTS.first + Math.floor(Math.random() * (LOW_PORTS.last - LOW_PORTS.first));
    if (handedOut.has(port) || avoid.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return `127.0.0.1:${port}`;
    }
  }
  throw new Error(`no free loopback port found in ${LOW_PORTS.first}-${LOW_PORTS.last}`);
}

const LOW_PORTS = { first: 20_000, last: 32_000 };
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
