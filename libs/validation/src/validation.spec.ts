import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { sequenceUuidForRequest } from '@visitsarch/grpc-server';
import { checkRequestLimits, MAX_LABEL_CHARS, MAX_TAGS_PER_CALL, quote } from './index';
import { dayObsRange, isBlank, isTelescope, isUuid, optionalDayObs, optionalSha256, optionalUuid, pageSize, requireBatch, requireDayObs, requireSha256, requireTelescope, requireText, requireUuid } from './index';

const outcome = (work: () => unknown) => {
  try {
    return work();
  } catch (error) {
    return `${grpc.status[(error as grpc.ServiceError).code]}: ${(error as Error).message}`;
  }
};

describe('UUIDs', () => {
  it('accepts what clients send: uuid4 (Python, Node), uuid5 (request ids, the demo), any case', () => {
    for (const uuid of [randomUUID(), sequenceUuidForRequest(randomUUID()), '0A6E4A3C-9C1B-4C1D-8E2F-0123456789AB', '6ba7b810-9dad-11d1-80b4-00c04fd430c8']) expect(isUuid(uuid)).toBe(true);
  });

  it('refuses hex of the right shape without the version and variant bits, and other shapes', () => {
    for (const bad of ['00000000-0000-0000-0000-000000000000', '0a6e4a3c-9c1b-0c1d-8e2f-0123456789ab', '0a6e4a3c-9c1b-4c1d-7e2f-0123456789ab', 'nope', '0a6e4a3c9c1b4c1d8e2f0123456789ab', '0a6e4a3c-9c1b-4c1d-8e2f-0123456789a']) expect(isUuid(bad)).toBe(false);
  });

  it('lower-cases a valid field and refuses others with INVALID_ARGUMENT', () => {
    expect(requireUuid('0A6E4A3C-9C1B-4C1D-8E2F-0123456789AB', 'f')).toBe('0a6e4a3c-9c1b-4c1d-8e2f-0123456789ab');
    expect(outcome(() => requireUuid('', 'f'))).toBe('INVALID_ARGUMENT: f is required');
    expect(outcome(() => requireUuid('nope', 'f'))).toBe('INVALID_ARGUMENT: f must be a UUID, got "nope"');
    expect(optionalUuid('', 'f')).toBeUndefined();
  });
});

describe('text and telescopes', () => {
  it('refuses unset, empty and white-space-only text, and returns other text as given', () => {
    for (const blank of [undefined, '', '  \t']) {
      expect(isBlank(blank)).toBe(true);
      expect(outcome(() => requireText(blank, 'label'))).toBe('INVALID_ARGUMENT: label is required');
    }
    expect(requireText(' a ', 'label')).toBe(' a ');
  });

  it('knows the telescopes', () => {
    expect(isTelescope('simonyi') && isTelescope('auxtel')).toBe(true);
    expect(requireTelescope('auxtel')).toBe('auxtel');
    expect(outcome(() => requireTelescope('hubble'))).toBe('INVALID_ARGUMENT: telescope must be one of simonyi, auxtel, got "hubble"');
  });
});

describe('day_obs', () => {
  it('normalises to ISO and names the field when refusing', () => {
    expect(requireDayObs('20251105', 'd')).toBe('2025-11-05');
    expect(optionalDayObs('', 'd')).toBeUndefined();
    expect(outcome(() => requireDayObs('', 'd'))).toBe('INVALID_ARGUMENT: d is required');
    expect(outcome(() => optionalDayObs('tomorrow', 'd'))).toMatch(/^INVALID_ARGUMENT: d: not a day_obs/);
  });

  it('checks ranges', () => {
    expect(dayObsRange({ firstDayObs: '20251105', lastDayObs: '2025-11-08' }, 'r')).toEqual({ first: '2025-11-05', last: '2025-11-08' });
    expect(dayObsRange(undefined, 'r')).toEqual({ first: undefined, last: undefined });
    expect(outcome(() => dayObsRange({ firstDayObs: '2025-11-09', lastDayObs: '2025-11-02' }, 'r'))).toBe('INVALID_ARGUMENT: r.last_day_obs 2025-11-02 is earlier than first_day_obs 2025-11-09');
  });
});

describe('sizes', () => {
  it('checks digests, batches and page sizes', () => {
    expect(requireSha256(new Uint8Array(32), 's')).toHaveLength(32);
    expect(optionalSha256(new Uint8Array(0), 's')).toBeUndefined();
    expect(outcome(() => requireSha256(new Uint8Array(31), 's'))).toBe('INVALID_ARGUMENT: s must be a raw 32-byte SHA-256 digest, got 31 bytes');
    expect(requireBatch([1, 2], 'rows')).toEqual([1, 2]);
    expect(outcome(() => requireBatch([], 'rows'))).toBe('INVALID_ARGUMENT: rows is empty');
    expect(outcome(() => requireBatch([1, 2, 3], 'rows', 2))).toBe('INVALID_ARGUMENT: rows has 3 rows; at most 2 are accepted per call');
    expect([pageSize(0, 'p', 100, 1000), pageSize(5000, 'p', 100, 1000), pageSize(7, 'p', 100, 1000)]).toEqual([100, 1000, 7]);
    expect(outcome(() => pageSize(-1, 'p', 100, 1000))).toBe('INVALID_ARGUMENT: p must not be negative');
  });
});

describe('request limits', () => {
  const uuid = '0a6e4a3c-9c1b-4c1d-8e2f-0123456789ab';

  it('quotes at most a short prefix of a value', () => {
    expect(quote('abc')).toBe('"abc"');
    expect(quote('y'.repeat(100_000))).toBe(`"${'y'.repeat(64)}"… (100000 characters)`);
    expect(outcome(() => requireUuid('z'.repeat(100_000), 'f'))).toBe(`INVALID_ARGUMENT: f must be a UUID, got "${'z'.repeat(64)}"… (100000 characters)`);
    expect(String(outcome(() => requireDayObs('9'.repeat(5000), 'd'))).length).toBeLessThan(200);
  });

  it('accepts requests as clients send them', () => {
    const request = {
      visitseqUuid: uuid,
      visitSequence: { visitseqLabel: 'l'.repeat(MAX_LABEL_CHARS), simRunnerArgs: { fields: { nights: { numberValue: 3 }, note: { stringValue: 'x' } } }, surveyStartMjd: 60796 },
      tags: Array.from({ length: MAX_TAGS_PER_CALL }, (_, i) => `tag${i}`),
      visitseqUuids: [uuid, uuid],
      comment: 'c'.repeat(10_000),
      fileName: 'rewards.h5',
      timeout: { seconds: 30, nanos: 0 },
      stats: [{ mean: Number.NaN, max: Number.POSITIVE_INFINITY }],
      data: new Uint8Array(10_000_000),
    };
    expect(() => checkRequestLimits(request)).not.toThrow();
  });

  it.each([
    [{ visitseqUuid: 'u'.repeat(100_000) }, 'visitseq_uuid is 100000 characters long; at most 36 are accepted'],
    [{ visitSequence: { visitseqLabel: 'l'.repeat(1_000_001) } }, 'visit_sequence.visitseq_label is 1000001 characters long; at most 1000 are accepted'],
    [{ tags: Array.from({ length: 10_000 }, () => 't') }, 'tags has 10000 items; at most 100 are accepted per call'],
    [{ tags: ['ok', 't'.repeat(1_000_000)] }, 'tags[1] is 1000000 characters long; at most 100 are accepted'],
    [{ label: 'a\u0000b' }, 'label contains a NUL byte (at character 1); text may not contain NUL'],
    [{ sql: 'SELECT 1\u0000' }, 'sql contains a NUL byte (at character 8); text may not contain NUL'],
    [{ fileName: 'f'.repeat(300) }, 'file_name is 300 characters long; at most 255 are accepted'],
    [{ fileName: '../etc' }, 'file_name must be a file name without "/", got "../etc"'],
    [{ surveyStartMjd: 1e300 }, 'survey_start_mjd must be a finite number from 0 to 100000, got "1e+300"'],
    [{ surveyStartMjd: Number.NaN }, 'survey_start_mjd must be a finite number from 0 to 100000, got "NaN"'],
    [{ timeout: { seconds: -1, nanos: 0 } }, 'timeout must be a duration that is not negative'],
    [{ pageToken: 'p'.repeat(8193) }, 'page_token is 8193 characters long; at most 8192 are accepted'],
    [{ simRunnerArgs: { fields: { note: { stringValue: 'x\u0000' } } } }, 'sim_runner_args.fields.note.string_value contains a NUL byte (at character 1); text may not contain NUL'],
  ])('refuses %#: INVALID_ARGUMENT naming the field, without echoing the value', (request, message) => {
    expect(outcome(() => checkRequestLimits(request))).toBe(`INVALID_ARGUMENT: ${message}`);
  });
});
