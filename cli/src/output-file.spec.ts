import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('partialFileOf', () => {
  it('removes the partial files of a command interrupted by Ctrl-C, which ends with status 130', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-partial-'));
    try {
      // A command in the middle of a download: its partial file written, the rename still to come.
      const script = `const { partialFileOf } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'output-file.js'))});
        const partial = partialFileOf(${JSON.stringify(path.join(folder, 'visits.h5'))});
        require('node:fs').writeFileSync(partial, 'half a table');
        console.log(partial);
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const partial = await new Promise<string>((resolve) => child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim())));
      expect(fs.existsSync(partial)).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(fs.readdirSync(folder)).toEqual([]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
