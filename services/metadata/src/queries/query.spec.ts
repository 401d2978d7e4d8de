import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { SERVICE_ROLE } from '@visitsarch/db';
import { create, simulation } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';
import { leadingKeyword } from './queries.service';

jest.setTimeout(120_000);

const archive = specArchive({ QUERY_MAX_CONCURRENT: '4' });

const failure = async (request: Record<string, unknown>) => {
  try {
    await archive.stream('query', request);
  } catch (error) {
    return error as { code: number; details: string };
  }
  throw new Error('the query succeeded');
};

describe('Query', () => {
  it('maps PostgreSQL types to Arrow as documented, independent of the server time zone', async () => {
    const { table, messages } = await archive.table('query', {
      sql: `SELECT 1::int2 AS small, 2::int4 AS regular, 9007199254740993::int8 AS big, 1.5::real AS r, 2.25::float8 AS d, 3.5::numeric AS n, true AS b,
              'hé'::text AS t, '2026-12-01'::date AS day, '2026-12-01 12:00:00.123456+00'::timestamptz AS instant,
              '2026-12-01 12:00:00.5'::timestamp AS naive, '47ed5c53-2a3b-4c5d-8e9f-0a1b2c3d4e5f'::uuid AS id, '\\x0102ff'::bytea AS raw,
              '{"a": [1, 2]}'::jsonb AS doc, NULL::text AS nothing, interval '1 day' AS span;`,
    });
    expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'small:Int64', 'regular:Int64', 'big:Int64', 'r:Float64', 'd:Float64', 'n:Float64', 'b:Bool', 't:Utf8', 'day:Date32<DAY>',
      'instant:Timestamp<MICROSECOND, UTC>', 'naive:Timestamp<MICROSECOND>', 'id:Utf8', 'raw:Binary', 'doc:Utf8', 'nothing:Utf8', 'span:Utf8',
    ]);
    const row = table.get(0)!;
    expect(row.big).toBe(9007199254740993n);
    expect([row.small, row.regular, row.r, row.d, row.n, row.b, row.t]).toEqual([1n, 2n, 1.5, 2.25, 3.5, true, 'hé']);
    expect(new Date(row.day).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // Microseconds survive: read the raw int64 of the timestamp column.
    expect(table.getChild('instant')!.data[0].values[0]).toBe(BigInt(Date.UTC(2026, 11, 1, 12)) * 1000n + 123456n);
    expect(table.getChild('naive')!.data[0].values[0]).toBe(BigInt(Date.UTC(2026, 11, 1, 12)) * 1000n + 500000n);
    expect(row.id).toBe('47ed5c53-2a3b-4c5d-8e9f-0a1b2c3d4e5f');
    expect(Buffer.from(row.raw)).toEqual(Buffer.from([1, 2, 255]));
    expect(JSON.parse(row.doc)).toEqual({ a: [1, 2] });
    expect(row.nothing).toBeNull();
    expect(row.span).toBe('P1D');
    expect(messages[messages.length - 1]).toMatchObject({ truncated: false, totalRows: 1 });
  });

  it("runs the specification's example and sends a schema even for no rows", async () => {
    const tag = `t-${randomUUID()}`;
    const sequence = await create(archive, simulation(), [tag]);
    const { table } = await archive.table('query', { sql: `SELECT visitseq_uuid, tags FROM visitsextra WHERE tags ? '${tag}'` });
    expect(table.toArray().map((row) => row.toJSON())).toEqual([{ visitseq_uuid: sequence.visitseqUuid, tags: JSON.stringify([tag]) }]);
    const empty = await archive.table('query', { sql: `SELECT visitseq_uuid, creation_time FROM visitseq WHERE false` });
    expect(empty.table.numRows).toBe(0);
    expect(empty.table.schema.fields.map((field) => field.name)).toEqual(['visitseq_uuid', 'creation_time']);
  });

  it('streams large results in order, in chunks of whole messages of about 1 MiB', async () => {
    const { table, messages } = await archive.table('query', { sql: `SELECT g, repeat('x', 1000) AS filler FROM generate_series(1, 6000) g` });
    expect(table.numRows).toBe(6000);
    expect(Array.from(table.getChild('g')!.toArray() as BigInt64Array, Number)).toEqual(Array.from({ length: 6000 }, (_, index) => index + 1));
    const chunks = messages.filter((message) => message.chunk?.ipcBytes?.length > 0);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    for (const message of chunks) expect(message.chunk.ipcBytes.length).toBeLessThan(2 * 1024 * 1024);
    expect(messages.reduce((sum, message) => sum + (message.chunk?.rowCount ?? 0), 0)).toBe(6000);
    expect(messages[messages.length - 1]).toMatchObject({ truncated: false, totalRows: 6000 });
  });

  it('caps the rows and says so', async () => {
    const { table, messages } = await archive.table('query', { sql: 'SELECT g FROM generate_series(1, 100) g', maxRows: 10 });
    expect(table.numRows).toBe(10);
    expect(messages[messages.length - 1]).toMatchObject({ truncated: true, totalRows: 10 });
    const exact = await archive.table('query', { sql: 'SELECT g FROM generate_series(1, 10) g', maxRows: 10 });
    expect(exact.messages[exact.messages.length - 1]).toMatchObject({ truncated: false, totalRows: 10 });
  });

  it.each([
    ['INSERT', `INSERT INTO tags VALUES (gen_random_uuid(), 'x')`],
    ['UPDATE behind a comment', `/* harmless */ UPDATE visitseq SET visitseq_label = 'pwned'`],
    ['DELETE in parentheses', `(DELETE FROM tags)`],
    ['DDL', `DROP TABLE tags`],
    ['COPY TO PROGRAM', `COPY (SELECT 1) TO PROGRAM 'touch ${path.join(os.tmpdir(), 'visitsarch-pwned')}'`],
    ['SET TRANSACTION READ WRITE', `SET TRANSACTION READ WRITE`],
    ['a data-modifying WITH', `WITH gone AS (DELETE FROM tags RETURNING *) SELECT * FROM gone`],
    ['SELECT … FOR UPDATE', `SELECT * FROM visitseq FOR UPDATE`],
    ['set_config of the role', `SELECT set_config('role', '${SERVICE_ROLE}', false)`], // the service's own role
    ['reading server files', `SELECT pg_read_file('/etc/hostname')`],
    ['large-object import', `SELECT lo_import('/etc/hostname')`],
    ['internal tables', `SELECT * FROM idempotent_requests`],
  ])('refuses %s with PERMISSION_DENIED, changing nothing', async (_case, sql) => {
    const before = await archive.sql.query(`SELECT (SELECT count(*) FROM tags) AS tags, (SELECT count(*) FROM visitseq) AS sequences,
      (SELECT count(*) FROM pg_largeobject_metadata) AS objects, (SELECT count(*) FROM pg_tables WHERE schemaname = 'visitsarch') AS tables`);
    const error = await failure({ sql });
    expect(error.code).toBe(status.PERMISSION_DENIED);
    const after = await archive.sql.query(`SELECT (SELECT count(*) FROM tags) AS tags, (SELECT count(*) FROM visitseq) AS sequences,
      (SELECT count(*) FROM pg_largeobject_metadata) AS objects, (SELECT count(*) FROM pg_tables WHERE schemaname = 'visitsarch') AS tables`);
    expect(after.rows).toEqual(before.rows);
  });

  it.each([
    ['two statements', 'SELECT 1; DELETE FROM tags', /multiple commands/],
    ['turning the transaction read-write', `SELECT set_config('transaction_read_only', 'off', true)`, /read-write/],
    ['an unknown table', 'SELECT * FROM no_such_table', /relation "no_such_table" does not exist/],
    ['a syntax error', 'SELEC 1', /syntax error/],
    ['EXPLAIN', 'EXPLAIN SELECT 1', /syntax error/],
  ])('refuses %s with INVALID_ARGUMENT carrying PostgreSQL’s message', async (_case, sql, message) => {
    const error = await failure({ sql });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(message);
  });

  it('cancels a statement that outlives its timeout, even one that raises its own statement_timeout', async () => {
    const started = Date.now();
    expect((await failure({ sql: 'SELECT pg_sleep(10)', timeout: { seconds: 0, nanos: 300_000_000 } })).code).toBe(status.DEADLINE_EXCEEDED);
    const escaping = await failure({ sql: `SELECT set_config('statement_timeout', '0', false), pg_sleep(10) FROM generate_series(1, 3)`, timeout: { seconds: 0, nanos: 300_000_000 } });
    expect(escaping.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(8000);
    // The connection pool is still usable afterwards.
    expect((await archive.table('query', { sql: 'SELECT 1 AS one' })).table.numRows).toBe(1);
  });

  it('gives a statement that asks for no timeout the default of 10 s (QUERY_DEFAULT_TIMEOUT_S)', async () => {
    const started = Date.now();
    const error = await failure({ sql: 'SELECT pg_sleep(30)' });
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toBe('the query ran longer than its timeout of 10 s and was cancelled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses more concurrent queries than configured with RESOURCE_EXHAUSTED', async () => {
    const slow = Array.from({ length: 4 }, () => archive.stream('query', { sql: 'SELECT pg_sleep(1)' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await failure({ sql: 'SELECT 1' })).code).toBe(status.RESOURCE_EXHAUSTED);
    await Promise.all(slow);
    expect((await archive.table('query', { sql: 'SELECT 1 AS one' })).table.numRows).toBe(1);
  });

  it('refuses an empty statement', async () => {
    expect((await failure({ sql: '  ' })).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('Query with the timeouts of a deployment (QUERY_DEFAULT_TIMEOUT_S, QUERY_MAX_TIMEOUT_S)', () => {
  const configured = specArchive({ QUERY_DEFAULT_TIMEOUT_S: '1', QUERY_MAX_TIMEOUT_S: '2' });
  const failing = async (request: Record<string, unknown>) => {
    const started = Date.now();
    try {
      await configured.stream('query', request);
    } catch (error) {
      return { ...(error as { code: number; details: string }), seconds: (Date.now() - started) / 1000 };
    }
    throw new Error('the query succeeded');
  };

  it('applies the configured default when none is asked for, and a longer timeout when asked, up to the maximum', async () => {
    const unset = await failing({ sql: 'SELECT pg_sleep(30)' });
    expect([unset.code, unset.details]).toEqual([status.DEADLINE_EXCEEDED, 'the query ran longer than its timeout of 1 s and was cancelled']);
    expect(unset.seconds).toBeLessThan(5);
    const capped = await failing({ sql: 'SELECT pg_sleep(30)', timeout: { seconds: 30, nanos: 0 } });
    expect([capped.code, capped.details]).toEqual([status.DEADLINE_EXCEEDED, 'the query ran longer than its timeout of 2 s and was cancelled']);
    expect(capped.seconds).toBeGreaterThanOrEqual(1.9);
    expect(capped.seconds).toBeLessThan(6);
    // Asked for, a timeout longer than the default lets a statement run past it.
    expect((await configured.table('query', { sql: 'SELECT pg_sleep(1.3) AS slept', timeout: { seconds: 2, nanos: 0 } })).table.numRows).toBe(1);
  });
});

describe('leadingKeyword', () => {
  it('skips whitespace, comments and parentheses', () => {
    expect(leadingKeyword('  -- note\n /* a */ ((select 1))')).toBe('SELECT');
    expect(leadingKeyword('with x as (select 1) select * from x')).toBe('WITH');
    expect(leadingKeyword('/* unterminated')).toBe('');
  });
});
