import type { Metadata } from '@grpc/grpc-js';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { boundText, type Logger } from '@visitsarch/logging';
import { endRpcSpan, setCallContext, startRpcSpan, withContext } from '@visitsarch/tracing';
import { statusName } from './status-name';

/**
 * One structured log line per RPC: method, outcome (`code`, the status's name: `OK`, `NOT_FOUND`…;
 * none when the handler threw something without a gRPC code, which GrpcErrorFilter then maps) and
 * duration (an error's message cut to MAX_LOGGED_STRING_CHARS). And the RPC's server span
 * (libs/tracing): child of the caller's span when the call's metadata has a `traceparent`, else
 * the first span of a new trace, and current (AsyncLocalStorage) for everything the handler does,
 * async generators and stream callbacks included, so that its log lines carry its
 * `trace_id`/`span_id` and its outgoing calls (ServiceClient) continue its trace.
 */
@Injectable()
export class RpcLoggingInterceptor implements NestInterceptor {
  constructor(private readonly logger: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = process.hrtime.bigint();
    const rpc = `${context.getClass().name}.${context.getHandler().name}`;
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    const call = grpcCallOf(context.getArgs());
    const { span, context: spanContext } = startRpcSpan(call?.getPath?.() ?? `${context.getClass().name}/${context.getHandler().name}`, call?.metadata ?? metadataOf(context.getArgs()));
    if (call) setCallContext(call, spanContext);
    // Subscribing (which runs the handler: Nest binds it to the context current when handle() is
    // called) inside the span's context makes every continuation of the handler inherit it.
    return new Observable((subscriber) =>
      withContext(spanContext, () =>
        next
          .handle()
          .pipe(
            tap({
              complete: () => {
                this.logger.info({ rpc, code: 'OK', ms: elapsedMs() }, 'rpc');
                endRpcSpan(span, 0);
              },
              error: (error: { code?: number; details?: unknown; message?: string }) => {
                // A GrpcError's `details` are its google.rpc details (an object); a status's, its text.
                const message = boundText(String(typeof error?.details === 'string' ? error.details : error?.message));
                this.logger.info({ rpc, code: statusName(error?.code), ms: elapsedMs(), error: message }, 'rpc failed');
                endRpcSpan(span, error?.code, message);
              },
              unsubscribe: () => endRpcSpan(span, 1, 'cancelled'), // the client went away (CANCELLED)
            }),
          )
          .subscribe(subscriber),
      ),
    );
  }
}

/** What a grpc-js server call has that the span needs. */
interface ServerCallLike {
  getPath?(): string;
  metadata?: Metadata;
}

/** The grpc-js call among a handler's arguments: (request, metadata, call) or, for @GrpcStreamCall, (call, callback). */
function grpcCallOf(args: unknown[]): ServerCallLike | undefined {
  return args.find((arg): arg is ServerCallLike => typeof arg === 'object' && arg !== null && typeof (arg as ServerCallLike).getPath === 'function');
}

function metadataOf(args: unknown[]): Metadata | undefined {
  return args.find((arg): arg is Metadata => typeof arg === 'object' && arg !== null && typeof (arg as Metadata).getMap === 'function' && typeof (arg as Metadata).get === 'function');
}
