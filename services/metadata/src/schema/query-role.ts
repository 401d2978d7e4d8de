/**
 * The role free SQL (Query) runs as, `<database>_query`: it reads the specification's tables and
 * views, the registry and the audit log, and nothing else (never api_token, idempotent_requests or
 * schema_migrations). The migrations created and granted it once; the service makes it so again at
 * every start, because a restored dump carries neither roles nor, in a database of another name,
 * grants to this one (docs/operations.md, "Backups").
 */
export const QUERY_ROLE_READS = [
  'visitseq',
  'simulations',
  'completed',
  'mixedvisitseqs',
  'tags',
  'comments',
  'files',
  'condaenv',
  'conda_packages',
  'simulation_packages',
  'nightly_stats',
  'maf_metrics',
  'maf_summary_metrics',
  'maf_metric_sets',
  'maf_healpix_stats',
  'maf_summary',
  'simulations_extra',
  'visitsextra',
  'visitseq_registry',
  'audit_log',
] as const;

/** Runs one statement (the service's own connection). */
type Run = (sql: string, params?: unknown[]) => Promise<Array<Record<string, string>>>;

/**
 * Makes `role` a login with `password` that reads QUERY_ROLE_READS in `schema`: creates it if it
 * is missing (needs CREATEROLE), grants again what it reads. Idempotent; one transaction, one
 * replica at a time.
 */
export async function ensureQueryRole(run: Run, schema: string, role: string, password: string): Promise<void> {
  const [{ ident, secret, schemaIdent }] = await run('SELECT quote_ident($1) AS ident, quote_literal($2) AS secret, quote_ident($3) AS "schemaIdent"', [role, password, schema]);
  const tables = QUERY_ROLE_READS.map((name) => `${schemaIdent}.${name}`).join(', ');
  await run('BEGIN');
  try {
    // Replicas starting together take turns: concurrent CREATE ROLE or GRANT on one object fail.
    await run('SELECT pg_advisory_xact_lock(7265383)');
    const [{ exists }] = await run('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists', [role]);
    if (!exists) await step(`creating it needs CREATEROLE for the service's role`, run(`CREATE ROLE ${ident} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS`));
    await step(`giving it a login needs CREATEROLE (and ADMIN on it) for the service's role`, run(`ALTER ROLE ${ident} WITH LOGIN PASSWORD ${secret}`));
    await run(`ALTER ROLE ${ident} SET search_path = ${schemaIdent}`);
    const grantNeeds = `granting it SELECT needs the service's role to own the schema ${schema} and its tables`;
    await step(grantNeeds, run(`GRANT USAGE ON SCHEMA ${schemaIdent} TO ${ident}`));
    await step(grantNeeds, run(`GRANT SELECT ON ${tables} TO ${ident}`));
    await run('COMMIT');
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** `statement`, its failure said with what it needs (`needs`). */
async function step<T>(needs: string, statement: Promise<T>): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    throw new Error(`${(error as Error).message} (${needs})`, { cause: error });
  }
}
