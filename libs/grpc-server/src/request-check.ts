import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';

/** A check of a whole request message that throws (a GrpcError) when it refuses it, e.g. libs/validation's `checkRequestLimits`. */
export type RequestCheck = (request: object) => void;

/**
 * Runs a service's request check on every unary or server-streaming request before its handler.
 * Client-streamed requests (an Observable or the call's stream) are not messages yet: their
 * handlers check each message they read.
 */
@Injectable()
export class RequestCheckInterceptor implements NestInterceptor {
  constructor(private readonly check: RequestCheck) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request: unknown = context.switchToRpc().getData();
    if (isMessage(request)) this.check(request);
    return next.handle();
  }
}

function isMessage(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { subscribe?: unknown; on?: unknown };
  return typeof candidate.subscribe !== 'function' && typeof candidate.on !== 'function';
}
