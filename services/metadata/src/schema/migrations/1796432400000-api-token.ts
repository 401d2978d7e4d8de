import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The archive's bearer tokens (decision 0020, TokenService): one row per token, holding only the
 * SHA-256 of its secret, so a dump of the database does not give anyone a token. Not in the
 * specification; docs/data-model.md describes it.
 *
 * Never readable by free SQL: the Query role made by the first migration gets no privilege on it,
 * and any it might have been given is revoked here (the table is the service's own, its owner).
 */
export class ApiToken1796432400000 implements MigrationInterface {
  name = 'ApiToken1796432400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(API_TOKEN_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS api_token');
  }
}

const API_TOKEN_SQL = `
CREATE TABLE api_token (
  -- The public part of the token (vsa_<token_id>_<secret>): what lists, revocations and the audit log name.
  token_id text PRIMARY KEY CONSTRAINT api_token_id_format CHECK (token_id ~ '^[A-Za-z0-9]{8,64}$'),
  name text NOT NULL CONSTRAINT api_token_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  -- The identity calls presenting the token act as (a comment author: at most MAX_AUTHOR_CHARS, libs/validation).
  owner text NOT NULL CONSTRAINT api_token_owner_length CHECK (char_length(owner) BETWEEN 1 AND 200),
  scopes text[] NOT NULL CONSTRAINT api_token_scopes_known CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  secret_sha256 bytea NOT NULL CONSTRAINT api_token_secret_sha256_length CHECK (octet_length(secret_sha256) = 32),
  create_time timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL CONSTRAINT api_token_created_by_length CHECK (char_length(created_by) BETWEEN 1 AND 200),
  expire_time timestamptz,
  revoke_time timestamptz
);
-- ListTokens pages newest first.
CREATE INDEX api_token_created ON api_token (create_time DESC, token_id DESC);

-- Free SQL must never see the tokens' digests: no privilege for the Query role, nor for PUBLIC.
REVOKE ALL ON api_token FROM PUBLIC;
DO $$
DECLARE
  reader text := current_database() || '_query';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
    EXECUTE format('REVOKE ALL ON api_token FROM %I', reader);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot revoke the query role % privileges on api_token', reader;
END $$;
`;
