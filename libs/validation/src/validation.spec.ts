import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { sequenceUuidForRequest } from '@visitsarch/grpc-server';
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
