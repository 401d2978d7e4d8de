#!/usr/bin/env node
/**
 * Runs the test ConsDB (libs/consdb/src/testing) for tests outside Node — the Python client's:
 * prints one JSON line {"api_url", "database_url", "token"} once it is ready, and stops when
 * stdin closes or on SIGTERM/SIGINT. `--simonyi-first-dayobs YYYYMMDD` moves the Simonyi
 * nights (three, from 2025-12-01 by default). The TypeScript sources are compiled on load with SWC
 * (as jest does); workspace packages resolve to their built dist.
 */
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

addHook(
  (code, filename) =>
    transformSync(code, { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' }).code,
  { exts: ['.ts'], ignoreNodeModules: true },
);

const { startTestConsdb, TEST_CONSDB_TOKEN } = require('./src/testing');

async function main() {
  const flag = process.argv.indexOf('--simonyi-first-dayobs');
  const consdb = await startTestConsdb(flag > 0 ? { simonyi: { firstDayObs: Number(process.argv[flag + 1]), nights: 3 } } : {});
  let stopping;
  const stop = () => (stopping ??= consdb.stop().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ api_url: consdb.api.url, database_url: consdb.databaseUrl, token: TEST_CONSDB_TOKEN })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
