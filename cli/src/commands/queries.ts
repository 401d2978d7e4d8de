import { Command, Option } from 'commander';
import { metadataV1 } from '@visitsarch/contracts';
import { dayObsOfMjd, mjdAtDayObsStart, parseDayObs } from '@visitsarch/day-obs';
import { fromIpcChunks } from '../arrow-ipc';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { adoptImportedVisits, localVisitsFile } from './transfers';
import { nightsOfVisitsFile } from '../visits-file';
import { collect } from '../options';
import { rowsOfTable } from '../output';
import { KINDS, SEQUENCE_COLUMNS, visitSequenceRow } from '../records';

/** query, query_night, prenight_sims, show, list, import_upstream. */
export function registerQueryCommands(program: Command, context: CliContext): void {
  program
    .command('query')
    .description('run a read-only SQL query over the archive (tables and views of the specification) and print the result')
    .argument('<sql>', 'e.g. "SELECT * FROM visitsextra WHERE tags ? \'prenight\'"')
    .option('--max_rows <n>', 'stop after this many rows', (value) => positiveInteger(value, '--max_rows'))
    .addHelpText(
      'after',
      "\nThe query may run for --timeout seconds (global option; default: the server's QUERY_DEFAULT_TIMEOUT_S, 10 by default; at most its QUERY_MAX_TIMEOUT_S, 300 by default).",
    )
    .action((sql: string, options: { max_rows?: number }) =>
      context.run(async () => {
        // The spec's bash example escapes `*` and `?` for the shell inside double quotes, where the backslash stays.
        const cleaned = sql.replace(/\\([*?])/g, '$1');
        let truncated = false;
        const { timeout, options: call } = context.queryTimeout();
        const messages = context.metadata.serverStream('query', { sql: cleaned, maxRows: options.max_rows ?? 0, timeout }, call);
        const table = await fromIpcChunks(
          (async function* () {
            for await (const message of messages) {
              truncated ||= message.truncated;
              yield message;
            }
          })(),
        );
        const { columns, rows } = rowsOfTable(table);
        context.print(columns, rows);
        if (truncated) process.stderr.write(`visitsarch: the result was cut at ${rows.length} rows (--max_rows)\n`);
      }),
    );

  program
    .command('query_night')
    .alias('query-night')
    .description('the simulations, completed and mixed sequences of a telescope that cover a night')
    .argument('<day_obs>', 'the night (YYYY-MM-DD or YYYYMMDD)')
    .argument('<telescope>', 'simonyi or auxtel')
    .argument('[earliest_sim]', 'only sequences created on or after this day_obs (or ISO time)')
    .option('--columns <names...>', 'columns to show (tags and comments are always added)')
    .option('--tags <tags...>', 'only sequences carrying all these tags')
    .option('--last_day_obs <day_obs>', 'cover every night from day_obs through this one')
    .addOption(new Option('--kind <kind>', 'only this kind of sequence').choices(Object.keys(KINDS)))
    .action((dayObs: string, telescope: string, earliest: string | undefined, options: { columns?: string[]; tags?: string[]; last_day_obs?: string; kind?: string }) =>
      context.run(async () => {
        const messages = context.metadata.serverStream(
          'queryNight',
          {
            firstDayObs: dayObsArgument(dayObs, 'day_obs'),
            lastDayObs: options.last_day_obs ? dayObsArgument(options.last_day_obs, '--last_day_obs') : '',
            telescope,
            earliestCreationTime: earliest ? earliestArgument(earliest) : undefined,
            tags: options.tags ?? [],
            columns: options.columns ?? [], // the metadata service knows the spec's short names (id, label, url)
            kind: options.kind ? KINDS[options.kind] : 0,
          },
          context.deadline(),
        );
        const { columns, rows } = rowsOfTable(await fromIpcChunks(messages));
        context.print(columns, rows);
      }),
    );

  program
    .command('prenight_sims')
    .aliases(['prenight_sim', 'prenight-sims'])
    .description('the pre-night simulations (tagged prenight) covering a night, newest first, with the URLs of their visits and rewards')
    .argument('<day_obs>', 'the night (YYYY-MM-DD or YYYYMMDD)')
    .option('--telescope <telescope>', 'simonyi or auxtel', 'simonyi')
    .option('--tags <tags...>', 'the tags the simulations must all carry (default: prenight)')
    .action((dayObs: string, options: { telescope: string; tags?: string[] }) =>
      context.run(async () => {
        const messages = context.metadata.serverStream('prenightSims', { dayObs: dayObsArgument(dayObs, 'day_obs'), telescope: options.telescope, tags: options.tags ?? [] }, context.deadline());
        const { columns, rows } = rowsOfTable(await fromIpcChunks(messages));
        context.print(columns, rows);
      }),
    );

  program
    .command('show')
    .description('all metadata of one visit sequence: its record, files and comments')
    .argument('<uuid>', 'the visit sequence')
    .action((uuid: string) =>
      context.run(async () => {
        const { visitSequence } = await context.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, context.deadline());
        const files = await context.metadata.unary('listFiles', { visitseqUuid: uuid, pageSize: 1000, pageToken: '' }, context.deadline());
        const comments = await context.metadata.unary('listComments', { visitseqUuid: uuid, pageSize: 1000, pageToken: '' }, context.deadline());
        const record = {
          ...visitSequenceRow(visitSequence!),
          files: Object.fromEntries(files.files.map((file) => [file.fileType, { url: file.fileUrl ?? null, sha256: Buffer.from(file.fileSha256).toString('hex'), size: file.fileSize }])),
          comments: comments.comments.map((comment) => ({ time: comment.commentTime?.toISOString(), author: comment.author ?? null, comment: comment.comment })),
        };
        if (context.format() === 'json') {
          process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
          return;
        }
        context.print(['field', 'value'], Object.entries(record).map(([field, value]) => ({ field, value })));
      }),
    );

  program
    .command('list')
    .description('recent visit sequences, newest first')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(Object.keys(KINDS)))
    .option('--telescope <telescope>', 'only this telescope')
    .option('--tag <tag>', 'only sequences with this tag (repeatable: all must match)', collect)
    .option('--label <text>', 'only labels containing this text')
    .option('--covers <day_obs>', 'only sequences covering this night')
    .option('--limit <n>', 'how many to show', (value) => positiveInteger(value, '--limit'), 20)
    .action((options: { kind?: string; telescope?: string; tag?: string[]; label?: string; covers?: string; limit: number }) =>
      context.run(async () => {
        const covers = options.covers ? dayObsArgument(options.covers, '--covers') : '';
        const response = await context.metadata.unary(
          'listVisitSequences',
          {
            kind: options.kind ? KINDS[options.kind] : 0,
            telescope: options.telescope ?? '',
            tagsAll: options.tag ?? [],
            tagsAny: [],
            labelContains: options.label ?? '',
            covers: covers ? { firstDayObs: covers, lastDayObs: covers } : undefined,
            orderBy: 'creation_time desc',
            pageSize: options.limit,
            pageToken: '',
          },
          context.deadline(),
        );
        context.print(SEQUENCE_COLUMNS, response.visitSequences.map(visitSequenceRow));
      }),
    );

  program
    .command('import_upstream')
    .alias('import-upstream')
    .description(
      "copy the rows of an existing rubin_sim metadata database (the upstream's vsmd schema) into this archive. Prints one line per upstream row " +
        '(table, visitseq_uuid, key, outcome, reason, upstream_sha256) and a summary on stderr; exits 1 if any row was refused. Repeatable. An admin command',
    )
    .requiredOption('--dsn <url>', 'PostgreSQL URL of the upstream database')
    .option('--schema <name>', 'the upstream schema', 'vsmd')
    .option('--dry-run', 'only report what the import would do; change nothing')
    .addOption(new Option('--dry_run').hideHelp())
    .option('--with-visits', "then store the visits of each imported sequence whose visitseq_url is a readable local file (file://) and that has none stored, adopting their canonical hash (as adopt_visits); one stderr line per sequence; exits 1 if any failed")
    .addOption(new Option('--with_visits').hideHelp())
    .option('--in-place', "as --with-visits, but each imported sequence's visits stay where they are: the object at its visitseq_url (in the archive's storage: point the archive at the upstream's root) is registered and verified on every read, not copied (as adopt_visits --in-place)")
    .addOption(new Option('--in_place').hideHelp())
    .action((options: { dsn: string; schema: string; dryRun?: boolean; dry_run?: boolean; withVisits?: boolean; with_visits?: boolean; inPlace?: boolean; in_place?: boolean }) =>
      context.run(async () => {
        const dryRun = Boolean(options.dryRun || options.dry_run);
        const inPlace = Boolean(options.inPlace || options.in_place);
        const withVisits = inPlace || Boolean(options.withVisits || options.with_visits);
        const request: metadataV1.ImportUpstreamRequest = { dsn: options.dsn, schema: options.schema, dryRun, sequenceNights: [] };
        if (withVisits) {
          // The sequences the upstream left undated get the nights of their visits, read here from
          // local files: a dry run finds them (its report names their visits' URLs).
          const probe = await context.metadata.unary('importUpstream', { ...request, dryRun: true }, context.deadline('transfer'));
          request.sequenceNights = await nightsOfUndatedSequences(probe.rows);
        }
        const response = await context.metadata.unary('importUpstream', request, context.deadline('transfer'));
        const words = dryRun ? { ...IMPORT_WORDS, [metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_IMPORTED]: 'would-import' } : IMPORT_WORDS;
        const rows = response.rows.map((row) => ({
          table: row.tableName,
          visitseq_uuid: row.visitseqUuid,
          key: row.key,
          outcome: words[row.outcome] ?? String(row.outcome),
          reason: row.reason,
          upstream_sha256: Buffer.from(row.upstreamVisitseqSha256).toString('hex'),
        }));
        const count = (outcome: metadataV1.RowImportOutcome) => response.rows.filter((row) => row.outcome === outcome).length;
        const summary = {
          rows: response.rows.length,
          imported: count(metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_IMPORTED),
          already_present: count(metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT),
          skipped: count(metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_SKIPPED),
          refused: count(metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_REFUSED),
        };
        if (context.format() === 'json') {
          const tables = response.tables.map((table) => ({
            table: table.tableName,
            imported: table.copiedCount,
            already_present: table.alreadyPresentCount,
            skipped: table.skippedCount - table.alreadyPresentCount,
            refused: table.rejectedCount,
            absent_upstream: table.absentUpstream,
          }));
          process.stdout.write(`${JSON.stringify({ dry_run: dryRun, summary, tables, rows }, null, 2)}\n`);
        } else context.print(['table', 'visitseq_uuid', 'key', 'outcome', 'reason', 'upstream_sha256'], rows);
        const absent = response.tables.filter((table) => table.absentUpstream).map((table) => table.tableName);
        process.stderr.write(
          `import_upstream: ${summary.rows} upstream rows: ${summary.imported} ${dryRun ? 'would be imported' : 'imported'}, ${summary.already_present} already present, ` +
            `${summary.skipped} skipped, ${summary.refused} refused${absent.length ? ` (the upstream has no ${absent.join(', ')})` : ''}${dryRun ? '; dry run: nothing was written' : ''}\n`,
        );
        let adoptionsFailed = 0;
        if (withVisits) {
          if (dryRun) process.stderr.write(`import_upstream: ${inPlace ? '--in-place' : '--with-visits'}: a dry run adopts no visits\n`);
          else adoptionsFailed = await adoptImportedVisits(context, importedSequences(response.rows), inPlace);
        }
        if (summary.refused > 0) {
          const where = context.format() === 'json' ? 'the rows with "outcome": "refused"' : 'the lines with outcome "refused"';
          throw new CliError(`${summary.refused} upstream row${summary.refused === 1 ? ' was' : 's were'} refused: see ${where} above; their reason says why and what to fix upstream`, 1);
        }
        if (adoptionsFailed > 0) throw new CliError(`the visits of ${adoptionsFailed} imported sequence${adoptionsFailed === 1 ? '' : 's'} could not be adopted: see the lines with "failed" above`, 1);
      }),
    );
}

/**
 * For --with-visits: the nights of the upstream's undated sequences (refused without them), read
 * from their visits where the upstream's visitseq_url names a readable local file; one stderr line
 * for each that cannot be read (it stays refused, with its reason in the report).
 */
async function nightsOfUndatedSequences(rows: metadataV1.RowImportReport[]): Promise<metadataV1.UpstreamSequenceNights[]> {
  const undated = rows.filter((row) => row.undatedUpstream && row.outcome === metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_REFUSED);
  const nights: metadataV1.UpstreamSequenceNights[] = [];
  for (const row of undated) {
    const say = (line: string) => process.stderr.write(`import_upstream: ${row.visitseqUuid} ${line}\n`);
    const file = localVisitsFile({ visitseqUrl: row.upstreamVisitseqUrl });
    if (typeof file !== 'string') {
      say(`has no first/last_day_obs upstream, and it ${file.reason}: its nights cannot be read here`);
      continue;
    }
    try {
      const range = await nightsOfVisitsFile(file);
      if (!range.firstDayObs) {
        say(`has no first/last_day_obs upstream, and its visits (${file}) have no nights`);
        continue;
      }
      nights.push({ visitseqUuid: row.visitseqUuid, dayObsRange: range });
      say(`has no first/last_day_obs upstream: its visits (${file}) cover ${range.firstDayObs} to ${range.lastDayObs}`);
    } catch (error) {
      say(`has no first/last_day_obs upstream, and its visits (${file}) cannot be read: ${(error as Error).message}`);
    }
  }
  return nights;
}

/** The sequences an import_upstream report shows here (imported now or before), for --with-visits. */
function importedSequences(rows: metadataV1.RowImportReport[]): string[] {
  const tables = new Set(['visitseq', 'simulations', 'completed', 'mixedvisitseq']);
  const outcomes = new Set([metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_IMPORTED, metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT]);
  return [...new Set(rows.filter((row) => tables.has(row.tableName) && outcomes.has(row.outcome)).map((row) => row.visitseqUuid))];
}

/** The outcome column of import_upstream. */
const IMPORT_WORDS: Record<number, string> = {
  [metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_IMPORTED]: 'imported',
  [metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_ALREADY_PRESENT]: 'already-present',
  [metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_SKIPPED]: 'skipped',
  [metadataV1.RowImportOutcome.ROW_IMPORT_OUTCOME_REFUSED]: 'refused',
};

/** MJDs a day_obs argument may be given as (the years 1968 to 2132; YYYYMMDD integers are ≥ 19000101), as the Python client takes them. */
const MJD_ARGUMENT = /^(\d{5}(\.\d*)?|\d{5}\.?)$/;

/** A day_obs argument: YYYY-MM-DD, YYYYMMDD, or an MJD (e.g. 60981.2: the night it falls in, by the UTC−12 h rule). */
export function dayObsArgument(value: string, name: string): string {
  const text = value.replace(/,$/, '');
  if (MJD_ARGUMENT.test(text) && Number(text) >= 40_000 && Number(text) <= 100_000) return dayObsOfMjd(Number(text));
  try {
    return parseDayObs(text);
  } catch (error) {
    throw new CliError(`${name}: ${(error as Error).message.replace(/\)$/, ', or an MJD such as 60981.2)')}`, 2);
  }
}

function earliestArgument(value: string): Date {
  if (/^\d{4}-?\d{2}-?\d{2}$/.test(value)) {
    const mjd = mjdAtDayObsStart(dayObsArgument(value, 'earliest_sim'));
    return new Date(Date.UTC(1858, 10, 17) + mjd * 86_400_000);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw new CliError(`earliest_sim: expected a day_obs or an ISO time, got ${JSON.stringify(value)}`, 2);
  return instant;
}

export function positiveInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${name} must be a positive integer, got ${JSON.stringify(value)}`, 2);
  return Number(value);
}
