import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The directory holding the `.proto` sources: NestJS loads them at run time through
 * @grpc/proto-loader. It is the repository's `proto/` (from `src/` or `dist/` alike),
 * or `$VISITSARCH_PROTO_ROOT` in a container image that ships them elsewhere.
 */
export const PROTO_ROOT: string = process.env.VISITSARCH_PROTO_ROOT || path.resolve(__dirname, '..', '..', '..', 'proto');

if (!fs.existsSync(path.join(PROTO_ROOT, 'visitsarch'))) {
  throw new Error(`the protobuf sources are not at ${PROTO_ROOT}; set VISITSARCH_PROTO_ROOT`);
}

/**
 * @grpc/proto-loader options matching the ts-proto options in buf.gen.yaml: camelCase fields,
 * int64 as JS numbers (forceLong=number), enums as numbers, defaults filled in (ts-proto
 * interfaces expect every scalar), and oneof members as plain optional properties.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
} as const;

/** What a service process serves: its protobuf package, files and fully-qualified service names. */
export interface ServiceContract {
  packages: string[];
  /** Absolute paths of the files to load. */
  protoFiles: string[];
  serviceNames: string[];
}

function contract(pkg: string, file: string, service: string): ServiceContract {
  return { packages: [pkg], protoFiles: [path.join(PROTO_ROOT, file)], serviceNames: [`${pkg}.${service}`] };
}

/** One process serving several services of a package (the first one names the process's clients). */
function together(...contracts: ServiceContract[]): ServiceContract {
  return {
    packages: [...new Set(contracts.flatMap((c) => c.packages))],
    protoFiles: [...new Set(contracts.flatMap((c) => c.protoFiles))],
    serviceNames: contracts.flatMap((c) => c.serviceNames),
  };
}

const metadataService = contract('visitsarch.metadata.v1', 'visitsarch/metadata/v1/metadata_service.proto', 'MetadataService');
const registryService = contract('visitsarch.metadata.v1', 'visitsarch/metadata/v1/registry_service.proto', 'RegistryService');
const tokenService = contract('visitsarch.metadata.v1', 'visitsarch/metadata/v1/token_service.proto', 'TokenService');
const tokenVerification = contract('visitsarch.metadata.v1', 'visitsarch/metadata/v1/token_service.proto', 'TokenVerificationService');

/**
 * The gRPC APIs of visitsarch: what each service process serves (`metadata` serves MetadataService,
 * RegistryService, TokenService and TokenVerificationService), and each of the metadata process's
 * services on its own (`metadataService`, `registry`, `tokens`, `tokenVerification`: for clients,
 * and for the gateway, which forwards MetadataService, TokenService and StatsService and must not
 * expose RegistryService or TokenVerificationService, even in server reflection).
 */
export const CONTRACTS = {
  metadata: together(metadataService, registryService, tokenService, tokenVerification),
  metadataService,
  registry: registryService,
  tokens: tokenService,
  tokenVerification,
  blobArchive: contract('visitsarch.blob_archive.v1', 'visitsarch/blob_archive/v1/blob_archive_service.proto', 'BlobArchiveService'),
  consdbIngest: contract('visitsarch.consdb_ingest.v1', 'visitsarch/consdb_ingest/v1/consdb_ingest_service.proto', 'ConsdbIngestService'),
  stats: contract('visitsarch.stats.v1', 'visitsarch/stats/v1/stats_service.proto', 'StatsService'),
  gateway: contract('visitsarch.gateway.v1', 'visitsarch/gateway/v1/gateway_service.proto', 'GatewayService'),
} as const;
