import * as grpc from '@grpc/grpc-js';
import { CONTRACTS, gatewayV1 } from '@visitsarch/contracts';
import { ServiceClient } from '@visitsarch/grpc-client';
import { CliError } from './cli-error';

export type GatewayClient = ServiceClient<gatewayV1.GatewayServiceClient>;

export function gatewayClient(address: string): GatewayClient {
  return new ServiceClient<gatewayV1.GatewayServiceClient>(CONTRACTS.gateway, address);
}

/** How long one CLI call may take before it gives up (uploads and downloads get longer). */
export const DEADLINE_MS = { short: 60_000, transfer: 3_600_000 };

/**
 * Turns a gRPC failure into the one line the user sees: the server's own message, prefixed by
 * what kind of failure it is when that helps. Bad input exits 2 (like usage errors), the rest 1.
 */
export function describeGrpcError(error: unknown, gateway: string): CliError | undefined {
  const failure = error as Partial<grpc.ServiceError>;
  if (typeof failure.code !== 'number' || !(failure.code in grpc.status)) return undefined;
  const message = failure.details || failure.message || grpc.status[failure.code];
  switch (failure.code) {
    case grpc.status.UNAVAILABLE:
      if (message.startsWith('GatewayService is unavailable')) {
        return new CliError(`cannot reach the gateway at ${gateway}: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.`);
      }
      return new CliError(`the archive cannot answer right now (retry later): ${message}`);
    case grpc.status.INVALID_ARGUMENT:
      return new CliError(message, 2);
    case grpc.status.NOT_FOUND:
      return new CliError(`not found: ${message}`);
    case grpc.status.ALREADY_EXISTS:
      return new CliError(`already exists: ${message}`);
    case grpc.status.DEADLINE_EXCEEDED:
      return new CliError(`the gateway did not answer in time: ${message}`);
    case grpc.status.UNIMPLEMENTED:
      return new CliError(`not available yet on this archive: ${message}`);
    case grpc.status.DATA_LOSS:
      return new CliError(`data integrity check failed: ${message}`);
    default:
      return new CliError(`${grpc.status[failure.code].toLowerCase().replaceAll('_', ' ')}: ${message}`);
  }
}
