/**
 * @visitsarch/consdb: the Rubin Consolidated Database (ConsDB) as a source of completed visits —
 * its two access paths (HTTP API, direct PostgreSQL) with paging past the API's row cap, the
 * default science-visit queries, and the conversion to the opsim visit schema.
 * See docs/consdb.md.
 */
export * from './default-queries';
export * from './access/consdb-connection';
export * from './access/http-consdb';
export * from './access/postgres-consdb';
export * from './access/open-consdb';
export * from './access/paged-query';
export * from './access/retry';
export * from './opsim-columns';
export * from './opsim-conversion';
export * from './photometry';
export * from './astronomy';
export * from './time-scales';
