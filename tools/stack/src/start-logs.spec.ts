import { LogRecord, startStackProcess } from '@visitsarch/grpc-client';
import { SERVICE_NAMES } from './stack';

jest.setTimeout(120_000);

const PINO_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const levelOf = (record: LogRecord) => (typeof record.level === 'number' ? record.level : (PINO_LEVELS[record.level] ?? 100));
/** What each service checks before it serves (its `dependency/<name>` health entries). */
const DEPENDENCIES: Record<string, string[]> = {
  metadata: ['postgresql'],
  'blob-archive': ['archive'],
  'consdb-ingest': [], // it dials no service (docs/architecture.md, call graph)
  stats: ['metadata', 'blob-archive'],
  gateway: ['metadata', 'blob-archive', 'consdb-ingest', 'stats'],
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start (tools/stack/dist/main.js)', () => {
  it('logs no warning in a normal start, and still warns when a running service stops answering', async () => {
    const stack = await startStackProcess({ env: { HEALTH_INTERVAL_MS: '300' } });
    try {
      await sleep(1000); // a few more rounds of every service's dependency checks
      const records = stack.records();
      expect(new Set(records.map((record) => record.service))).toEqual(new Set(['visitsarch-stack', ...SERVICE_NAMES.map((name) => `visitsarch-${name}`)]));
      const reached = records.filter((record) => record.msg === 'dependency is reachable').map((record) => `${record.service} -> ${record.dependency}`);
      expect(new Set(reached)).toEqual(new Set(Object.entries(DEPENDENCIES).flatMap(([service, names]) => names.map((name) => `visitsarch-${service} -> ${name}`))));
      expect(records.filter((record) => levelOf(record) >= PINO_LEVELS.warn)).toEqual([]);
      expect(stack.lines.filter((line) => !line.startsWith('{') && line.trim())).toEqual([]); // nothing but JSON logs on stdout
      expect(stack.stderr()).not.toMatch(/warn|error/i);

      // A real outage: metadata stops answering; the services that call it warn.
      const metadata = stack.servicePid('metadata');
      process.kill(metadata, 'SIGSTOP');
      const warned = () =>
        new Set(stack.records().filter((record) => levelOf(record) === PINO_LEVELS.warn && record.msg === 'dependency is not reachable' && record.dependency === 'metadata').map((record) => record.service));
      try {
        for (let waited = 0; warned().size < 2 && waited < 15_000; waited += 100) await sleep(100);
      } finally {
        process.kill(metadata, 'SIGCONT');
      }
      expect(warned()).toEqual(new Set(['visitsarch-gateway', 'visitsarch-stats']));
    } finally {
      await stack.stop();
    }
  });
});
