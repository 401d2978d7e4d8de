import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import * as YAML from 'yaml';
import { typeV1 } from '@visitsarch/contracts';
import { createS3Client, FileObjectStore, ObjectExistsError, ObjectStore, parseArchiveUrl, putObject, S3ObjectStore } from '@visitsarch/storage';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { addComment } from './annotations';
import { dayObsArgument } from './queries';
import { addFile, addSimulation, downloadFile, downloadVisits } from './transfers';

/** The upstream's default prototype archive (rubin_sim.sim_archive: `--proto-sim-archive-url`'s default). */
export const UPSTREAM_PROTO_SIM_ARCHIVE_URL = 's3://rubin:rubin-scheduler-prenight/opsim/';
/** The tag the upstream's import gives every simulation it takes from the prototype archive. */
export const FROM_PROTOTYPE_TAG = 'from_prototype_sim_archive';
const METADATA_NAME = 'sim_metadata.yaml';
const OBSERVATIONS_NAME = 'opsim.db';

/** One entry of a sim_metadata.yaml's `files`. */
interface ProtoFile {
  name?: string;
  url?: string;
  md5?: string;
}

/** What import_proto reads of a sim_metadata.yaml (the upstream's make_sim_data_dir or its exporter wrote it). */
export interface ProtoMetadata {
  label: string;
  telescope: string;
  schedulerVersion?: string;
  creationTime: Date;
  firstDayObs?: string;
  lastDayObs?: string;
  tags: string[];
  simRunnerArgs?: Record<string, unknown>;
  /** By file type, with each URL resolved against the simulation's directory. */
  files: Record<string, { url: string; md5?: string }>;
}

/**
 * The prototype archive's base URL, ending in `/`: as given, else $PROTO_SIM_ARCHIVE_URL, else the
 * upstream's default; a local path becomes a file:// URL.
 */
export function protoBaseUrl(given: string | undefined): string {
  const value = given || process.env.PROTO_SIM_ARCHIVE_URL || UPSTREAM_PROTO_SIM_ARCHIVE_URL;
  let url: string;
  if (value.startsWith('file://') || value.startsWith('s3://')) url = value;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new CliError(`--proto_sim_archive_url must be a file:// or s3:// URL or a local directory, got ${JSON.stringify(value)}`, 2);
  else url = pathToFileURL(path.resolve(value)).href;
  if (url.startsWith('s3://') && !/^s3:\/\/[^/]+/.test(url)) throw new CliError(`--proto_sim_archive_url: no bucket in ${JSON.stringify(value)}`, 2);
  return url.endsWith('/') ? url : `${url}/`;
}

/** An archive base: a local path becomes a file:// URL (with a trailing `/`); URLs and "" (metadata only) are kept. */
function archiveBase(value: string): string {
  if (value === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return `${pathToFileURL(path.resolve(value)).href}/`;
}

function storeFor(url: string): ObjectStore {
  if (url.startsWith('file://')) return new FileObjectStore();
  // The SDK's notice about its future Node.js requirement is not the user's business: keep stderr for errors.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3ObjectStore(createS3Client({ endpoint: process.env.S3_ENDPOINT_URL || undefined }));
}

/** `YYYY-MM-DD` (also read from `YYYYMMDD`): the prototype archive's date directories. */
function simDateArgument(value: string): string {
  return dayObsArgument(value, 'SIM_DATE');
}

function simIndexArgument(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`SIM_INDEX must be a positive integer, got ${JSON.stringify(value)}`, 2);
  return Number(value);
}

/** Whether anything lies under a directory URL (a file:// directory that exists, or an S3 prefix with an object). */
async function directoryExists(store: ObjectStore, url: string): Promise<boolean> {
  if (store.kind === 'file') return fs.statSync(fileURLToPath(url), { throwIfNoEntry: false })?.isDirectory() ?? false;
  return (await store.list(parseArchiveUrl(url), { limit: 1 })).objects.length > 0;
}

async function readText(store: ObjectStore, url: string): Promise<string> {
  const { stream } = await store.read(url);
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return Buffer.concat(pieces).toString('utf8');
}

/** A day_obs of the YAML: a `YYYY-MM-DD` string, or a date a YAML 1.1 writer left unquoted. */
function yamlDayObs(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  try {
    return dayObsArgument(text, field);
  } catch (error) {
    throw new CliError(`sim_metadata.yaml: ${(error as Error).message}`);
  }
}

/** An instant of the YAML; a time without a zone is UTC, as the upstream's Time(datetime) reads it. */
function yamlInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value.trim())) return undefined;
  const text = value.trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Reads a sim_metadata.yaml as the upstream's metadata_yaml_from_prototype and import_sim_from_yaml
 * do, with their bugs fixed: a `creation_time` key is honoured (else a label ending in
 * `run at <ISO>`, else `<SIM_DATE>T12:00:00Z` plus SIM_INDEX seconds, the time the upstream invented
 * and then ignored), and the dates are read from `simulated_dates` or from `simulation_dates`, the
 * key the upstream's own exporter writes.
 */
export function parseProtoMetadata(text: string, directoryUrl: string, simDate: string, simIndex: number): ProtoMetadata {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw new CliError(`${directoryUrl}${METADATA_NAME} is not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`${directoryUrl}${METADATA_NAME} is not a YAML mapping`);
  const metadata = parsed as Record<string, unknown>;
  if (typeof metadata.label !== 'string' || !metadata.label) throw new CliError(`${directoryUrl}${METADATA_NAME} has no label`);
  const files = metadata.files as Record<string, ProtoFile> | undefined;
  if (typeof files !== 'object' || files === null || !files.observations) throw new CliError(`${directoryUrl}${METADATA_NAME} lists no observations file`);
  const label = metadata.label;
  const words = label.trim().split(/\s+/);
  const fromLabel = words.length >= 3 && words.slice(-3, -1).join(' ') === 'run at' ? yamlInstant(words[words.length - 1]) : undefined;
  const creationTime = yamlInstant(metadata.creation_time) ?? fromLabel ?? new Date(Date.parse(`${simDate}T12:00:00Z`) + simIndex * 1000);
  const dates = (metadata.simulated_dates ?? metadata.simulation_dates ?? {}) as Record<string, unknown>;
  const resolved: ProtoMetadata['files'] = {};
  for (const [fileType, entry] of Object.entries(files)) {
    if (typeof entry !== 'object' || entry === null || (!entry.url && !entry.name)) throw new CliError(`${directoryUrl}${METADATA_NAME}: files.${fileType} has neither a name nor a url`);
    resolved[fileType] = { url: entry.url ? String(entry.url) : new URL(String(entry.name), directoryUrl).href, md5: entry.md5 ? String(entry.md5).toLowerCase() : undefined };
  }
  const kwargs = metadata.sim_runner_kwargs;
  return {
    label,
    telescope: typeof metadata.telescope === 'string' && metadata.telescope ? metadata.telescope : 'simonyi',
    schedulerVersion: metadata.scheduler_version === undefined || metadata.scheduler_version === null ? undefined : String(metadata.scheduler_version),
    creationTime,
    firstDayObs: yamlDayObs((dates ?? {}).first, 'simulated_dates.first'),
    lastDayObs: yamlDayObs((dates ?? {}).last, 'simulated_dates.last'),
    // The upstream imports the string tags only.
    tags: Array.isArray(metadata.tags) ? metadata.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    simRunnerArgs: typeof kwargs === 'object' && kwargs !== null && !Array.isArray(kwargs) ? (kwargs as Record<string, unknown>) : undefined,
    files: resolved,
  };
}

/** A local copy of an object: the file itself for file:// URLs, else a download into `directory` under its basename. */
async function localCopy(url: string, directory: string): Promise<string> {
  if (url.startsWith('file://')) {
    const file = fileURLToPath(url);
    if (!fs.existsSync(file)) throw new CliError(`cannot read ${url}: it does not exist`);
    return file;
  }
  if (!url.startsWith('s3://')) throw new CliError(`cannot read ${url}: only file:// and s3:// URLs are supported`);
  const target = path.join(directory, path.posix.basename(new URL(url).pathname));
  if (fs.existsSync(target)) throw new CliError(`two files of the simulation are named ${path.basename(target)}`);
  const { stream } = await storeFor(url).read(url);
  await pipeline(stream, fs.createWriteStream(target, { flags: 'wx' }));
  return target;
}

async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const piece of fs.createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/**
 * import_proto: a simulation of the prototype archive (`<base>/<date>/<index>/sim_metadata.yaml`)
 * recorded here, its visits (files.observations) stored in `archive`, every other file of its
 * `files` but `metadata` (the YAML itself) added with its type; every file's MD5 is checked
 * against the YAML's before anything is recorded. Returns the new UUID.
 */
export async function importProto(context: CliContext, archive: string, simDateText: string, simIndexText: string, protoUrl?: string): Promise<string> {
  const simDate = simDateArgument(simDateText);
  const simIndex = simIndexArgument(simIndexText);
  const base = protoBaseUrl(protoUrl);
  const directoryUrl = `${base}${simDate}/${simIndex}/`;
  const store = storeFor(base);
  if (!(await directoryExists(store, directoryUrl))) throw new CliError(`no simulation in the prototype archive at ${directoryUrl}`);
  const metadataUrl = `${directoryUrl}${METADATA_NAME}`;
  if (!(await store.stat(metadataUrl))) throw new CliError(`no simulation metadata at ${metadataUrl}`);
  const metadata = parseProtoMetadata(await readText(store, metadataUrl), directoryUrl, simDate, simIndex);

  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-proto-'));
  try {
    const local: Record<string, string> = {};
    for (const [fileType, file] of Object.entries(metadata.files)) {
      if (fileType === 'metadata') continue;
      local[fileType] = await localCopy(file.url, fileType === 'observations' ? fs.mkdtempSync(path.join(spool, 'observations-')) : spool);
      if (file.md5) {
        const md5 = await md5OfFile(local[fileType]);
        if (md5 !== file.md5) throw new CliError(`data integrity check failed: ${file.url} has MD5 ${md5}, but ${METADATA_NAME} records ${file.md5}`);
      }
    }
    const visits = local.observations;
    // The visits reader tells the format by the extension: an opsim database without one is read as .db.
    const visitsFile = /\.[A-Za-z0-9]+$/.test(visits) ? visits : copyWithExtension(visits, spool, '.db');
    const archiveUrl = archiveBase(archive);
    const uuid = await addSimulation(
      context,
      {
        label: metadata.label,
        telescope: metadata.telescope,
        firstDayObs: metadata.firstDayObs,
        lastDayObs: metadata.lastDayObs,
        creationTime: metadata.creationTime,
        archiveUrl,
        tags: [...new Set([...metadata.tags, FROM_PROTOTYPE_TAG])],
        requestId: '',
        format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
        schedulerVersion: metadata.schedulerVersion,
        simRunnerArgs: metadata.simRunnerArgs,
      },
      visitsFile,
    );
    try {
      for (const [fileType, file] of Object.entries(local)) {
        if (fileType === 'observations') continue;
        // Metadata only ("") stores no visits; the other files still need a home: the gateway's archive.
        await addFile(context, uuid, fileType, file, { archive: archiveUrl || undefined });
      }
      await addComment(context, uuid, `Imported from prototype sim_archive ${simDate}, ${simIndex}`);
    } catch (error) {
      throw new CliError(`recorded the simulation ${uuid}, but then: ${(error as Error).message}`, error instanceof CliError ? error.exitCode : 1);
    }
    return uuid;
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
}

function copyWithExtension(file: string, directory: string, extension: string): string {
  const target = path.join(fs.mkdtempSync(path.join(directory, 'visits-')), `${path.basename(file)}${extension}`);
  fs.copyFileSync(file, target);
  return target;
}

/** The integer subdirectories of a date directory of the prototype archive. */
async function existingIndexes(store: ObjectStore, dateUrl: string): Promise<number[]> {
  const indexes = new Set<number>();
  if (store.kind === 'file') {
    const directory = fileURLToPath(dateUrl);
    for (const entry of fs.existsSync(directory) ? fs.readdirSync(directory, { withFileTypes: true }) : []) {
      if (entry.isDirectory() && /^\d+$/.test(entry.name)) indexes.add(Number(entry.name));
    }
    return [...indexes];
  }
  const location = parseArchiveUrl(dateUrl);
  let after: string | undefined;
  do {
    const page = await store.list(location, { limit: 1000, after });
    for (const object of page.objects) {
      const first = object.url.slice(location.url.length).split('/')[0];
      if (/^\d+$/.test(first)) indexes.add(Number(first));
    }
    after = page.next;
  } while (after);
  return [...indexes];
}

/**
 * Claims `<dateUrl><n>/` for the first free n above the existing ones: a file:// directory is
 * created exclusively (mkdir); in S3 the first object written (without overwriting) claims it.
 */
async function claimDirectory(store: ObjectStore, dateUrl: string, firstWrite: (directoryUrl: string) => Promise<void>): Promise<string> {
  let index = Math.max(0, ...(await existingIndexes(store, dateUrl))) + 1;
  for (let attempt = 0; attempt < 100; attempt++, index++) {
    const directoryUrl = `${dateUrl}${index}/`;
    try {
      if (store.kind === 'file') {
        fs.mkdirSync(fileURLToPath(dateUrl), { recursive: true });
        fs.mkdirSync(fileURLToPath(directoryUrl));
      }
      await firstWrite(directoryUrl);
      return directoryUrl;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' || error instanceof ObjectExistsError) continue;
      throw error;
    }
  }
  throw new CliError(`cannot find a free index under ${dateUrl}`);
}

/** The file names of the exported files: each file's basename, made unique (and never opsim.db or sim_metadata.yaml). */
function exportNames(files: { fileType: string; fileUrl?: string }[]): Map<string, string> {
  const taken = new Set([OBSERVATIONS_NAME, METADATA_NAME]);
  const names = new Map<string, string>();
  for (const file of files) {
    const base = (file.fileUrl ? path.posix.basename(new URL(file.fileUrl).pathname) : '') || file.fileType;
    const name = taken.has(base) ? `${file.fileType}-${base}` : base;
    taken.add(name);
    names.set(file.fileType, name);
  }
  return names;
}

/**
 * export_proto: a simulation written to a new entry `<base>/<UTC today>/<n>/` of the prototype
 * archive, as the upstream's export_sim_to_prototype_sim_archive does: the visits as `opsim.db`,
 * every other file under its basename, and `sim_metadata.yaml` (with `simulated_dates`, the key
 * the importer reads, and each file's MD5). Nothing is overwritten. Returns the directory's URL.
 */
export async function exportProto(context: CliContext, uuid: string, protoUrl?: string): Promise<string> {
  const base = protoBaseUrl(protoUrl);
  const store = storeFor(base);
  const { visitSequence } = await context.metadata.unary('getVisitSequence', { visitseqUuid: uuid }, context.deadline());
  if (!visitSequence) throw new CliError(`not found: visit sequence ${uuid}`);
  const listed = await context.metadata.unary('listFiles', { visitseqUuid: uuid, pageSize: 1000, pageToken: '' }, context.deadline());
  const hasVisits = listed.files.some((file) => file.fileType === 'visits');
  if (!hasVisits) throw new CliError(`visit sequence ${uuid} has no stored visits to export`);
  const others = listed.files.filter((file) => file.fileType !== 'visits');
  const names = exportNames(others);

  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-proto-'));
  try {
    const local: { fileType: string; name: string; path: string }[] = [];
    const visitsPath = path.join(spool, OBSERVATIONS_NAME);
    const visitsPartial = path.join(spool, `.${OBSERVATIONS_NAME}.partial`);
    await downloadVisits(context, uuid, visitsPath, visitsPartial, {});
    fs.renameSync(visitsPartial, visitsPath);
    local.push({ fileType: 'observations', name: OBSERVATIONS_NAME, path: visitsPath });
    for (const file of others) {
      const name = names.get(file.fileType)!;
      const target = path.join(spool, 'files', name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const partial = path.join(spool, `.${name}.partial`);
      await downloadFile(context, uuid, file.fileType, partial);
      fs.renameSync(partial, target);
      local.push({ fileType: file.fileType, name, path: target });
    }
    const md5s = new Map<string, string>();
    for (const file of local) md5s.set(file.fileType, await md5OfFile(file.path));

    const dateUrl = `${base}${new Date().toISOString().slice(0, 10)}/`;
    const put = (directoryUrl: string, name: string, source: string) => putObject(store, `${directoryUrl}${name}`, fs.createReadStream(source) as AsyncIterable<Uint8Array>, { overwrite: false });
    const directoryUrl = await claimDirectory(store, dateUrl, (directory) => put(directory, OBSERVATIONS_NAME, visitsPath).then(() => undefined));
    for (const file of local.slice(1)) await put(directoryUrl, file.name, file.path);

    const simulation = visitSequence.simulation;
    const metadata: Record<string, unknown> = { uuid: visitSequence.visitseqUuid, label: visitSequence.visitseqLabel, telescope: visitSequence.telescope, tags: visitSequence.tags };
    if (simulation?.schedulerVersion) metadata.scheduler_version = simulation.schedulerVersion;
    if (visitSequence.creationTime) metadata.creation_time = visitSequence.creationTime.toISOString();
    if (visitSequence.firstDayObs || visitSequence.lastDayObs) {
      metadata.simulated_dates = { ...(visitSequence.firstDayObs ? { first: visitSequence.firstDayObs } : {}), ...(visitSequence.lastDayObs ? { last: visitSequence.lastDayObs } : {}) };
    }
    if (simulation?.simRunnerArgs && Object.keys(simulation.simRunnerArgs).length) metadata.sim_runner_kwargs = simulation.simRunnerArgs;
    const files: Record<string, ProtoFile> = {};
    for (const file of local) files[file.fileType] = { name: file.name, url: `${directoryUrl}${file.name}`, md5: md5s.get(file.fileType) };
    files.metadata = { name: METADATA_NAME, url: `${directoryUrl}${METADATA_NAME}` };
    metadata.files = files;
    await putObject(store, `${directoryUrl}${METADATA_NAME}`, [Buffer.from(YAML.stringify(metadata, { version: '1.1' }), 'utf8')], { overwrite: false });
    return directoryUrl;
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
}

/** import_proto and export_proto: the upstream's bridge to and from its deprecated prototype archive. */
export function registerProtoArchiveCommands(program: Command, context: CliContext): void {
  const protoOption = () =>
    new Option('--proto_sim_archive_url <url>', `base of the prototype archive: file:///dir/, s3://bucket/prefix/ or a local directory (default: $PROTO_SIM_ARCHIVE_URL, else ${UPSTREAM_PROTO_SIM_ARCHIVE_URL})`);
  const dashedOption = () => new Option('--proto-sim-archive-url <url>', 'same as --proto_sim_archive_url (the upstream\'s spelling)').hideHelp();
  const s3Help = '\nS3 URLs use S3_ENDPOINT_URL and the standard AWS credentials (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID…).';
  type ProtoOptions = { proto_sim_archive_url?: string; protoSimArchiveUrl?: string };

  program
    .command('import_proto')
    .alias('import-proto')
    .description(
      "record a simulation of the upstream's prototype archive (<url>/<sim_date>/<sim_index>/sim_metadata.yaml): its visits (files.observations) stored in ARCHIVE_BASE, " +
        'its other files added by type, its tags plus from_prototype_sim_archive, and a comment; checks every MD5 the YAML records; prints the new UUID',
    )
    .argument('<archive_base>', 'archive for the visits and files: a base URL (file:///dir/, s3://bucket/prefix/), a local directory, or "" to store only the files, in the gateway\'s archive')
    .argument('<sim_date>', 'the date directory (YYYY-MM-DD)')
    .argument('<sim_index>', 'the index directory under it (1, 2, …)')
    .addOption(protoOption())
    .addOption(dashedOption())
    .addHelpText('after', s3Help)
    .action((archive: string, simDate: string, simIndex: string, options: ProtoOptions) =>
      context.run(async () => {
        process.stdout.write(`${await importProto(context, archive, simDate, simIndex, options.proto_sim_archive_url ?? options.protoSimArchiveUrl)}\n`);
      }),
    );

  program
    .command('export_proto')
    .alias('export-proto')
    .description("write a simulation to a new entry <url>/<UTC date>/<n>/ of the upstream's prototype archive (opsim.db, its files, sim_metadata.yaml); prints the entry's URL")
    .argument('<uuid>', 'the simulation')
    .addOption(protoOption())
    .addOption(dashedOption())
    .addHelpText('after', s3Help)
    .action((uuid: string, options: ProtoOptions) =>
      context.run(async () => {
        process.stdout.write(`${await exportProto(context, uuid, options.proto_sim_archive_url ?? options.protoSimArchiveUrl)}\n`);
      }),
    );
}
