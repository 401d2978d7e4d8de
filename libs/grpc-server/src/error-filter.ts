import { status } from '@grpc/grpc-js';
import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import type { Logger } from '@visitsarch/logging';
import { GrpcError } from './errors';

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

/**
 * Turns whatever a handler threw into a gRPC status. GrpcError and RpcException pass through;
 * errors that already carry a gRPC code (from a downstream call) keep their code, message and
 * details; anything else is a bug: INTERNAL with a generic message, the stack in the log only.
 */
export function toGrpcStatus(exception: unknown, logger: Logger): GrpcStatusObject {
  if (exception instanceof RpcException) return exception.getError() as GrpcStatusObject;
  if (isGrpcLike(exception)) return { code: exception.code, details: exception.details ?? exception.message ?? '', metadata: exception.metadata };
  logger.error({ err: exception }, 'unhandled error in RPC handler');
  return new GrpcError(status.INTERNAL, 'internal error; the service log has the details').getError() as GrpcStatusObject;
}

/** The exception filter applying toGrpcStatus to every RPC handler. */
@Catch()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<unknown> {
    return throwError(() => toGrpcStatus(exception, this.logger));
  }
}

function isGrpcLike(error: unknown): error is GrpcLikeError {
  return typeof error === 'object' && error !== null && typeof (error as GrpcLikeError).code === 'number' && (error as GrpcLikeError).code in status;
}
