import * as os from 'node:os';
import * as path from 'node:path';
import { archiveUrl, ConfigError, DEFAULT_ADDRESSES, httpUrl, integer } from '@visitsarch/config';
import type { Logger } from '@visitsarch/logging';
import { CONTRACTS, PROTO_ROOT, ServiceContract } from '@visitsarch/contracts';
import { defineService } from '@visitsarch/grpc-server';
import { ArchiveStorage } from '@visitsarch/storage';
import { BlobArchiveModule } from './blob-archive.module';

/**
 * What the blob-archive process serves: its own API and, on the same port, Arrow Flight
 * (arrow.flight.protocol.FlightService), so Flight clients need nothing but the address.
 */
export const BLOB_ARCHIVE_CONTRACT: ServiceContract = {
  packages: [...CONTRACTS.blobArchive.packages, 'arrow.flight.protocol'],
  protoFiles: [...CONTRACTS.blobArchive.protoFiles, path.join(PROTO_ROOT, 'arrow', 'flight', 'protocol', 'flight.proto')],
  serviceNames: [...CONTRACTS.blobArchive.serviceNames, 'arrow.flight.protocol.FlightService'],
};

/** A comma-separated list of archive URLs (may be empty). */
function archiveUrls(raw: string, variable: string): string[] {
  return raw
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => archiveUrl(url, variable));
}

/** An absolute directory path. */
function absoluteDirectory(raw: string, variable: string): string {
  if (!path.isAbsolute(raw)) throw new ConfigError(variable, `expected an absolute directory path, got ${JSON.stringify(raw)}`);
  return raw;
}

/** The blob-archive service: its settings, its module and what it depends on. */
export const blobArchiveService = defineService({
  name: 'blob-archive',
  contract: BLOB_ARCHIVE_CONTRACT,
  defaultAddress: DEFAULT_ADDRESSES.blobArchive,
  // DoGet reads stored messages straight into encoded FlightData, ExportVisitTable packs the file's
  // bytes into encoded messages: no second copy, and no new buffer, per message.
  preEncodedResponses: ['arrow.flight.protocol.FlightService.DoGet', 'visitsarch.blob_archive.v1.BlobArchiveService.ExportVisitTable'],
  // Clients read visit tables by Flight DoGet with a ticket the gateway signed for them (checked by
  // FlightController); everything else is for the archive's own services.
  admitWithoutCredential: ['/arrow.flight.protocol.FlightService/DoGet'],
  schema: {
    VISITSARCH_ARCHIVE_URL: { parse: archiveUrl, description: 'the default archive: file:///path/ or s3://bucket/prefix/' },
    VISITSARCH_EXTRA_ARCHIVE_URLS: {
      parse: archiveUrls,
      default: [] as string[],
      description: 'further archives (comma-separated) whose objects may be read and written; any other URL is refused with PERMISSION_DENIED',
    },
    S3_ENDPOINT_URL: { parse: httpUrl, default: '', description: 'S3 endpoint for s3:// archives (unset: AWS)' },
    VISITSARCH_SPOOL_DIR: {
      parse: absoluteDirectory,
      default: os.tmpdir(),
      description: 'local directory (on disk, not tmpfs) for uploads being hashed and S3 objects being read',
    },
    INCOMING_GRACE_S: {
      parse: integer(60, 30 * 86_400),
      default: 3600,
      description: 'at start, temporary files of uploads (.…incoming) older than this many seconds are removed: what a crash mid-upload leaves; younger ones may be uploads in flight in another replica',
    },
  },
  build: (config, logger) => {
    const storage = new ArchiveStorage({
      archiveUrls: [config.VISITSARCH_ARCHIVE_URL, ...config.VISITSARCH_EXTRA_ARCHIVE_URLS],
      s3: { endpoint: config.S3_ENDPOINT_URL || undefined },
      s3Store: { spoolDirectory: config.VISITSARCH_SPOOL_DIR },
    });
    void sweepCrashLeftovers(storage, config.INCOMING_GRACE_S, logger);
    return {
      module: BlobArchiveModule.forRoot(storage, { spoolDirectory: config.VISITSARCH_SPOOL_DIR, serviceCredential: config.SERVICE_CREDENTIAL }),
      dependencies: [{ name: 'archive', check: () => storage.probe() }],
    };
  },
});

/**
 * The start-up sweep: removes what uploads interrupted by a crash left in the file archives
 * (docs/storage.md). It runs beside the start, not before it: a large archive takes a while to
 * walk, and nothing waits on it. Returns the sweep's promise (it never rejects).
 */
export function sweepCrashLeftovers(storage: ArchiveStorage, graceS: number, logger: Logger): Promise<void> {
  return storage.sweepIncoming(graceS * 1000).then(
    ({ files, bytes }) => logger.info({ files, bytes, graceS }, `removed ${files} temporary upload files (${bytes} bytes) left by interrupted uploads`),
    (error: Error) => logger.warn({ err: error }, `could not sweep the temporary files of interrupted uploads: ${error.message}`),
  );
}
