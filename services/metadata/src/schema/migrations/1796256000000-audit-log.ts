import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log of administrative operations: every purge of stored visits and every object garbage
 * collection removes writes a row here (issue #18, docs/operations.md "Retention"). Not in the
 * specification; docs/data-model.md describes it.
 *
 * Append-only: triggers refuse UPDATE, DELETE and TRUNCATE, so an entry cannot be changed through
 * the service's own role short of DDL. No foreign key to the sequences: an entry outlives the
 * sequence it names (deleted sequences keep their history).
 */
export class AuditLog1796256000000 implements MigrationInterface {
  name = 'AuditLog1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(AUDIT_LOG_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE IF EXISTS audit_log;
      DROP FUNCTION IF EXISTS audit_log_append_only();
    `);
  }
}

const AUDIT_LOG_SQL = `
CREATE TABLE audit_log (
  audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The time of the write itself (not of the transaction's start), so entries of one call are ordered.
  audit_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Until authentication exists, the name the client gave (the CLI: the user's OS login name).
  actor text NOT NULL CONSTRAINT audit_log_actor_not_empty CHECK (actor <> ''),
  action text NOT NULL CONSTRAINT audit_log_action_not_empty CHECK (action <> ''),
  visitseq_uuid uuid,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT audit_log_detail_is_object CHECK (jsonb_typeof(detail) = 'object')
);
CREATE INDEX audit_log_time ON audit_log (audit_time);
CREATE INDEX audit_log_visitseq ON audit_log (visitseq_uuid) WHERE visitseq_uuid IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Readable through Query like the other tables (\`visitsarch query "SELECT * FROM audit_log …"\`): the
-- role the first migration creates gets SELECT on it. A role given by QUERY_DATABASE_URL is the
-- operator's to grant.
DO $$
DECLARE
  reader text := current_database() || '_query';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
    EXECUTE format('GRANT SELECT ON audit_log TO %I', reader);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot grant the query role % SELECT on audit_log', reader;
END $$;
`;
