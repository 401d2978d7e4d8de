import type { LoggerService } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { currentTraceIds } from '@visitsarch/tracing';
import { boundForLog, boundText } from './bounds';

export type Logger = pino.Logger;

/** The levels LOG_LEVEL may name, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * One JSON object per line on stdout: `time` (ISO), `level` (name), `service`, `msg`, and any fields;
 * while a span is current (an RPC being served, a CLI command: libs/tracing), its `trace_id` and
 * `span_id` (W3C hex), so that a line leads to its trace and a trace to its lines. Secrets that
 * might ride along in a config object are redacted. Lines are bounded (./bounds): long strings,
 * lists and deep objects (a request's fields, an error's parameters) are cut.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL || 'info',
  destination: pino.DestinationStream = pino.destination({ fd: 1, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      mixin: () => currentTraceIds() ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (record) => boundForLog(record) as Record<string, unknown> },
      // Errors are already written out by boundForLog (formatters.log runs before serializers).
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? boundText(arg) : arg)) as Parameters<typeof method>);
        },
      },
      redact: { paths: ['password', '*.password', 'DATABASE_URL', '*.DATABASE_URL', '*.AWS_SECRET_ACCESS_KEY', '*.ACCESS_TOKEN'], censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger whose lines (as written: one JSON text each) collect in `lines`, for tests; they arrive asynchronously (await a setImmediate). */
export function captureLogs(service = 'test', level = 'info'): { logger: Logger; lines: string[] } {
  const sink = new PassThrough();
  const lines: string[] = [];
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
  return { logger: createLogger(service, level, sink), lines };
}

/** Lets NestJS write its own messages through the same JSON logger. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.logger.error({ context, stack }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
