/**
 * A deterministic generator of realistic synthetic opsim tables: the 47 columns of the
 * current opsim `observations` schema (rubin_scheduler's SchemaConverter order and types),
 * with plausible values (nights of ~600–900 visits starting at the survey start, 20 % of
 * nights lost to weather, sequences of visits sharing a band, note and reason, sky positions
 * and Sun/Moon ephemerides that drift with time). Not astronomy: just data shaped like opsim's.
 *
 * The same seed always gives the same rows, whatever `batchRows` is (each row draws the same
 * random numbers in the same order). Generation streams batch by batch straight into typed
 * arrays (about 300 k rows/s in Node), so it serves the 2.1-million-visit benchmark.
 */
import { DataType, Field, Float64, Int64, makeData, Schema, Table, Utf8 } from 'apache-arrow';
import { VisitBatchStream } from '../source';
import { recordBatchOf } from '../arrow-build';

/** A column of the opsim `observations` table. */
export interface OpsimColumn {
  readonly name: string;
  /** As SchemaConverter writes it with pandas `to_sql`. */
  readonly sqliteType: 'INTEGER' | 'REAL' | 'TEXT';
  readonly arrowType: DataType;
}

const I = 'INTEGER' as const;
const R = 'REAL' as const;
const T = 'TEXT' as const;
const COLUMN_TYPES: ReadonlyArray<[string, 'INTEGER' | 'REAL' | 'TEXT']> = [
  ['observationId', I], ['fieldRA', R], ['fieldDec', R], ['observationStartMJD', R], ['flush_by_mjd', R],
  ['visitExposureTime', R], ['band', T], ['filter', T], ['rotSkyPos', R], ['rotSkyPos_desired', R],
  ['numExposures', I], ['airmass', R], ['seeingFwhm500', R], ['seeingFwhmEff', R], ['seeingFwhmGeom', R],
  ['skyBrightness', R], ['night', I], ['slewTime', R], ['visitTime', R], ['slewDistance', R],
  ['fiveSigmaDepth', R], ['altitude', R], ['azimuth', R], ['paraAngle', R], ['pseudoParaAngle', R],
  ['cloud', R], ['moonAlt', R], ['sunAlt', R], ['scheduler_note', T], ['target_name', T],
  ['target_id', I], ['observationStartLST', R], ['rotTelPos', R], ['rotTelPos_backup', R], ['moonAz', R],
  ['sunAz', R], ['sunRA', R], ['sunDec', R], ['moonRA', R], ['moonDec', R],
  ['moonDistance', R], ['solarElong', R], ['moonPhase', R], ['cummTelAz', R], ['observation_reason', T],
  ['science_program', T], ['cloud_extinction', R],
];

/** The 47 columns of the current opsim schema, in order. */
export const OPSIM_COLUMNS: readonly OpsimColumn[] = COLUMN_TYPES.map(([name, sqliteType]) => ({
  name,
  sqliteType,
  arrowType: sqliteType === 'INTEGER' ? new Int64() : sqliteType === 'REAL' ? new Float64() : new Utf8(),
}));

/** The Arrow schema of an opsim table (int64, float64, utf8; all nullable). */
export const OPSIM_SCHEMA = new Schema(OPSIM_COLUMNS.map((c) => new Field(c.name, c.arrowType, true)));

export interface SyntheticOpsimOptions {
  /** Number of visits. */
  rows: number;
  /** Seed of the pseudo-random sequence; default 1. */
  seed?: number;
  /** Rows per record batch; default 65536. */
  batchRows?: number;
  /** MJD of the start of night 0; default 60980.5 (2025-11-01, an arbitrary fixed night: tests compare against it). */
  startMjd?: number;
  /**
   * Also emit the `extinction_limit` REAL column that rubin_scheduler ≥ 4.6 writes after
   * `cloud_extinction` (48 columns); default false (the 47-column schema).
   */
  extinctionLimit?: boolean;
}

// Hot loops below call these millions of times. Binding them once avoids global lookups,
// which are slow inside vm contexts (jest runs tests in one).
const { sin, cos, sqrt, log, exp, asin, floor, round, max, min, abs, log10, pow, imul, PI } = Math;
const toBigInt = BigInt;

/** mulberry32: tiny, fast, and identical on every platform (32-bit integer arithmetic). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BANDS = ['u', 'g', 'r', 'i', 'z', 'y'];
const BAND_WEIGHTS = [0.07, 0.09, 0.22, 0.22, 0.2, 0.2];
const FILTERS = ['u_24', 'g_6', 'r_57', 'i_39', 'z_20', 'y_10'];
const EXPTIME = [38, 30, 30, 30, 30, 30];
const SKY = [22.9, 22.3, 21.2, 20.5, 19.6, 18.6];
const DEPTH = [23.8, 24.8, 24.4, 23.9, 23.3, 22.4];
const TARGETS = ['', '', '', 'lowdust', 'scp', 'LMC_SMC', 'dusty_plane', 'euclid_overlap', 'bulgy', 'nes', 'lowdust, LMC_SMC', 'scp, euclid_overlap', 'virgo'];
const PROGRAMS = ['BLOCK-407', 'BLOCK-365', 'BLOCK-T514'];
const DDFS = ['COSMOS', 'XMM_LSS', 'ECDFS', 'ELAISS1', 'EDFS_a', 'EDFS_b'];

/** Sequence kinds: [scheduler_note pattern, observation_reason pattern, visits in the sequence]. */
const SEQUENCES: ReadonlyArray<[(b: string, k: number) => string, (b: string, k: number) => string, number]> = [
  [(b) => `blob_long, ${b}${b === 'g' ? 'r' : 'i'}, a`, (b) => `pairs_${b}_33.0`, 40],
  [(b) => `blob_long, ${b}${b === 'g' ? 'r' : 'i'}, b`, (b) => `pairs_${b}_33.0`, 40],
  [(b) => `greedy ${b}`, (b) => `singles_${b}`, 20],
  [(b, k) => `twilight_near_sun, ${k % 4}`, () => 'twilight_near_sun', 24],
  [(b) => `templates, ${b}`, (b) => `template_blob_${b}_33.0`, 30],
  [(b, k) => `DD:${DDFS[k % DDFS.length]}`, (b, k) => `FBS.DDF.${DDFS[k % DDFS.length]}`, 25],
];

const RAD = PI / 180;
const wrap360 = (x: number) => ((x % 360) + 360) % 360;

/** Builds a Utf8 column from indices into a small set of strings (all values non-null). */
class TextColumn {
  private readonly offsets: Int32Array;
  private bytes: Buffer;
  private length = 0;
  constructor(capacity: number) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = Buffer.allocUnsafe(capacity * 24 + 64);
  }
  push(text: string): void {
    const end = this.offsets[this.length];
    if (end + text.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2 + text.length * 3);
      this.bytes.copy(grown, 0, 0, end);
      this.bytes = grown;
    }
    this.offsets[++this.length] = end + this.bytes.write(text, end, 'utf8');
  }
  finish() {
    const used = this.offsets[this.length];
    return makeData({ type: new Utf8(), length: this.length, nullCount: 0, valueOffsets: this.offsets.subarray(0, this.length + 1), data: new Uint8Array(this.bytes.subarray(0, used)) });
  }
}

/** Streams a synthetic opsim table (see the module comment). */
export function syntheticOpsimBatches(options: SyntheticOpsimOptions): VisitBatchStream {
  const { rows, seed = 1, batchRows = 65536, startMjd = 60980.5, extinctionLimit = false } = options;
  const schema = extinctionLimit ? new Schema([...OPSIM_SCHEMA.fields, new Field('extinction_limit', new Float64(), true)]) : OPSIM_SCHEMA;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      for (const batch of generate(rows, seed, batchRows, startMjd, schema, extinctionLimit)) yield batch;
    },
  };
}

/** The whole synthetic table in memory (for small tests). */
export function syntheticOpsimTable(options: SyntheticOpsimOptions): Table {
  const schema = options.extinctionLimit ? new Schema([...OPSIM_SCHEMA.fields, new Field('extinction_limit', new Float64(), true)]) : OPSIM_SCHEMA;
  const batches = [...generate(options.rows, options.seed ?? 1, options.batchRows ?? 65536, options.startMjd ?? 60980.5, schema, !!options.extinctionLimit)];
  return batches.length > 0 ? new Table(schema, batches) : new Table(schema);
}

function* generate(rows: number, seed: number, batchRows: number, startMjd: number, schema: Schema, extinctionLimit: boolean) {
  const random = mulberry32(seed);
  const normal = () => {
    const u = max(random(), 1e-12);
    return sqrt(-2 * log(u)) * cos(2 * PI * random());
  };
  // Night and sequence state, carried across batches.
  let night = -1;
  let mjd = 0;
  let nightEnd = 0;
  let seqLeft = 0;
  let band = 0;
  let seqKind = 0;
  let seqCount = 0;
  let target = '';
  let program = PROGRAMS[0];
  let fieldRA = 0;
  let fieldDec = -30;
  let cummTelAz = 0;
  let cloud = 0;

  const nextNight = () => {
    do {
      night++;
    } while (random() < 0.2); // weather
    mjd = startMjd + night + 0.47 + 0.03 * random();
    const visits = 600 + floor(300 * random());
    nightEnd = mjd + visits * (36 / 86400);
    cloud = random() < 0.7 ? 0 : round(random() * 30) / 100;
    seqLeft = 0;
  };

  for (let done = 0; done < rows; ) {
    const n = min(batchRows, rows - done);
    const f64 = (k: number) => new Float64Array(k);
    const cols = {
      fieldRA: f64(n), fieldDec: f64(n), mjd: f64(n), flush: f64(n), exptime: f64(n), rotSkyPos: f64(n), rotSkyPosDesired: f64(n),
      airmass: f64(n), fwhm500: f64(n), fwhmEff: f64(n), fwhmGeom: f64(n), sky: f64(n), slewTime: f64(n), visitTime: f64(n),
      slewDist: f64(n), depth: f64(n), alt: f64(n), az: f64(n), pa: f64(n), pseudoPa: f64(n), cloud: f64(n), moonAlt: f64(n),
      sunAlt: f64(n), lst: f64(n), rotTelPos: f64(n), rotTelPosBackup: f64(n), moonAz: f64(n), sunAz: f64(n), sunRA: f64(n),
      sunDec: f64(n), moonRA: f64(n), moonDec: f64(n), moonDist: f64(n), solarElong: f64(n), moonPhase: f64(n), cummTelAz: f64(n),
      cloudExt: f64(n), extinctionLimit: f64(n),
    };
    const ids = new BigInt64Array(n);
    const nexp = new BigInt64Array(n);
    const nights = new BigInt64Array(n);
    const targetIds = new BigInt64Array(n);
    const texts = { band: new TextColumn(n), filter: new TextColumn(n), note: new TextColumn(n), target: new TextColumn(n), reason: new TextColumn(n), program: new TextColumn(n) };

    for (let i = 0; i < n; i++) {
      const row = done + i;
      if (night < 0 || mjd > nightEnd) nextNight();
      if (seqLeft === 0) {
        let u = random();
        band = 0;
        while (band < 5 && u > BAND_WEIGHTS[band]) u -= BAND_WEIGHTS[band++];
        seqKind = floor(random() * SEQUENCES.length);
        seqCount++;
        seqLeft = max(1, round(SEQUENCES[seqKind][2] * (0.5 + random())));
        target = TARGETS[floor(random() * TARGETS.length)];
        program = PROGRAMS[floor(random() * PROGRAMS.length)];
        fieldRA = 360 * random();
        fieldDec = asin(random() * 1.5 - 1) / RAD; // uniform on the sky from -90° to +30°
      }
      seqLeft--;
      const b = BANDS[band];
      const slew = random() < 0.05 ? 20 + 120 * random() : 4.5 + 1.5 * random();
      const exposures = band === 0 ? 1 : random() < 0.1 ? 2 : 1;
      const exptime = seqKind === 3 ? 15 : EXPTIME[band];
      const visitTime = exptime + exposures * 1 + (exposures - 1) * 2;
      fieldRA = wrap360(fieldRA + 3.5 * normal());
      fieldDec = max(-89.9, min(30, fieldDec + 3.5 * normal()));
      const alt = 25 + 63 * sqrt(random());
      const az = 360 * random();
      const airmass = 1 / sin(alt * RAD);
      const fwhm500 = 0.45 + 0.35 * exp(0.4 * normal()) * 0.6;
      const fwhmEff = 1.16 * pow(airmass, 0.6) * fwhm500 * (band === 0 ? 1.1 : 1) + 0.05;
      const days = mjd - 51544.5;
      const sunLon = wrap360(280.46 + 0.9856474 * days);
      const moonLon = wrap360(218.32 + 13.176396 * days);
      const phase = ((days / 29.530589) % 1 + 1) % 1;
      const moonAlt = 60 * sin(2 * PI * (mjd % 1) + moonLon * RAD);
      const sunAlt = -18 - 30 * sin(PI * min(1, max(0, (mjd - (nightEnd - 0.4)) / 0.4)));
      const rotSkyPos = 360 * random();
      const pseudoPa = 180 * (2 * random() - 1);

      ids[i] = toBigInt(row);
      cols.fieldRA[i] = fieldRA;
      cols.fieldDec[i] = fieldDec;
      cols.mjd[i] = mjd;
      cols.flush[i] = mjd + 0.02 + 0.03 * random();
      cols.exptime[i] = exptime;
      texts.band.push(b);
      texts.filter.push(FILTERS[band]);
      cols.rotSkyPos[i] = rotSkyPos;
      cols.rotSkyPosDesired[i] = 0;
      nexp[i] = toBigInt(exposures);
      cols.airmass[i] = airmass;
      cols.fwhm500[i] = fwhm500;
      cols.fwhmEff[i] = fwhmEff;
      cols.fwhmGeom[i] = 0.822 * fwhmEff + 0.052;
      cols.sky[i] = SKY[band] - 0.3 * random() - (moonAlt > 0 ? 1.5 * sin(PI * phase) * (moonAlt / 60) : 0);
      nights[i] = toBigInt(night);
      cols.slewTime[i] = slew;
      cols.visitTime[i] = visitTime;
      cols.slewDist[i] = slew < 10 ? 2.4 + 0.8 * random() : slew * 0.45;
      cols.depth[i] = DEPTH[band] - 1.25 * log10(airmass) * 2 - 0.3 * abs(normal()) - cloud;
      cols.alt[i] = alt;
      cols.az[i] = az;
      cols.pa[i] = wrap360(pseudoPa + 0.5 * normal());
      cols.pseudoPa[i] = pseudoPa;
      cols.cloud[i] = cloud;
      cols.moonAlt[i] = moonAlt;
      cols.sunAlt[i] = sunAlt;
      texts.note.push(SEQUENCES[seqKind][0](b, seqCount));
      texts.target.push(target);
      targetIds[i] = toBigInt(row);
      cols.lst[i] = wrap360(280.46061837 + 360.98564736629 * days - 70.7494);
      cols.rotTelPos[i] = wrap360(rotSkyPos - pseudoPa + 180) - 180;
      cols.rotTelPosBackup[i] = 0;
      cols.moonAz[i] = wrap360(moonLon + 90 * sin(2 * PI * (mjd % 1)));
      cols.sunAz[i] = wrap360(sunLon + 180 * (mjd % 1));
      cols.sunRA[i] = sunLon;
      cols.sunDec[i] = 23.44 * sin(sunLon * RAD);
      cols.moonRA[i] = moonLon;
      cols.moonDec[i] = 28.5 * sin(moonLon * RAD);
      cols.moonDist[i] = 180 * random();
      cols.solarElong[i] = 30 + 150 * random();
      cols.moonPhase[i] = 50 * (1 - cos(2 * PI * phase));
      cummTelAz = max(-270, min(270, cummTelAz + slew * (random() - 0.5) * 4));
      cols.cummTelAz[i] = cummTelAz;
      texts.reason.push(SEQUENCES[seqKind][1](b, seqCount));
      texts.program.push(program);
      cols.cloudExt[i] = cloud > 0 ? 2.5 * cloud : 0;
      cols.extinctionLimit[i] = 1;
      mjd += (visitTime + slew) / 86400;
    }
    const float = (values: Float64Array) => makeData({ type: new Float64(), length: n, nullCount: 0, data: values });
    const int = (values: BigInt64Array) => makeData({ type: new Int64(), length: n, nullCount: 0, data: values });
    const data = [
      int(ids), float(cols.fieldRA), float(cols.fieldDec), float(cols.mjd), float(cols.flush), float(cols.exptime), texts.band.finish(),
      texts.filter.finish(), float(cols.rotSkyPos), float(cols.rotSkyPosDesired), int(nexp), float(cols.airmass), float(cols.fwhm500),
      float(cols.fwhmEff), float(cols.fwhmGeom), float(cols.sky), int(nights), float(cols.slewTime), float(cols.visitTime),
      float(cols.slewDist), float(cols.depth), float(cols.alt), float(cols.az), float(cols.pa), float(cols.pseudoPa), float(cols.cloud),
      float(cols.moonAlt), float(cols.sunAlt), texts.note.finish(), texts.target.finish(), int(targetIds), float(cols.lst),
      float(cols.rotTelPos), float(cols.rotTelPosBackup), float(cols.moonAz), float(cols.sunAz), float(cols.sunRA), float(cols.sunDec),
      float(cols.moonRA), float(cols.moonDec), float(cols.moonDist), float(cols.solarElong), float(cols.moonPhase), float(cols.cummTelAz),
      texts.reason.finish(), texts.program.finish(), float(cols.cloudExt),
    ];
    if (extinctionLimit) data.push(float(cols.extinctionLimit));
    yield recordBatchOf(schema, data);
    done += n;
  }
}

