import * as fs from 'node:fs';
import { Command } from 'commander';
import { gatewayV1, typeV1 } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { collect, withoutTrailingComma } from '../options';
import { checkNewFile, partialFileOf } from '../output-file';
import { Progress } from '../progress';
import { tableFormatOfFile, writeVisitsFile } from '../visits-file';
import { dayObsArgument } from './queries';

interface QueryConsdbOptions {
  label?: string;
  telescope: string;
  first_dayobs?: string;
  last_dayobs?: string;
  query?: string;
  endpoint?: string;
  archive?: string;
  incremental?: boolean;
  base?: string;
  tag?: string[];
  request_id?: string;
  survey_start_mjd?: string;
}

/**
 * query_consdb: the specification's bash use case — query ConsDB through the gateway, record
 * the visits as a completed sequence (and, with --incremental, a mixed one chaining the
 * previous ingest), write the new visits to OUT_FILE and print only the UUID, so that
 * `ID=$(visitsarch query_consdb …)` works. The spec's example ends values with commas; they
 * are dropped.
 */
export function registerConsdbCommands(program: Command, context: CliContext): void {
  program
    .command('query_consdb')
    .description(
      'query ConsDB for completed visits, record them in the archive and write them to OUT_FILE (format from its extension: .h5, .db, .parquet, .arrow, .arrows, .csv); prints the new UUID (with --incremental, that of the mixed sequence covering all visits)',
    )
    .argument('<out_file>', 'where to write the visits (never overwritten)')
    .requiredOption('--label <label>', 'label for plots and tables')
    .option('--telescope <telescope>', 'simonyi or auxtel', 'simonyi')
    .option('--first_dayobs <day_obs>', 'first night covered (default: the first visit\'s night)')
    .option('--last_dayobs <day_obs>', 'last night covered (default: the night before the current day_obs)')
    .option('--query <sql>', "the ConsDB query (default: the telescope's science-visit query, see SIMONYI_SCIENCE_CONSDB_QUERY)")
    .option('--endpoint <url>', "ConsDB's HTTP API or database (default: the server's, the USDF ConsDB)")
    .option('--archive <url>', 'archive for the visits: a base URL, or "" to record metadata only (default: the gateway\'s archive)')
    .option('--incremental', 'query only the nights after the previous ingest of this query, and chain them to it with a mixed sequence')
    .option('--base <uuid>', 'with --incremental: the sequence to extend (default: the most recent ingest of the same query)')
    .option('--tag <tag>', 'a tag (repeatable, or comma-separated)', collect)
    .option('--request_id <uuid>', 'a UUID making retries of this command safe: a retry returns the first result')
    .option('--survey_start_mjd <mjd>', "the MJD night 0 of the visits' night column starts at (default: the server's, rubin_scheduler's SURVEY_START_MJD 61220.5)")
    .action((outFile: string, options: QueryConsdbOptions) => context.run(() => queryConsdb(context, withoutTrailingComma(outFile), options)));
}

/** An MJD such as 61220.5 (the server checks its range). */
function surveyStartMjdArgument(raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new CliError(`--survey_start_mjd must be an MJD such as 61220.5, not ${JSON.stringify(raw)}`, 2);
  return Number(raw);
}

async function queryConsdb(context: CliContext, outFile: string, options: QueryConsdbOptions): Promise<void> {
  // Everything that can be refused locally is, before ConsDB is queried and anything recorded.
  tableFormatOfFile(outFile);
  if (options.base && !options.incremental) throw new CliError('--base names the sequence an incremental ingest extends: give --incremental too', 2);
  checkNewFile(outFile, 'choose another name (query_consdb never overwrites)');
  const request: gatewayV1.QueryConsdbRequest = {
    query: options.query ? withoutTrailingComma(options.query) : '',
    label: withoutTrailingComma(options.label ?? ''),
    telescope: withoutTrailingComma(options.telescope),
    firstDayobs: options.first_dayobs ? dayObsArgument(options.first_dayobs, '--first_dayobs') : '',
    lastDayobs: options.last_dayobs ? dayObsArgument(options.last_dayobs, '--last_dayobs') : '',
    endpoint: options.endpoint ? withoutTrailingComma(options.endpoint) : '',
    archiveUrl: options.archive === undefined ? undefined : withoutTrailingComma(options.archive),
    incremental: options.incremental ?? false,
    baseVisitseqUuid: options.base ?? '',
    tags: options.tag ?? [],
    requestId: options.request_id ?? '',
    surveyStartMjd: options.survey_start_mjd === undefined ? undefined : surveyStartMjdArgument(withoutTrailingComma(options.survey_start_mjd)),
  };

  const partial = partialFileOf(outFile);
  const progress = new Progress('querying ConsDB');
  let first: gatewayV1.QueryConsdbResponse | undefined;
  const messages = context.gateway.serverStream('queryConsdb', request, context.deadline('transfer'));
  // The first message names what was recorded; the visits follow as Arrow chunks.
  async function* chunks(): AsyncGenerator<{ chunk?: typeV1.ArrowIpcChunk }> {
    let [bytes, rows] = [0, 0];
    for await (const message of messages) {
      first ??= message;
      bytes += message.chunk?.ipcBytes.length ?? 0;
      rows += Number(message.chunk?.rowCount ?? 0);
      progress.update(bytes, rows);
      yield message;
    }
  }
  try {
    try {
      await writeVisitsFile(chunks(), partial, outFile);
    } catch (error) {
      // Recorded but not written (disk full, …): say which sequence holds the visits.
      if (first?.visitseqUuid && !(error as { code?: number }).code) throw new CliError(`recorded ${first.visitseqUuid}, but could not write ${outFile}: ${(error as Error).message}`);
      throw error;
    }
    if (!first) throw new CliError('the gateway answered without a result');
    // link(2) fails if OUT_FILE appeared meanwhile: it is never overwritten.
    try {
      fs.linkSync(partial, outFile);
    } catch (error) {
      throw new CliError(`recorded ${first.visitseqUuid}, but could not create ${outFile}: ${(error as Error).message}`);
    }
  } finally {
    progress.done();
    fs.rmSync(partial, { force: true });
  }
  process.stdout.write(`${first.mixedVisitseqUuid || first.visitseqUuid}\n`);
  if (first.mixedVisitseqUuid) process.stderr.write(`the new visits are ${first.visitseqUuid}; ${first.mixedVisitseqUuid} covers all of them\n`);
}
