import { Metadata, status } from '@grpc/grpc-js';
import { captureLogs } from '@visitsarch/logging';
import { decodeStatusDetails, GrpcError, invalidArgument, MAX_ERROR_MESSAGE_CHARS } from './errors';
import { toGrpcStatus, unreachableCause } from './error-filter';

describe('toGrpcStatus', () => {
  it('maps a backend that cannot be reached to UNAVAILABLE, whatever wraps the cause', () => {
    const { logger } = captureLogs();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const cases: unknown[] = [
      refused,
      new AggregateError([refused], ''),
      Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) }),
      new Error('Connection terminated unexpectedly'),
      new Error('wrapped', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }),
    ];
    for (const error of cases) {
      const sent = toGrpcStatus(error, logger);
      expect(sent.code).toBe(status.UNAVAILABLE);
      expect(sent.details).toMatch(/cannot be reached \((ECONNREFUSED|57P01|Connection terminated unexpectedly|ECONNRESET)\); retry later$/);
    }
  });

  it('keeps INTERNAL for bugs, and other codes as they are', () => {
    const { logger } = captureLogs();
    expect(unreachableCause(new TypeError('x is undefined'))).toBeUndefined();
    expect(unreachableCause(Object.assign(new Error('syntax'), { code: '42601' }))).toBeUndefined();
    expect(toGrpcStatus(new TypeError('x is undefined'), logger).code).toBe(status.INTERNAL);
    expect(toGrpcStatus(invalidArgument('bad', 'f'), logger)).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'bad' });
  });

  it('runs the service mapper first', () => {
    const { logger } = captureLogs();
    expect(toGrpcStatus(new Error('mine'), logger, () => invalidArgument('mapped')).code).toBe(status.INVALID_ARGUMENT);
  });

  it('bounds messages and details, its own and those passed on from downstream', () => {
    const { logger } = captureLogs();
    const long = 'v'.repeat(100_000);
    const own = toGrpcStatus(invalidArgument(`f must be a UUID, got ${long}`, 'f'), logger);
    expect(own.details.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 40);
    expect(own.details).toMatch(/… \(100022 characters\)$/);
    const trailers = (new GrpcError(status.NOT_FOUND, long, { resource: { type: 'T', name: long } }).getError() as { metadata: Metadata }).metadata;
    expect(decodeStatusDetails(trailers)!.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 40);
    expect((trailers.get('grpc-status-details-bin')[0] as Buffer).length).toBeLessThan(3 * MAX_ERROR_MESSAGE_CHARS);
    const downstream = toGrpcStatus({ code: status.INVALID_ARGUMENT, details: long, metadata: undefined }, logger);
    expect(downstream.code).toBe(status.INVALID_ARGUMENT);
    expect(downstream.details.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 40);
  });

  it('logs a failing call in a bounded line', () => {
    const { logger, lines } = captureLogs();
    toGrpcStatus(Object.assign(new Error(`insert failed ${'p'.repeat(1_000_000)}`), { parameters: ['p'.repeat(1_000_000)] }), logger);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(lines).toHaveLength(1);
        expect(lines[0].length).toBeLessThan(20_000);
        resolve();
      }),
    );
  });
});
