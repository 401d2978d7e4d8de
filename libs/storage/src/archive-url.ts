import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A parsed archive base URL: a local directory or an S3 bucket and key prefix. */
export type ArchiveLocation =
  | { kind: 'file'; url: string; directory: string }
  | { kind: 's3'; url: string; bucket: string; prefix: string };

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

function ensureSlash(text: string): string {
  return text.endsWith('/') ? text : `${text}/`;
}
