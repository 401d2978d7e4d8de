import { archiveUrl, DEFAULT_ADDRESSES, httpUrl } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { defineService } from '@visitsarch/grpc-server';
import { createS3Client, parseArchiveUrl, probeArchive } from '@visitsarch/storage';
import { BlobArchiveModule } from './blob-archive.module';

/** The blob-archive service: its settings, its module and what it depends on. */
export const blobArchiveService = defineService({
  name: 'blob-archive',
  contract: CONTRACTS.blobArchive,
  defaultAddress: DEFAULT_ADDRESSES.blobArchive,
  schema: {
    VISITSARCH_ARCHIVE_URL: { parse: archiveUrl, description: 'the default archive: file:///path/ or s3://bucket/prefix/' },
    S3_ENDPOINT_URL: { parse: httpUrl, default: '', description: 'S3 endpoint for s3:// archives (unset: AWS)' },
  },
  build: (config) => {
    const s3 = parseArchiveUrl(config.VISITSARCH_ARCHIVE_URL).kind === 's3' ? createS3Client({ endpoint: config.S3_ENDPOINT_URL || undefined }) : undefined;
    return {
      module: BlobArchiveModule.forRoot(config),
      dependencies: [{ name: 'archive', check: () => probeArchive(config.VISITSARCH_ARCHIVE_URL, s3) }],
    };
  },
});
