export * from './health-client';
export * from './testing';
