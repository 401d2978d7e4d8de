/**
 * The published ConsDB schema for a test database: the `cdb_lsstcam` and `cdb_latiss` DDL is
 * generated from lsst-sdm-schemas' YAML by lsst-felis (both in the project's Python venv), and
 * `visit1` is then rebuilt as the view ConsDB's alembic `env.py` makes of it
 * (`SELECT <its columns, exposure_id AS visit_id> FROM exposure`): felis renders it as a table.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

export const TEST_CONSDB_SCHEMAS = ['cdb_lsstcam', 'cdb_latiss'] as const;

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const VENV_BIN = path.join(REPO_ROOT, '.venv', 'bin');

/** The PostgreSQL DDL felis generates for one ConsDB schema. */
export function felisDdl(schema: string): string {
  const python = path.join(VENV_BIN, 'python');
  if (!fs.existsSync(python)) throw new Error(`${python} is missing: run \`bash tools/python-env.sh\``);
  const yaml = execFileSync(python, ['-c', `import lsst.sdm.schemas, os; print(os.path.join(os.path.dirname(lsst.sdm.schemas.__file__), "${schema}.yaml"))`], {
    encoding: 'utf8',
  }).trim();
  return execFileSync(path.join(VENV_BIN, 'felis'), ['create', '--dry-run', '--engine-url', 'postgresql://felis@localhost/consdb', yaml], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Creates the ConsDB schemas in a database (dropping earlier copies). */
export async function createConsdbSchemas(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of TEST_CONSDB_SCHEMAS) {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      await client.query(felisDdl(schema));
      const { rows } = await client.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        [schema, 'visit1'],
      );
      const columns = rows.map((row) => (row.column_name === 'visit_id' ? 'exposure_id AS visit_id' : row.column_name));
      await client.query(`DROP TABLE ${schema}.visit1 CASCADE`);
      await client.query(`CREATE VIEW ${schema}.visit1 AS SELECT ${columns.join(', ')} FROM ${schema}.exposure`);
    }
  } finally {
    await client.end();
  }
}
