/**
 * `npm run bench`, Python client step: fetching the synthetic 2.1-million-visit opsim table into
 * a pandas DataFrame through the visitsarch Python client (Arrow streamed over gRPC from the
 * gateway), against `pandas.read_hdf` of the same table in the upstream archive's HDF5 layout,
 * in the same run on the same machine. Writes its section of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '@visitsarch/logging';
import { freeServiceAddresses, startStack } from '@visitsarch/stack';
import { syntheticOpsimBatches, writeVisitTable } from '@visitsarch/visit-tables';
import { machineLine, writeSection } from './report';

const REPOSITORY = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(REPOSITORY, '.venv', 'bin', 'python');
const ROWS = Number(process.env.BENCH_ROWS ?? 2_100_000);

const MEASURE = `
import json, sys, time
import pandas as pd, pyarrow as pa
import visitsarch
arrows, h5, gateway, uuid = sys.argv[1:]
frame = pa.ipc.open_stream(arrows).read_all().to_pandas()
frame.to_hdf(h5, key="observations")  # the upstream archive's visits.h5: pandas' default "fixed" layout
del frame
start = time.perf_counter(); upstream = pd.read_hdf(h5, key="observations"); read_hdf = time.perf_counter() - start
rows = len(upstream); del upstream
with visitsarch.VisitSequenceArchive(gateway) as archive:
    start = time.perf_counter(); visits = archive.download(uuid, "visits"); client = time.perf_counter() - start
assert len(visits) == rows, (len(visits), rows)
print(json.dumps({"read_hdf_s": read_hdf, "client_s": client, "rows": rows}))
`;

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-bench-py-'));
  fs.chmodSync(home, 0o755);
  const stack = await startStack({ home, addresses: await freeServiceAddresses(), logger: createLogger('bench', 'warn'), serviceLogs: 'ignore', env: { LOG_LEVEL: 'warn' } });
  try {
    const arrows = path.join(home, 'visits.arrows');
    await writeVisitTable(arrows, () => syntheticOpsimBatches({ rows: ROWS, seed: 1 }));
    const uuid = execFileSync(process.execPath, [path.join(REPOSITORY, 'cli', 'dist', 'main.js'), 'add_simulation', arrows, 'python client benchmark'], {
      env: { ...process.env, VISITSARCH_GATEWAY: stack.gateway },
      encoding: 'utf8',
    }).trim();
    const measured = JSON.parse(execFileSync(PYTHON, ['-c', MEASURE, arrows, path.join(home, 'visits.h5'), stack.gateway, uuid], { encoding: 'utf8', maxBuffer: 1 << 20 })) as {
      read_hdf_s: number;
      client_s: number;
      rows: number;
    };
    const ratio = measured.read_hdf_s / measured.client_s;
    const section = [
      '## Fetching visits into pandas with the Python client',
      '',
      `${machineLine()}; ${measured.rows.toLocaleString('en')} visits × 47 columns (the synthetic opsim table).`,
      '',
      '| Operation | visitsarch | pandas (upstream) | Ratio (pandas ÷ visitsarch) | Target |',
      '|---|---|---|---|---|',
      `| Visits into a DataFrame | ${measured.client_s.toFixed(2)} s (\`VisitSequenceArchive().download(uuid, "visits")\` through the gateway) | ${measured.read_hdf_s.toFixed(2)} s (\`read_hdf\` of a local upstream-layout \`visits.h5\`) | ${ratio.toFixed(2)}× | faster than \`read_hdf\`: **${ratio > 1 ? 'met' : 'not met'}** |`,
    ].join('\n');
    writeSection('python-client', section);
    process.stdout.write(`${section}\n`);
  } finally {
    await stack.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
