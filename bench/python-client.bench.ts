/**
 * `npm run bench`, Python client step: fetching the synthetic 2.1-million-visit opsim table into
 * a pandas DataFrame through the visitsarch Python client (Arrow Flight from the blob archive,
 * located through the gateway; and, for comparison, Arrow streamed through the gateway), against
 * `pandas.read_hdf` of the same table in the upstream archive's HDF5 layout; and storing it from
 * a DataFrame with `add_simulation(visits=frame)` against `frame.to_hdf` in that layout; in the
 * same run on the same machine. Writes its section of docs/benchmarks.md.
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

/** Runs the timed operations this many times and reports medians (the machine is shared and noisy). */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);

const MEASURE = `
import json, statistics, sys, time
import pandas as pd, pyarrow as pa
import visitsarch
arrows, h5, gateway, uuid, repeat = sys.argv[1:]
frame = pa.ipc.open_stream(arrows).read_all().to_pandas()
rows = len(frame)
def median(action, check=True):
    action()  # untimed warm-up: connections, imports, the first use of that much memory (as in bench/pandas_baseline.py)
    seconds = []
    for _ in range(int(repeat)):
        start = time.perf_counter(); result = action(); seconds.append(time.perf_counter() - start)
        if check:
            assert len(result) == rows, (len(result), rows)
        del result
    return statistics.median(seconds), min(seconds), max(seconds)
# Storing a DataFrame in memory: the upstream archive's visits.h5 (pandas' default "fixed" layout), against add_simulation(visits=frame).
to_hdf = median(lambda: frame.to_hdf(h5, key="observations", mode="w"), check=False)
runs = iter(range(1000))
with visitsarch.VisitSequenceArchive(gateway) as archive:
    add = median(lambda: archive.add_simulation(visits=frame, label=f"python client add benchmark {next(runs)}"), check=False)
del frame
read_hdf = median(lambda: pd.read_hdf(h5, key="observations"))
with visitsarch.VisitSequenceArchive(gateway) as archive:
    client = median(lambda: archive.download(uuid, "visits"))
with visitsarch.VisitSequenceArchive(gateway, flight=False) as archive:
    relayed = median(lambda: archive.download(uuid, "visits"))
print(json.dumps({"read_hdf": read_hdf, "client": client, "relayed": relayed, "to_hdf": to_hdf, "add": add, "rows": rows, "repeat": int(repeat)}))
`;

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-bench-py-'));
  fs.chmodSync(home, 0o755);
  const stack = await startStack({ home, addresses: await freeServiceAddresses(), logger: createLogger('bench', 'warn'), serviceLogs: 'ignore', env: { LOG_LEVEL: 'warn' } });
  try {
    const arrows = path.join(home, 'visits.arrows');
    await writeVisitTable(arrows, () => syntheticOpsimBatches({ rows: ROWS, seed: 1 }));
    const uuid = execFileSync(process.execPath, [path.join(REPOSITORY, 'cli', 'dist', 'main.js'), 'add_simulation', arrows, 'python client benchmark'], {
      env: { ...process.env, VISITSARCH_GATEWAY: stack.gateway, VISITSARCH_HOME: home }, // the CLI finds the stack's token in $VISITSARCH_HOME/token
      encoding: 'utf8',
    }).trim();
    const measured = JSON.parse(execFileSync(PYTHON, ['-c', MEASURE, arrows, path.join(home, 'visits.h5'), stack.gateway, uuid, String(REPEAT)], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, VISITSARCH_HOME: home } })) as {
      read_hdf: [number, number, number];
      client: [number, number, number];
      relayed: [number, number, number];
      to_hdf: [number, number, number];
      add: [number, number, number];
      rows: number;
      repeat: number;
    };
    const t = ([median, min, max]: [number, number, number]) => `${median.toFixed(2)} s (${min.toFixed(2)}–${max.toFixed(2)})`;
    const ratio = measured.read_hdf[0] / measured.client[0];
    const section = [
      '## Fetching and storing visits with the Python client',
      '',
      `${machineLine()}; ${measured.rows.toLocaleString('en')} visits × 47 columns (the synthetic opsim table); medians of ${measured.repeat} runs after an untimed warm-up run (range in parentheses).`,
      '',
      '| Operation | visitsarch | pandas (upstream) | Ratio (pandas ÷ visitsarch) | Target |',
      '|---|---|---|---|---|',
      `| Visits into a DataFrame | ${t(measured.client)} (\`VisitSequenceArchive().download(uuid, "visits")\`: Arrow Flight from the blob archive, located through the gateway) | ${t(measured.read_hdf)} (\`read_hdf\` of a local upstream-layout \`visits.h5\`) | ${ratio.toFixed(2)}× | ≥ 5× faster than \`read_hdf\` (issue 19): **${ratio >= 5 ? 'met' : 'not met'}** |`,
      `| Visits into a DataFrame, relayed | ${t(measured.relayed)} (\`VisitSequenceArchive(flight=False)\`: streamed through the gateway) | | ${(measured.read_hdf[0] / measured.relayed[0]).toFixed(2)}× | |`,
      `| Store a DataFrame as a simulation's visits | ${t(measured.add)} (\`add_simulation(visits=frame, label=…)\`: sent as Arrow through the gateway, hashed, stored and recorded by the archive) | ${t(measured.to_hdf)} (\`frame.to_hdf\` of the upstream-layout \`visits.h5\`, not fsync'ed) | ${(measured.to_hdf[0] / measured.add[0]).toFixed(2)}× | no slower than \`to_hdf\` (issue 19): **${measured.add[0] <= measured.to_hdf[0] ? 'met' : 'not met'}** |`,
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
