export * from './embedded-postgres';
export * from './health';
