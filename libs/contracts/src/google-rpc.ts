/** google.rpc error-model messages (AIP-193), used to fill `grpc-status-details-bin`. */
export * from './gen/google/rpc/status';
export * from './gen/google/rpc/error_details';
export { Any } from './gen/google/protobuf/any';
