import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * One JSON object per line on stdout: `time` (ISO), `level` (name), `service`, `msg`, and any fields.
 * Secrets that might ride along in a config object are redacted.
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
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['password', '*.password', 'DATABASE_URL', '*.DATABASE_URL', '*.AWS_SECRET_ACCESS_KEY', '*.ACCESS_TOKEN'], censor: '[redacted]' },
    },
    destination,
  );
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
