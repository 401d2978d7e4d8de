export * from './health-client';
export * from './testing';
export * from './service-client';
export * from './client-credentials';
export * from './peer-credential';
export * from './stack-process';
export * from './gateway-clients';
export * from './test-certificates';
