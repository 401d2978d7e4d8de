import { blobArchiveV1, consdbIngestV1, CONTRACTS, metadataV1, statsV1 } from '@visitsarch/contracts';
import type { OnApplicationShutdown } from '@nestjs/common';
import { ServiceClient } from '@visitsarch/grpc-client';

export interface DownstreamAddresses {
  METADATA_SERVICE_ADDRESS: string;
  BLOB_ARCHIVE_SERVICE_ADDRESS: string;
  CONSDB_INGEST_SERVICE_ADDRESS: string;
  STATS_SERVICE_ADDRESS: string;
}

/** The gateway's clients of the four services it composes (the only thing it talks to). */
export class Downstream implements OnApplicationShutdown {
  readonly metadata: ServiceClient<metadataV1.MetadataServiceClient>;
  /** The metadata service's write path for records that stand for blobs. */
  readonly registry: ServiceClient<metadataV1.RegistryServiceClient>;
  readonly blobArchive: ServiceClient<blobArchiveV1.BlobArchiveServiceClient>;
  readonly consdbIngest: ServiceClient<consdbIngestV1.ConsdbIngestServiceClient>;
  readonly stats: ServiceClient<statsV1.StatsServiceClient>;

  constructor(addresses: DownstreamAddresses) {
    this.metadata = new ServiceClient(CONTRACTS.metadata, addresses.METADATA_SERVICE_ADDRESS);
    this.registry = new ServiceClient(CONTRACTS.registry, addresses.METADATA_SERVICE_ADDRESS);
    this.blobArchive = new ServiceClient(CONTRACTS.blobArchive, addresses.BLOB_ARCHIVE_SERVICE_ADDRESS);
    this.consdbIngest = new ServiceClient(CONTRACTS.consdbIngest, addresses.CONSDB_INGEST_SERVICE_ADDRESS);
    this.stats = new ServiceClient(CONTRACTS.stats, addresses.STATS_SERVICE_ADDRESS);
  }

  onApplicationShutdown(): void {
    this.close();
  }

  close(): void {
    for (const client of [this.metadata, this.registry, this.blobArchive, this.consdbIngest, this.stats]) client.close();
  }
}
