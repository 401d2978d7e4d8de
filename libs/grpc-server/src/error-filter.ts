import { status } from '@grpc/grpc-js';
import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable, of, throwError } from 'rxjs';
import type { Logger } from '@visitsarch/logging';
import { answerStreamCall } from './call-streams';
import { boundMessage, GrpcError, MAX_ERROR_MESSAGE_CHARS, statusMetadata } from './errors';

/** What grpc-js sends as a status: code, message (`details`) and trailers (rich details). */
export interface GrpcStatusObject {
  code: number;
  details: string;
  metadata?: unknown;
}

interface GrpcLikeError {
  code: number;
  details?: string;
  message?: string;
  metadata?: unknown;
}

/** A service's own translation of its backends' errors into gRPC errors, tried before the generic rules (e.g. metadata's PostgreSQL errors). */
export type ErrorMapper = (error: unknown) => unknown;

/**
 * Turns whatever a handler threw into a gRPC status. `mapError` (the service's own translation)
 * runs first. GrpcError and RpcException pass through; errors that already carry a gRPC code
 * (from a downstream call) keep their code, message and details (a message over
 * MAX_ERROR_MESSAGE_CHARS is cut, and its details dropped); a backend that cannot be reached
 * (see `unreachableCause`) is UNAVAILABLE, the one code clients retry; anything else is a bug:
 * INTERNAL with a generic message, the stack in the log only.
 */
export function toGrpcStatus(exception: unknown, logger: Logger, mapError?: ErrorMapper): GrpcStatusObject {
  if (mapError) exception = mapError(exception);
  if (exception instanceof RpcException) return exception.getError() as GrpcStatusObject;
  if (isGrpcLike(exception)) {
    const details = exception.details ?? exception.message ?? '';
    if (details.length <= MAX_ERROR_MESSAGE_CHARS) return { code: exception.code, details, metadata: exception.metadata };
    const bounded = boundMessage(details);
    return { code: exception.code, details: bounded, metadata: statusMetadata(exception.code, bounded, {}) };
  }
  const unreachable = unreachableCause(exception);
  if (unreachable) {
    logger.warn({ err: exception }, 'a backend is unreachable');
    return new GrpcError(status.UNAVAILABLE, `a backend of this service (its database or storage) cannot be reached (${unreachable}); retry later`, {
      reason: 'BACKEND_UNAVAILABLE',
    }).getError() as GrpcStatusObject;
  }
  logger.error({ err: exception }, 'unhandled error in RPC handler');
  return new GrpcError(status.INTERNAL, 'internal error; the service log has the details').getError() as GrpcStatusObject;
}

/** Network failures of a connection to a backend (node's error codes). */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/**
 * PostgreSQL's SQLSTATEs of an unusable server or connection: class 08 (connection exception),
 * 53300 (too many connections), 57P01–57P03 (shut down, crashed, starting up).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57P0[1-3])$/;
/** node-postgres's own messages for a lost or refused connection (they carry no code). */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused)/;

/**
 * Why `error` says a backend cannot be reached (a short code or reason), or undefined: looks at
 * the error, its `cause`, a TypeORM `driverError` and an AggregateError's `errors` (a connection
 * refused on every address of a host).
 */
export function unreachableCause(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return code;
  if (typeof message === 'string' && LOST_CONNECTION.test(message)) return boundMessage(message, 100);
  const nested = [(error as { cause?: unknown }).cause, (error as { driverError?: unknown }).driverError, ...(error instanceof AggregateError ? error.errors : [])];
  for (const inner of nested) {
    const cause = unreachableCause(inner, depth + 1);
    if (cause) return cause;
  }
  return undefined;
}

/**
 * The exception filter applying toGrpcStatus to every RPC handler. Nest answers unary and
 * server-streaming calls with the status; the calls of @GrpcStreamCall handlers (client-streaming
 * and bidirectional, see call-streams.ts) it leaves unanswered, so the filter answers those itself.
 */
@Catch()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(
    private readonly logger: Logger,
    private readonly mapError?: ErrorMapper,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    const status = toGrpcStatus(exception, this.logger, this.mapError);
    if (answerStreamCall(host.getArgs(), status)) return of(undefined);
    return throwError(() => status);
  }
}

function isGrpcLike(error: unknown): error is GrpcLikeError {
  return typeof error === 'object' && error !== null && typeof (error as GrpcLikeError).code === 'number' && (error as GrpcLikeError).code in status;
}
