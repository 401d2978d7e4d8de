import { requestFingerprint, sequenceUuidForRequest } from './request-ids';

describe('requestFingerprint', () => {
  const header = { label: 'nominal', telescope: 'simonyi', tags: ['prenight'], condaEnvSha256: Buffer.alloc(32, 1), creationTime: new Date('2026-12-05T00:00:00Z') };

  it('is the same for the same request, whatever its request_id, key order or defaults', () => {
    const fingerprint = requestFingerprint({ ...header, requestId: 'a' });
    expect(requestFingerprint({ requestId: 'b', creationTime: new Date('2026-12-05T00:00:00Z'), condaEnvSha256: Buffer.alloc(32, 1), tags: ['prenight'], telescope: 'simonyi', label: 'nominal' })).toBe(fingerprint);
    // Fields at their proto3 defaults, as a later contract's new fields arrive from a decoder: no change.
    expect(requestFingerprint({ ...header, replace: false, fileName: '', rowLimit: 0, extra: [], digest: new Uint8Array(0), nested: { flag: false }, unset: undefined })).toBe(fingerprint);
  });

  it('differs for a different request', () => {
    const fingerprint = requestFingerprint(header);
    for (const other of [{ label: 'other' }, { tags: ['prenight', 'nominal'] }, { condaEnvSha256: Buffer.alloc(32, 2) }, { creationTime: new Date('2026-12-05T00:00:01Z') }, { replace: true }]) {
      expect(requestFingerprint({ ...header, ...other })).not.toBe(fingerprint);
    }
  });
});

describe('sequenceUuidForRequest', () => {
  it('names the same version 5 UUID for an id in any case', () => {
    const uuid = sequenceUuidForRequest('0F2A6E1C-1D3B-4C5D-8E9F-0A1B2C3D4E5F');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sequenceUuidForRequest('0f2a6e1c-1d3b-4c5d-8e9f-0a1b2c3d4e5f')).toBe(uuid);
  });
});
