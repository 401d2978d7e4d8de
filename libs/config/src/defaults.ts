/** Where each service listens by default on a developer machine; the gateway is the front door. */
export const DEFAULT_ADDRESSES = {
  gateway: '127.0.0.1:50051',
  metadata: '127.0.0.1:50052',
  blobArchive: '127.0.0.1:50053',
  consdbIngest: '127.0.0.1:50054',
  stats: '127.0.0.1:50055',
} as const;
