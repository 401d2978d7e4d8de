import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sectionCommands, withoutComment } from './support/readme';

describe('reading commands from the README as a shell would', () => {
  it('cuts a trailing comment only where the shell does: after white space, outside quotes', () => {
    expect(withoutComment("npx visitsarch download $UUID rewards rewards.h5   # the demo's rewards")).toBe('npx visitsarch download $UUID rewards rewards.h5');
    expect(withoutComment(`npx visitsarch query "SELECT visitseq_label FROM visitsextra WHERE tags ? 'nominal'"`)).toBe(`npx visitsarch query "SELECT visitseq_label FROM visitsextra WHERE tags ? 'nominal'"`);
    expect(withoutComment("npx visitsarch prenight_sims $(date -u -d '-12 hours' +%Y%m%d)  # tonight's")).toBe("npx visitsarch prenight_sims $(date -u -d '-12 hours' +%Y%m%d)");
    expect(withoutComment("echo 'a # b' x#y \\# z # end")).toBe("echo 'a # b' x#y \\# z");
  });

  it('takes the bash blocks of one section, joins continued lines, and skips comment lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    const file = path.join(dir, 'README.md');
    fs.writeFileSync(file, ['# T', '## A', '```bash', 'one   # c', '# only a comment', '', 'two \\', '  more', '```', '```python', 'not = "bash"', '```', '### sub', '```sh', 'three', '```', '## B', '```bash', 'four', '```'].join('\n'));
    try {
      expect(sectionCommands(file, '## A')).toEqual(['one   # c', 'two \\\n  more', 'three']);
      expect(() => sectionCommands(file, '## C')).toThrow('has no heading');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
