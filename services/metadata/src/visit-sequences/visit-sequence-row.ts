import { metadataV1, typeV1 } from '@visitsarch/contracts';

/** The kinds as the registry names them, with their tables. */
export const KINDS = {
  simulation: { table: 'simulations', proto: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_SIMULATION, detailsField: 'simulation' },
  completed: { table: 'completed', proto: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED, detailsField: 'completed' },
  mixed: { table: 'mixedvisitseqs', proto: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_MIXED, detailsField: 'mixed' },
  visitseq: { table: 'visitseq', proto: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_UNSPECIFIED, detailsField: undefined },
} as const;
export type KindName = keyof typeof KINDS;

export function kindOfProto(kind: typeV1.VisitSequenceKind): KindName | undefined {
  return (Object.keys(KINDS) as KindName[]).find((name) => name !== 'visitseq' && KINDS[name].proto === kind);
}

/**
 * The kind of the sequence in row `v` (as the registry names it), from the table the row lives in:
 * the registry's trigger records exactly that, so reads need not join the registry for it.
 */
export const KIND_OF_ROW = `CASE v.tableoid WHEN 'simulations'::regclass THEN 'simulation' WHEN 'completed'::regclass THEN 'completed'
  WHEN 'mixedvisitseqs'::regclass THEN 'mixed' ELSE 'visitseq' END`;

/**
 * Every column of a sequence whatever its kind: the parent's columns, its kind, the child columns
 * (NULL for other kinds) and the sorted tags. `v` is the alias of the parent table.
 */
export const SEQUENCE_COLUMNS = `
  v.visitseq_uuid, v.visitseq_sha256, v.visitseq_label, v.visitseq_url, v.telescope, v.first_day_obs, v.last_day_obs,
  v.creation_time, ${KIND_OF_ROW} AS kind,
  s.scheduler_version, s.config_url, s.sim_runner_args, s.conda_env_sha256, s.parent_visitseq_uuid, s.parent_last_day_obs,
  c.query,
  m.last_early_day_obs, m.first_late_day_obs, m.early_parent_uuid, m.late_parent_uuid,
  ARRAY(SELECT t.tag FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid ORDER BY t.tag) AS tags`;

/** Every sequence (`v`) with its child columns (`s`, `c`, `m`) and its registry row (`r`). */
export const SEQUENCE_FROM = `
  visitseq v
  JOIN visitseq_registry r ON r.visitseq_uuid = v.visitseq_uuid
  LEFT JOIN simulations s ON s.visitseq_uuid = v.visitseq_uuid
  LEFT JOIN completed c ON c.visitseq_uuid = v.visitseq_uuid
  LEFT JOIN mixedvisitseqs m ON m.visitseq_uuid = v.visitseq_uuid`;

/**
 * The sequences of one kind, or of every kind, as `v` with the child columns (`s`, `c`, `m`), for
 * reads over many sequences (ListVisitSequences, QueryNight): no registry join, a kind read only
 * its own table (`ONLY visitseq` for plain sequences), so the planner scans that table's indexes
 * and nothing else (docs/data-model.md, "Indexes and statistics").
 */
export function sequencesFrom(kind?: KindName): string {
  const table = kind === undefined ? 'visitseq' : kind === 'visitseq' ? 'ONLY visitseq' : KINDS[kind].table;
  return `
  ${table} v
  LEFT JOIN simulations s ON s.visitseq_uuid = v.visitseq_uuid
  LEFT JOIN completed c ON c.visitseq_uuid = v.visitseq_uuid
  LEFT JOIN mixedvisitseqs m ON m.visitseq_uuid = v.visitseq_uuid`;
}

/**
 * The condition "the sequence aliased `alias` covers every night from `first` through `last`" (SQL
 * expressions of type date), written as the covered-nights indexes answer it (migration
 * 1796518800000): the same as `first_day_obs <= first AND last_day_obs >= last` (first_day_obs is
 * never after last_day_obs), which no index answers well.
 */
export function coversNights(first: string, last: string, alias = 'v'): string {
  return `daterange(${alias}.first_day_obs, ${alias}.last_day_obs, '[]') @> daterange(${first}, ${last}, '[]')`;
}

export interface SequenceRow {
  visitseq_uuid: string;
  visitseq_sha256: Buffer;
  visitseq_label: string;
  visitseq_url: string | null;
  telescope: string;
  first_day_obs: string;
  last_day_obs: string;
  creation_time: Date;
  kind: KindName;
  scheduler_version: string | null;
  config_url: string | null;
  sim_runner_args: Record<string, unknown> | null;
  conda_env_sha256: Buffer | null;
  parent_visitseq_uuid: string | null;
  parent_last_day_obs: string | null;
  query: string | null;
  last_early_day_obs: string | null;
  first_late_day_obs: string | null;
  early_parent_uuid: string | null;
  late_parent_uuid: string | null;
  tags: string[];
}

const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function toVisitSequence(row: SequenceRow): metadataV1.VisitSequence {
  const sequence: metadataV1.VisitSequence = {
    visitseqUuid: row.visitseq_uuid,
    visitseqSha256: row.visitseq_sha256,
    visitseqLabel: row.visitseq_label,
    visitseqUrl: opt(row.visitseq_url),
    telescope: row.telescope,
    firstDayObs: row.first_day_obs,
    lastDayObs: row.last_day_obs,
    creationTime: row.creation_time,
    kind: KINDS[row.kind].proto,
    tags: row.tags,
  };
  if (row.kind === 'simulation') {
    sequence.simulation = {
      schedulerVersion: opt(row.scheduler_version),
      configUrl: opt(row.config_url),
      // A Struct can only hold an object; upstream munging always produced one.
      simRunnerArgs: row.sim_runner_args !== null && typeof row.sim_runner_args === 'object' && !Array.isArray(row.sim_runner_args) ? row.sim_runner_args : undefined,
      condaEnvSha256: opt(row.conda_env_sha256),
      parentVisitseqUuid: opt(row.parent_visitseq_uuid),
      parentLastDayObs: opt(row.parent_last_day_obs),
    };
  } else if (row.kind === 'completed') {
    sequence.completed = { query: opt(row.query) };
  } else if (row.kind === 'mixed') {
    sequence.mixed = {
      lastEarlyDayObs: opt(row.last_early_day_obs),
      firstLateDayObs: opt(row.first_late_day_obs),
      earlyParentUuid: opt(row.early_parent_uuid),
      lateParentUuid: opt(row.late_parent_uuid),
    };
  }
  return sequence;
}
