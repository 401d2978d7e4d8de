export * from './health-client';
export * from './testing';
export * from './service-client';
export * from './stack-process';
export * from './gateway-clients';
