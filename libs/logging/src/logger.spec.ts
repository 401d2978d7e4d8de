import { configureTracing, contextOfTraceparent, startSpan, withContext } from '@visitsarch/tracing';
import { captureLogs, NestJsonLogger } from './logger';

beforeAll(() => configureTracing({ serviceName: 'test' }));

describe('createLogger', () => {
  it('writes one JSON object per line with ISO time, level name, service and message, secrets redacted', async () => {
    const { logger, lines } = captureLogs('metadata');
    logger.info({ rpc: 'GetVisitSequence', config: { DATABASE_URL: 'postgresql://u:secret@db/x' } }, 'handled');
    logger.debug('not written at info level');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({ level: 'info', service: 'metadata', msg: 'handled', rpc: 'GetVisitSequence' });
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(record.config.DATABASE_URL).toBe('[redacted]');
  });
});

describe('bounded log lines', () => {
  it('cuts long strings, long lists, deep objects and errors carrying their parameters, saying how much there was', async () => {
    const { logger, lines } = captureLogs('metadata');
    const label = 'x'.repeat(1_000_000);
    const failure = Object.assign(new Error(`insert failed: ${label}`), { parameters: [label, ...Array.from({ length: 10_000 }, (_, i) => `tag${i}`)] });
    logger.info({ request: { label, tags: Array.from({ length: 10_000 }, () => 'tag') }, err: failure }, `refused ${label}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThan(20_000);
    const record = JSON.parse(lines[0]);
    expect(record.msg).toMatch(/^refused x+… \(1000008 characters\)$/);
    expect(record.request.label).toMatch(/… \(1000000 characters\)$/);
    expect(record.request.tags).toHaveLength(21);
    expect(record.request.tags[20]).toBe('… (10000 items)');
    expect(record.err).toMatchObject({ type: 'Error' });
    expect(record.err.message).toMatch(/^insert failed: x+… \(1000015 characters\)$/);
    expect(record.err.stack).toContain('logger.spec');
    expect(record.err.parameters).toHaveLength(21);
  });
});

describe('trace ids', () => {
  it('puts trace_id and span_id of the current span on every line written while it is current, and none outside', async () => {
    const { logger, lines } = captureLogs('metadata');
    const { span, context } = startSpan('rpc', { parent: contextOfTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') });
    logger.info('before');
    await withContext(context, async () => {
      logger.info('inside');
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.child({ part: 'child' }).warn('after an await, from a child logger');
      new NestJsonLogger(logger).log('from NestJS');
    });
    logger.info('after');
    await new Promise((resolve) => setImmediate(resolve));
    const records = lines.map((line) => JSON.parse(line));
    const ids = { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: span.spanContext().spanId };
    expect(records.map((record) => [record.msg, record.trace_id, record.span_id])).toEqual([
      ['before', undefined, undefined],
      ['inside', ids.trace_id, ids.span_id],
      ['after an await, from a child logger', ids.trace_id, ids.span_id],
      ['from NestJS', ids.trace_id, ids.span_id],
      ['after', undefined, undefined],
    ]);
  });
});
