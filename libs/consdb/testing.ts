/**
 * `@visitsarch/consdb/testing`: the test ConsDB (embedded PostgreSQL with the published
 * schema, deterministic visits, the HTTP API) for tests outside this library — the
 * cross-service tests in test/ and the Python client's. Test-only: it is not part of the
 * library's build (it needs @visitsarch/db's embedded PostgreSQL), and jest/TypeScript load
 * it from source.
 */
export * from './src/testing';
