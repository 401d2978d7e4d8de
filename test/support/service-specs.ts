import * as path from 'node:path';
import type { Schema } from '@visitsarch/config';
import type { ServiceSpec } from '@visitsarch/grpc-server';
import { REPO_ROOT } from './run';

/** Each service's folder under services/ and the name its service.ts exports its spec under. */
export const SERVICES = {
  gateway: 'gatewayService',
  metadata: 'metadataService',
  'blob-archive': 'blobArchiveService',
  'consdb-ingest': 'consdbIngestService',
  stats: 'statsService',
} as const;
export type ServiceDir = keyof typeof SERVICES;

/**
 * The service's spec from its sources. Services are not libraries the cross-service tests may
 * import (module boundaries), so it is required by path, as `node services/<dir>/dist/main.js` loads it.
 */
export function serviceSpec(dir: ServiceDir): ServiceSpec<Schema> {
  return require(path.join(REPO_ROOT, 'services', dir, 'src', 'service.ts'))[SERVICES[dir]];
}
