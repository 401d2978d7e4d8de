import { Pool } from 'pg';
import { nameDbPool } from './pg-timing';

/** A dependency check for a PostgreSQL URL: resolves once `SELECT 1` succeeds. */
export function postgresCheck(url: string): { check(): Promise<void>; close(): Promise<void> } {
  const pool = nameDbPool(new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2000 }), 'health');
  pool.on('error', () => undefined); // a dropped idle connection is reported by the next check
  return {
    check: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
