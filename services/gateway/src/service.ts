import type { Scope } from '@visitsarch/auth';
import { archiveUrl, boolean, DEFAULT_ADDRESSES, flightLocation, grpcAddress, integer, oneOf } from '@visitsarch/config';
import { CONTRACTS } from '@visitsarch/contracts';
import { grpcServiceCheck } from '@visitsarch/grpc-client';
import { defineService, metricsUrls } from '@visitsarch/grpc-server';
import { checkRequestLimits, maxRequestBytes } from '@visitsarch/validation';
import { GatewayModule } from './gateway.module';
import { GatewayAuthentication, scopeList, userList } from './support/authentication';
import { flightLocationOf } from './downloads/flight-location';

type AuthMode = 'tokens' | 'ingress';
const authMode = oneOf<AuthMode>('tokens', 'ingress');

/** The gateway service: its settings, its module and what it depends on. */
export const gatewayService = defineService({
  name: 'gateway',
  contract: CONTRACTS.gateway,
  defaultAddress: DEFAULT_ADDRESSES.gateway,
  // The public edge: every field of every request within @visitsarch/validation's limits (client-streamed headers: splitHeader).
  checkRequest: checkRequestLimits,
  // The archive's one public gRPC server: clients, each with a token (or the ingress's user).
  access: 'public',
  // Uploads whose chunks go on to the blob archive's UploadVisitTable, in requests of the same
  // layout: sent on as they came when they are exactly such a request (blobUploadRequests).
  keepReceivedBytes: ['AddSimulation', 'AddCompleted', 'ArchiveVisits'].map((method) => `visitsarch.gateway.v1.GatewayService.${method}`),
  // An export's messages after the first go on in the bytes the blob archive sent them in (DownloadsController.exportVisits).
  preEncodedResponses: ['visitsarch.gateway.v1.GatewayService.ExportVisits'],
  schema: {
    METADATA_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.metadata, description: 'the metadata service' },
    BLOB_ARCHIVE_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.blobArchive, description: 'the blob-archive service' },
    BLOB_ARCHIVE_FLIGHT_LOCATION: {
      parse: flightLocation,
      default: '',
      description:
        "where clients read visit tables with Arrow Flight (GetVisitsFlightEndpoint): the blob archive's address as clients reach it, e.g. grpc://blob-archive:50052 (default: grpc://BLOB_ARCHIVE_SERVICE_ADDRESS); none to offer no Flight location. Required, as grpc+tls://… or none, when the gateway serves TLS",
    },
    CONSDB_INGEST_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.consdbIngest, description: 'the consdb-ingest service' },
    STATS_SERVICE_ADDRESS: { parse: grpcAddress, default: DEFAULT_ADDRESSES.stats, description: 'the stats service' },
    COMPUTE_NIGHTLY_STATS_ON_ADD: { parse: boolean, default: false, description: 'compute and store nightly statistics (per night and accumulated) of every sequence added with stored visits' },
    VISITSARCH_ARCHIVE_URL: { parse: archiveUrl, description: 'the archive new visits and files go to when a request names none (file:///path/ or s3://bucket/prefix/)' },
    // Only reported (on health answers, for `visitsarch status`): whoever started the services knows where their metrics are.
    METADATA_METRICS_URL: { parse: metricsUrls, default: '', description: "the metadata service's metrics URL(s), reported by the gateway's health answers; empty: not known" },
    BLOB_ARCHIVE_METRICS_URL: { parse: metricsUrls, default: '', description: "the blob-archive service's metrics URL(s), reported likewise" },
    CONSDB_INGEST_METRICS_URL: { parse: metricsUrls, default: '', description: "the consdb-ingest service's metrics URL(s), reported likewise" },
    STATS_METRICS_URL: { parse: metricsUrls, default: '', description: "the stats service's metrics URL(s), reported likewise" },
    // Who its callers are (decision 0020, support/authentication.ts).
    AUTH_MODE: {
      parse: authMode,
      default: 'tokens' as AuthMode,
      description: "tokens: callers present the archive's bearer tokens; ingress: also the user an ingress (Gafaelfawr) authenticated, in x-auth-request-user",
    },
    AUTH_CACHE_TTL_MS: { parse: integer(0, 600_000), default: 10_000, description: 'how long a verified token is remembered: a revoked token is refused within this' },
    INGRESS_SCOPES: { parse: scopeList, default: ['read', 'write'] as Scope[], description: 'AUTH_MODE=ingress: the scopes of a user the ingress authenticated' },
    INGRESS_ADMIN_USERS: { parse: userList, default: [] as string[], description: 'AUTH_MODE=ingress: users (comma-separated) who get the admin scope' },
    FLIGHT_TICKET_TTL_S: { parse: integer(10, 86_400), default: 300, description: 'how long a Flight ticket of GetVisitsFlightEndpoint may be used' },
  },
  build: (config, logger) => {
    const authentication = new GatewayAuthentication(config, logger);
    return {
      module: GatewayModule.forRoot({ ...config, BLOB_ARCHIVE_FLIGHT_LOCATION: flightLocationOf(config) }, logger, [{ provide: GatewayAuthentication, useValue: authentication }]),
      authenticate: authentication.authenticate,
      // The records and statistics operations are declared once, by the services that perform them;
      // the gateway answers for them at its address by forwarding each call unchanged.
      forward: [
        { contract: CONTRACTS.metadataService, service: 'visitsarch.metadata.v1.MetadataService', address: config.METADATA_SERVICE_ADDRESS, maxRequestBytes },
        { contract: CONTRACTS.stats, service: 'visitsarch.stats.v1.StatsService', address: config.STATS_SERVICE_ADDRESS, maxRequestBytes },
        // Never RegistryService nor TokenVerificationService: only the gateway itself calls them.
        { contract: CONTRACTS.tokens, service: 'visitsarch.metadata.v1.TokenService', address: config.METADATA_SERVICE_ADDRESS, maxRequestBytes },
      ],
      dependencies: [
        { name: 'metadata', check: grpcServiceCheck(config.METADATA_SERVICE_ADDRESS) },
        { name: 'blob-archive', check: grpcServiceCheck(config.BLOB_ARCHIVE_SERVICE_ADDRESS) },
        { name: 'consdb-ingest', check: grpcServiceCheck(config.CONSDB_INGEST_SERVICE_ADDRESS) },
        { name: 'stats', check: grpcServiceCheck(config.STATS_SERVICE_ADDRESS) },
      ],
      dependencyMetricsUrls: {
        metadata: config.METADATA_METRICS_URL,
        'blob-archive': config.BLOB_ARCHIVE_METRICS_URL,
        'consdb-ingest': config.CONSDB_INGEST_METRICS_URL,
        stats: config.STATS_METRICS_URL,
      },
    };
  },
});
