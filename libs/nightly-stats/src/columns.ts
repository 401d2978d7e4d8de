/**
 * Which table column answers a requested value name. Statistics are stored under the name
 * that was asked for, so a ConsDB-named request (`s_ra`) on an opsim table (`fieldRA`) and on
 * a ConsDB table gives comparable rows. The mapping is the rename of rubin_nights'
 * `consdb_to_opsim` and rubin_scheduler's `ConsDBVisits.opsim` where both agree on a plain
 * copy of the value (docs/stats.md); derived opsim quantities (skyBrightness, seeingFwhmEff,
 * fiveSigmaDepth, …) are not the ConsDB aggregates they are computed from, so
 * `eff_time_median`, `sky_bg_median` and `psf_area_median` have no opsim equivalent and are
 * reported missing on opsim tables.
 */
import { DataType, Schema, Type } from 'apache-arrow';

/** The specification's default value names (its `compute_nightly_stats` example). */
export const SPEC_COLUMNS = ['s_ra', 's_dec', 'sky_rotation', 'azimuth', 'altitude', 'eff_time_median', 'sky_bg_median', 'psf_area_median'] as const;

/** The defaults of ComputeNightlyStats when no column is named (upstream's, present in both schemas). */
export const DEFAULT_COLUMNS = ['altitude', 'azimuth'] as const;

/** ConsDB (specification) name → opsim name, for values copied unchanged by the converters. */
export const CONSDB_TO_OPSIM: Readonly<Record<string, string>> = {
  s_ra: 'fieldRA',
  s_dec: 'fieldDec',
  sky_rotation: 'rotSkyPos',
  obs_start_mjd: 'observationStartMJD',
  physical_rotator_angle: 'rotTelPos',
};

const OPSIM_TO_CONSDB: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CONSDB_TO_OPSIM).map(([consdb, opsim]) => [opsim, consdb]));

/** A requested value and the column that holds it. */
export interface ResolvedColumn {
  /** The name asked for, stored as value_name. */
  valueName: string;
  /** The column of the table read for it. */
  column: string;
  /** Its index in the schema. */
  index: number;
}

/** Raised for a column that exists but cannot be described as numbers. */
export class NonNumericColumnError extends Error {
  constructor(
    readonly valueName: string,
    readonly column: string,
    readonly type: DataType,
  ) {
    super(`column ${column}${column === valueName ? '' : ` (for ${valueName})`} is not numeric (${String(type)})`);
    this.name = 'NonNumericColumnError';
  }
}

/** True for Arrow types whose values are numbers (integers, floats, decimals are not among them). */
export function isNumericType(type: DataType): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Float;
}

/**
 * Resolves requested value names against a table's schema: the column of that name, else its
 * opsim or ConsDB counterpart. Names found nowhere are returned as `missing`, in request
 * order; repeated names are described once. Throws {@link NonNumericColumnError} for a
 * non-numeric column.
 */
export function resolveColumns(schema: Schema, requested: readonly string[]): { columns: ResolvedColumn[]; missing: string[] } {
  const indexOf = new Map(schema.fields.map((field, index) => [field.name, index]));
  const columns: ResolvedColumn[] = [];
  const missing: string[] = [];
  for (const valueName of new Set(requested)) {
    const column = [valueName, CONSDB_TO_OPSIM[valueName], OPSIM_TO_CONSDB[valueName]].find((name) => name !== undefined && indexOf.has(name));
    if (column === undefined) {
      missing.push(valueName);
      continue;
    }
    const index = indexOf.get(column) as number;
    const type = schema.fields[index].type;
    if (!isNumericType(type)) throw new NonNumericColumnError(valueName, column, type);
    columns.push({ valueName, column, index });
  }
  return { columns, missing };
}
