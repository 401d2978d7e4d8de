import {
  AUXTEL_SCIENCE_CONSDB_QUERY,
  ConsdbError,
  HttpConsdb,
  openConsdb,
  PostgresConsdb,
  queryByDayObsPages,
  SIMONYI_SCIENCE_CONSDB_QUERY,
  boundedByDayObs,
} from './index';
import { startTestConsdb, TestConsdb, TEST_CONSDB_TOKEN, TEST_CONSDB_TOKEN_WITHOUT_SCOPE } from './testing';

jest.setTimeout(180_000);

let consdb: TestConsdb;
beforeAll(async () => {
  consdb = await startTestConsdb({ rowLimit: API_ROW_LIMIT });
});
afterAll(() => consdb?.stop());

/** The test API's cap: below one query's worth of rows, so paging is exercised. */
const API_ROW_LIMIT = 250;
const fastRetry = { attempts: 3, initialDelayMs: 10 };
const scienceIds = (telescope: 'simonyi' | 'auxtel', first = 0, last = 99999999) =>
  consdb.exposures[telescope]
    .filter((e) => e.science && (e.exposure.day_obs as number) >= first && (e.exposure.day_obs as number) <= last)
    .map((e) => e.exposure.exposure_id as number)
    .sort((a, b) => a - b);
const idsOf = (result: { columns: string[]; rows: unknown[][] }) => result.rows.map((row) => row[result.columns.indexOf('visit_id')] as number).sort((a, b) => a - b);

describe.each([
  ['HTTP API', () => consdb.api.url],
  ['PostgreSQL', () => consdb.databaseUrl],
])('the default queries through the %s', (_path, endpoint) => {
  it('return exactly the science visits with pointing, each column once, bounded by day_obs', async () => {
    const connection = openConsdb(endpoint(), { token: TEST_CONSDB_TOKEN, retry: fastRetry, rowLimit: API_ROW_LIMIT });
    const result = await queryByDayObsPages(connection, SIMONYI_SCIENCE_CONSDB_QUERY, { first: 20251202, last: 20251203 });
    expect(idsOf(result)).toEqual(scienceIds('simonyi', 20251202, 20251203));
    expect(new Set(result.columns).size).toBe(result.columns.length);
    expect(result.columns).toEqual(expect.arrayContaining(['visit_id', 'day_obs', 's_ra', 'psf_sigma_median', 'pixel_scale_median']));
    const auxtel = await queryByDayObsPages(connection, AUXTEL_SCIENCE_CONSDB_QUERY, {});
    expect(idsOf(auxtel)).toEqual(scienceIds('auxtel'));
  });

  it('keep a custom query with OR inside the day_obs bounds (no precedence leak)', async () => {
    const connection = openConsdb(endpoint(), { token: TEST_CONSDB_TOKEN, retry: fastRetry, rowLimit: API_ROW_LIMIT });
    const query = "SELECT * FROM cdb_lsstcam.visit1 WHERE day_obs < 20251203 AND img_type = 'bias' OR img_type = 'flat'";
    const result = await queryByDayObsPages(connection, query, { first: 20251202, last: 20251202 });
    const days = new Set(result.rows.map((row) => row[result.columns.indexOf('day_obs')]));
    expect([...days]).toEqual([20251202]);
    expect(result.rows.length).toBe(5);
  });

  it('report an SQL error as rejected, with ConsDB’s message', async () => {
    const connection = openConsdb(endpoint(), { token: TEST_CONSDB_TOKEN, retry: fastRetry, rowLimit: API_ROW_LIMIT });
    await expect(connection.query('SELECT no_such_column FROM cdb_lsstcam.visit1')).rejects.toMatchObject({
      failure: 'rejected',
      message: expect.stringContaining('no_such_column'),
    });
  });
});

describe('the HTTP API path', () => {
  it('pages by day_obs past the row cap, counting each page', async () => {
    const capped = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, rowLimit: API_ROW_LIMIT, retry: fastRetry });
    const before = consdb.api.queries.length;
    const result = await queryByDayObsPages(capped, SIMONYI_SCIENCE_CONSDB_QUERY, { first: 20251201, last: 20251203 });
    expect(idsOf(result)).toEqual(scienceIds('simonyi'));
    expect(result.rows.length).toBeGreaterThan(API_ROW_LIMIT);
    const sent = consdb.api.queries.slice(before);
    expect(sent.filter((sql) => sql.startsWith('SELECT count(*)')).length).toBeGreaterThan(1);
  });

  it('fails as truncated when one night alone exceeds the cap', async () => {
    const capped = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, rowLimit: 50, retry: fastRetry });
    await expect(queryByDayObsPages(capped, SIMONYI_SCIENCE_CONSDB_QUERY, { first: 20251201, last: 20251202 })).rejects.toMatchObject({ failure: 'truncated' });
  });

  it('shows that the API itself truncates silently (what the count check guards against)', async () => {
    const unpaged = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, retry: fastRetry });
    const all = await unpaged.query(boundedByDayObs(SIMONYI_SCIENCE_CONSDB_QUERY, {}));
    expect(all.rows.length).toBe(API_ROW_LIMIT);
    expect(scienceIds('simonyi').length).toBeGreaterThan(API_ROW_LIMIT);
  });

  it('retries a transient OperationalError and succeeds', async () => {
    const connection = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, retry: fastRetry });
    consdb.api.failNext(2);
    await expect(connection.query('SELECT 1')).resolves.toEqual({ columns: ['?column?'], rows: [[1]] });
  });

  it('gives up as unavailable when the failures persist', async () => {
    const connection = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, retry: fastRetry });
    consdb.api.failNext(3);
    await expect(connection.query('SELECT 1')).rejects.toMatchObject({ failure: 'unavailable', message: expect.stringContaining('OperationalError') });
  });

  it('refuses a missing or wrong token (401) and a token without the scope (403)', async () => {
    for (const token of ['', 'gt-wrong.token', TEST_CONSDB_TOKEN_WITHOUT_SCOPE]) {
      const connection = new HttpConsdb({ baseUrl: consdb.api.url, token, retry: fastRetry });
      const error = await connection.query('SELECT 1').catch((e: ConsdbError) => e);
      expect(error).toBeInstanceOf(ConsdbError);
      expect((error as ConsdbError).failure).toBe('unauthorized');
      expect((error as ConsdbError).message).toMatch(token === TEST_CONSDB_TOKEN_WITHOUT_SCOPE ? /403.*scope/ : /401/);
    }
  });

  it('times out cleanly', async () => {
    const connection = new HttpConsdb({ baseUrl: consdb.api.url, token: TEST_CONSDB_TOKEN, timeoutMs: 200, retry: fastRetry });
    consdb.api.setDelayMs(1000);
    try {
      await expect(connection.query('SELECT 1')).rejects.toMatchObject({ failure: 'timeout' });
    } finally {
      consdb.api.setDelayMs(0);
    }
  });

  it('reports an unreachable endpoint as unavailable', async () => {
    const connection = new HttpConsdb({ baseUrl: 'http://127.0.0.1:1/consdb', token: TEST_CONSDB_TOKEN, retry: fastRetry });
    await expect(connection.query('SELECT 1')).rejects.toMatchObject({ failure: 'unavailable' });
  });
});

describe('the PostgreSQL path', () => {
  it('runs read-only', async () => {
    const connection = new PostgresConsdb({ url: consdb.databaseUrl, retry: fastRetry });
    await expect(connection.query('DELETE FROM cdb_lsstcam.exposure')).rejects.toMatchObject({ failure: 'rejected', message: expect.stringContaining('read-only') });
  });

  it('refuses wrong credentials as unauthorized', async () => {
    const url = new URL(consdb.databaseUrl);
    url.password = 'wrong';
    const connection = new PostgresConsdb({ url: url.toString(), retry: fastRetry });
    await expect(connection.query('SELECT 1')).rejects.toMatchObject({ failure: 'unauthorized' });
  });
});
