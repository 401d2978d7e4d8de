import * as os from 'node:os';
import * as path from 'node:path';
import { archiveUrl, ConfigError, DEFAULT_ADDRESSES, httpUrl } from '@visitsarch/config';
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
  // DoGet reads stored messages straight into encoded FlightData (no second copy per message).
  preEncodedResponses: ['arrow.flight.protocol.FlightService.DoGet'],
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
  },
  build: (config) => {
    const storage = new ArchiveStorage({
      archiveUrls: [config.VISITSARCH_ARCHIVE_URL, ...config.VISITSARCH_EXTRA_ARCHIVE_URLS],
      s3: { endpoint: config.S3_ENDPOINT_URL || undefined },
      s3Store: { spoolDirectory: config.VISITSARCH_SPOOL_DIR },
    });
    return {
      module: BlobArchiveModule.forRoot(storage, { spoolDirectory: config.VISITSARCH_SPOOL_DIR }),
      dependencies: [{ name: 'archive', check: () => storage.probe() }],
    };
  },
});
