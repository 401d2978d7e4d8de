/**
 * The README is the test: a fresh copy of the repository in a new, closed (0700) folder, the
 * quick start's install-and-start command run there exactly as written, then every command of
 * "A first session" run literally, in order, in one shell, as a new user would paste them. The
 * commands are read from README.md itself, so README and test cannot drift.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeServiceAddresses } from '@visitsarch/stack';
import { REPO_ROOT, run } from './support/run';
import { sectionCommands, withoutComment } from './support/readme';

const README = path.join(REPO_ROOT, 'README.md');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const HDF5_MAGIC = Buffer.from('\x89HDF\r\n\x1a\n', 'latin1');

/** What each first-session command must print (stdout), keyed by its `visitsarch` subcommand. */
const EXPECTED_OUTPUT: Record<string, (stdout: string, work: string, command: string) => void> = {
  status: (stdout) => {
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(['gateway', 'metadata', 'blob-archive', 'consdb-ingest', 'stats']);
    for (const line of lines) expect(line).toMatch(/SERVING$/);
  },
  demo: (stdout) => expect(stdout.match(new RegExp(UUID, 'g'))?.length).toBeGreaterThanOrEqual(5),
  list: (stdout) => expectTable(stdout, 'visitseq_uuid', 1),
  prenight_sims: (stdout) => expectTable(stdout, 'visitseq_uuid', 3),
  query_night: (stdout) => expectTable(stdout, 'id', 1),
  query: (stdout) => expectTable(stdout, 'visitseq_label', 1),
  make_prenight_index: (stdout) => {
    const written = stdout.match(/^file:\/\/(\S+\.json)\n$/)?.[1];
    expect(written).toBeDefined();
    const index = JSON.parse(fs.readFileSync(written!, 'utf8'));
    expect(Object.keys(index).length).toBeGreaterThanOrEqual(3); // the demo's three pre-night simulations
  },
  download: (_stdout, work, command) => {
    const destination = path.join(work, withoutComment(command).split(/\s+/).pop()!);
    expect(fs.readFileSync(destination).subarray(0, 8)).toEqual(HDF5_MAGIC);
  },
  tag: (stdout) => expect(stdout).toBe(''),
  add_file: (stdout) => expect(stdout).toMatch(/^file:\/\/\S+\/rewards\.h5\n$/), // where the archive stored it
};

function expectTable(stdout: string, firstColumn: string, minimumRows: number): void {
  const [header, ...rows] = stdout.trim().split('\n');
  expect(header.split('\t')[0]).toBe(firstColumn);
  expect(rows.length).toBeGreaterThanOrEqual(minimumRows);
}

/** The `visitsarch` subcommand a README command runs (the first `visitsarch` word, also inside `$(…)`). */
function subcommand(command: string): string {
  const match = withoutComment(command).match(/npx visitsarch ([a-z_]+)/);
  if (!match) throw new Error(`README command does not run \`npx visitsarch\`: ${command}`);
  return match[1];
}

/** The tracked and new (not ignored) files of the working tree, copied as a fresh clone of it would hold them. */
function freshCopy(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(REPO_ROOT, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(from, path.join(into, file));
    fs.chmodSync(path.join(into, file), fs.statSync(from).mode);
  }
}

/** Waits until `text` appears in what `child` prints, or fails with the end of its output. */
function waitFor(child: ChildProcess, output: () => string, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (output().includes(text)) done();
      else if (child.exitCode !== null) done(new Error(`exited with ${child.exitCode} before "${text}":\n${output().slice(-3000)}`));
    }, 250);
    const timer = setTimeout(() => done(new Error(`no "${text}" within ${timeoutMs / 1000} s:\n${output().slice(-3000)}`)), timeoutMs);
    const done = (error?: Error) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has ended already
  }
}

describe('the README, run as a new user runs it', () => {
  const quickStart = sectionCommands(README, '## Quick start');
  const firstSession = sectionCommands(README, '## A first session');
  let root: string;
  let clone: string;
  let stack: ChildProcess | undefined;
  let stackOutput = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-readme-')); // 0700: only its owner may enter, even as root
    clone = path.join(root, 'visitsarch');
    freshCopy(clone);
  });

  afterAll(async () => {
    if (stack?.pid && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack!.once('exit', resolve));
      signalGroup(stack.pid, 'SIGINT'); // Ctrl-C: the whole process group, as a terminal sends it
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      signalGroup(stack.pid, 'SIGKILL');
    }
    stack?.stdout?.destroy();
    stack?.stderr?.destroy();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('has the two quick-start commands: install and start, then the tests', () => {
    expect(quickStart.map(withoutComment)).toEqual(['npm ci && npm start', 'npm test']);
    expect(fs.statSync(root).mode & 0o777).toBe(0o700);
  });

  it('installs and starts the whole archive with the quick start\'s first command', async () => {
    const addresses = await freeServiceAddresses();
    // Only the state folder and the ports differ from a new user's shell, so that this test
    // neither touches nor collides with an archive the developer may be running.
    // (Nor does it inherit what `npm test` adds: npm's variables and this repository's node_modules/.bin on PATH.)
    const userPath = (process.env.PATH ?? '').split(':').filter((entry) => !entry.includes(`node_modules${path.sep}.bin`) && !entry.includes('node-gyp-bin'));
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|VISITSARCH_|npm_|NX_|JEST_|INIT_CWD)/.test(name))),
      PATH: userPath.join(':'),
      VISITSARCH_HOME: path.join(root, 'home'),
      VISITSARCH_GATEWAY: addresses.gateway,
      METADATA_SERVICE_ADDRESS: addresses.metadata,
      BLOB_ARCHIVE_SERVICE_ADDRESS: addresses['blob-archive'],
      CONSDB_INGEST_SERVICE_ADDRESS: addresses['consdb-ingest'],
      STATS_SERVICE_ADDRESS: addresses.stats,
    };
    stack = spawn('bash', ['-c', quickStart[0]], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    stack.stdout!.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
    await waitFor(stack, () => stackOutput, 'visitsarch is running', 20 * 60_000);

    // npm linked the command at install time (its target is committed, not built).
    expect(fs.realpathSync(path.join(clone, 'node_modules', '.bin', 'visitsarch'))).toBe(path.join(clone, 'cli', 'bin', 'visitsarch.js'));
    // A normal start warns about nothing (pino: 40 warn, 50 error, 60 fatal).
    const complaints = stackOutput.split('\n').filter((line) => /"level":(4|5|6)0\b/.test(line));
    expect(complaints).toEqual([]);
    // All of its state is under VISITSARCH_HOME.
    expect(fs.readdirSync(env.VISITSARCH_HOME!).sort()).toEqual(expect.arrayContaining(['archive', 'postgres']));
  }, 25 * 60_000);

  it('runs every command of "A first session" literally, each with exit code 0 and the output it promises', async () => {
    expect(stack).toBeDefined();
    const work = clone; // `npx visitsarch` finds the command from inside the clone, where the README is read
    const steps = firstSession.map((command, index) => {
      const assigned = withoutComment(command).match(/^([A-Z_]+)=\$\(/)?.[1];
      // Each command in the same shell (its variables carry over), its output and status kept apart.
      return [`{ ${command}\n} > .step-${index}.out 2> .step-${index}.err`, `echo $? > .step-${index}.rc`, assigned ? `printf '%s\\n' "$${assigned}" >> .step-${index}.out` : ''].join('\n');
    });
    const result = await run('bash', ['-c', steps.join('\n')], { cwd: work, env, timeoutMs: 10 * 60_000 });
    expect(result.code).toBe(0);

    const failures: string[] = [];
    firstSession.forEach((command, index) => {
      const read = (suffix: string) => fs.readFileSync(path.join(work, `.step-${index}.${suffix}`), 'utf8');
      const [code, stdout, stderr] = [Number(read('rc')), read('out'), read('err')];
      if (code !== 0) {
        failures.push(`\`${command}\` exited with ${code}: ${stderr.trim()}`);
        return;
      }
      if (/^[A-Z_]+=\$\(/.test(withoutComment(command))) {
        // An assignment prints nothing; what it keeps (written to .out above) is a sequence's UUID.
        if (!new RegExp(`^${UUID.source}\n$`).test(stdout)) failures.push(`\`${command}\` kept ${JSON.stringify(stdout)}, not a UUID`);
        return;
      }
      const name = subcommand(command);
      const expectation = EXPECTED_OUTPUT[name];
      if (!expectation) {
        failures.push(`\`${command}\`: the README test knows no expected output for \`visitsarch ${name}\`; add one`);
        return;
      }
      try {
        expectation(stdout, work, command);
      } catch (error) {
        failures.push(`\`${command}\` printed what it should not:\n${stdout.slice(0, 2000)}\n${(error as Error).message}`);
      }
    });
    expect(failures).toEqual([]);
  }, 15 * 60_000);
});
