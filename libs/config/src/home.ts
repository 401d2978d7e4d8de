import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The state directory of an embedded archive (database files, local blob archive):
 * `$VISITSARCH_HOME`, else `$XDG_DATA_HOME/visitsarch`, else `~/.local/share/visitsarch`.
 */
export function visitsarchHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VISITSARCH_HOME) return path.resolve(env.VISITSARCH_HOME);
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(dataHome, 'visitsarch');
}
