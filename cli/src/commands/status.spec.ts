import { startHealthServer } from '@visitsarch/grpc-client';
import { statusCommand } from './status';

describe('visitsarch status', () => {
  let output: string;
  let errors: string;
  beforeEach(() => {
    output = '';
    errors = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((output += String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((errors += String(chunk)), true));
  });
  afterEach(() => jest.restoreAllMocks());

  const dependencies = { 'dependency/metadata': 'SERVING', 'dependency/blob-archive': 'SERVING', 'dependency/consdb-ingest': 'SERVING', 'dependency/stats': 'SERVING' } as const;

  it('prints one line per service and exits 0 when all serve', async () => {
    const gateway = await startHealthServer('SERVING', { ...dependencies });
    try {
      expect(await statusCommand(gateway.address)).toBe(0);
    } finally {
      await gateway.stop();
    }
    expect(output.split('\n').filter(Boolean).map((line) => line.split(/\s+/))).toEqual([
      ['gateway', gateway.address, 'SERVING'],
      ['metadata', 'via', 'gateway', 'SERVING'],
      ['blob-archive', 'via', 'gateway', 'SERVING'],
      ['consdb-ingest', 'via', 'gateway', 'SERVING'],
      ['stats', 'via', 'gateway', 'SERVING'],
    ]);
    expect(errors).toBe('');
  });

  it('exits 1 and shows which service is down', async () => {
    const gateway = await startHealthServer('NOT_SERVING', { ...dependencies, 'dependency/stats': 'NOT_SERVING' });
    try {
      expect(await statusCommand(gateway.address)).toBe(1);
    } finally {
      await gateway.stop();
    }
    expect(output).toMatch(/^gateway\s+\S+\s+NOT_SERVING$/m);
    expect(output).toMatch(/^stats\s+via gateway\s+NOT_SERVING$/m);
    expect(output).toMatch(/^metadata\s+via gateway\s+SERVING$/m);
  });
});
