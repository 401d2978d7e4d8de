import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { markFramable } from '@visitsarch/grpc-client';
import { chunkRequestBytes, toIpcChunks } from '../arrow-ipc';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { describeGrpcError, withoutTransportDetails } from '../gateway';
import { collect, instantArgument, jsonObjectArgument, withoutTrailingComma } from '../options';
import { checkFolderOf, checkNewFile, newFileWriter, partialFileOf } from '../output-file';
import { Progress } from '../progress';
import { dayObsArgument } from './queries';
import { canonicalHashOfFile, HDF5_LAYOUTS, openVisitsFile, storageFormat, TABLE_FORMAT_NAMES, tableFormatOfFile, writeVisitsFile } from '../visits-file';
import { formatFromFileName, Hdf5Layout } from '@visitsarch/visit-tables';

const FILE_CHUNK_BYTES = 1 << 20;

interface AddOptions {
  label?: string;
  telescope: string;
  first_day_obs?: string;
  last_day_obs?: string;
  creation_time?: string;
  archive?: string;
  tag?: string[];
  request_id?: string;
  store_as?: string;
}

/** The AddFile stream of a file: its header, then the file's bytes in pieces of FILE_CHUNK_BYTES. */
export async function* addFileMessages(header: gatewayV1.AddFileHeader, file: string, onSent?: (bytes: number) => void): AsyncGenerator<gatewayV1.AddFileRequest> {
  yield { header };
  let sent = 0;
  for await (const piece of fs.createReadStream(file, { highWaterMark: FILE_CHUNK_BYTES })) {
    sent += (piece as Buffer).length;
    onSent?.(sent);
    yield { data: piece as Buffer };
  }
}

/** add_simulation, add_completed, add_mixed, add_file, download, adopt_visits, hash. */
export function registerTransferCommands(program: Command, context: CliContext): void {
  const addCommand = (name: string, description: string) =>
    program
      .command(name)
      .alias(name.replaceAll('_', '-'))
      .description(description)
      .argument('[visits]', 'the visits: .h5 (pandas), .db (opsim SQLite), .parquet, .arrow or .arrows file (default: ./visits.h5)')
      .argument('[label]', 'label for plots and tables (or --label)')
      .option('--label <label>', 'label for plots and tables')
      .option('--telescope <telescope>', 'simonyi or auxtel', 'simonyi')
      .option('--first_day_obs <day_obs>', 'first night covered (default: from the visits)')
      .option('--last_day_obs <day_obs>', 'last night covered (default: from the visits)')
      .option('--creation_time <iso>', 'when it was made (default: now)')
      .option('--archive <url>', 'archive for the visits: a base URL, or "" to record metadata only (default: the gateway\'s archive)')
      .option('--tag <tag>', 'a tag (repeatable, or comma-separated)', collect)
      .option('--request_id <uuid>', 'a UUID making retries of this command safe: a retry returns the first result')
      .addOption(new Option('--store_as <format>', 'file format of the stored visits').choices([...TABLE_FORMAT_NAMES]));

  addCommand('add_simulation', 'record a simulation and store its visits; prints its UUID')
    .option('--scheduler_version <version>', 'version of rubin_scheduler used')
    .option('--config_url <url>', 'URL of the scheduler configuration script')
    .option('--sim_runner_args <json>', 'keyword arguments of sim_runner: JSON, @file or a file name')
    .addOption(new Option('--sim_running_kwargs <json>', 'same as --sim_runner_args (the spelling of the specification\'s example)').hideHelp())
    .option('--conda_env_sha256 <hex>', 'hash of the conda environment (see save_env)')
    .option('--parent_visitseq_uuid <uuid>', 'the visits loaded into the scheduler before the run')
    .option('--parent_last_day_obs <day_obs>', 'day_obs of the last visit loaded before the run')
    .action((visits: string | undefined, label: string | undefined, options: AddOptions & Record<string, string | undefined>) =>
      context.run(async () => {
        const args = options.sim_runner_args ?? options.sim_running_kwargs;
        const header: gatewayV1.AddSimulationHeader = {
          ...commonHeader(label, options),
          schedulerVersion: options.scheduler_version,
          configUrl: options.config_url ? withoutTrailingComma(options.config_url) : undefined,
          simRunnerArgs: args ? jsonObjectArgument(args, '--sim_runner_args') : undefined,
          condaEnvSha256: options.conda_env_sha256 ? hexArgument(options.conda_env_sha256, '--conda_env_sha256') : undefined,
          parentVisitseqUuid: options.parent_visitseq_uuid,
          parentLastDayObs: options.parent_last_day_obs ? dayObsArgument(options.parent_last_day_obs, '--parent_last_day_obs') : undefined,
        };
        process.stdout.write(`${await addSimulation(context, header, visitsPath(visits))}\n`);
      }),
    );

  addCommand('add_completed', 'record a set of completed visits and store them; prints its UUID')
    .option('--query <sql>', 'the query (e.g. to ConsDB) that produced the visits')
    .action((visits: string | undefined, label: string | undefined, options: AddOptions & { query?: string }) =>
      context.run(async () => {
        const header: gatewayV1.AddCompletedHeader = { ...commonHeader(label, options), query: options.query };
        const response = await context.gateway.clientStream('addCompleted', await uploadMessages(header, visitsPath(visits)), context.deadline('transfer'));
        process.stdout.write(`${response.visitseqUuid}\n`);
      }),
    );

  program
    .command('add_mixed')
    .alias('add-mixed')
    .description("record a mixed sequence: the early parent's visits through --last_early_day_obs, then the late parent's from --first_late_day_obs; prints its UUID")
    .argument('<label>', 'label for plots and tables')
    .requiredOption('--early_parent <uuid>', 'the early parent sequence')
    .requiredOption('--late_parent <uuid>', 'the late parent sequence')
    .requiredOption('--last_early_day_obs <day_obs>', 'last night taken from the early parent')
    .requiredOption('--first_late_day_obs <day_obs>', 'first night taken from the late parent')
    .option('--telescope <telescope>', "telescope (default: the parents')")
    .option('--materialize', 'also store the spliced visits')
    .option('--archive <url>', 'archive for the spliced visits (with --materialize)')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--request_id <uuid>', 'a UUID making retries safe')
    .action((label: string, options: Record<string, string | boolean | string[] | undefined>) =>
      context.run(async () => {
        const response = await context.gateway.unary(
          'addMixed',
          {
            label,
            telescope: (options.telescope as string) ?? '',
            earlyParentUuid: options.early_parent as string,
            lateParentUuid: options.late_parent as string,
            lastEarlyDayObs: dayObsArgument(options.last_early_day_obs as string, '--last_early_day_obs'),
            firstLateDayObs: dayObsArgument(options.first_late_day_obs as string, '--first_late_day_obs'),
            materialize: Boolean(options.materialize),
            archiveUrl: options.archive as string | undefined,
            tags: (options.tag as string[]) ?? [],
            requestId: (options.request_id as string) ?? '',
            format: 0,
          },
          context.deadline('transfer'),
        );
        process.stdout.write(`${response.visitseqUuid}\n`);
      }),
    );

  program
    .command('add_file')
    .alias('add-file')
    .description('store a file of a visit sequence (rewards, scheduler or observatory pickle, …) and record it; prints its URL')
    .argument('<uuid>', 'the visit sequence')
    .argument('<file_type>', 'what the file holds, e.g. rewards, scheduler, observatory')
    .argument('<file>', 'the file to store')
    .argument('[archive]', "archive base URL (default: the gateway's archive)")
    .option('--replace', 'replace an existing file of this type')
    .option('--request_id <uuid>', 'a UUID making retries safe')
    .action((uuid: string, fileType: string, file: string, archive: string | undefined, options: { replace?: boolean; request_id?: string }) =>
      context.run(async () => {
        process.stdout.write(`${await addFile(context, uuid, fileType, file, { archive, replace: options.replace, requestId: options.request_id })}\n`);
      }),
    );

  program
    .command('download')
    .description('download the visits or another file of a visit sequence; for visits the format follows DEST\'s extension (.h5, .db, .parquet, .arrow, .arrows, .csv)')
    .argument('<uuid>', 'the visit sequence')
    .argument('<file_type>', 'visits, or the type of another file (rewards, scheduler, …)')
    .argument('<dest>', 'where to write it (never overwritten unless --overwrite)')
    .option('--first_day_obs <day_obs>', 'visits: only nights from this one')
    .option('--last_day_obs <day_obs>', 'visits: only nights through this one')
    .option('--columns <names...>', 'visits: only these columns, in this order')
    .option('--overwrite', 'replace DEST if it exists')
    .addOption(new Option('--hdf5-layout <layout>', 'visits to .h5: pandas\' "fixed" layout (the default, as df.to_hdf writes) or "table" (format="table")').choices([...HDF5_LAYOUTS]))
    .action((uuid: string, fileType: string, dest: string, options: DownloadOptions) =>
      context.run(async () => {
        if (options.hdf5Layout && (fileType !== 'visits' || formatFromFileName(dest) !== 'hdf5')) throw new CliError('--hdf5-layout applies only to visits downloaded to an .h5 file', 2);
        if (options.overwrite) checkFolderOf(dest);
        else checkNewFile(dest, 'choose another name or give --overwrite');
        const partial = partialFileOf(dest);
        try {
          if (fileType === 'visits') await downloadVisits(context, uuid, dest, partial, options);
          else await downloadFile(context, uuid, fileType, partial);
          fs.renameSync(partial, dest);
        } finally {
          fs.rmSync(partial, { force: true });
        }
      }),
    );

  program
    .command('adopt_visits')
    .alias('adopt-visits')
    .description(
      "store the visits of a sequence recorded without them (e.g. by import_upstream) and record the visits' canonical hash as its visitseq_sha256 " +
        "(the upstream's cannot be reproduced); prints the new visitseq_url, the canonical hash and the hash it replaced",
    )
    .argument('<uuid>', 'the visit sequence (it must have no stored visits)')
    .argument('[file]', "the visits: .h5 (pandas, as rubin_sim writes them), .db (opsim SQLite), .parquet, .arrow or .arrows (default: the sequence's visitseq_url, if it is a file:// URL of a file on this machine)")
    .option('--archive <url>', "archive for the visits (default: the gateway's archive)")
    .option('--in-place', "register the object at the sequence's visitseq_url where it is (it must be in the archive's storage) instead of copying it: the archive reads it once, records its SHA-256 and verifies every read against it")
    .addOption(new Option('--in_place').hideHelp())
    .action((uuid: string, file: string | undefined, options: { archive?: string; inPlace?: boolean; in_place?: boolean }) =>
      context.run(async () => {
        if (options.inPlace || options.in_place) {
          if (file || options.archive !== undefined) throw new CliError('--in-place adopts the object at the sequence\'s visitseq_url: give no FILE and no --archive', 2);
          const adopted = await adoptVisitsInPlace(context, uuid);
          if (context.format() === 'json') process.stdout.write(`${JSON.stringify({ visitseq_uuid: uuid, ...adopted }, null, 2)}\n`);
          else process.stdout.write(`visitseq_url ${adopted.visitseq_url}\nvisitseq_sha256 ${adopted.visitseq_sha256}\nprevious_visitseq_sha256 ${adopted.previous_visitseq_sha256}\n`);
          return;
        }
        const source = file ? withoutTrailingComma(file) : localVisitsFile((await context.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, context.deadline())).visitSequence);
        if (typeof source !== 'string') throw new CliError(`visit sequence ${uuid} ${source.reason}: give the visits FILE (visitsarch adopt_visits ${uuid} FILE)`, 2);
        if (!fs.existsSync(source)) throw new CliError(`cannot read the visits file ${source}: it does not exist`, 2);
        const adopted = await adoptVisits(context, uuid, source, options.archive);
        if (context.format() === 'json') process.stdout.write(`${JSON.stringify({ visitseq_uuid: uuid, ...adopted }, null, 2)}\n`);
        else process.stdout.write(`visitseq_url ${adopted.visitseq_url}\nvisitseq_sha256 ${adopted.visitseq_sha256}\nprevious_visitseq_sha256 ${adopted.previous_visitseq_sha256}\n`);
      }),
    );

  program
    .command('hash')
    .description('print the canonical visit-table hash (visitseq_sha256) of a visits file of any supported format')
    .argument('<file>', 'a .h5, .db, .parquet, .arrow or .arrows file')
    .action((file: string) =>
      context.run(async () => {
        process.stdout.write(`${(await canonicalHashOfFile(file)).toString('hex')}\n`);
      }),
    );

}

/** Records a simulation and stores its visits from a local file (add_simulation); returns its UUID. */
export async function addSimulation(context: CliContext, header: gatewayV1.AddSimulationHeader, file: string): Promise<string> {
  const response = await context.gateway.clientStream('addSimulation', await uploadMessages(header, file), context.deadline('transfer'));
  return response.visitseqUuid;
}

/** Stores a local file of a visit sequence under its basename and records it (add_file); returns its URL. */
export async function addFile(context: CliContext, uuid: string, fileType: string, file: string, options: { archive?: string; replace?: boolean; requestId?: string } = {}): Promise<string> {
  const size = fileSize(file);
  const sha256 = await fileSha256(file);
  const progress = new Progress(`uploading ${path.basename(file)}`);
  const header: gatewayV1.AddFileHeader = {
    visitseqUuid: uuid,
    fileType,
    archiveUrl: options.archive,
    replace: options.replace ?? false,
    fileName: path.basename(file),
    expectedFileSha256: sha256,
    requestId: options.requestId ?? '',
  };
  const response = await context.gateway.clientStream('addFile', addFileMessages(header, file, (sent) => progress.update(sent)), context.deadline('transfer'));
  progress.done();
  if (response.fileSize !== size) throw new CliError(`the archive stored ${response.fileSize} bytes of ${size}`);
  return response.fileUrl;
}

function commonHeader(label: string | undefined, options: AddOptions) {
  const chosenLabel = options.label ?? label;
  if (!chosenLabel) throw new CliError('a label is required: give LABEL or --label', 2);
  return {
    label: withoutTrailingComma(chosenLabel),
    telescope: withoutTrailingComma(options.telescope),
    firstDayObs: options.first_day_obs ? dayObsArgument(options.first_day_obs, '--first_day_obs') : undefined,
    lastDayObs: options.last_day_obs ? dayObsArgument(options.last_day_obs, '--last_day_obs') : undefined,
    creationTime: options.creation_time ? instantArgument(options.creation_time, '--creation_time') : undefined,
    archiveUrl: options.archive === undefined ? undefined : withoutTrailingComma(options.archive),
    tags: options.tag ?? [],
    requestId: options.request_id ?? '',
    format: options.store_as ? storageFormat(options.store_as) : typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
  };
}

/** The visits file: as given, or `./visits.h5` (what the specification's bash example leaves implicit). */
function visitsPath(given: string | undefined): string {
  const file = given ? withoutTrailingComma(given) : 'visits.h5';
  if (!fs.existsSync(file)) throw new CliError(given ? `cannot read the visits file ${file}: it does not exist` : 'give the visits file (no ./visits.h5 here)', 2);
  return file;
}

/** The field number of `chunk` in AddSimulationRequest, AddCompletedRequest and ArchiveVisitsRequest (transfers.spec.ts checks it). */
export const UPLOAD_CHUNK_FIELD = 2;

/**
 * The header, then each chunk as its request already serialized (chunkRequestBytes: no further
 * copy of the visits), with room before it for gRPC's prefix: sent in place (markFramable).
 */
async function uploadMessages<H>(header: H, file: string): Promise<AsyncGenerator<{ header: H } | Buffer>> {
  // The encoder copies each batch into its chunks before it asks for the next: the reader may reuse its buffers.
  const batches = await openVisitsFile(file, { reuseBuffers: true });
  const progress = new Progress(`uploading ${path.basename(file)}`);
  return (async function* () {
    yield { header };
    let bytes = 0;
    let rows = 0;
    for await (const chunk of toIpcChunks(batches, batches.schema)) {
      bytes += chunk.ipcBytes.length;
      rows += chunk.rowCount;
      progress.update(bytes, rows);
      yield markFramable(chunkRequestBytes(chunk, UPLOAD_CHUNK_FIELD));
    }
    progress.done();
  })();
}

export interface DownloadOptions {
  first_day_obs?: string;
  last_day_obs?: string;
  columns?: string[];
  overwrite?: boolean;
  hdf5Layout?: Hdf5Layout;
}

/** Writes the visits of a sequence to `partial`, in the format of `dest`'s extension (download). */
export async function downloadVisits(context: CliContext, uuid: string, dest: string, partial: string, options: DownloadOptions) {
  const format = tableFormatOfFile(dest);
  const dayObsRange = {
    firstDayObs: options.first_day_obs ? dayObsArgument(options.first_day_obs, '--first_day_obs') : '',
    lastDayObs: options.last_day_obs ? dayObsArgument(options.last_day_obs, '--last_day_obs') : '',
  };
  const convertHere = (onBytes?: (bytes: number) => void) =>
    writeVisitsFile(
      counted(context.gateway.serverStream('downloadVisits', { visitseqUuid: uuid, dayObsRange, columns: options.columns ?? [] }, context.deadline('transfer')), onBytes),
      partial,
      dest,
      options.hdf5Layout,
    );
  // The export contract carries no HDF5 layout (the archive writes the library's default,
  // "fixed"): when a layout is asked for, fetch Arrow and write the file here in that layout.
  // SQLite is always written here, as the Arrow batches arrive (DownloadVisits): the archive
  // (ExportVisits) writes the whole database to a temporary file before it sends the first
  // byte, and its SQLite writing is the slowest part of an export; here it overlaps the
  // transfer (the same bytes; measured for 2.1 million visits on 2 CPUs: 14–15 s where the
  // export took 16–17 s). HDF5 is not: the export, which reads the stored table twice from the
  // archive's disk, took 5.5–7 s where fetching it and writing it here took 7–7.5 s.
  if (options.hdf5Layout || format === typeV1.TableFormat.TABLE_FORMAT_OPSIM_SQLITE) {
    const progress = new Progress(`downloading ${path.basename(dest)}`);
    try {
      return await convertHere((bytes) => progress.update(bytes));
    } finally {
      progress.done();
    }
  }
  const progress = new Progress(`downloading ${path.basename(dest)}`);
  const out = await newFileWriter(partial);
  try {
    let bytes = 0;
    const messages = context.gateway.serverStream('exportVisits', { visitseqUuid: uuid, format, dayObsRange, columns: options.columns ?? [] }, context.deadline('transfer'));
    for await (const message of messages) {
      bytes += message.data.length;
      progress.update(bytes);
      await out.write(message.data);
    }
  } catch (error) {
    await out.close();
    // A mixed sequence that is not materialized has no file to convert: fetch it as Arrow and convert here.
    if ((error as { code?: number }).code !== 9 /* FAILED_PRECONDITION */) throw error;
    fs.rmSync(partial, { force: true });
    await convertHere();
    return;
  } finally {
    progress.done();
  }
  await out.close();
}

/** The messages as they are, telling `onBytes` the Arrow bytes received so far. */
async function* counted(messages: AsyncIterable<{ chunk?: typeV1.ArrowIpcChunk }>, onBytes?: (bytes: number) => void): AsyncGenerator<{ chunk?: typeV1.ArrowIpcChunk }> {
  let bytes = 0;
  for await (const message of messages) {
    bytes += message.chunk?.ipcBytes.length ?? 0;
    onBytes?.(bytes);
    yield message;
  }
}

/** Writes a file of a sequence to `partial`, checking its SHA-256 (download). */
export async function downloadFile(context: CliContext, uuid: string, fileType: string, partial: string) {
  const progress = new Progress(`downloading ${fileType}`);
  const out = await newFileWriter(partial);
  const hash = createHash('sha256');
  let expected: Uint8Array | undefined;
  let bytes = 0;
  try {
    for await (const message of context.gateway.serverStream('downloadFile', { visitseqUuid: uuid, fileType }, context.deadline('transfer'))) {
      expected ??= message.file?.fileSha256;
      hash.update(message.data);
      bytes += message.data.length;
      progress.update(bytes);
      await out.write(message.data);
    }
  } finally {
    progress.done();
    await out.close();
  }
  const digest = hash.digest();
  if (expected && !digest.equals(Buffer.from(expected))) throw new CliError(`data integrity check failed: the downloaded ${fileType} hashes to ${digest.toString('hex')}, not ${Buffer.from(expected).toString('hex')}`);
}

function hexArgument(value: string, option: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new CliError(`${option} must be 64 hexadecimal digits (a SHA-256)`, 2);
  return Buffer.from(value, 'hex');
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`, 2);
  }
}

async function fileSha256(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const piece of fs.createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest();
}

/** What adopt_visits reports. */
export interface AdoptedVisits {
  visitseq_url: string;
  row_count: number;
  visitseq_sha256: string;
  /** The hash replaced (the upstream's), hex; empty if the recorded hash already was the canonical one. */
  previous_visitseq_sha256: string;
}

/**
 * The local visits file a sequence's visitseq_url names (a file:// URL of a file on this machine),
 * or why there is none.
 */
export function localVisitsFile(sequence: Pick<metadataV1.VisitSequence, 'visitseqUrl'> | undefined): string | { reason: string } {
  const url = sequence?.visitseqUrl;
  if (!url) return { reason: 'has no visitseq_url' };
  if (!url.startsWith('file:')) return { reason: `has the visitseq_url ${url}, not a file on this machine` };
  let file: string;
  try {
    file = fileURLToPath(url);
  } catch (error) {
    return { reason: `has the visitseq_url ${url}, not a file on this machine (${(error as Error).message})` };
  }
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return { reason: `has the visitseq_url ${url}, which names no readable file here` };
  }
  return file;
}

/** Stores a visits file as the visits of a sequence without stored visits, adopting its canonical hash. */
export async function adoptVisits(context: CliContext, uuid: string, file: string, archive?: string): Promise<AdoptedVisits> {
  const header: gatewayV1.ArchiveVisitsHeader = {
    visitseqUuid: uuid,
    archiveUrl: archive === undefined ? undefined : withoutTrailingComma(archive),
    replace: false,
    format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
    adoptCanonicalHash: true,
  };
  const response = await context.gateway.clientStream('archiveVisits', await uploadMessages(header, file), context.deadline('transfer'));
  return {
    visitseq_url: response.visitseqUrl,
    row_count: Number(response.rowCount),
    visitseq_sha256: Buffer.from(response.visitseqSha256).toString('hex'),
    previous_visitseq_sha256: Buffer.from(response.previousVisitseqSha256).toString('hex'),
  };
}

/** Adopts the visits of a sequence where they are (AdoptStoredVisits, adopt_visits --in-place). */
export async function adoptVisitsInPlace(context: CliContext, uuid: string): Promise<AdoptedVisits> {
  const response = await context.gateway.unary('adoptStoredVisits', { visitseqUuid: uuid }, context.deadline('transfer'));
  return {
    visitseq_url: response.file?.fileUrl ?? '',
    row_count: Number(response.rowCount),
    visitseq_sha256: Buffer.from(response.visitseqSha256).toString('hex'),
    previous_visitseq_sha256: Buffer.from(response.previousVisitseqSha256).toString('hex'),
  };
}

/**
 * import_upstream --with-visits: adopts the visits of each sequence whose visitseq_url is a
 * readable local file and which has no stored visits, one stderr line per sequence; returns how
 * many failed (an error other than a reason to skip).
 */
export async function adoptImportedVisits(context: CliContext, uuids: string[], inPlace = false): Promise<number> {
  let failed = 0;
  for (const uuid of uuids) {
    const say = (line: string) => process.stderr.write(`import_upstream: ${uuid} ${line}\n`);
    try {
      const { visitSequence } = await context.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, context.deadline());
      if (await hasStoredVisits(context, uuid)) {
        say('skipped: its visits are already stored in the archive');
        continue;
      }
      if (inPlace) {
        if (!visitSequence?.visitseqUrl) {
          say(`skipped: it has no visitseq_url (visitsarch adopt_visits ${uuid} FILE adopts its visits from a copy)`);
          continue;
        }
        const adopted = await adoptVisitsInPlace(context, uuid);
        say(
          `adopted in place: ${adopted.row_count} visits at ${adopted.visitseq_url}; visitseq_sha256 ${adopted.visitseq_sha256}` +
            (adopted.previous_visitseq_sha256 ? ` (was the upstream's ${adopted.previous_visitseq_sha256})` : ''),
        );
        continue;
      }
      const file = localVisitsFile(visitSequence);
      if (typeof file !== 'string') {
        say(`skipped: it ${file.reason} (visitsarch adopt_visits ${uuid} FILE adopts its visits from a copy)`);
        continue;
      }
      const adopted = await adoptVisits(context, uuid, file);
      say(
        `adopted: ${adopted.row_count} visits from ${file}, now at ${adopted.visitseq_url}; visitseq_sha256 ${adopted.visitseq_sha256}` +
          (adopted.previous_visitseq_sha256 ? ` (was the upstream's ${adopted.previous_visitseq_sha256})` : ''),
      );
    } catch (error) {
      failed += 1;
      const described = describeGrpcError(error, context.address);
      say(`failed: ${withoutTransportDetails(described?.message ?? (error instanceof Error ? error.message : String(error)))}`);
    }
  }
  return failed;
}

async function hasStoredVisits(context: CliContext, uuid: string): Promise<boolean> {
  try {
    await context.metadata.unary('getFile', { visitseqUuid: uuid, fileType: 'visits' }, context.deadline());
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 5 /* NOT_FOUND */) return false;
    throw error;
  }
}
