/**
 * docs/benchmarks.md holds one section per benchmark, between `<!-- bench:NAME -->` markers, so
 * each `npm run bench` step rewrites its own results and keeps the others'.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPORT = path.resolve(__dirname, '..', '..', 'docs', 'benchmarks.md');
const TITLE = '# Benchmarks\n\nWritten by `npm run bench`; do not edit by hand. Each section comes from one run on one machine, and compares\nvisitsarch with a reference measured in that same run.\n';

/** The machine and date line every section starts with. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString()} on ${cpu}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, 'utf8') : TITLE;
  if (!text.includes('<!-- bench:')) text = TITLE; // an old single-report file: start over
  const at = text.indexOf(start);
  text = at >= 0 ? text.slice(0, at) + block + text.slice(text.indexOf(end) + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(REPORT, text.endsWith('\n') ? text : `${text}\n`);
}
