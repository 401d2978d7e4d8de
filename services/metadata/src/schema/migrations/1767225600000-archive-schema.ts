import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The archive's schema as the specification defines it (../shared/spec/visit-sequence-archive-data-model.md),
 * plus the integrity the upstream lacks. docs/data-model.md describes it; decision 0005 explains the registry.
 *
 * Everything lives in the schema `visitsarch`, which the service creates before migrating. Times are
 * `timestamptz`; nothing here depends on the session TimeZone (day_obs of an instant is computed at UTC).
 */
export class ArchiveSchema1767225600000 implements MigrationInterface {
  name = 'ArchiveSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(SCHEMA_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP VIEW IF EXISTS maf_summary, simulation_packages, conda_packages, simulations_extra, visitsextra;
      DROP TABLE IF EXISTS maf_healpix_stats, maf_metric_sets, maf_summary_metrics, maf_metrics, nightly_stats, condaenv,
        files, comments, tags, idempotent_requests, simulations, completed, mixedvisitseqs, visitseq, visitseq_registry;
      DROP FUNCTION IF EXISTS visitseq_register(), visitseq_unregister(), visitseq_keep_uuid();
    `);
  }
}

/**
 * The columns of a pandas `describe()` of a value (nightly_stats and maf_healpix_stats both hold one
 * per row), as this migration creates them: part of the migration, never to change with the code.
 */
const STATISTIC_COLUMNS = `count integer,
  mean double precision,
  std double precision,
  min double precision,
  p05 double precision,
  q1 double precision,
  median double precision,
  q3 double precision,
  p95 double precision,
  max double precision,`;

const SCHEMA_SQL = `
-- One row per visit sequence of any kind. PostgreSQL cannot put a unique index or a foreign key on an
-- inheritance tree, so the triggers below keep this table in step with visitseq and its children:
-- its primary key makes a UUID unique across every kind, and every table that hangs off a sequence
-- references it with ON DELETE CASCADE.
CREATE TABLE visitseq_registry (
  visitseq_uuid uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('visitseq', 'simulation', 'completed', 'mixed'))
);

CREATE TABLE visitseq (
  visitseq_uuid uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  visitseq_sha256 bytea NOT NULL CONSTRAINT visitseq_sha256_is_sha256 CHECK (octet_length(visitseq_sha256) = 32),
  visitseq_label text NOT NULL CONSTRAINT visitseq_label_not_empty CHECK (visitseq_label <> ''),
  visitseq_url text,
  telescope text NOT NULL CONSTRAINT visitseq_telescope_not_empty CHECK (telescope <> ''),
  first_day_obs date NOT NULL,
  last_day_obs date NOT NULL,
  creation_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT visitseq_day_obs_ordered CHECK (first_day_obs <= last_day_obs)
);

CREATE TABLE simulations (
  scheduler_version text,
  config_url text,
  sim_runner_args jsonb,
  conda_env_sha256 bytea CONSTRAINT simulations_conda_env_sha256_is_sha256 CHECK (octet_length(conda_env_sha256) = 32),
  parent_visitseq_uuid uuid,
  parent_last_day_obs date,
  PRIMARY KEY (visitseq_uuid)
) INHERITS (visitseq);

CREATE TABLE completed (
  query text,
  PRIMARY KEY (visitseq_uuid)
) INHERITS (visitseq);

CREATE TABLE mixedvisitseqs (
  last_early_day_obs date,
  first_late_day_obs date,
  early_parent_uuid uuid,
  late_parent_uuid uuid,
  PRIMARY KEY (visitseq_uuid),
  CONSTRAINT mixedvisitseqs_parts_ordered CHECK (last_early_day_obs < first_late_day_obs)
) INHERITS (visitseq);

CREATE INDEX visitseq_creation_time ON visitseq (creation_time);
CREATE INDEX simulations_creation_time ON simulations (creation_time);
CREATE INDEX simulations_nights ON simulations (telescope, first_day_obs, last_day_obs);
CREATE INDEX completed_nights ON completed (telescope, first_day_obs, last_day_obs);
CREATE INDEX mixedvisitseqs_nights ON mixedvisitseqs (telescope, first_day_obs, last_day_obs);

CREATE FUNCTION visitseq_register() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A UUID already used by any kind fails here with unique_violation on visitseq_registry_pkey.
  INSERT INTO visitseq_registry (visitseq_uuid, kind) VALUES (NEW.visitseq_uuid, TG_ARGV[0]);
  RETURN NEW;
END $$;

CREATE FUNCTION visitseq_unregister() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM visitseq_registry WHERE visitseq_uuid = OLD.visitseq_uuid;
  RETURN OLD;
END $$;

CREATE FUNCTION visitseq_keep_uuid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visitseq_uuid IS DISTINCT FROM OLD.visitseq_uuid THEN
    RAISE EXCEPTION 'the visitseq_uuid of visit sequence % cannot change', OLD.visitseq_uuid USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER visitseq_register BEFORE INSERT ON visitseq FOR EACH ROW EXECUTE FUNCTION visitseq_register('visitseq');
CREATE TRIGGER simulations_register BEFORE INSERT ON simulations FOR EACH ROW EXECUTE FUNCTION visitseq_register('simulation');
CREATE TRIGGER completed_register BEFORE INSERT ON completed FOR EACH ROW EXECUTE FUNCTION visitseq_register('completed');
CREATE TRIGGER mixedvisitseqs_register BEFORE INSERT ON mixedvisitseqs FOR EACH ROW EXECUTE FUNCTION visitseq_register('mixed');
CREATE TRIGGER visitseq_unregister AFTER DELETE ON visitseq FOR EACH ROW EXECUTE FUNCTION visitseq_unregister();
CREATE TRIGGER simulations_unregister AFTER DELETE ON simulations FOR EACH ROW EXECUTE FUNCTION visitseq_unregister();
CREATE TRIGGER completed_unregister AFTER DELETE ON completed FOR EACH ROW EXECUTE FUNCTION visitseq_unregister();
CREATE TRIGGER mixedvisitseqs_unregister AFTER DELETE ON mixedvisitseqs FOR EACH ROW EXECUTE FUNCTION visitseq_unregister();
CREATE TRIGGER visitseq_keep_uuid BEFORE UPDATE ON visitseq FOR EACH ROW EXECUTE FUNCTION visitseq_keep_uuid();
CREATE TRIGGER simulations_keep_uuid BEFORE UPDATE ON simulations FOR EACH ROW EXECUTE FUNCTION visitseq_keep_uuid();
CREATE TRIGGER completed_keep_uuid BEFORE UPDATE ON completed FOR EACH ROW EXECUTE FUNCTION visitseq_keep_uuid();
CREATE TRIGGER mixedvisitseqs_keep_uuid BEFORE UPDATE ON mixedvisitseqs FOR EACH ROW EXECUTE FUNCTION visitseq_keep_uuid();

CREATE TABLE tags (
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  tag text NOT NULL CONSTRAINT tags_tag_not_empty CHECK (tag <> ''),
  PRIMARY KEY (visitseq_uuid, tag)
);
CREATE INDEX tags_tag ON tags (tag);

CREATE TABLE comments (
  -- Not in the specification: gives comments a stable order (and page position) when times tie.
  comment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  comment_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  author text,
  comment text NOT NULL CONSTRAINT comments_comment_not_empty CHECK (comment <> '')
);
CREATE INDEX comments_visitseq ON comments (visitseq_uuid, comment_time, comment_id);

CREATE TABLE files (
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  file_type text NOT NULL CONSTRAINT files_file_type_not_empty CHECK (file_type <> ''),
  file_sha256 bytea NOT NULL CONSTRAINT files_file_sha256_is_sha256 CHECK (octet_length(file_sha256) = 32),
  file_url text,
  -- Not in the specification (the contracts carry them); NULL size for records imported from upstream.
  file_size bigint CONSTRAINT files_file_size_not_negative CHECK (file_size >= 0),
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (visitseq_uuid, file_type)
);

-- The spec's condaenv: the output of conda list --json, keyed by the SHA-256 of its text.
CREATE TABLE condaenv (
  conda_env_hash bytea PRIMARY KEY CONSTRAINT condaenv_hash_is_sha256 CHECK (octet_length(conda_env_hash) = 32),
  conda_env jsonb NOT NULL CONSTRAINT condaenv_is_array CHECK (jsonb_typeof(conda_env) = 'array')
);

CREATE VIEW conda_packages AS
  SELECT e.conda_env_hash, p.name AS package_name, p.channel, p.version AS package_version, p.base_url, p.platform,
         p.dist_name, p.build_number, p.build_string
  FROM condaenv e
  CROSS JOIN LATERAL jsonb_to_recordset(e.conda_env)
    AS p(name text, channel text, version text, base_url text, platform text, dist_name text, build_number bigint, build_string text);

CREATE VIEW simulation_packages AS
  SELECT s.visitseq_uuid, p.package_name, p.channel, p.package_version, p.base_url, p.platform, p.dist_name, p.build_number,
         p.build_string
  FROM simulations s JOIN conda_packages p ON p.conda_env_hash = s.conda_env_sha256;

CREATE TABLE nightly_stats (
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  day_obs date NOT NULL,
  value_name text NOT NULL CONSTRAINT nightly_stats_value_name_not_empty CHECK (value_name <> ''),
  accumulated boolean NOT NULL,
  ${STATISTIC_COLUMNS}
  PRIMARY KEY (visitseq_uuid, day_obs, value_name, accumulated)
);
CREATE INDEX nightly_stats_day_obs ON nightly_stats (day_obs);

CREATE TABLE maf_metrics (
  maf_metric_name text PRIMARY KEY CONSTRAINT maf_metrics_name_not_empty CHECK (maf_metric_name <> ''),
  rubin_sim_version text,
  "constraint" text,
  metric_class_name text,
  metric_args jsonb,
  slicer_class_name text,
  slicer_args jsonb
);

CREATE TABLE maf_summary_metrics (
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  maf_metric_name text NOT NULL REFERENCES maf_metrics,
  day_obs date NOT NULL,
  accumulated boolean NOT NULL,
  summary_value double precision,
  PRIMARY KEY (visitseq_uuid, maf_metric_name, day_obs, accumulated)
);

CREATE TABLE maf_metric_sets (
  metric_set text NOT NULL CONSTRAINT maf_metric_sets_name_not_empty CHECK (metric_set <> ''),
  maf_metric_name text NOT NULL REFERENCES maf_metrics,
  short_name text,
  style text,
  invert boolean NOT NULL DEFAULT false,
  mag boolean NOT NULL DEFAULT false,
  PRIMARY KEY (metric_set, maf_metric_name)
);

CREATE TABLE maf_healpix_stats (
  visitseq_uuid uuid NOT NULL REFERENCES visitseq_registry ON DELETE CASCADE,
  maf_metric_name text NOT NULL REFERENCES maf_metrics,
  day_obs date NOT NULL,
  accumulated boolean NOT NULL,
  nside integer NOT NULL CONSTRAINT maf_healpix_stats_nside_power_of_two CHECK (nside > 0 AND (nside & (nside - 1)) = 0),
  ${STATISTIC_COLUMNS}
  url text,
  PRIMARY KEY (visitseq_uuid, maf_metric_name, day_obs, accumulated, nside)
);

CREATE VIEW maf_summary AS
  SELECT s.metric_set, s.maf_metric_name, m.visitseq_uuid, v.visitseq_label, m.day_obs, m.accumulated, m.summary_value,
         s.short_name, s.style, s.invert, s.mag, t.tag
  FROM maf_metric_sets s
  JOIN maf_summary_metrics m ON m.maf_metric_name = s.maf_metric_name
  JOIN visitseq v ON v.visitseq_uuid = m.visitseq_uuid
  JOIN tags t ON t.visitseq_uuid = m.visitseq_uuid;

-- The spec's extra view (named both visitsextra and simulations_extra there): every simulation with its
-- tags (sorted JSON array), comments (the spec's mapping of times to comments: JSON object
-- "<UTC time, microseconds>" -> comment, a second comment at the very same instant keyed "<time> #2", so
-- none is lost as in the upstream) and files (JSON object file_type -> file_url). sim_creation_day_obs and
-- daily_id keep the upstream's columns, computed at UTC whatever the session TimeZone.
CREATE VIEW simulations_extra AS
  SELECT (s.creation_time AT TIME ZONE 'UTC' - interval '12 hours')::date AS sim_creation_day_obs,
         row_number() OVER (PARTITION BY (s.creation_time AT TIME ZONE 'UTC' - interval '12 hours')::date
                            ORDER BY s.creation_time, s.visitseq_uuid) AS daily_id,
         s.visitseq_uuid, s.visitseq_sha256, s.visitseq_label, s.visitseq_url, s.telescope, s.first_day_obs, s.last_day_obs,
         s.creation_time, s.scheduler_version, s.config_url, s.sim_runner_args, s.conda_env_sha256, s.parent_visitseq_uuid,
         s.parent_last_day_obs,
         COALESCE((SELECT jsonb_agg(t.tag ORDER BY t.tag) FROM tags t WHERE t.visitseq_uuid = s.visitseq_uuid), '[]'::jsonb) AS tags,
         COALESCE((SELECT jsonb_object_agg(k.time_key, k.comment)
                   FROM (SELECT to_char(c.comment_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                                || CASE WHEN row_number() OVER same_time > 1 THEN ' #' || row_number() OVER same_time ELSE '' END AS time_key,
                                c.comment
                         FROM comments c WHERE c.visitseq_uuid = s.visitseq_uuid
                         WINDOW same_time AS (PARTITION BY c.comment_time ORDER BY c.comment_id)) k), '{}'::jsonb) AS comments,
         COALESCE((SELECT jsonb_object_agg(f.file_type, f.file_url) FROM files f WHERE f.visitseq_uuid = s.visitseq_uuid),
                  '{}'::jsonb) AS files
  FROM simulations s;

CREATE VIEW visitsextra AS SELECT * FROM simulations_extra;

-- Retries of creating requests (AIP-155): which resource a request_id created. Not part of the spec.
CREATE TABLE idempotent_requests (
  request_id uuid NOT NULL,
  method text NOT NULL,
  resource jsonb NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, method)
);

-- The role Query runs as: it may read the archive's tables and views and nothing else. Its name is
-- derived from the database so that several archives can share a cluster. Creating roles needs
-- CREATEROLE; without it the service needs QUERY_DATABASE_URL (see docs/data-model.md).
DO $$
DECLARE
  reader text := current_database() || '_query';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS', reader);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA visitsarch TO %I', reader);
  EXECUTE format('GRANT SELECT ON visitseq, simulations, completed, mixedvisitseqs, tags, comments, files, condaenv,
    conda_packages, simulation_packages, nightly_stats, maf_metrics, maf_summary_metrics, maf_metric_sets, maf_healpix_stats,
    maf_summary, simulations_extra, visitsextra, visitseq_registry TO %I', reader);
  EXECUTE format('ALTER ROLE %I SET search_path = visitsarch', reader);
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot create the query role %: Query needs QUERY_DATABASE_URL', reader;
END $$;
`;
