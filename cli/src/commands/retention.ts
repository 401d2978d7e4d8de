import { Command, Option } from 'commander';
import { gatewayV1 } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { collect } from '../options';
import { KINDS } from '../records';

/** The units of an age (`30d`, `12h`, `90min`), in seconds. `m` is refused: minutes or months? */
const AGE_UNITS: Record<string, number> = { s: 1, min: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** An age such as `30d`, `12h` or `90min`, in seconds; a usage error (exit 2) otherwise. */
export function ageArgument(value: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(value);
  const unit = match ? AGE_UNITS[match[2]] : undefined;
  if (!match || unit === undefined) {
    throw new CliError(`${option} must be an age such as 30d, 12h or 90min (units: ${Object.keys(AGE_UNITS).join(', ')}), got ${JSON.stringify(value)}`, 2);
  }
  return Number(match[1]) * unit;
}

function duration(seconds: number): { seconds: number; nanos: number } {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}


const PURGE_WORDS: Record<number, string> = {
  [gatewayV1.PurgeOutcome.PURGE_OUTCOME_WOULD_PURGE]: 'would-purge',
  [gatewayV1.PurgeOutcome.PURGE_OUTCOME_PURGED]: 'purged',
  [gatewayV1.PurgeOutcome.PURGE_OUTCOME_SKIPPED]: 'skipped',
  [gatewayV1.PurgeOutcome.PURGE_OUTCOME_FAILED]: 'failed',
};

const GARBAGE_WORDS: Record<number, string> = {
  [gatewayV1.GarbageKind.GARBAGE_KIND_UNREFERENCED]: 'unreferenced',
  [gatewayV1.GarbageKind.GARBAGE_KIND_INCOMPLETE_UPLOAD]: 'incomplete-upload',
};

/** A line of tab-separated fields, tabs and newlines inside them made spaces. */
function line(fields: unknown[]): string {
  return `${fields.map((field) => String(field ?? '').replace(/[\t\r\n]/g, ' ')).join('\t')}\n`;
}

function bytes(count: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${count} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

interface PurgeOptions {
  olderThan?: string;
  older_than?: string;
  tag?: string[];
  kind?: string;
  telescope?: string;
  fileType?: string[];
  file_type?: string[];
  force?: boolean;
  dryRun?: boolean;
  dry_run?: boolean;
}

interface GcOptions {
  grace?: string;
  archive?: string;
  dryRun?: boolean;
  dry_run?: boolean;
}

/** purge and gc: retention of the stored visits and files (docs/operations.md, "Retention"). Admin commands. */
export function registerRetentionCommands(program: Command, context: CliContext): void {
  program
    .command('purge')
    .description(
      'remove the stored visits (or other files) of old sequences, keeping their records and statistics; prints one line per sequence (outcome, UUID, last night, files, bytes, label, detail). An admin command, audited',
    )
    .option('--older-than <age>', 'required: only sequences whose last night and creation are both older than this, e.g. 30d, 12h (units s, min, h, d, w)')
    .addOption(new Option('--older_than <age>').hideHelp())
    .option('--tag <tag>', 'only sequences with this tag (repeatable: all must match)', collect)
    .addOption(new Option('--kind <kind>', 'only this kind').choices(Object.keys(KINDS)))
    .option('--telescope <telescope>', 'only this telescope')
    .option('--file-type <type>', 'the files to remove (repeatable, or comma-separated; default: visits)', collect)
    .addOption(new Option('--file_type <type>').argParser(collect).hideHelp())
    .option('--force', 'also purge visits that unmaterialized mixed sequences read (they can then no longer be read)')
    .option('--dry-run', 'only print what would be purged; change nothing')
    .addOption(new Option('--dry_run').hideHelp())
    .action((options: PurgeOptions) =>
      context.run(async () => {
        const olderThan = options.olderThan ?? options.older_than;
        if (olderThan === undefined) throw new CliError('--older-than is required (e.g. --older-than 30d): purge removes only what is older than that', 2);
        const request: gatewayV1.PurgeVisitsRequest = {
          tags: options.tag ?? [],
          kind: options.kind ? KINDS[options.kind] : 0,
          telescope: options.telescope ?? '',
          olderThan: duration(ageArgument(olderThan, '--older-than')),
          fileTypes: [...(options.fileType ?? []), ...(options.file_type ?? [])],
          dryRun: Boolean(options.dryRun || options.dry_run),
          force: Boolean(options.force),
          actor: '', // the archive records the caller's identity (the token's owner)
        };
        const json = context.format() === 'json';
        const sequences: Record<string, unknown>[] = [];
        const counts: Record<string, number> = { 'would-purge': 0, purged: 0, skipped: 0, failed: 0 };
        let freed = 0;
        for await (const result of context.gateway.serverStream('purgeVisits', request, context.deadline('transfer')) as AsyncIterable<gatewayV1.PurgeVisitsResponse>) {
          const sequence = result.visitSequence!;
          const outcome = PURGE_WORDS[result.outcome] ?? String(result.outcome);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
          const size = result.files.reduce((total, file) => total + Number(file.fileSize), 0);
          if (outcome === 'purged' || outcome === 'would-purge') freed += size;
          if (json) {
            sequences.push({
              outcome,
              visitseq_uuid: sequence.visitseqUuid,
              visitseq_label: sequence.visitseqLabel,
              last_day_obs: sequence.lastDayObs,
              creation_time: sequence.creationTime?.toISOString() ?? null,
              files: result.files.map((file) => ({ file_type: file.fileType, file_url: file.fileUrl, file_size: file.fileSize, blob_deleted: file.blobDeleted, error: file.error || null })),
              detail: result.detail || null,
            });
          } else {
            const errors = result.files.filter((file) => file.error).map((file) => `${file.fileType}: ${file.error}`);
            const detail = [result.detail, ...errors].filter(Boolean).join('; ');
            process.stdout.write(line([outcome, sequence.visitseqUuid, sequence.lastDayObs, result.files.map((file) => file.fileType).join(','), size, sequence.visitseqLabel, detail]));
          }
        }
        const summary = { ...counts, bytes: freed };
        if (json) process.stdout.write(`${JSON.stringify({ dry_run: request.dryRun, summary, sequences }, null, 2)}\n`);
        else {
          const done = request.dryRun ? `${counts['would-purge']} would be purged (${bytes(freed)})` : `${counts.purged} purged (${bytes(freed)})`;
          process.stderr.write(`purge: ${done}, ${counts.skipped} skipped, ${counts.failed} failed\n`);
        }
        if (counts.failed > 0) process.exitCode = 1;
      }),
    );

  program
    .command('gc')
    .description(
      "remove the objects of the archive no record points to and what interrupted uploads left, older than a grace period; prints one line per object (outcome, kind, bytes, last written, URL, error). An admin command, audited",
    )
    .option('--grace <age>', 'keep everything written more recently than this (default 24h, at least 1h; units s, min, h, d, w)')
    .option('--archive <url>', "the archive to clean (default: the gateway's archive)")
    .option('--dry-run', 'only print what would be removed; change nothing')
    .addOption(new Option('--dry_run').hideHelp())
    .action((options: GcOptions) =>
      context.run(async () => {
        const request: gatewayV1.CollectGarbageRequest = {
          archiveUrl: options.archive,
          grace: options.grace === undefined ? undefined : duration(ageArgument(options.grace, '--grace')),
          dryRun: Boolean(options.dryRun || options.dry_run),
          actor: '', // the archive records the caller's identity (the token's owner)
        };
        const json = context.format() === 'json';
        const objects: Record<string, unknown>[] = [];
        const counts: Record<string, number> = { 'would-remove': 0, removed: 0, failed: 0 };
        let freed = 0;
        for await (const found of context.gateway.serverStream('collectGarbage', request, context.deadline('transfer')) as AsyncIterable<gatewayV1.CollectGarbageResponse>) {
          const outcome = found.error ? 'failed' : request.dryRun ? 'would-remove' : found.removed ? 'removed' : 'gone';
          counts[outcome] = (counts[outcome] ?? 0) + 1;
          if (outcome === 'removed' || outcome === 'would-remove') freed += Number(found.size);
          const kind = GARBAGE_WORDS[found.kind] ?? String(found.kind);
          const written = found.updateTime?.toISOString() ?? '';
          if (json) objects.push({ outcome, kind, url: found.url, size: found.size, update_time: written || null, error: found.error || null });
          else process.stdout.write(line([outcome, kind, found.size, written, found.url, found.error]));
        }
        const summary = { ...counts, bytes: freed };
        if (json) process.stdout.write(`${JSON.stringify({ dry_run: request.dryRun, summary, objects }, null, 2)}\n`);
        else {
          const done = request.dryRun ? `${counts['would-remove']} objects would be removed (${bytes(freed)})` : `${counts.removed} objects removed (${bytes(freed)})`;
          process.stderr.write(`gc: ${done}, ${counts.failed} failed\n`);
        }
        if (counts.failed > 0) process.exitCode = 1;
      }),
    );
}
