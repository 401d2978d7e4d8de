import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const LAUNCHER = path.resolve(__dirname, '..', 'bin', 'visitsarch.js');

describe('the committed `visitsarch` launcher (what npm links at install time)', () => {
  it('runs the built command line', () => {
    const result = spawnSync(process.execPath, [LAUNCHER, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('says what to run, in one line, when the repository is not built yet', () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-unbuilt-'));
    try {
      fs.mkdirSync(path.join(clone, 'cli', 'bin'), { recursive: true });
      fs.copyFileSync(LAUNCHER, path.join(clone, 'cli', 'bin', 'visitsarch.js'));
      const result = spawnSync(process.execPath, [path.join(clone, 'cli', 'bin', 'visitsarch.js'), 'status'], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`visitsarch: the command line is not built yet: run \`npm run build\` (or \`npm start\`) in ${clone}\n`);
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });
});
