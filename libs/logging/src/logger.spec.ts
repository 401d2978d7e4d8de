import { PassThrough } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes one JSON object per line with ISO time, level name, service and message, secrets redacted', async () => {
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger('metadata', 'info', sink);
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
