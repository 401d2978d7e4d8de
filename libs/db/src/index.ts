export * from './embedded-postgres';
export * from './health';
export * from './postgres-dsn';
export * from './pg-timing';
