import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health') as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & {
  Check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string | number }) => void): void;
  List(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { statuses: Record<string, { status: string | number }> }) => void): void;
};

const STATUS_NAMES: ServingStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const statusName = (status: string | number): ServingStatus => (typeof status === 'number' ? STATUS_NAMES[status] ?? 'UNKNOWN' : (status as ServingStatus));

/**
 * The replicas named by a gRPC address list (`ipv4:10.0.0.1:50052,10.0.0.2:50052` gives
 * `ipv4:10.0.0.1:50052` and `ipv4:10.0.0.2:50052`); any other address is one replica.
 */
export function replicaAddresses(address: string): string[] {
  const list = /^(ipv4|ipv6):(.*,.*)$/.exec(address);
  return list ? list[2].split(',').map((one) => `${list[1]}:${one}`) : [address];
}

/** When no replica is SERVING, the status that says most: an answer before silence. */
const PRECEDENCE: ServingStatus[] = ['NOT_SERVING', 'SERVICE_UNKNOWN', 'UNKNOWN', 'UNREACHABLE'];

/**
 * Asks a server's `grpc.health.v1.Health/Check`; an unreachable server is `UNREACHABLE`, never an
 * exception. An address list (several replicas of one service) asks each replica and is SERVING if
 * any of them is: a client of the list sends its calls to the replicas it is connected to.
 * `credentials`: of a server that serves TLS (default: plain).
 */
export async function checkHealth(address: string, service = '', timeoutMs = 2000, credentials?: grpc.ChannelCredentials): Promise<ServingStatus> {
  const statuses = await replicaStatuses(address, service, timeoutMs, credentials);
  if (statuses.length === 1) return statuses[0][1];
  if (statuses.some(([, status]) => status === 'SERVING')) return 'SERVING';
  return PRECEDENCE.find((candidate) => statuses.some(([, status]) => status === candidate)) ?? 'UNREACHABLE';
}

/** Each replica of `address` (see replicaAddresses) with its status. */
function replicaStatuses(address: string, service: string, timeoutMs: number, credentials?: grpc.ChannelCredentials): Promise<[string, ServingStatus][]> {
  return Promise.all(replicaAddresses(address).map(async (replica) => [replica, await checkOne(replica, service, timeoutMs, credentials)] as [string, ServingStatus]));
}

function checkOne(address: string, service: string, timeoutMs: number, credentials = grpc.credentials.createInsecure()): Promise<ServingStatus> {
  const client = new HealthClient(address, credentials);
  return new Promise<ServingStatus>((resolve) => {
    client.Check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error) resolve(error.code === grpc.status.NOT_FOUND ? 'SERVICE_UNKNOWN' : 'UNREACHABLE');
      else resolve(statusName(response?.status ?? 0));
    });
  });
}

/**
 * The whole health map of a server (`Health/List`): its services and, for visitsarch, `dependency/<name>` entries.
 * Of an address list, the map of the first replica that answers.
 */
export function listHealth(address: string, timeoutMs = 2000, credentials = grpc.credentials.createInsecure()): Promise<Record<string, ServingStatus>> {
  const client = new HealthClient(address, credentials);
  return new Promise((resolve, reject) => {
    client.List({}, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error) return reject(error);
      resolve(Object.fromEntries(Object.entries(response?.statuses ?? {}).map(([name, value]) => [name, statusName(value.status)])));
    });
  });
}

/** Polls `Health/Check` until the server reports SERVING, or fails after `timeoutMs` (`credentials`: see checkHealth). */
export async function waitForServing(address: string, timeoutMs: number, isGone?: () => string | undefined, credentials?: grpc.ChannelCredentials): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ServingStatus = 'UNREACHABLE';
  while (Date.now() < deadline) {
    const gone = isGone?.();
    if (gone) throw new Error(gone);
    last = await checkHealth(address, '', 1000, credentials);
    if (last === 'SERVING') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${address} is not SERVING after ${timeoutMs / 1000} s (last status: ${last})`);
}

/**
 * A health-based dependency check for another visitsarch service. Given several replicas (an address
 * list), the dependency is met while any replica is SERVING; when none is, the error names each.
 */
export function grpcServiceCheck(address: string): () => Promise<void> {
  return async () => {
    const statuses = await replicaStatuses(address, '', 1500);
    if (statuses.some(([, status]) => status === 'SERVING')) return;
    if (statuses.length === 1) throw new Error(`${address} is ${statuses[0][1]}`);
    throw new Error(`no replica of ${address} is SERVING (${statuses.map(([replica, status]) => `${replica} ${status}`).join(', ')})`);
  };
}

/**
 * What a readiness probe of a service started with `env` dials it with: TLS when the service
 * serves TLS on its GRPC_ADDRESS (TLS_CERT_FILE set, no TLS_ADDRESS), without verifying the
 * certificate: the probe asks a process it started for its health and trusts nothing it answers;
 * else plain (undefined).
 */
export function probeCredentialsOf(env: NodeJS.ProcessEnv): grpc.ChannelCredentials | undefined {
  if (!env.TLS_CERT_FILE || env.TLS_ADDRESS) return undefined;
  return grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false });
}
