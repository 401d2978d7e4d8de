import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { boundText, type Logger } from '@visitsarch/logging';

/** One structured log line per RPC: method, outcome and duration (an error's message cut to MAX_LOGGED_STRING_CHARS). */
@Injectable()
export class RpcLoggingInterceptor implements NestInterceptor {
  constructor(private readonly logger: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = process.hrtime.bigint();
    const rpc = `${context.getClass().name}.${context.getHandler().name}`;
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    return next.handle().pipe(
      tap({
        complete: () => this.logger.info({ rpc, code: 'OK', ms: elapsedMs() }, 'rpc'),
        error: (error: { code?: number; details?: string; message?: string }) =>
          this.logger.info({ rpc, code: error?.code, ms: elapsedMs(), error: boundText(String(error?.details ?? error?.message)) }, 'rpc failed'),
      }),
    );
  }
}
