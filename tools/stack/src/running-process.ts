import * as fs from 'node:fs';

/**
 * Whether process `pid` still runs: it exists and is not a zombie (a dead child whose new parent,
 * after its own parent was killed, has not reaped it yet: `kill(pid, 0)` still finds those).
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone meanwhile
  }
}
