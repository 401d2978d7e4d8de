export * from './tracing';
export * from './grpc';
export * from './testing';
