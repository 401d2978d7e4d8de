/**
 * Test helpers: run the project's Python (.venv) from the repository root, and find the
 * real opsim files kept in the repository as test data (test/data/opsim, see its README). Tests that need Python fail with a clear message when the venv is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const OPSIM_TEST_DATA = path.join(REPO_ROOT, 'test', 'data', 'opsim');
export const SAMPLE_OPSIM = path.join(OPSIM_TEST_DATA, 'sample_opsim.db');
export const PRENIGHT_OPSIM = path.join(OPSIM_TEST_DATA, 'opsim_prenight_2024-08-13_1.db');

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

/** Runs a Python script with the project venv; returns stdout; throws with stderr on failure. */
export function runPython(script: string, args: string[] = []): string {
  if (!existsSync(PYTHON)) {
    throw new Error(`the project Python environment is missing (${PYTHON}); create it with: bash tools/python-env.sh`);
  }
  const result = spawnSync(PYTHON, ['-c', script, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`python failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

/** The Python reference implementation of the canonical hash, taken from docs/visit-tables.md. */
export function referenceHashFunction(): string {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'visit-tables.md'), 'utf8');
  const match = /<!-- visitseq_sha256:begin -->\s*```python\n([\s\S]*?)```\s*<!-- visitseq_sha256:end -->/.exec(doc);
  if (!match) throw new Error('docs/visit-tables.md lost its visitseq_sha256 Python block');
  return match[1];
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'visit-tables-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
