import { status } from '@grpc/grpc-js';

/**
 * The name of a gRPC status code (`NOT_FOUND` for 5), as the per-call log lines give their `code`
 * (`"rpc"`, `"rpc failed"`, `"rpc refused"`: docs/operations.md, "Logs"); undefined for anything
 * that is not a gRPC code (an error thrown without one: a defect, or a backend's error that the
 * service's error mapping translates afterwards).
 */
export function statusName(code: unknown): string | undefined {
  return typeof code === 'number' && typeof status[code] === 'string' ? status[code] : undefined;
}
