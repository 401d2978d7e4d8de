/**
 * A ConsDB of our own for tests: an embedded PostgreSQL with the published schemas, filled
 * with deterministic visits of both telescopes, and the HTTP API in front of it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '@visitsarch/db';
import { createLogger } from '@visitsarch/logging';
import { Telescope } from '../default-queries';
import { createConsdbSchemas } from './consdb-schema';
import { startTestConsdbServer, TestConsdbServer } from './consdb-http-server';
import { ColumnValues, TestExposure, testNights, TestNightsOptions } from './test-visits';

export const TEST_CONSDB_TOKEN = 'gt-testconsdb.token-with-read-image';
export const TEST_CONSDB_TOKEN_WITHOUT_SCOPE = 'gt-testconsdb.token-without-scope';

export interface TestConsdb {
  /** `postgresql://…` of the database (the direct path). */
  databaseUrl: string;
  /** The HTTP API (base URL ending in /consdb). */
  api: TestConsdbServer;
  /** What was loaded, per telescope. */
  exposures: Record<Telescope, TestExposure[]>;
  /** Adds more nights (for incremental ingests). */
  addNights(options: TestNightsOptions): Promise<TestExposure[]>;
  stop(): Promise<void>;
}

const SCHEMA_OF: Record<Telescope, string> = { simonyi: 'cdb_lsstcam', auxtel: 'cdb_latiss' };

export interface StartTestConsdbOptions {
  /** The HTTP API's row cap. */
  rowLimit?: number;
  simonyi?: Omit<TestNightsOptions, 'telescope'>;
  auxtel?: Omit<TestNightsOptions, 'telescope'>;
}

export async function startTestConsdb(options: StartTestConsdbOptions = {}): Promise<TestConsdb> {
  // PostgreSQL runs as the postgres user when we are root: its directory must be reachable.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'test-consdb-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(home, 'postgres'), database: 'consdb', logger: createLogger('test-consdb', 'silent') });
  try {
    await createConsdbSchemas(postgres.url);
    const exposures: Record<Telescope, TestExposure[]> = { simonyi: [], auxtel: [] };
    const addNights = async (nights: TestNightsOptions) => {
      const added = testNights(nights);
      await insertExposures(postgres.url, SCHEMA_OF[nights.telescope], added);
      exposures[nights.telescope].push(...added);
      return added;
    };
    await addNights({ telescope: 'simonyi', firstDayObs: 20251201, nights: 3, ...options.simonyi });
    await addNights({ telescope: 'auxtel', firstDayObs: 20251201, nights: 2, cadenceSeconds: 300, seed: 11, ...options.auxtel });
    const api = await startTestConsdbServer({
      databaseUrl: postgres.url,
      token: TEST_CONSDB_TOKEN,
      tokenWithoutScope: TEST_CONSDB_TOKEN_WITHOUT_SCOPE,
      rowLimit: options.rowLimit,
    });
    return {
      databaseUrl: postgres.url,
      api,
      exposures,
      addNights,
      stop: async () => {
        await api.close();
        await postgres.stop();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

async function insertExposures(databaseUrl: string, schema: string, exposures: TestExposure[]): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await insertRows(client, `${schema}.exposure`, exposures.map((e) => e.exposure));
    await insertRows(client, `${schema}.visit1_quicklook`, exposures.flatMap((e) => (e.quicklook ? [e.quicklook] : [])));
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/** Multi-row INSERTs, each row's columns by name (rows of one table may set different columns). */
async function insertRows(client: Client, table: string, rows: ColumnValues[]): Promise<void> {
  for (const row of rows) {
    const names = Object.keys(row);
    await client.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, names.map((name) => row[name]));
  }
}
