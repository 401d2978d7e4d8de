/** Test support: a real ConsDB (embedded PostgreSQL + published schema + HTTP API). Not part of the build. */
export * from './consdb-schema';
export * from './consdb-http-server';
export * from './test-visits';
export * from './test-consdb';
