import * as fs from 'node:fs/promises';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parseArchiveUrl } from './archive-url';

export interface S3Settings {
  /** S3_ENDPOINT_URL, e.g. https://s3dfrgw.slac.stanford.edu/ ; unset means AWS. */
  endpoint?: string;
  region?: string;
  /** Explicit credentials (tests); unset means the standard AWS chain (environment, shared files, profiles, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * An S3 client suited to Ceph/MinIO-style endpoints: path-style addressing (tenant bucket names
 * such as `rubin:rubin-scheduler-prenight` cannot be DNS labels), and checksums only where the
 * operation requires them: the SDK's default CRC trailers on every upload are not understood by
 * every Ceph RGW release, and integrity is ours anyway (SHA-256 of every object, verified on read).
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Resolves when the archive can be used: a local directory exists (created if needed) and is
 * writable; an S3 bucket answers HeadBucket with the configured credentials.
 */
export async function probeArchive(url: string, s3?: S3Client): Promise<void> {
  const location = parseArchiveUrl(url);
  if (location.kind === 'file') {
    await fs.mkdir(location.directory, { recursive: true });
    await fs.access(location.directory, fs.constants.W_OK);
    return;
  }
  if (!s3) throw new Error('an s3:// archive needs an S3 client');
  await s3.send(new HeadBucketCommand({ Bucket: location.bucket }));
}
