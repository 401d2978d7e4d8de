/**
 * The ConsDB → opsim conversion column by column, on the default queries' answer from a real
 * test ConsDB (PostgreSQL path): every one of the 47 opsim columns with its type and unit,
 * recomputed here from the test visits' known inputs, the fixed rubin_scheduler bugs, the kept
 * ConsDB columns — and the result written as an opsim SQLite that Python's sqlite3/pandas and
 * rubin_scheduler's `SchemaConverter().opsim2obs` read back.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataType, Table, Type } from 'apache-arrow';
import { writeOpsimSqlite } from '@visitsarch/visit-tables';
import {
  AUXTEL_SCIENCE_CONSDB_QUERY,
  consdbToOpsim,
  ConsdbConversionError,
  FWHM_PER_SIGMA,
  LSSTCAM_M5_REFERENCE,
  LSSTCAM_ZERO_POINT_1S,
  OPSIM_COLUMN_TYPES,
  openConsdb,
  queryByDayObsPages,
  separation,
  SIMONYI_SCIENCE_CONSDB_QUERY,
  LATISS_EXTINCTION,
  wrap180,
  Band,
  SURVEY_START_MJD,
} from './index';
import { startTestConsdb, TestConsdb } from './testing';
import { approxAltAz2Pa } from './testing/rubin-scheduler-formulas';

jest.setTimeout(180_000);

const PYTHON = path.resolve(__dirname, '..', '..', '..', '.venv', 'bin', 'python');
const TAI_MINUS_UTC_DAYS = 37 / 86_400;

let consdb: TestConsdb;
let simonyi: Table;
let auxtel: Table;
let tmp: string;
beforeAll(async () => {
  consdb = await startTestConsdb();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opsim-conversion-'));
  const connection = openConsdb(consdb.databaseUrl, { token: '' });
  try {
    simonyi = consdbToOpsim(await queryByDayObsPages(connection, SIMONYI_SCIENCE_CONSDB_QUERY, {}), 'simonyi');
    auxtel = consdbToOpsim(await queryByDayObsPages(connection, AUXTEL_SCIENCE_CONSDB_QUERY, {}), 'auxtel');
  } finally {
    await connection.close();
  }
});
afterAll(async () => {
  await consdb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

type Row = Record<string, unknown>;
const rowsOf = (table: Table): Row[] => table.toArray().map((row) => row.toJSON() as Row);
const n = (value: unknown) => (typeof value === 'bigint' ? Number(value) : (value as number));
/** The day_obs a visit belongs to, as days since night 0 (by default day_obs 2026-06-29, rubin_scheduler 4.6's SURVEY_START_MJD 61220.5). */
const nightOfDayObs = (dayObs: number, nightZero = Date.UTC(2026, 5, 29)) =>
  (Date.UTC(Math.floor(dayObs / 10_000), (Math.floor(dayObs / 100) % 100) - 1, dayObs % 100) - nightZero) / 86_400_000;
const closeTo = (actual: unknown, expected: number, digits = 9) => expect(n(actual)).toBeCloseTo(expected, digits);

function typeKind(type: DataType): 'int' | 'float' | 'text' | string {
  if (type.typeId === Type.Int) return 'int';
  if (type.typeId === Type.Float) return 'float';
  if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) return 'text';
  return String(type);
}

describe.each([
  ['simonyi', () => simonyi],
  ['auxtel', () => auxtel],
] as const)('%s', (telescope, table) => {
  it('has the 47 opsim columns first, in SchemaConverter order, with their types, then the kept ConsDB columns', () => {
    const fields = table().schema.fields;
    expect(fields.slice(0, 47).map((f) => [f.name, typeKind(f.type)])).toEqual(OPSIM_COLUMN_TYPES.map(([name, type]) => [name, type]));
    const rest = fields.slice(47).map((f) => f.name);
    expect(rest.slice(0, 2)).toEqual(['extinction_limit', 'moon_illumination']);
    // The eight ConsDB names that opsim uses for the same value appear once, as the opsim column.
    for (const name of ['airmass', 'altitude', 'azimuth', 'band', 'scheduler_note', 'target_name', 'observation_reason', 'science_program']) {
      expect(fields.filter((f) => f.name === name)).toHaveLength(1);
    }
    expect(new Set(fields.map((f) => f.name)).size).toBe(fields.length);
    expect(rest).toEqual(expect.arrayContaining(['visit_id', 'day_obs', 'seq_num', 'obs_start_mjd', 'exp_midpt_mjd', 'obs_end_mjd', 'obs_start', 'exp_time', 'shut_time', 'img_type']));
    const typeOf = (name: string) => typeKind(fields.find((f) => f.name === name)!.type);
    expect([typeOf('visit_id'), typeOf('day_obs'), typeOf('seq_num'), typeOf('exp_time'), typeOf('obs_start')]).toEqual(['int', 'int', 'int', 'float', 'text']);
    expect(fields.find((f) => f.name === 'can_see_sky')!.type.typeId).toBe(Type.Bool);
    expect(fields.some((f) => f.name === 'psudoParaAngle')).toBe(false);
  });

  it('holds exactly the science visits with pointing, sorted by start time', () => {
    const expected = consdb.exposures[telescope].filter((e) => e.science).map((e) => e.exposure.exposure_id);
    const rows = rowsOf(table());
    expect(rows.map((r) => n(r.observationId))).toEqual(expected);
    const starts = rows.map((r) => n(r.observationStartMJD));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('maps or computes every opsim column as docs/consdb.md states', () => {
    const rows = rowsOf(table());
    const exposures = new Map(consdb.exposures[telescope].map((e) => [e.exposure.exposure_id as number, e]));
    let withQuicklook = 0;
    let withoutQuicklook = 0;
    rows.forEach((row, index) => {
      const { exposure: v, quicklook: q } = exposures.get(n(row.observationId))!;
      const previous = index > 0 && rows[index - 1].day_obs === row.day_obs ? rows[index - 1] : undefined;
      const band = v.band as Band;
      // Identity and time (opsim MJDs are UTC; ConsDB's are TAI).
      expect(n(row.observationId)).toBe(v.exposure_id);
      closeTo(row.fieldRA, v.s_ra as number);
      closeTo(row.fieldDec, v.s_dec as number);
      closeTo(row.observationStartMJD, (v.obs_start_mjd as number) - TAI_MINUS_UTC_DAYS, 10);
      expect(row.flush_by_mjd).toBeNull();
      closeTo(row.visitExposureTime, v.shut_time as number);
      expect([row.band, row.filter]).toEqual([v.band, v.physical_filter]);
      closeTo(row.rotSkyPos, v.sky_rotation as number);
      expect(row.rotSkyPos_desired).toBeNull();
      expect(n(row.numExposures)).toBe(1);
      closeTo(row.airmass, v.airmass as number);
      expect(n(row.night)).toBe(nightOfDayObs(v.day_obs as number));
      closeTo(row.visitTime, 30, 6);
      if (previous) {
        closeTo(row.slewTime, ((v.obs_start_mjd as number) - n(previous.obs_end_mjd)) * 86_400, 6);
        closeTo(row.slewDistance, separation({ ra: n(previous.fieldRA), dec: n(previous.fieldDec) }, { ra: v.s_ra as number, dec: v.s_dec as number }));
      } else {
        expect([row.slewTime, row.slewDistance]).toEqual([null, null]);
      }
      closeTo(row.altitude, v.altitude as number);
      closeTo(row.azimuth, v.azimuth as number);
      // The parallactic angle from H/δ/φ agrees with rubin_scheduler's approx_altaz2pa of the alt/az
      // (to the 15 s between start and mid-exposure); values against astropy: astronomy.spec.ts.
      expect(n(row.paraAngle)).toBeGreaterThanOrEqual(0);
      expect(n(row.paraAngle)).toBeLessThan(360);
      expect(Math.abs(wrap180(n(row.paraAngle) - approxAltAz2Pa(v.altitude as number, v.azimuth as number)))).toBeLessThan(0.5 / Math.sin(((90 - (v.altitude as number)) * Math.PI) / 180));
      // The pseudo parallactic angle is recorded (rubin_scheduler's `psudoParaAngle` typo lost it).
      expect(n(row.pseudoParaAngle)).toBeGreaterThanOrEqual(-180);
      expect(n(row.pseudoParaAngle)).toBeLessThan(180);
      const rotTel = telescope === 'simonyi' ? wrap180(n(row.pseudoParaAngle) - n(row.rotSkyPos) - 90) : wrap180(n(row.rotSkyPos) + n(row.pseudoParaAngle));
      closeTo(row.rotTelPos, rotTel);
      for (const name of ['cloud', 'rotTelPos_backup', 'cummTelAz', 'cloud_extinction', 'extinction_limit']) expect(row[name]).toBeNull();
      expect([row.scheduler_note, row.target_name, row.observation_reason, row.science_program]).toEqual([
        v.scheduler_note ?? '',
        v.target_name ?? '',
        v.observation_reason,
        v.science_program,
      ]);
      expect(n(row.target_id)).toBe(0);
      for (const name of ['observationStartLST', 'sunAz', 'moonAz', 'sunRA', 'moonRA']) {
        expect(n(row[name])).toBeGreaterThanOrEqual(0);
        expect(n(row[name])).toBeLessThan(360);
      }
      for (const name of ['sunAlt', 'moonAlt', 'sunDec', 'moonDec']) expect(Math.abs(n(row[name]))).toBeLessThanOrEqual(90);
      expect(n(row.sunAlt)).toBeLessThan(-12); // the test nights are astronomically dark
      closeTo(row.moonDistance, separation({ ra: v.s_ra as number, dec: v.s_dec as number }, { ra: n(row.moonRA), dec: n(row.moonDec) }));
      closeTo(row.solarElong, separation({ ra: v.s_ra as number, dec: v.s_dec as number }, { ra: n(row.sunRA), dec: n(row.sunDec) }));
      expect(n(row.moonPhase)).toBeGreaterThanOrEqual(0);
      expect(n(row.moonPhase)).toBeLessThanOrEqual(100);

      // Quicklook-derived columns: null without a quicklook row, else the formulas with the
      // measured pixel scale (rubin_scheduler: LSSTCam always 0.2, LATISS fallback 1.0).
      const derived = ['seeingFwhm500', 'seeingFwhmEff', 'seeingFwhmGeom', 'skyBrightness', 'fiveSigmaDepth'];
      if (!q) {
        withoutQuicklook += 1;
        for (const name of derived) expect(row[name]).toBeNull();
        return;
      }
      withQuicklook += 1;
      const ql = (name: string) => (telescope === 'simonyi' ? q[`${name}_median`] : q[name]) as number;
      const scale = ql('pixel_scale');
      expect(scale).not.toBe(telescope === 'simonyi' ? 0.2 : 1.0);
      closeTo(row.seeingFwhm500, ql('seeing_zenith_500nm') * FWHM_PER_SIGMA * scale);
      closeTo(row.seeingFwhmEff, 0.663 * scale * Math.sqrt(ql('psf_area')));
      closeTo(row.seeingFwhmGeom, ql('psf_sigma') * FWHM_PER_SIGMA * scale);
      const sky = -2.5 * Math.log10(ql('sky_bg') / scale ** 2);
      if (telescope === 'simonyi') {
        closeTo(row.skyBrightness, LSSTCAM_ZERO_POINT_1S[band] + 2.5 * Math.log10(v.shut_time as number) + sky);
        closeTo(row.fiveSigmaDepth, LSSTCAM_M5_REFERENCE[band] + 1.25 * Math.log10(ql('eff_time') / 30));
      } else {
        closeTo(row.skyBrightness, ql('zero_point') - (v.airmass as number) * LATISS_EXTINCTION[band] + sky);
        closeTo(row.fiveSigmaDepth, ql('stats_mag_lim'));
      }
    });
    expect(withQuicklook).toBeGreaterThan(10);
    expect(withoutQuicklook).toBeGreaterThan(0);
  });

  it('is written as an opsim SQLite that sqlite3/pandas and SchemaConverter().opsim2obs read', async () => {
    const file = path.join(tmp, `${telescope}.db`);
    await writeOpsimSqlite(file, table());
    const script = `
import json, sqlite3, sys, warnings
import numpy as np, pandas as pd
warnings.simplefilter("ignore")
from rubin_scheduler.scheduler.utils import SchemaConverter
con = sqlite3.connect(sys.argv[1])
df = pd.read_sql("select * from observations;", con)
declared = {row[1]: row[2] for row in con.execute("pragma table_info(observations)")}
obs = SchemaConverter().opsim2obs(sys.argv[1])
print(json.dumps({
    "rows": len(df),
    "columns": list(df.columns[:47]),
    # SQLite has no NaN (sqlite3 stores it as NULL), so a float column that is all null is
    # object to pandas — in rubin_scheduler's own files too; such columns are reported as "null".
    "dtypes": ["null" if df[c].isna().all() and str(df[c].dtype) == "object" else str(df[c].dtype) for c in df.columns[:47]],
    "declared": [declared[c] for c in df.columns[:47]],
    "obs_rows": len(obs),
    "pseudo_pa_nan": int(np.isnan(obs["pseudo_pa"]).sum()),
    "pseudo_pa_deg": np.degrees(obs["pseudo_pa"][:3]).tolist(),
    "ra_deg": np.degrees(obs["RA"][:3]).tolist(),
    "lmst_hours": obs["lmst"][:3].tolist(),
    "band": [str(b) for b in obs["band"][:3]],
    "ids": obs["ID"][:3].tolist(),
}))
`;
    const result = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }));
    const rows = rowsOf(table());
    expect(result.rows).toBe(rows.length);
    expect(result.obs_rows).toBe(rows.length);
    expect(result.columns).toEqual(OPSIM_COLUMN_TYPES.map(([name]) => name));
    const allNull = new Set(['flush_by_mjd', 'rotSkyPos_desired', 'cloud', 'rotTelPos_backup', 'cummTelAz', 'cloud_extinction']);
    const pandasType = { int: 'int64', float: 'float64', text: expect.stringMatching(/^(object|str|string)$/) };
    const sqliteType = { int: 'INTEGER', float: 'REAL', text: 'TEXT' };
    expect(result.dtypes).toEqual(OPSIM_COLUMN_TYPES.map(([name, type]) => (allNull.has(name) ? 'null' : pandasType[type])));
    expect(result.declared).toEqual(OPSIM_COLUMN_TYPES.map(([, type]) => sqliteType[type]));
    // The observation array: angles in radians, LST in hours, pseudo_pa present (no NaN).
    expect(result.pseudo_pa_nan).toBe(0);
    result.pseudo_pa_deg.forEach((value: number, i: number) => expect(value).toBeCloseTo(n(rows[i].pseudoParaAngle), 9));
    result.ra_deg.forEach((value: number, i: number) => expect(value).toBeCloseTo(n(rows[i].fieldRA), 9));
    result.lmst_hours.forEach((value: number, i: number) => expect(value).toBeCloseTo(n(rows[i].observationStartLST) / 15, 9));
    expect(result.band).toEqual(rows.slice(0, 3).map((r) => r.band));
    expect(result.ids).toEqual(rows.slice(0, 3).map((r) => n(r.observationId)));
  });
});

it('refuses a query result without the columns a visit needs', () => {
  expect(() => consdbToOpsim({ columns: ['visit_id', 'day_obs'], rows: [] }, 'simonyi')).toThrow(ConsdbConversionError);
  expect(() => consdbToOpsim({ columns: ['visit_id', 'day_obs'], rows: [] }, 'simonyi')).toThrow(/s_ra, s_dec, sky_rotation, obs_start_mjd, obs_end_mjd, band/);
});

it('drops rows that cannot be placed (no pointing or no start time), as a user query may return them', () => {
  const columns = ['visit_id', 'day_obs', 's_ra', 's_dec', 'sky_rotation', 'obs_start_mjd', 'obs_end_mjd', 'band'];
  const start = 61011.1;
  const rows = [
    [1, 20251202, 10, -20, 30, start, start + 30 / 86_400, 'r'],
    [2, 20251202, null, null, null, start + 0.01, start + 0.011, 'r'],
    [3, 20251202, 11, -21, 30, null, null, 'r'],
  ];
  expect(rowsOf(consdbToOpsim({ columns, rows }, 'simonyi')).map((r) => n(r.observationId))).toEqual([1]);
});

it('numbers nights from the survey start given per call (night 0 = the day_obs starting at it), else from SURVEY_START_MJD', () => {
  const columns = ['visit_id', 'day_obs', 's_ra', 's_dec', 'sky_rotation', 'obs_start_mjd', 'obs_end_mjd', 'band'];
  // 2025-12-03T03:00 TAI, day_obs 20251202; 2026-07-01T02:00 TAI, day_obs 20260630.
  const rows = [
    [1, 20251202, 10, -20, 30, 61012.125, 61012.125 + 30 / 86_400, 'r'],
    [2, 20260630, 10, -20, 30, 61222.0833, 61222.0833 + 30 / 86_400, 'r'],
  ];
  const nights = (options?: { surveyStartMjd?: number }) => rowsOf(consdbToOpsim({ columns, rows }, 'simonyi', options)).map((r) => n(r.night));
  expect(SURVEY_START_MJD).toBe(61220.5);
  expect(nights()).toEqual([nightOfDayObs(20251202), nightOfDayObs(20260630)]);
  expect(nights()).toEqual([-209, 1]);
  expect(nights({ surveyStartMjd: 60980.5 })).toEqual([31, 241]);
  expect(nights({ surveyStartMjd: 61011.5 })).toEqual([0, 210]);
  expect(() => nights({ surveyStartMjd: Number.NaN })).toThrow(ConsdbConversionError);
  expect(() => nights({ surveyStartMjd: 2_460_980.5 })).toThrow(/survey start MJD/); // a JD, not an MJD
});

it('converts an empty answer to an empty table with the full opsim schema', () => {
  const columns = ['visit_id', 'day_obs', 's_ra', 's_dec', 'sky_rotation', 'obs_start_mjd', 'obs_end_mjd', 'band'];
  const empty = consdbToOpsim({ columns, rows: [] }, 'simonyi');
  expect(empty.numRows).toBe(0);
  expect(empty.schema.fields.slice(0, 47).map((f) => f.name)).toEqual(OPSIM_COLUMN_TYPES.map(([name]) => name));
});
