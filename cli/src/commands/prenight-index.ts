import { Argument, Command } from 'commander';
import { createS3Client, FileObjectStore, ObjectStore, parseObjectUrl, putObject, S3ObjectStore } from '@visitsarch/storage';
import { fromIpcChunks } from '../arrow-ipc';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { rowsOfTable } from '../output';
import { dayObsArgument } from './queries';

/** The upstream's default destination (rubin_sim.sim_archive.vseqarchive.PRENIGHT_INDEX_URL), which schedview reads. */
export const UPSTREAM_PRENIGHT_INDEX_URL = 's3://rubin:rubin-scheduler-prenight/opsim/prenight_index/';
const TELESCOPES = ['simonyi', 'auxtel'];
/** The upstream's `make-prenight-index` selects prenight simulations at most this many days old (by the database clock). */
const MAX_SIMULATION_AGE_DAYS = 4000;

/**
 * The SQL that reproduces the upstream's `sims_on_night_with_stats(day_obs, tags=("prenight",),
 * telescope, max_simulation_age=4000)` and its JSON conversion, over this archive's views: one row
 * per selected simulation with its index entry as JSON text, keys in the upstream's order. Where the
 * upstream's values came out of pandas (dates, the creation time, hex hashes), PostgreSQL writes
 * them in the same form; the nested objects are jsonb, so their keys are in jsonb's order, as the
 * upstream's were. `day_obs` is validated (YYYY-MM-DD) and `telescope` one of TELESCOPES.
 */
export function prenightIndexSql(dayObs: string, telescope: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dayObs) || !TELESCOPES.includes(telescope)) throw new Error(`bad day_obs ${dayObs} or telescope ${telescope}`);
  const statistics = ['accumulated', 'count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'];
  return `
WITH selected AS (
  SELECT * FROM visitsextra
  WHERE DATE '${dayObs}' BETWEEN first_day_obs AND last_day_obs
    AND telescope = '${telescope}'
    AND tags @> '["prenight"]'::jsonb
    AND creation_time >= now() - INTERVAL '${MAX_SIMULATION_AGE_DAYS} days'
), night_stats AS (
  -- The upstream keys statistics by value_name only; of a per-night and an accumulated row, the per-night one is kept.
  SELECT visitseq_uuid,
         jsonb_object_agg(value_name, jsonb_build_object(${statistics.map((name) => `'${name}', ${name}`).join(', ')}) ORDER BY accumulated DESC, value_name) AS stats
  FROM nightly_stats WHERE day_obs = DATE '${dayObs}' AND visitseq_uuid IN (SELECT visitseq_uuid FROM selected)
  GROUP BY visitseq_uuid
), numbered_comments AS (
  SELECT visitseq_uuid, comment, comment_time, row_number() OVER (PARTITION BY visitseq_uuid, comment_time ORDER BY comment_id) AS n
  FROM comments WHERE visitseq_uuid IN (SELECT visitseq_uuid FROM selected)
), comment_objects AS (
  -- Keyed like the upstream's (comment_time as JSON, ISO 8601 in UTC); a second comment at the same instant gets " #2" instead of being lost.
  SELECT visitseq_uuid,
         jsonb_object_agg((to_json(comment_time AT TIME ZONE 'UTC') #>> '{}') || '+00:00' || CASE WHEN n > 1 THEN ' #' || n ELSE '' END, comment) AS comments
  FROM numbered_comments GROUP BY visitseq_uuid
), file_objects AS (
  -- The upstream never listed the visits among the files: their URL is visitseq_url.
  SELECT visitseq_uuid, jsonb_object_agg(file_type, file_url) AS files
  FROM files WHERE file_type <> 'visits' AND visitseq_uuid IN (SELECT visitseq_uuid FROM selected)
  GROUP BY visitseq_uuid
)
SELECT s.visitseq_uuid::text AS visitseq_uuid,
       json_build_object(
         'sim_creation_day_obs', to_char(s.sim_creation_day_obs, 'YYYY-MM-DD'),
         'daily_id', s.daily_id,
         'visitseq_label', s.visitseq_label,
         'visitseq_url', s.visitseq_url,
         'telescope', s.telescope,
         'first_day_obs', to_char(s.first_day_obs, 'YYYY-MM-DD'),
         'last_day_obs', to_char(s.last_day_obs, 'YYYY-MM-DD'),
         'creation_time', to_char(s.creation_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'scheduler_version', s.scheduler_version,
         'config_url', s.config_url,
         'sim_runner_kwargs', s.sim_runner_args,
         'conda_env_sha256', encode(s.conda_env_sha256, 'hex'),
         'parent_visitseq_uuid', s.parent_visitseq_uuid::text,
         'parent_last_day_obs', to_char(s.parent_last_day_obs, 'YYYY-MM-DD'),
         'tags', s.tags,
         'comments', COALESCE(c.comments, '{}'::jsonb),
         'files', COALESCE(f.files, '{}'::jsonb),
         'stats', ns.stats
       )::text AS entry
FROM selected AS s
LEFT JOIN night_stats AS ns ON ns.visitseq_uuid = s.visitseq_uuid
LEFT JOIN comment_objects AS c ON c.visitseq_uuid = s.visitseq_uuid
LEFT JOIN file_objects AS f ON f.visitseq_uuid = s.visitseq_uuid
ORDER BY s.creation_time DESC, s.visitseq_uuid`;
}

/** `<destination>/<telescope>/<year>/<month, not zero-padded>/<telescope>_prenights_for_<YYYY-MM-DD>.json`, as the upstream writes it. */
export function prenightIndexUrl(destination: string, dayObs: string, telescope: string): string {
  const [year, month] = dayObs.split('-').map(Number);
  return `${destination.replace(/\/*$/, '/')}${telescope}/${year}/${month}/${telescope}_prenights_for_${dayObs}.json`;
}

/** make_prenight_index: the JSON snapshot of a night's pre-night simulations that schedview reads from the bucket. */
export function registerPrenightIndexCommand(program: Command, context: CliContext): void {
  program
    .command('make_prenight_index')
    .alias('make-prenight-index')
    .description("write the JSON index of a night's pre-night simulations (tagged prenight) where schedview's dashboards read it; prints its URL")
    .argument('<day_obs>', 'the night (YYYY-MM-DD or YYYYMMDD)')
    .addArgument(new Argument('<telescope>', 'simonyi or auxtel').choices(TELESCOPES))
    .option('--destination <url>', `base URL of the index: file:///dir/ or s3://bucket/prefix/ (default: $PRENIGHT_INDEX_URL, else ${UPSTREAM_PRENIGHT_INDEX_URL})`)
    .addHelpText('after', '\nS3 destinations use S3_ENDPOINT_URL and the standard AWS credentials (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID…).')
    .action((dayObsText: string, telescope: string, options: { destination?: string }) =>
      context.run(async () => {
        const dayObs = dayObsArgument(dayObsText, 'day_obs');
        const destination = options.destination ?? process.env.PRENIGHT_INDEX_URL ?? UPSTREAM_PRENIGHT_INDEX_URL;
        if (!/^(file:\/\/\/|s3:\/\/[^/]+)/.test(destination)) throw new CliError(`--destination must be a file:/// or s3:// URL, got ${JSON.stringify(destination)}`, 2);
        const url = prenightIndexUrl(destination, dayObs, telescope);
        const { timeout, options: call } = context.queryTimeout();
        const table = await fromIpcChunks(context.metadata.serverStream('query', { sql: prenightIndexSql(dayObs, telescope), maxRows: 0, timeout }, call));
        const index: Record<string, unknown> = {};
        for (const row of rowsOfTable(table).rows) index[row.visitseq_uuid as string] = JSON.parse(row.entry as string);
        await writeIndex(url, JSON.stringify(index, null, 4));
        process.stdout.write(`${url}\n`);
      }),
    );
}

async function writeIndex(url: string, text: string): Promise<void> {
  const location = parseObjectUrl(url, '--destination');
  // The SDK's notice about its future Node.js requirement is not the user's business: keep stderr for errors.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const store: ObjectStore = location.kind === 'file' ? new FileObjectStore() : new S3ObjectStore(createS3Client({ endpoint: process.env.S3_ENDPOINT_URL || undefined }));
  try {
    // Replaced every time, as the upstream's write() does: the index is a snapshot of the night.
    await putObject(store, location.url, [Buffer.from(text, 'utf8')], { overwrite: true });
  } catch (error) {
    throw new CliError(`cannot write ${url}: ${(error as Error).message}`);
  }
}
