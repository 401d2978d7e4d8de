import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DayObsError, parseDayObs } from '@visitsarch/day-obs';
import { isUuid } from '@visitsarch/validation';
import { InvalidLocationError } from './errors';

/** A parsed archive base URL: a local directory or an S3 bucket and key prefix. */
export type ArchiveLocation =
  | { kind: 'file'; url: string; directory: string }
  | { kind: 's3'; url: string; bucket: string; prefix: string };

/** A parsed object URL: a local file or an S3 object. */
export type ObjectLocation = { kind: 'file'; url: string; path: string } | { kind: 's3'; url: string; bucket: string; key: string };

/**
 * Parses `file:///dir/` or `s3://bucket/prefix/`. Bucket names may be Ceph tenant-style
 * (`rubin:rubin-scheduler-prenight`), which S3 clients must not "validate" away.
 */
export function parseArchiveUrl(url: string): ArchiveLocation {
  if (url.startsWith('file://')) {
    const directory = fileURLToPath(url);
    return { kind: 'file', url: ensureSlash(url), directory: path.resolve(directory) };
  }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (s3) {
    const prefix = s3[2] === '' ? '' : ensureSlash(s3[2]);
    return { kind: 's3', url: `s3://${s3[1]}/${prefix}`, bucket: s3[1], prefix };
  }
  throw new Error(`unsupported archive URL ${JSON.stringify(url)}: expected file:///path/ or s3://bucket/prefix/`);
}

/**
 * Parses the URL of one object: `file:///absolute/path` or `s3://bucket/key`. The path is
 * normalised (`..` resolved) so that containment in an archive root can be checked on it.
 */
export function parseObjectUrl(url: string, field = 'url'): ObjectLocation {
  if (url.startsWith('file://')) {
    let filePath: string;
    try {
      filePath = path.resolve(fileURLToPath(url));
    } catch (error) {
      throw new InvalidLocationError(`${field}: not a valid file:// URL: ${(error as Error).message}`, field);
    }
    if (filePath.endsWith(path.sep) || url.endsWith('/')) throw new InvalidLocationError(`${field}: ${url} names a directory, not an object`, field);
    return { kind: 'file', url: pathToFileURL(filePath).href, path: filePath };
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (s3) {
    const key = s3[2];
    if (key.endsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new InvalidLocationError(`${field}: ${url} is not an object key (empty, "." or ".." components, or a trailing "/")`, field);
    }
    return { kind: 's3', url, bucket: s3[1], key };
  }
  throw new InvalidLocationError(`${field}: ${JSON.stringify(url)} is not an object URL: expected file:///path or s3://bucket/key`, field);
}

/** Where one file of a visit sequence goes: `<archive>/<telescope>/<creation day_obs>/<uuid>/<file name>`. */
export interface SequenceFileAddress {
  archiveUrl: string;
  telescope: string;
  /** `YYYY-MM-DD` or `YYYYMMDD`. */
  creationDayObs: string;
  visitseqUuid: string;
  fileName: string;
}

const TELESCOPE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The object URL of a sequence's file, in the upstream layout, after checking every component.
 * File names starting with `.` are refused: that namespace holds uploads in progress.
 */
export function sequenceFileUrl(address: SequenceFileAddress): string {
  let archive: ArchiveLocation;
  try {
    archive = parseArchiveUrl(address.archiveUrl);
  } catch (error) {
    throw new InvalidLocationError(`archive_url: ${(error as Error).message}`, 'archive_url');
  }
  if (!TELESCOPE.test(address.telescope)) {
    throw new InvalidLocationError(`telescope: ${JSON.stringify(address.telescope)} is not a telescope name (letters, digits, "_", ".", "-")`, 'telescope');
  }
  let dayObs: string;
  try {
    dayObs = parseDayObs(address.creationDayObs);
  } catch (error) {
    if (error instanceof DayObsError) throw new InvalidLocationError(`creation_day_obs: ${error.message}`, 'creation_day_obs');
    throw error;
  }
  if (!isUuid(address.visitseqUuid)) {
    throw new InvalidLocationError(`visitseq_uuid: ${JSON.stringify(address.visitseqUuid)} is not an RFC 4122 UUID`, 'visitseq_uuid');
  }
  checkFileName(address.fileName);
  const relative = `${address.telescope}/${dayObs}/${address.visitseqUuid.toLowerCase()}/${address.fileName}`;
  if (archive.kind === 's3') return `${archive.url}${relative}`;
  return pathToFileURL(path.join(archive.directory, ...relative.split('/'))).href;
}

/** Where an object lies in an archive's layout (the inverse of sequenceFileUrl). */
export interface SequenceFileLocation {
  telescope: string;
  /** `YYYY-MM-DD`. */
  creationDayObs: string;
  visitseqUuid: string;
  /** The object's name in the sequence's directory (a temporary file's own name for incompleteUpload). */
  fileName: string;
  /** The temporary file of a write to that directory (`.<name>.<uuid>.incoming`), not an object. */
  incompleteUpload: boolean;
}

const ISO_DAY_OBS = /^\d{4}-\d{2}-\d{2}$/;
const INCOMING_NAME = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.incoming$/;

/**
 * Whether a file name is that of a write's temporary file (`.<name>.<uuid>.incoming`, what the
 * file store writes before it publishes an object), not of an object.
 */
export function isIncomingUploadName(name: string): boolean {
  return INCOMING_NAME.test(name);
}

/**
 * Where `objectUrl` lies in the layout of the archive at `archiveUrl`
 * (`<telescope>/<creation day_obs>/<visitseq_uuid>/<file name>`, as sequenceFileUrl writes it, or
 * a write's temporary file in such a directory); undefined for anything else: another archive, a
 * malformed URL, or an object the archive did not write in its layout.
 */
export function sequenceFileOf(archiveUrl: string, objectUrl: string): SequenceFileLocation | undefined {
  let parts: string[];
  try {
    const archive = parseArchiveUrl(archiveUrl);
    const object = parseObjectUrl(objectUrl);
    if (archive.kind === 'file' && object.kind === 'file') {
      const relative = path.relative(archive.directory, object.path);
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
      parts = relative.split(path.sep);
    } else if (archive.kind === 's3' && object.kind === 's3' && object.bucket === archive.bucket && object.key.startsWith(archive.prefix)) {
      parts = object.key.slice(archive.prefix.length).split('/');
    } else {
      return undefined;
    }
  } catch {
    return undefined;
  }
  if (parts.length !== 4) return undefined;
  const [telescope, creationDayObs, visitseqUuid, fileName] = parts;
  if (!TELESCOPE.test(telescope) || !ISO_DAY_OBS.test(creationDayObs) || !isUuid(visitseqUuid) || visitseqUuid !== visitseqUuid.toLowerCase()) return undefined;
  try {
    if (parseDayObs(creationDayObs) !== creationDayObs) return undefined;
  } catch {
    return undefined;
  }
  if (fileName === '' || fileName.includes('\\')) return undefined;
  const incompleteUpload = fileName.startsWith('.');
  if (incompleteUpload && !isIncomingUploadName(fileName)) return undefined;
  return { telescope, creationDayObs, visitseqUuid, fileName, incompleteUpload };
}

/** Refuses names that would leave the sequence's directory or collide with uploads in progress. */
export function checkFileName(fileName: string, field = 'file_name'): void {
  if (fileName === '' || fileName.includes('/') || fileName.includes('\\') || fileName.includes('\0')) {
    throw new InvalidLocationError(`${field}: ${JSON.stringify(fileName)} must be a non-empty name without "/"`, field);
  }
  if (fileName.startsWith('.')) {
    throw new InvalidLocationError(`${field}: ${JSON.stringify(fileName)} may not start with "." (reserved for uploads in progress)`, field);
  }
}

function ensureSlash(text: string): string {
  return text.endsWith('/') ? text : `${text}/`;
}
