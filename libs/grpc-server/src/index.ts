export * from './bootstrap';
export * from './health';
export * from './errors';
export * from './error-filter';
export * from './logging-interceptor';
export * from './run-service';
export * from './request-ids';
export * from './flow-control';
