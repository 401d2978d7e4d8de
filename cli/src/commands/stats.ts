import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { typeV1 } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { checkFolderOf } from '../output-file';

/** The specification's default value names (its `nightly_stats` example). */
const SPEC_COLUMNS = ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude', 'eff_time_median', 'sky_bg_median', 'psf_area_median'];
const STAT_COLUMNS = ['day_obs', 'value_name', 'accumulated', 'count', 'mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'];

interface RangeOptions {
  first_day_obs?: string;
  last_day_obs?: string;
}

/** nightly_stats and plot_nightly: the box-and-whisker statistics of a sequence's visits and their plots. */
export function registerStatsCommands(program: Command, context: CliContext): void {
  program
    .command('nightly_stats')
    .alias('nightly-stats')
    .description('compute (and store) the nightly statistics of visit columns of a sequence, and print them')
    .argument('<uuid>', 'the visit sequence')
    .option('--columns <names...>', `value names, space- or comma-separated (default: ${SPEC_COLUMNS.join(' ')}); opsim names (fieldRA, …) and their ConsDB equivalents (s_ra, …) are interchangeable`)
    .option('--no-accumulated', 'only single-night statistics (by default those of all visits through each night too)')
    .option('--no-store', 'print without storing them in the archive')
    .option('--first_day_obs <day_obs>', 'only nights from this one (YYYY-MM-DD or YYYYMMDD)')
    .option('--last_day_obs <day_obs>', 'only nights through this one')
    .action((uuid: string, options: RangeOptions & { columns?: string[]; accumulated: boolean; store: boolean }) =>
      context.run(async () => {
        const columns = options.columns ? options.columns.flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean) : SPEC_COLUMNS;
        const response = await context.stats.unary(
          'computeNightlyStats',
          { visitseqUuid: uuid, columns, store: options.store, includeAccumulated: options.accumulated, dayObsRange: range(options), omitStats: false },
          context.deadline('transfer'),
        );
        if (response.missingColumns.length) process.stderr.write(`the visits have no column for: ${response.missingColumns.join(', ')}\n`);
        context.print(
          STAT_COLUMNS,
          response.stats.map((s) => ({ day_obs: s.dayObs, value_name: s.valueName, accumulated: s.accumulated, count: s.count, mean: s.mean, std: s.std, min: s.min, p05: s.p05, q1: s.q1, median: s.median, q3: s.q3, p95: s.p95, max: s.max })),
        );
        if (options.store) process.stderr.write(`stored ${response.statCount} statistics rows of ${uuid}\n`);
      }),
    );

  program
    .command('plot_nightly')
    .alias('plot-nightly')
    .description('draw box-and-whisker plots (whiskers 5–95 %, boxes at the quartiles, median) of stored nightly statistics of one or more sequences')
    .argument('<uuids...>', 'the visit sequences (at most 20), side by side')
    .requiredOption('--value <name>', 'the value to plot, e.g. altitude')
    .option('--accumulated', 'plot the statistics of all visits through each night')
    .requiredOption('-o, --output <file>', 'the image to write: .svg or .png')
    .option('--first_day_obs <day_obs>', 'only nights from this one (YYYY-MM-DD or YYYYMMDD)')
    .option('--last_day_obs <day_obs>', 'only nights through this one')
    .action((uuids: string[], options: RangeOptions & { value: string; accumulated?: boolean; output: string }) =>
      context.run(async () => {
        const extension = path.extname(options.output).toLowerCase();
        const format = extension === '.png' ? typeV1.ImageFormat.IMAGE_FORMAT_PNG : extension === '.svg' ? typeV1.ImageFormat.IMAGE_FORMAT_SVG : undefined;
        if (format === undefined) throw new CliError(`the output file must end in .svg or .png, got ${options.output}`, 2);
        checkFolderOf(options.output);
        const response = await context.stats.unary(
          'plotNightlyStats',
          { visitseqUuids: uuids, valueName: options.value, accumulated: options.accumulated ?? false, format, dayObsRange: range(options) },
          context.deadline(),
        );
        fs.writeFileSync(options.output, response.image);
        process.stderr.write(`wrote ${options.output} (${response.mediaType}, ${response.image.length} bytes)\n`);
      }),
    );
}

function range(options: RangeOptions): typeV1.DayObsRange {
  return { firstDayObs: options.first_day_obs ?? '', lastDayObs: options.last_day_obs ?? '' };
}
