import { SAMPLE_OPSIM_DB, startTestStack } from './support/stack-fixture';
import { cli } from './support/run';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** The upstream's commands that had no equivalent: update-visitseq-metadata, set/get-visitseq-url, is-tagged. */
describe("the upstream's remaining vseqarchive commands", () => {
  let stack: TestStack;
  let simulation: string;
  let completed: string;
  const visitsarch = (args: string[]) => cli(args, stack.gateway);
  const show = async (uuid: string) => JSON.parse((await visitsarch(['--format', 'json', 'show', uuid])).stdout);

  beforeAll(async () => {
    stack = await startTestStack();
    simulation = (await visitsarch(['add_simulation', SAMPLE_OPSIM_DB, 'a simulation', '--tag', 'nominal'])).stdout.trim();
    completed = (await visitsarch(['add_completed', SAMPLE_OPSIM_DB, 'completed visits', '--archive', ''])).stdout.trim();
    expect(simulation).toMatch(/^[0-9a-f-]{36}$/);
    expect(completed).toMatch(/^[0-9a-f-]{36}$/);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('is-tagged prints true or false with exit code 0, as the upstream does; errors exit non-zero with one line', async () => {
    expect(await visitsarch(['is-tagged', simulation, 'nominal'])).toMatchObject({ code: 0, stdout: 'true\n', stderr: '' });
    expect(await visitsarch(['is_tagged', simulation, 'ideal'])).toMatchObject({ code: 0, stdout: 'false\n', stderr: '' });
    const unknown = await visitsarch(['is_tagged', '00000000-0000-4000-8000-000000000000', 'nominal']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^visitsarch: not found: .*00000000-0000-4000-8000-000000000000.*\n$/);
    expect(await visitsarch(['is_tagged', 'not-a-uuid', 'nominal'])).toMatchObject({ code: 2, stdout: '' });
    const unreachable = await cli(['is_tagged', simulation, 'nominal'], '127.0.0.1:1');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^visitsarch: cannot reach the gateway at 127\.0\.0\.1:1/);
  });

  it('get-visitseq-url prints the URL, and set-visitseq-url changes it (and the visits file record with it)', async () => {
    const before = await visitsarch(['get-visitseq-url', simulation]);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`^file:///.*/simonyi/\\d{4}-\\d{2}-\\d{2}/${simulation}/visits\\.[a-z0-9]+\\n$`));
    const moved = 's3://rubin:rubin-scheduler-prenight/opsim/vseq/moved/visits.h5';
    expect(await visitsarch(['set-visitseq-url', simulation, moved])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await visitsarch(['get_visitseq_url', simulation])).stdout).toBe(`${moved}\n`);
    expect((await show(simulation)).files.visits.url).toBe(moved);
    expect(await visitsarch(['set_visitseq_url', simulation, before.stdout.trim()])).toMatchObject({ code: 0 });
    expect((await visitsarch(['get_visitseq_url', simulation])).stdout).toBe(before.stdout);

    // Stored without visits: no URL is an error, not an empty line as upstream.
    const none = await visitsarch(['get_visitseq_url', completed]);
    expect(none).toMatchObject({ code: 1, stdout: '', stderr: `visitsarch: visit sequence ${completed} has no visits URL: its visits are not stored\n` });
    const unknown = await visitsarch(['get_visitseq_url', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^visitsarch: not found: /);
  });

  it('update-visitseq-metadata sets one column by its upstream name, parsing hashes, day_obs, times and JSON', async () => {
    const hash = 'ab'.repeat(32);
    const updates: [string, string][] = [
      ['conda_env_sha256', hash],
      ['config_url', 'https://example.org/config.py'],
      ['scheduler_version', '4.6.1'],
      ['parent_visitseq_uuid', completed],
      ['parent_last_day_obs', '20251031'],
      ['sim_runner_kwargs', '{"sim_duration": 3}'],
      ['visitseq_label', 'relabelled'],
      ['last_day_obs', '2025-11-03'],
      ['creation_time', '2025-11-01T18:00:00Z'],
    ];
    for (const [field, value] of updates) {
      expect([field, await visitsarch(['update-visitseq-metadata', simulation, field, value])]).toEqual([field, expect.objectContaining({ code: 0, stdout: '', stderr: '' })]);
    }
    expect(await show(simulation)).toMatchObject({
      conda_env_sha256: hash,
      config_url: 'https://example.org/config.py',
      scheduler_version: '4.6.1',
      parent_visitseq_uuid: completed,
      parent_last_day_obs: '2025-10-31',
      sim_runner_args: { sim_duration: 3 },
      visitseq_label: 'relabelled',
      last_day_obs: '2025-11-03',
      creation_time: '2025-11-01T18:00:00.000Z',
    });
    expect(await visitsarch(['update_visitseq_metadata', completed, 'query', 'SELECT 1'])).toMatchObject({ code: 0 });
    expect((await show(completed)).query).toBe('SELECT 1');
  });

  it('update-visitseq-metadata refuses what cannot be set, in one line with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['update_visitseq_metadata', simulation, 'no_such_column', 'x'], /^visitsarch: unknown field "no_such_column"; one of visitseq_sha256, /],
      [['update_visitseq_metadata', simulation, 'conda_env_sha256', 'abc'], /^visitsarch: conda_env_sha256: expected 64 hexadecimal digits/],
      [['update_visitseq_metadata', simulation, 'first_day_obs', '2025-11-31'], /^visitsarch: first_day_obs: not a day_obs/],
      [['update_visitseq_metadata', simulation, 'sim_runner_kwargs', '[1]'], /^visitsarch: sim_runner_args: expected a JSON object/],
      [['update_visitseq_metadata', simulation, 'query', 'SELECT 1'], /^visitsarch: .*names details of a completed sequence, but .* is a simulation sequence/],
      [['update_visitseq_metadata', simulation, 'first_day_obs', '2025-12-01'], /^visitsarch: .+/], // after last_day_obs
    ];
    for (const [args, message] of cases) {
      const result = await visitsarch(args);
      expect([args, result.code, result.stdout]).toEqual([args, 2, '']);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await visitsarch(['update_visitseq_metadata', '00000000-0000-4000-8000-000000000000', 'visitseq_label', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^visitsarch: not found: /);
  });
});
