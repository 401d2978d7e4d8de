/**
 * How each table of the upstream's schema (rubin_sim `sql/make_vseqmeta.sql`, reference section 5.1)
 * maps onto this archive's, and the SQL the import runs over a batch of upstream rows.
 *
 * Upstream values travel as the text PostgreSQL prints for them (dates, times with microseconds,
 * doubles with every digit, `NaN` and `Infinity`, JSON as written), never through JavaScript numbers
 * or Dates, so nothing is rounded or shifted on the way.
 */

export type Row = Record<string, any>;

type ColumnType = 'uuid' | 'text' | 'date' | 'timestamptz' | 'bytea' | 'jsonb' | 'float8' | 'int' | 'bool';

export interface Column {
  /** This archive's column, also the field of the batch's JSON rows. */
  name: string;
  /** The upstream's column, where its name differs. */
  upstream?: string;
  type: ColumnType;
  /** How the value is stored, as SQL over its expression (e.g. `COALESCE(v, false)`); default: as is. */
  store?: (value: string) => string;
}

/** What a row hangs off: a visit sequence (its UUID) or a MAF metric (its name). */
export type ParentKind = 'sequence' | 'metric';

export type SequenceKind = 'visitseq' | 'simulation' | 'completed' | 'mixed';

/** The checks and remarks of a plan can use these, gathered before the table is read. */
export interface CheckContext {
  /** The nights of the upstream's per-night statistics of a sequence, for the reason of an undated one. */
  statsNights: Map<string, { first: string; last: string }>;
}

export interface TablePlan {
  /** The upstream table, e.g. "mixedvisitseq". */
  upstream: string;
  /** This archive's table. */
  target: string;
  /** Read with ONLY (the upstream's parent `visitseq` holds its children's rows too). */
  only?: boolean;
  /** Older upstream schemas lack it (the MAF tables): reported absent rather than failing the import. */
  optional?: boolean;
  /** Set for the tables of visit sequences. */
  kind?: SequenceKind;
  columns: Column[];
  /** This archive's key of the table; empty for comments, which have none (identical ones are counted). */
  key: string[];
  /** What the rows hang off, by column. */
  parents: { column: string; kind: ParentKind }[];
  /** Why this archive cannot hold the row (REFUSED), if it cannot. */
  check(row: Row, context: CheckContext): string | undefined;
  /** Remarks on an imported row: what was stored otherwise than read, or not checked. */
  remarks?(row: Row): string[];
}

const RECORD_TYPES: Partial<Record<ColumnType, string>> = { uuid: 'uuid', date: 'date', int: 'integer', bool: 'boolean' };

const quoted = (name: string) => `"${name}"`;

/** The upstream value as the import carries it. */
function selectExpression(column: Column): string {
  const value = `u.${quoted(column.upstream ?? column.name)}`;
  switch (column.type) {
    case 'uuid':
    case 'date':
    case 'timestamptz':
    case 'jsonb':
    case 'float8':
      return `${value}::text`;
    case 'bytea':
      return `encode(${value}, 'hex')`;
    default:
      return value;
  }
}

/** The value stored here, from the batch row `x`. A NaN double is stored NULL, this archive's convention. */
export function valueExpression(column: Column, row = 'x'): string {
  const value = `${row}.${quoted(column.name)}`;
  const typed =
    column.type === 'timestamptz'
      ? `${value}::timestamptz`
      : column.type === 'bytea'
        ? `decode(${value}, 'hex')`
        : column.type === 'jsonb'
          ? `${value}::jsonb`
          : column.type === 'float8'
            ? `NULLIF(${value}::double precision, 'NaN')`
            : value;
  return column.store ? column.store(typed) : typed;
}

/** The upstream's rows of a plan, in the order of their key (the report's order). */
export function selectSql(plan: TablePlan, schema: string): string {
  const order = plan.key.length > 0 ? plan.key : plan.columns.map((column) => column.name);
  const upstreamOf = (name: string) => plan.columns.find((column) => column.name === name)!.upstream ?? name;
  return `SELECT ${plan.columns.map((column) => `${selectExpression(column)} AS ${quoted(column.name)}`).join(', ')}
    FROM ${plan.only ? 'ONLY ' : ''}${schema}.${quoted(plan.upstream)} u ORDER BY ${order.map((name) => `u.${quoted(upstreamOf(name))}`).join(', ')}`;
}

/** The batch (JSON array parameter $1, each row numbered `n`) as a relation `x`. */
function batch(plan: TablePlan): string {
  const fields = plan.columns.map((column) => `${quoted(column.name)} ${RECORD_TYPES[column.type] ?? 'text'}`);
  return `x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n integer, ${fields.join(', ')}))`;
}

const PARENT_TABLES: Record<ParentKind, { table: string; column: string }> = {
  sequence: { table: 'visitseq_registry', column: 'visitseq_uuid' },
  metric: { table: 'maf_metrics', column: 'maf_metric_name' },
};

function parentsExist(plan: TablePlan): string[] {
  return plan.parents.map(({ column, kind }, index) => {
    const parent = PARENT_TABLES[kind];
    return `EXISTS (SELECT 1 FROM ${parent.table} p WHERE p.${parent.column} = x.${quoted(column)}) AS parent_${index}`;
  });
}

function differences(columns: Column[], stored: string, guard = 'true'): string {
  if (columns.length === 0) return 'ARRAY[]::text[]';
  const cases = columns.map((column) => `CASE WHEN ${guard} AND ${stored}.${quoted(column.name)} IS DISTINCT FROM ${valueExpression(column)} THEN '${column.name}' END`);
  return `array_remove(ARRAY[${cases.join(', ')}]::text[], NULL)`;
}

/** The columns every kind of sequence has, in the parent `visitseq` table. */
export const SEQUENCE_COLUMNS: Column[] = [
  { name: 'visitseq_uuid', type: 'uuid' },
  { name: 'visitseq_sha256', type: 'bytea' },
  { name: 'visitseq_label', type: 'text' },
  { name: 'visitseq_url', type: 'text' },
  { name: 'telescope', type: 'text' },
  { name: 'first_day_obs', type: 'date' },
  { name: 'last_day_obs', type: 'date' },
  { name: 'creation_time', type: 'timestamptz' },
];
const COMMON = new Set(SEQUENCE_COLUMNS.map((column) => column.name));

/**
 * What an upstream batch meets here, per row `n`:
 * - `parent_<i>`: whether the row's i-th parent exists;
 * - `present` (keyed tables) or `present_kind` (sequences): whether a row of the same key is here;
 * - `differs`: the columns in which that row differs from the upstream's;
 * - `visits_stored` (sequences): whether this archive keeps the sequence's visits (a `visits` file record);
 * - `identical` (comments): how many identical comments are here.
 */
export function probeSql(plan: TablePlan): string {
  const select = ['x.n', ...parentsExist(plan)];
  if (plan.kind) {
    const common = plan.columns.filter((column) => COMMON.has(column.name) && column.name !== 'visitseq_uuid');
    const own = plan.columns.filter((column) => !COMMON.has(column.name));
    select.push(
      'r.kind AS present_kind',
      `${differences(common, 'v')} || ${differences(own, 't', 't.visitseq_uuid IS NOT NULL')} AS differs`,
      `EXISTS (SELECT 1 FROM files f WHERE f.visitseq_uuid = x.visitseq_uuid AND f.file_type = 'visits') AS visits_stored`,
    );
    return `WITH ${batch(plan)} SELECT ${select.join(', ')} FROM x
      LEFT JOIN visitseq_registry r ON r.visitseq_uuid = x.visitseq_uuid
      LEFT JOIN visitseq v ON v.visitseq_uuid = x.visitseq_uuid
      LEFT JOIN ${plan.target} t ON t.visitseq_uuid = x.visitseq_uuid`;
  }
  if (plan.key.length === 0) {
    const same = plan.columns.map((column) => `c.${quoted(column.name)} IS NOT DISTINCT FROM ${valueExpression(column)}`);
    select.push(`(SELECT count(*) FROM ${plan.target} c WHERE ${same.join(' AND ')})::int AS identical`);
    return `WITH ${batch(plan)} SELECT ${select.join(', ')} FROM x`;
  }
  const keyed = new Set(plan.key);
  const columnOf = (name: string) => plan.columns.find((column) => column.name === name)!;
  select.push(`t.${quoted(plan.key[0])} IS NOT NULL AS present`, `${differences(plan.columns.filter((column) => !keyed.has(column.name)), 't')} AS differs`);
  return `WITH ${batch(plan)} SELECT ${select.join(', ')} FROM x
    LEFT JOIN ${plan.target} t ON ${plan.key.map((name) => `t.${quoted(name)} = ${valueExpression(columnOf(name))}`).join(' AND ')}`;
}

/** Inserts the batch and returns the `n` of the rows written (a row whose key appeared meanwhile is not). */
export function insertSql(plan: TablePlan): string {
  const names = plan.columns.map((column) => quoted(column.name)).join(', ');
  const values = plan.columns.map((column) => valueExpression(column)).join(', ');
  if (plan.key.length === 0) return `WITH ${batch(plan)}, ins AS (INSERT INTO ${plan.target} (${names}) SELECT ${values} FROM x RETURNING 1) SELECT x.n FROM x WHERE (SELECT count(*) FROM ins) = (SELECT count(*) FROM x)`;
  const columnOf = (name: string) => plan.columns.find((column) => column.name === name)!;
  return `WITH ${batch(plan)}, ins AS (INSERT INTO ${plan.target} (${names}) SELECT ${values} FROM x ON CONFLICT DO NOTHING RETURNING ${plan.key.map(quoted).join(', ')})
    SELECT x.n FROM x JOIN ins ON ${plan.key.map((name) => `ins.${quoted(name)} = ${valueExpression(columnOf(name))}`).join(' AND ')}`;
}

// ---------------------------------------------------------------------------------------------
// The checks: what this archive's schema requires that the upstream's does not.

const isSha256 = (hex: unknown) => typeof hex === 'string' && hex.length === 64;
const byteLength = (hex: unknown) => (typeof hex === 'string' ? hex.length / 2 : 0);
const STATISTICS: Column[] = ['mean', 'std', 'min', 'p05', 'q1', 'median', 'q3', 'p95', 'max'].map((name) => ({ name, type: 'float8' }));

/** The first failing check's reason. */
function firstReason(...reasons: (string | false | undefined)[]): string | undefined {
  return reasons.find((reason): reason is string => typeof reason === 'string');
}

function checkSequence(row: Row, context: CheckContext): string | undefined {
  return firstReason(
    !isSha256(row.visitseq_sha256) && `visitseq_sha256 is ${byteLength(row.visitseq_sha256)} bytes, not a 32-byte SHA-256`,
    !row.visitseq_label && 'visitseq_label is empty, which this archive does not allow',
    !row.telescope && 'telescope is empty, which this archive does not allow',
    (!row.first_day_obs || !row.last_day_obs) && undatedReason(row, context),
    row.first_day_obs > row.last_day_obs && `first_day_obs ${row.first_day_obs} is after last_day_obs ${row.last_day_obs}`,
    !row.creation_time && 'no creation_time, which this archive requires: set it upstream and import again',
  );
}

/** Why a sequence without first/last day_obs (the upstream's default when they are omitted) is refused, and what to do. */
function undatedReason(row: Row, context: CheckContext): string {
  const missing = [!row.first_day_obs && 'first_day_obs', !row.last_day_obs && 'last_day_obs'].filter(Boolean).join(' and ');
  const visits = row.visitseq_url ? `its visits (${row.visitseq_url})` : 'its visits (it has no visitseq_url)';
  const nights = context.statsNights.get(row.visitseq_uuid);
  const hint = nights ? `; its upstream nightly_stats cover ${nights.first} to ${nights.last}` : '';
  return (
    `no ${missing} (the upstream's default when omitted), which this archive requires, and no nights of ${visits} were given: ` +
    `import with \`visitsarch import_upstream --with-visits\` (it reads local visits files for their nights), or set them upstream ` +
    `(vseqarchive update-visitseq-metadata ${row.visitseq_uuid} first_day_obs YYYY-MM-DD, and last_day_obs) and import again${hint}`
  );
}

const HASH_REMARK = "visitseq_sha256 is the upstream's: the import does not read visits, so the canonical hash was not recomputed";

function sequencePlan(upstream: string, target: string, kind: SequenceKind, own: Column[], check = checkSequence, only = false): TablePlan {
  return { upstream, target, kind, only, columns: [...SEQUENCE_COLUMNS, ...own], key: ['visitseq_uuid'], parents: [], check, remarks: () => [HASH_REMARK] };
}

const needsUuid = (row: Row) => !row.visitseq_uuid && 'no visitseq_uuid';
const needsMetric = (row: Row) => !row.maf_metric_name && 'no maf_metric_name';
const nullAsFalse = (value: string) => `COALESCE(${value}, false)`;

/** The import order: sequences before what hangs off them, MAF metrics before their results. */
export const PLANS: TablePlan[] = [
  sequencePlan(
    'simulations',
    'simulations',
    'simulation',
    [
      { name: 'scheduler_version', type: 'text' },
      { name: 'config_url', type: 'text' },
      { name: 'sim_runner_args', upstream: 'sim_runner_kwargs', type: 'jsonb' },
      { name: 'conda_env_sha256', type: 'bytea' },
      { name: 'parent_visitseq_uuid', type: 'uuid' },
      { name: 'parent_last_day_obs', type: 'date' },
    ],
    (row, context) =>
      firstReason(checkSequence(row, context), row.conda_env_sha256 !== null && !isSha256(row.conda_env_sha256) && `conda_env_sha256 is ${byteLength(row.conda_env_sha256)} bytes, not a 32-byte SHA-256`),
  ),
  sequencePlan('completed', 'completed', 'completed', [{ name: 'query', type: 'text' }]),
  sequencePlan(
    'mixedvisitseq',
    'mixedvisitseqs',
    'mixed',
    [
      { name: 'last_early_day_obs', type: 'date' },
      { name: 'first_late_day_obs', type: 'date' },
      { name: 'early_parent_uuid', type: 'uuid' },
      { name: 'late_parent_uuid', type: 'uuid' },
    ],
    (row, context) =>
      firstReason(
        checkSequence(row, context),
        !!row.last_early_day_obs && !!row.first_late_day_obs && row.last_early_day_obs >= row.first_late_day_obs && `last_early_day_obs ${row.last_early_day_obs} is not before first_late_day_obs ${row.first_late_day_obs}`,
      ),
  ),
  // Rows of the parent table alone (upstream's record_visitseq_metadata with table="visitseq").
  sequencePlan('visitseq', 'visitseq', 'visitseq', [], checkSequence, true),
  {
    upstream: 'tags',
    target: 'tags',
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'tag', type: 'text' },
    ],
    key: ['visitseq_uuid', 'tag'],
    parents: [{ column: 'visitseq_uuid', kind: 'sequence' }],
    check: (row) => firstReason(needsUuid(row), !row.tag && 'the tag is empty, which this archive does not allow'),
  },
  {
    upstream: 'comments',
    target: 'comments',
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'comment_time', type: 'timestamptz' },
      { name: 'author', type: 'text' },
      { name: 'comment', type: 'text' },
    ],
    key: [],
    parents: [{ column: 'visitseq_uuid', kind: 'sequence' }],
    check: (row) => firstReason(needsUuid(row), !row.comment && 'the comment is empty, which this archive does not allow', !row.comment_time && 'no comment_time, which this archive requires'),
  },
  {
    upstream: 'files',
    target: 'files',
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'file_type', type: 'text' },
      { name: 'file_sha256', type: 'bytea' },
      { name: 'file_url', type: 'text' },
    ],
    key: ['visitseq_uuid', 'file_type'],
    parents: [{ column: 'visitseq_uuid', kind: 'sequence' }],
    check: (row) =>
      firstReason(needsUuid(row), !row.file_type && 'file_type is empty, which this archive does not allow', !isSha256(row.file_sha256) && `file_sha256 is ${byteLength(row.file_sha256)} bytes, not a 32-byte SHA-256`),
  },
  {
    upstream: 'conda_env',
    target: 'condaenv',
    columns: [
      { name: 'conda_env_hash', type: 'bytea' },
      { name: 'conda_env', type: 'jsonb' },
    ],
    key: ['conda_env_hash'],
    parents: [],
    check: (row) =>
      firstReason(
        !isSha256(row.conda_env_hash) && `conda_env_hash is ${byteLength(row.conda_env_hash)} bytes, not a 32-byte SHA-256`,
        !String(row.conda_env ?? '').startsWith('[') && 'conda_env is not a JSON array (the output of conda list --json), which this archive requires',
      ),
  },
  {
    upstream: 'nightly_stats',
    target: 'nightly_stats',
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'day_obs', type: 'date' },
      { name: 'value_name', type: 'text' },
      { name: 'accumulated', type: 'bool' },
      { name: 'count', type: 'int' },
      ...STATISTICS,
    ],
    key: ['visitseq_uuid', 'day_obs', 'value_name', 'accumulated'],
    parents: [{ column: 'visitseq_uuid', kind: 'sequence' }],
    check: (row) => firstReason(needsUuid(row), !row.value_name && 'value_name is empty, which this archive does not allow'),
  },
  {
    upstream: 'maf_metrics',
    target: 'maf_metrics',
    optional: true,
    columns: [
      { name: 'maf_metric_name', type: 'text' },
      { name: 'rubin_sim_version', type: 'text' },
      { name: 'constraint', upstream: 'maf_constraint', type: 'text' },
      { name: 'metric_class_name', type: 'text' },
      { name: 'metric_args', type: 'jsonb' },
      { name: 'slicer_class_name', type: 'text' },
      { name: 'slicer_args', type: 'jsonb' },
    ],
    key: ['maf_metric_name'],
    parents: [],
    check: (row) => firstReason(!row.maf_metric_name && 'maf_metric_name is empty, which this archive does not allow'),
  },
  {
    upstream: 'maf_metric_sets',
    target: 'maf_metric_sets',
    optional: true,
    columns: [
      { name: 'metric_set', type: 'text' },
      { name: 'maf_metric_name', type: 'text' },
      { name: 'short_name', type: 'text' },
      { name: 'style', type: 'text' },
      { name: 'invert', type: 'bool', store: nullAsFalse },
      { name: 'mag', type: 'bool', store: nullAsFalse },
    ],
    key: ['metric_set', 'maf_metric_name'],
    parents: [{ column: 'maf_metric_name', kind: 'metric' }],
    check: (row) => firstReason(!row.metric_set && 'metric_set is empty, which this archive does not allow', needsMetric(row)),
    remarks: (row) => ['invert', 'mag'].filter((name) => row[name] === null).map((name) => `${name} is NULL upstream: stored false (this archive's default; it allows no NULL)`),
  },
  {
    upstream: 'maf_summary_metrics',
    target: 'maf_summary_metrics',
    optional: true,
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'maf_metric_name', type: 'text' },
      { name: 'day_obs', type: 'date' },
      { name: 'accumulated', type: 'bool' },
      { name: 'summary_value', type: 'float8' },
    ],
    key: ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated'],
    parents: [
      { column: 'visitseq_uuid', kind: 'sequence' },
      { column: 'maf_metric_name', kind: 'metric' },
    ],
    check: (row) =>
      firstReason(
        needsUuid(row),
        needsMetric(row),
        (row.day_obs === null || row.accumulated === null) &&
          `no ${[row.day_obs === null && 'day_obs', row.accumulated === null && 'accumulated'].filter(Boolean).join(' or ')}, which this archive requires (it keeps a summary value per night, keyed by visitseq_uuid, maf_metric_name, day_obs and accumulated): set it upstream and import again`,
      ),
  },
  {
    upstream: 'maf_healpix_stats',
    target: 'maf_healpix_stats',
    optional: true,
    columns: [
      { name: 'visitseq_uuid', type: 'uuid' },
      { name: 'maf_metric_name', type: 'text' },
      { name: 'day_obs', type: 'date' },
      { name: 'accumulated', type: 'bool' },
      { name: 'nside', type: 'int' },
      { name: 'count', type: 'int' },
      ...STATISTICS,
      { name: 'url', type: 'text' },
    ],
    key: ['visitseq_uuid', 'maf_metric_name', 'day_obs', 'accumulated', 'nside'],
    parents: [
      { column: 'visitseq_uuid', kind: 'sequence' },
      { column: 'maf_metric_name', kind: 'metric' },
    ],
    check: (row) => firstReason(needsUuid(row), needsMetric(row), !(row.nside > 0 && (row.nside & (row.nside - 1)) === 0) && `nside ${row.nside} is not a power of two, which this archive requires`),
  },
];

/** The upstream tables an import needs; the others (PLANS' optional ones) may be absent. */
export const REQUIRED_TABLES = PLANS.filter((plan) => !plan.optional).map((plan) => plan.upstream);
