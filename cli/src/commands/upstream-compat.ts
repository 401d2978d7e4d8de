import { Command } from 'commander';
import type { metadataV1 } from '@visitsarch/contracts';
import { isUuid } from '@visitsarch/validation';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { instantArgument, jsonObjectArgument } from '../options';
import { dayObsArgument } from './queries';

type Sequence = Partial<metadataV1.VisitSequence> & Record<string, unknown>;
type Kind = 'simulation' | 'completed' | 'mixed';

const text = (value: string) => value;
const dayObs = (field: string) => (value: string) => dayObsArgument(value, field);
const uuid = (field: string) => (value: string) => {
  if (!isUuid(value)) throw new CliError(`${field}: not a UUID: ${JSON.stringify(value)}`, 2);
  return value.toLowerCase();
};
const sha256 = (field: string) => (value: string) => {
  // The upstream parses any *sha256 value as hex (bytes.fromhex), so accept its spellings too.
  const hex = value.replace(/^(\\x|0x)/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new CliError(`${field}: expected 64 hexadecimal digits (a SHA-256), got ${JSON.stringify(value)}`, 2);
  return Buffer.from(hex, 'hex');
};

/**
 * The columns `update-visitseq-metadata` may set, by the upstream's column names: where each goes
 * in a VisitSequence (a top-level field, or the details of one kind) and how its text is read.
 */
const FIELDS: Record<string, { kind?: Kind; path: string; property: string; parse: (value: string) => unknown }> = {
  visitseq_sha256: { path: 'visitseq_sha256', property: 'visitseqSha256', parse: sha256('visitseq_sha256') },
  visitseq_label: { path: 'visitseq_label', property: 'visitseqLabel', parse: text },
  visitseq_url: { path: 'visitseq_url', property: 'visitseqUrl', parse: text },
  telescope: { path: 'telescope', property: 'telescope', parse: text },
  first_day_obs: { path: 'first_day_obs', property: 'firstDayObs', parse: dayObs('first_day_obs') },
  last_day_obs: { path: 'last_day_obs', property: 'lastDayObs', parse: dayObs('last_day_obs') },
  creation_time: { path: 'creation_time', property: 'creationTime', parse: (value) => instantArgument(value, 'creation_time') },
  scheduler_version: { kind: 'simulation', path: 'scheduler_version', property: 'schedulerVersion', parse: text },
  config_url: { kind: 'simulation', path: 'config_url', property: 'configUrl', parse: text },
  sim_runner_args: { kind: 'simulation', path: 'sim_runner_args', property: 'simRunnerArgs', parse: (value) => jsonObjectArgument(value, 'sim_runner_args') },
  conda_env_sha256: { kind: 'simulation', path: 'conda_env_sha256', property: 'condaEnvSha256', parse: sha256('conda_env_sha256') },
  parent_visitseq_uuid: { kind: 'simulation', path: 'parent_visitseq_uuid', property: 'parentVisitseqUuid', parse: uuid('parent_visitseq_uuid') },
  parent_last_day_obs: { kind: 'simulation', path: 'parent_last_day_obs', property: 'parentLastDayObs', parse: dayObs('parent_last_day_obs') },
  query: { kind: 'completed', path: 'query', property: 'query', parse: text },
  last_early_day_obs: { kind: 'mixed', path: 'last_early_day_obs', property: 'lastEarlyDayObs', parse: dayObs('last_early_day_obs') },
  first_late_day_obs: { kind: 'mixed', path: 'first_late_day_obs', property: 'firstLateDayObs', parse: dayObs('first_late_day_obs') },
  early_parent_uuid: { kind: 'mixed', path: 'early_parent_uuid', property: 'earlyParentUuid', parse: uuid('early_parent_uuid') },
  late_parent_uuid: { kind: 'mixed', path: 'late_parent_uuid', property: 'lateParentUuid', parse: uuid('late_parent_uuid') },
};
/** The upstream's name of the column. */
FIELDS.sim_runner_kwargs = FIELDS.sim_runner_args;

/** The request that sets one column of a sequence, as the upstream's update_visitseq_metadata does. */
export function updateRequest(visitseqUuid: string, field: string, value: string): { visitSequence: Sequence; updateMask: { paths: string[] } } {
  const target = FIELDS[field];
  if (!target) throw new CliError(`unknown field ${JSON.stringify(field)}; one of ${Object.keys(FIELDS).join(', ')}`, 2);
  const parsed = target.parse(value);
  const visitSequence: Sequence = { visitseqUuid };
  if (target.kind) visitSequence[target.kind] = { [target.property]: parsed };
  else visitSequence[target.property] = parsed;
  return { visitSequence, updateMask: { paths: [target.kind ? `${target.kind}.${target.path}` : target.path] } };
}

/**
 * The upstream's commands that have a command of another name or other arguments here (the others
 * answer to their upstream names): those names say what to run instead, rather than "unknown command".
 */
const RENAMED_UPSTREAM_COMMANDS: Record<string, string> = {
  'record-visitseq-metadata': '`visitsarch add_simulation`, `add_completed` or `add_mixed` (one command per kind, the visits stored in the same call)',
  'get-visitseq-metadata': '`visitsarch show UUID`',
  'get-comments': '`visitsarch comments UUID`',
  'archive-file': '`visitsarch add_file UUID FILE_TYPE FILE [ARCHIVE]` (the type before the file), or `visitsarch adopt_visits UUID [FILE]` for the visits of an imported sequence',
  'get-file': '`visitsarch download UUID FILE_TYPE DEST`',
  'add-nightly-stats': '`visitsarch nightly_stats UUID [--columns COLUMN...]` (computed from the stored visits)',
  'query-nightly-stats': '`visitsarch plot_nightly UUID`, or `visitsarch query "SELECT * FROM nightly_stats WHERE visitseq_uuid = \'…\'"`',
  'record-conda-env': '`visitsarch save_env [UUID]`',
};

/**
 * update_visitseq_metadata, set_visitseq_url, get_visitseq_url, is_tagged: the upstream's remaining
 * commands; and its renamed ones (RENAMED_UPSTREAM_COMMANDS), which say what to run instead.
 */
export function registerUpstreamCompatCommands(program: Command, context: CliContext): void {
  for (const [name, instead] of Object.entries(RENAMED_UPSTREAM_COMMANDS)) {
    program
      .command(name, { hidden: true })
      .alias(name.replaceAll('-', '_'))
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() =>
        context.run(async () => {
          throw new CliError(`${name} is the upstream's command; here: ${instead} (docs/upstream-commands.md)`, 2);
        }),
      );
  }
  const update = (uuid: string, field: string, value: string) =>
    context.metadata.unary('updateVisitSequence', updateRequest(uuid, field, value) as never, context.deadline());

  program
    .command('update_visitseq_metadata')
    .alias('update-visitseq-metadata')
    .description('set one metadata column of a visit sequence (the upstream\'s column names: e.g. conda_env_sha256, config_url, parent_last_day_obs, sim_runner_kwargs)')
    .argument('<uuid>', 'the visit sequence')
    .argument('<field>', `the column: ${Object.keys(FIELDS).join(', ')}`)
    .argument('<value>', 'the new value: text; YYYY-MM-DD or YYYYMMDD for day_obs; hex for hashes; ISO 8601 for creation_time; a JSON object for sim_runner_kwargs')
    .action((uuid: string, field: string, value: string) =>
      context.run(async () => {
        await update(uuid, field, value);
      }),
    );

  program
    .command('set_visitseq_url')
    .alias('set-visitseq-url')
    .description('set the URL of the visits of a visit sequence (visitseq_url; the record of its visits file follows)')
    .argument('<uuid>', 'the visit sequence')
    .argument('<url>', 'the URL of the stored visits (s3://… or file:///…)')
    .action((uuid: string, url: string) =>
      context.run(async () => {
        await update(uuid, 'visitseq_url', url);
      }),
    );

  program
    .command('get_visitseq_url')
    .alias('get-visitseq-url')
    .description('print the URL of the visits of a visit sequence; exits 1 if its visits are not stored')
    .argument('<uuid>', 'the visit sequence')
    .action((uuid: string) =>
      context.run(async () => {
        const { visitSequence } = await context.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, context.deadline());
        const url = visitSequence?.visitseqUrl;
        if (!url) throw new CliError(`visit sequence ${uuid} has no visits URL: its visits are not stored`);
        process.stdout.write(`${url}\n`);
      }),
    );

  program
    .command('is_tagged')
    .alias('is-tagged')
    .description("print true if a visit sequence has a tag, else false (exit code 0 either way, as the upstream's; errors exit non-zero)")
    .argument('<uuid>', 'the visit sequence')
    .argument('<tag>', 'the tag')
    .action((uuid: string, tag: string) =>
      context.run(async () => {
        const { tagged } = await context.metadata.unary('checkTag', { visitseqUuid: uuid, tag }, context.deadline());
        process.stdout.write(`${tagged}\n`);
      }),
    );
}
