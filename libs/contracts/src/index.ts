/**
 * The generated contracts of visitsarch (ts-proto, NestJS flavour), one namespace per protobuf
 * package, plus what is needed to load the same `.proto` files at run time.
 * Regenerate with `npm run generate`; never edit `src/gen/`.
 */
export * from './proto-root';
export * as googleRpc from './google-rpc';
export * as typeV1 from './type-v1';
export * as metadataV1 from './metadata-v1';
export * as blobArchiveV1 from './blob-archive-v1';
export * as consdbIngestV1 from './consdb-ingest-v1';
export * as statsV1 from './stats-v1';
export * as gatewayV1 from './gateway-v1';
export { PreciseDate, parsePreciseInstant, subMillisecondNanos } from './precise-time';
export { protobufVarint, readProtobufVarint } from './wire';
export { compiledFileDescriptors, DESCRIPTOR_SET_FILES, fileDescriptorsOfServices } from './descriptor-sets';

// After every generated module above has registered its millisecond Timestamp wrapper.
import { installPreciseTimestamps } from './precise-time';
installPreciseTimestamps();
