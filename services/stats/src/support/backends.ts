import type { OnApplicationShutdown } from '@nestjs/common';
import { blobArchiveV1, CONTRACTS, metadataV1 } from '@visitsarch/contracts';
import { ServiceClient } from '@visitsarch/grpc-client';

export interface BackendAddresses {
  METADATA_SERVICE_ADDRESS: string;
  BLOB_ARCHIVE_SERVICE_ADDRESS: string;
}

/** The stats service's clients: metadata (records, statistics, MAF tables) and blob-archive (visit tables). */
export class Backends implements OnApplicationShutdown {
  readonly metadata: ServiceClient<metadataV1.MetadataServiceClient>;
  readonly blobArchive: ServiceClient<blobArchiveV1.BlobArchiveServiceClient>;

  constructor(addresses: BackendAddresses) {
    this.metadata = new ServiceClient(CONTRACTS.metadata, addresses.METADATA_SERVICE_ADDRESS);
    this.blobArchive = new ServiceClient(CONTRACTS.blobArchive, addresses.BLOB_ARCHIVE_SERVICE_ADDRESS);
  }

  onApplicationShutdown(): void {
    this.close();
  }

  close(): void {
    this.metadata.close();
    this.blobArchive.close();
  }
}
