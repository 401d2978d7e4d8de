/**
 * `@visitsarch/nightly-stats/testing`: comparison with pandas for tests outside this library
 * (the cross-service tests in test/). Test-only: not part of the library's build.
 */
export { mismatches, pandasNightlyStats } from './src/spec-helpers/pandas';
