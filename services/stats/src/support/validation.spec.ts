import * as grpc from '@grpc/grpc-js';
import { dayObsRange, requireUuid } from './validation';

const codeOf = (work: () => unknown) => {
  try {
    work();
    return 'OK';
  } catch (error) {
    return grpc.status[(error as grpc.ServiceError).code];
  }
};

describe('requireUuid', () => {
  it('lower-cases a UUID and refuses anything else with INVALID_ARGUMENT', () => {
    expect(requireUuid('0A6E4A3C-9C1B-4C1D-8E2F-0123456789AB', 'f')).toBe('0a6e4a3c-9c1b-4c1d-8e2f-0123456789ab');
    for (const bad of [undefined, '', 'nope', '0a6e4a3c-9c1b-4c1d-8e2f-0123456789a', '0a6e4a3c9c1b4c1d8e2f0123456789ab']) expect(codeOf(() => requireUuid(bad, 'f'))).toBe('INVALID_ARGUMENT');
  });
});

describe('dayObsRange', () => {
  it('normalises both spellings to ISO, keeps empty bounds open', () => {
    expect(dayObsRange({ firstDayObs: '20251105', lastDayObs: '2025-11-08' }, 'r')).toEqual({ first: '2025-11-05', last: '2025-11-08' });
    expect(dayObsRange({ firstDayObs: '', lastDayObs: '20251108' }, 'r')).toEqual({ first: undefined, last: '2025-11-08' });
    expect(dayObsRange(undefined, 'r')).toEqual({ first: undefined, last: undefined });
    expect(dayObsRange({ firstDayObs: '2025-11-08', lastDayObs: '2025-11-08' }, 'r')).toEqual({ first: '2025-11-08', last: '2025-11-08' });
  });

  it('refuses malformed and reversed ranges with INVALID_ARGUMENT', () => {
    expect(codeOf(() => dayObsRange({ firstDayObs: '2025-13-45', lastDayObs: '' }, 'r'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dayObsRange({ firstDayObs: '', lastDayObs: 'tomorrow' }, 'r'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => dayObsRange({ firstDayObs: '2025-11-09', lastDayObs: '2025-11-02' }, 'r'))).toBe('INVALID_ARGUMENT');
  });
});
