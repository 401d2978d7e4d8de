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

/** Asks a server's `grpc.health.v1.Health/Check`; an unreachable server is `UNREACHABLE`, never an exception. */
export function checkHealth(address: string, service = '', timeoutMs = 2000): Promise<ServingStatus> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  return new Promise<ServingStatus>((resolve) => {
    client.Check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error) resolve(error.code === grpc.status.NOT_FOUND ? 'SERVICE_UNKNOWN' : 'UNREACHABLE');
      else resolve(statusName(response?.status ?? 0));
    });
  });
}

/** The whole health map of a server (`Health/List`): its services and, for visitsarch, `dependency/<name>` entries. */
export function listHealth(address: string, timeoutMs = 2000): Promise<Record<string, ServingStatus>> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.List({}, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error) return reject(error);
      resolve(Object.fromEntries(Object.entries(response?.statuses ?? {}).map(([name, value]) => [name, statusName(value.status)])));
    });
  });
}

/** Polls `Health/Check` until the server reports SERVING, or fails after `timeoutMs`. */
export async function waitForServing(address: string, timeoutMs: number, isGone?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ServingStatus = 'UNREACHABLE';
  while (Date.now() < deadline) {
    const gone = isGone?.();
    if (gone) throw new Error(gone);
    last = await checkHealth(address, '', 1000);
    if (last === 'SERVING') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${address} is not SERVING after ${timeoutMs / 1000} s (last status: ${last})`);
}

/** A health-based dependency check for another visitsarch service. */
export function grpcServiceCheck(address: string): () => Promise<void> {
  return async () => {
    const status = await checkHealth(address, '', 1500);
    if (status !== 'SERVING') throw new Error(`${address} is ${status}`);
  };
}
