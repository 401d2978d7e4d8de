import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseProtoMetadata, protoBaseUrl, UPSTREAM_PROTO_SIM_ARCHIVE_URL } from './proto-archive';

const DIR = 'file:///proto/2026-06-30/3/';
const parse = (text: string) => parseProtoMetadata(text, DIR, '2026-06-30', 3);

describe('sim_metadata.yaml as import_proto reads it', () => {
  it("reads make_sim_data_dir's YAML: label, dates, tags (strings only), scheduler version, kwargs, files resolved in the entry", () => {
    const metadata = parse(`
files:
    observations:
        md5: 5C4C094346212D06403459A68D543B94
        name: opsim.db
    rewards:
        name: rewards.h5
    elsewhere:
        url: s3://bucket/x/obs_stats.txt
label: Prenight run at 2026-06-30T12:00:00
scheduler_version: 4.6.0
sim_runner_kwargs:
    sim_start_mjd: 61000.5
simulated_dates:
    first: '2026-06-30'
    last: '2026-07-02'
tags:
- prenight
- 3
- nominal
`);
    expect(metadata).toEqual({
      label: 'Prenight run at 2026-06-30T12:00:00',
      telescope: 'simonyi',
      schedulerVersion: '4.6.0',
      creationTime: new Date('2026-06-30T12:00:00Z'),
      firstDayObs: '2026-06-30',
      lastDayObs: '2026-07-02',
      tags: ['prenight', 'nominal'],
      simRunnerArgs: { sim_start_mjd: 61000.5 },
      files: {
        observations: { url: `${DIR}opsim.db`, md5: '5c4c094346212d06403459a68d543b94' },
        rewards: { url: `${DIR}rewards.h5`, md5: undefined },
        elsewhere: { url: 's3://bucket/x/obs_stats.txt', md5: undefined },
      },
    });
  });

  it("honours a creation_time key (the upstream ignored it) and simulation_dates (the key the upstream's exporter writes)", () => {
    const metadata = parse(`
label: exported run at 2020-01-01T00:00:00
creation_time: '2025-10-30T20:15:00+00:00'
telescope: auxtel
simulation_dates: {first: 2025-10-31, last: 20251102}
files: {observations: {name: opsim.db}}
`);
    expect(metadata).toMatchObject({ creationTime: new Date('2025-10-30T20:15:00Z'), telescope: 'auxtel', firstDayObs: '2025-10-31', lastDayObs: '2025-11-02' });
  });

  it('without a creation time or a "run at" label, takes the one the upstream invented: SIM_DATE at noon UTC plus SIM_INDEX seconds', () => {
    expect(parse('label: plain\nfiles: {observations: {name: opsim.db}}\n')).toMatchObject({ creationTime: new Date('2026-06-30T12:00:03Z'), firstDayObs: undefined, lastDayObs: undefined, tags: [] });
    expect(parse('label: ends run at noon\nfiles: {observations: {name: opsim.db}}\n').creationTime).toEqual(new Date('2026-06-30T12:00:03Z'));
  });

  it('refuses a YAML without a label or an observations file, or that is not a mapping, in one line', () => {
    expect(() => parse('files: {observations: {name: opsim.db}}\n')).toThrow(`${DIR}sim_metadata.yaml has no label`);
    expect(() => parse('label: x\nfiles: {rewards: {name: r.h5}}\n')).toThrow(`${DIR}sim_metadata.yaml lists no observations file`);
    expect(() => parse('- a\n- b\n')).toThrow('is not a YAML mapping');
    expect(() => parse('label: [unclosed\n')).toThrow(/is not YAML: [^\n]*$/);
  });
});

describe('the prototype archive base URL', () => {
  const saved = process.env.PROTO_SIM_ARCHIVE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROTO_SIM_ARCHIVE_URL;
    else process.env.PROTO_SIM_ARCHIVE_URL = saved;
  });

  it('is the option, else $PROTO_SIM_ARCHIVE_URL, else the upstream default; local paths become file:// URLs ending in /', () => {
    delete process.env.PROTO_SIM_ARCHIVE_URL;
    expect(protoBaseUrl(undefined)).toBe(UPSTREAM_PROTO_SIM_ARCHIVE_URL);
    process.env.PROTO_SIM_ARCHIVE_URL = 's3://bucket/proto';
    expect(protoBaseUrl(undefined)).toBe('s3://bucket/proto/');
    const local = path.join(os.tmpdir(), 'proto');
    const localUrl = `${pathToFileURL(local).href}/`;
    expect(protoBaseUrl(local)).toBe(localUrl);
    expect(protoBaseUrl(localUrl)).toBe(localUrl);
    expect(() => protoBaseUrl('https://example.org/proto/')).toThrow(/must be a file:\/\/ or s3:\/\/ URL or a local directory/);
  });
});
