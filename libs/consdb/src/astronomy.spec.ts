/**
 * The converted astronomy columns against an independent computation with astropy (and
 * rubin_scheduler's astropy-based definitions), run in the project's Python venv. The
 * tolerances are the ones docs/consdb.md states.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Table } from 'apache-arrow';
import { consdbToOpsim, separation, taiToUtcMjd, wrap180 } from './index';
import { consdbResultOf } from './testing/consdb-rows';
import { testNights } from './testing/test-visits';

jest.setTimeout(120_000);

const PYTHON = path.resolve(__dirname, '..', '..', '..', '.venv', 'bin', 'python');
const REFERENCE = path.join(__dirname, 'testing', 'astropy_reference.py');

/**
 * Tolerances in degrees (LST: 0.5 s of time; moonPhase in percentage points; illumination as a
 * fraction): about 3× the worst differences measured (CONSDB_ASTRONOMY_REPORT=1 prints them).
 */
const TOLERANCE = {
  lst: 0.5 / 240,
  sun: 0.005,
  moon: 0.005,
  moonHorizontal: 0.01,
  fieldHorizontal: 0.002,
  parallactic: 0.02,
  moonPhase: 0.005,
  illumination: 0.0002,
};

/** Visits over a year (every Moon phase, both sides of the meridian, 20°–88° altitude). */
function visitsOverAYear() {
  const dates = [20251201, 20260107, 20260215, 20260322, 20260430, 20260611, 20260719, 20260826, 20261003, 20261114];
  return dates.flatMap((firstDayObs, i) => testNights({ telescope: 'simonyi', firstDayObs, nights: 1, cadenceSeconds: 1500, seed: 100 + i }));
}

let table: Table;
let reference: Record<string, number[]>;
const column = (name: string) => Array.from(table.getChild(name)!.toArray() as Float64Array);

beforeAll(() => {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`bash tools/python-env.sh\``);
  table = consdbToOpsim(consdbResultOf(visitsOverAYear()), 'simonyi');
  const rows = Array.from({ length: table.numRows }, (_, i) => ({
    ra: table.getChild('fieldRA')!.get(i) as number,
    dec: table.getChild('fieldDec')!.get(i) as number,
    start_tai: table.getChild('obs_start_mjd')!.get(i) as number,
    middle_tai: table.getChild('exp_midpt_mjd')!.get(i) as number,
  }));
  reference = JSON.parse(execFileSync(PYTHON, [REFERENCE], { input: JSON.stringify(rows), encoding: 'utf8', maxBuffer: 64 << 20 }));
});

/** Largest difference over the rows (angles wrapped, so 359.99° vs 0.01° is 0.02°). */
function worst(name: string, wrap = true): number {
  const ours = column(name);
  return Math.max(...ours.map((value, i) => Math.abs(wrap ? wrap180(value - reference[name][i]) : value - reference[name][i])));
}

/** Largest on-sky distance between two (lon, lat) column pairs. */
function worstSeparation(lon: string, lat: string): number {
  const [ourLon, ourLat] = [column(lon), column(lat)];
  return Math.max(...ourLon.map((_, i) => separation({ ra: ourLon[i], dec: ourLat[i] }, { ra: reference[lon][i], dec: reference[lat][i] })));
}

it('covers the sky and the lunation (so the comparison means something)', () => {
  expect(table.numRows).toBeGreaterThan(100);
  const phases = column('moonPhase');
  expect(Math.min(...phases)).toBeLessThan(15);
  expect(Math.max(...phases)).toBeGreaterThan(85);
  expect(Math.min(...column('moonAlt'))).toBeLessThan(-30);
  expect(Math.max(...column('moonAlt'))).toBeGreaterThan(30);
  expect(Math.max(...column('altitude'))).toBeGreaterThan(80);
  // observationStartMJD is the UTC of the TAI start (37 s earlier).
  const start = column('observationStartMJD');
  column('obs_start_mjd').forEach((tai, i) => expect(start[i]).toBeCloseTo(taiToUtcMjd(tai), 9));
});

it(`matches astropy's apparent local sidereal time within 0.5 s`, () => {
  expect(worst('observationStartLST')).toBeLessThan(TOLERANCE.lst);
});

it('matches astropy for the Sun (RA/Dec, alt/az)', () => {
  expect(worstSeparation('sunRA', 'sunDec')).toBeLessThan(TOLERANCE.sun);
  expect(worstSeparation('sunAz', 'sunAlt')).toBeLessThan(TOLERANCE.sun);
});

it('matches astropy for the Moon (geocentric RA/Dec, topocentric alt/az, phase, illumination)', () => {
  expect(worstSeparation('moonRA', 'moonDec')).toBeLessThan(TOLERANCE.moon);
  expect(worstSeparation('moonAz', 'moonAlt')).toBeLessThan(TOLERANCE.moonHorizontal);
  expect(worst('moonPhase', false)).toBeLessThan(TOLERANCE.moonPhase);
  expect(worst('moon_illumination', false)).toBeLessThan(TOLERANCE.illumination);
  expect(worst('moonDistance', false)).toBeLessThan(TOLERANCE.moon);
  expect(worst('solarElong', false)).toBeLessThan(TOLERANCE.sun);
});

it('matches astropy for the field’s parallactic and pseudo parallactic angles', () => {
  expect(worst('paraAngle')).toBeLessThan(TOLERANCE.parallactic);
  expect(worst('pseudoParaAngle')).toBeLessThan(TOLERANCE.parallactic);
});

it('records the test ConsDB’s alt/az, which astropy reproduces from RA/Dec', () => {
  // The test visits' alt/az were made from their RA/Dec with this module; astropy agreeing
  // shows the ICRS ↔ alt/az path (used when ConsDB has no alt/az) is right.
  expect(worstSeparation('azimuth', 'altitude')).toBeLessThan(TOLERANCE.fieldHorizontal);
});

afterAll(() => {
  // The measured worst cases, for docs/consdb.md.
  if (!reference) return;
  const report = {
    lstSeconds: worst('observationStartLST') * 240,
    sunRaDec: worstSeparation('sunRA', 'sunDec'),
    sunAltAz: worstSeparation('sunAz', 'sunAlt'),
    moonRaDec: worstSeparation('moonRA', 'moonDec'),
    moonAltAz: worstSeparation('moonAz', 'moonAlt'),
    moonPhase: worst('moonPhase', false),
    illumination: worst('moon_illumination', false),
    paraAngle: worst('paraAngle'),
    pseudoParaAngle: worst('pseudoParaAngle'),
    fieldAltAz: worstSeparation('azimuth', 'altitude'),
  };
  if (process.env.CONSDB_ASTRONOMY_REPORT) console.log(report);
});
