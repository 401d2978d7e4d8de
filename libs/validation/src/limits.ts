/**
 * Hard limits on what one request may carry, and the check that applies them to every field of a
 * request message (`checkRequestLimits`). The gateway (the public edge) and the metadata service
 * (defence in depth) both run it on every request before any handler sees it; docs/security.md
 * lists the limits.
 *
 * Values were chosen from what real requests hold (the data model's examples, the test data):
 * labels are one sentence, tags one word, comments a paragraph, file names a POSIX name.
 *
 * Error messages never quote more than `QUOTE_PREFIX_CHARS` characters of what was sent (see
 * `quote`): an error echoing a 100,000-character value would not fit in the reply's trailers.
 */
import { invalidField } from './fields';

/** A UUID's canonical text: 8-4-4-4-12 hex digits. */
export const MAX_UUID_CHARS = 36;
/** A visit sequence's label (`label`, `visitseq_label`, `label_contains`): one sentence for plots and tables. */
export const MAX_LABEL_CHARS = 1000;
/** One tag. */
export const MAX_TAG_CHARS = 100;
/** Tags in one call (`tags`, `tags_all`, `tags_any`). */
export const MAX_TAGS_PER_CALL = 100;
/** One comment. */
export const MAX_COMMENT_CHARS = 10_000;
/** A comment's author. */
export const MAX_AUTHOR_CHARS = 200;
/** A file name: a POSIX file name (NAME_MAX), without `/`. */
export const MAX_FILE_NAME_CHARS = 255;
/** A file type (`rewards`, `scheduler`, `observatory`…). */
export const MAX_FILE_TYPE_CHARS = 64;
/** SQL text (`sql` of Query, `query` of consdb requests). */
export const MAX_SQL_CHARS = 100_000;
/** A conda environment's JSON (`conda env export --json`: thousands of packages). */
export const MAX_CONDA_ENV_JSON_CHARS = 4 * 1024 * 1024;
/** Any other text field: URLs, names, day_obs, telescopes, request ids, page tokens, DSNs, Struct values. */
export const MAX_TEXT_CHARS = 8192;
/** Any other list: UUIDs, columns, value names, rows of a batch call (the same bound as MAX_BATCH_ROWS). */
export const MAX_LIST_ITEMS = 10_000;
/** MJDs (`survey_start_mjd`): finite and between these (1858-11-17 and the year 2132). */
export const MIN_MJD = 0;
export const MAX_MJD = 100_000;
/**
 * The encoded size of one request message, checked before it is decoded (the gateway's forwarding
 * does): well above any valid request, so that an oversized one costs its sender, not the archive.
 * Batch calls (Upsert*: up to MAX_LIST_ITEMS rows) and conda environments (MAX_CONDA_ENV_JSON_CHARS)
 * may be larger, up to MAX_BATCH_REQUEST_BYTES.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const MAX_BATCH_REQUEST_BYTES = 16 * 1024 * 1024;

/** The largest encoded request message a method (its RPC name, e.g. `AddTags`) accepts. */
export function maxRequestBytes(method: string): number {
  return /^Upsert|^RecordCondaEnv$|^ImportMafResults$/.test(method) ? MAX_BATCH_REQUEST_BYTES : MAX_REQUEST_BYTES;
}

/** Characters of a refused value an error message quotes at most. */
export const QUOTE_PREFIX_CHARS = 64;

/** Per-field length limits, by the proto field's name (the last part of its path). */
const TEXT_LIMITS: Record<string, number> = {
  label: MAX_LABEL_CHARS,
  visitseq_label: MAX_LABEL_CHARS,
  label_contains: MAX_LABEL_CHARS,
  short_name: MAX_LABEL_CHARS,
  tag: MAX_TAG_CHARS,
  tags: MAX_TAG_CHARS,
  tags_all: MAX_TAG_CHARS,
  tags_any: MAX_TAG_CHARS,
  comment: MAX_COMMENT_CHARS,
  author: MAX_AUTHOR_CHARS,
  file_name: MAX_FILE_NAME_CHARS,
  file_type: MAX_FILE_TYPE_CHARS,
  sql: MAX_SQL_CHARS,
  query: MAX_SQL_CHARS,
  conda_env_json: MAX_CONDA_ENV_JSON_CHARS,
};

/** Per-field item limits of lists, by the proto field's name. */
const LIST_LIMITS: Record<string, number> = {
  tags: MAX_TAGS_PER_CALL,
  tags_all: MAX_TAGS_PER_CALL,
  tags_any: MAX_TAGS_PER_CALL,
};

/** The length limit of a text field named `name` (snake_case). */
export function textLimit(name: string): number {
  return TEXT_LIMITS[name] ?? (name.endsWith('uuid') || name.endsWith('uuids') ? MAX_UUID_CHARS : MAX_TEXT_CHARS);
}

/** The item limit of a list field named `name` (snake_case). */
export function listLimit(name: string): number {
  return LIST_LIMITS[name] ?? MAX_LIST_ITEMS;
}

/**
 * A value as an error message may quote it: JSON-quoted, at most QUOTE_PREFIX_CHARS characters,
 * longer values cut with `… (N characters)`.
 */
export function quote(value: unknown, prefix = QUOTE_PREFIX_CHARS): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= prefix) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, prefix))}… (${text.length} characters)`;
}

/** Text without NUL bytes (PostgreSQL text and its wire protocol cannot hold them) and at most `max` characters. */
export function checkText(value: string, field: string, max: number): string {
  if (value.length > max) throw invalidField(`${field} is ${value.length} characters long; at most ${max} are accepted`, field);
  const nul = value.indexOf('\u0000');
  if (nul >= 0) throw invalidField(`${field} contains a NUL byte (at character ${nul}); text may not contain NUL`, field);
  return value;
}

/** A list of at most `max` items. */
export function checkList<T>(items: T[], field: string, max: number): T[] {
  if (items.length > max) throw invalidField(`${field} has ${items.length} items; at most ${max} are accepted per call`, field);
  return items;
}

/** A number that is finite and within [min, max]. */
export function checkNumber(value: number, field: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw invalidField(`${field} must be a finite number from ${min} to ${max}, got ${quote(String(value))}`, field);
  return value;
}

/** An MJD: finite, from MIN_MJD to MAX_MJD. */
export function checkMjd(value: number, field: string): number {
  return checkNumber(value, field, MIN_MJD, MAX_MJD);
}

/** A file name: text of at most MAX_FILE_NAME_CHARS characters, no `/`, not `.` or `..`. */
export function checkFileName(value: string, field: string): string {
  checkText(value, field, MAX_FILE_NAME_CHARS);
  if (value.includes('/') || value === '.' || value === '..') throw invalidField(`${field} must be a file name without "/", got ${quote(value)}`, field);
  return value;
}

/** A google.protobuf.Duration (as decoded: seconds and nanos) that is finite and not negative. */
export function checkDuration(value: { seconds?: number; nanos?: number }, field: string): void {
  const seconds = Number(value.seconds ?? 0);
  const nanos = Number(value.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos) || seconds < 0 || nanos < 0 || nanos > 999_999_999) {
    throw invalidField(`${field} must be a duration that is not negative`, field);
  }
}

/** Nesting depth beyond which a request is refused (protobuf messages of our contracts nest a few levels; Struct values may nest more). */
const MAX_DEPTH = 32;

/**
 * Applies the limits to every field of a decoded request message (camelCase keys, as
 * @grpc/proto-loader gives them), naming fields in snake_case (`visit_sequence.visitseq_label`,
 * `tags[3]`): every text (length by its field's name, no NUL), every list (items), MJDs and
 * durations (finite, in range), map keys (as text). Bytes are left to the fields' own checks.
 * Fails with INVALID_ARGUMENT naming the first field over a limit.
 */
export function checkRequestLimits(message: unknown, prefix = ''): void {
  walk(message, prefix, '', 0);
}

function walk(value: unknown, path: string, name: string, depth: number): void {
  if (depth > MAX_DEPTH) throw invalidField(`${path || 'request'} nests more than ${MAX_DEPTH} levels`, path || 'request');
  if (typeof value === 'string') {
    checkText(value, path, textLimit(name));
    if (name === 'file_name') checkFileName(value, path);
    return;
  }
  if (typeof value === 'number') {
    if (name.endsWith('mjd')) checkMjd(value, path);
    return;
  }
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    checkList(value, path, listLimit(name));
    value.forEach((item, index) => walk(item, `${path}[${index}]`, name, depth + 1));
    return;
  }
  if (name === 'timeout') checkDuration(value as { seconds?: number; nanos?: number }, path);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const field = snakeCase(key);
    if (key.length > MAX_TEXT_CHARS || key.includes('\u0000')) {
      throw invalidField(`${path || 'request'} has a key of ${key.length} characters or with a NUL byte`, path || 'request');
    }
    walk(item, path ? `${path}.${field}` : field, field, depth + 1);
  }
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
