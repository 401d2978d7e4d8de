import { parseArchiveUrl, parseObjectUrl, sequenceFileUrl } from './archive-url';
import { InvalidLocationError } from './errors';

describe('parseArchiveUrl', () => {
  it('parses local directories', () => {
    expect(parseArchiveUrl('file:///var/lib/visitsarch/archive')).toEqual({
      kind: 'file',
      url: 'file:///var/lib/visitsarch/archive/',
      directory: '/var/lib/visitsarch/archive',
    });
  });
  it('parses S3 prefixes, including Ceph tenant-style bucket names', () => {
    expect(parseArchiveUrl('s3://rubin:rubin-scheduler-prenight/opsim/vseq')).toEqual({
      kind: 's3',
      url: 's3://rubin:rubin-scheduler-prenight/opsim/vseq/',
      bucket: 'rubin:rubin-scheduler-prenight',
      prefix: 'opsim/vseq/',
    });
    expect(parseArchiveUrl('s3://bucket')).toMatchObject({ bucket: 'bucket', prefix: '' });
  });
  it('refuses other schemes', () => {
    expect(() => parseArchiveUrl('gs://bucket/x/')).toThrow(/unsupported archive URL/);
  });
});

describe('sequenceFileUrl', () => {
  const address = {
    archiveUrl: 's3://rubin:rubin-scheduler-prenight/opsim/vseq',
    telescope: 'simonyi',
    creationDayObs: '20251016',
    visitseqUuid: '47ED5C53-0000-4000-8000-000000000001',
    fileName: 'visits.h5',
  };
  it('builds the upstream layout, with an ISO day_obs and a lower-case UUID', () => {
    expect(sequenceFileUrl(address)).toBe('s3://rubin:rubin-scheduler-prenight/opsim/vseq/simonyi/2025-10-16/47ed5c53-0000-4000-8000-000000000001/visits.h5');
    expect(sequenceFileUrl({ ...address, archiveUrl: 'file:///srv/archive/' })).toBe('file:///srv/archive/simonyi/2025-10-16/47ed5c53-0000-4000-8000-000000000001/visits.h5');
  });
  it.each([
    [{ telescope: 'sim/onyi' }, 'telescope'],
    [{ creationDayObs: '2025-02-30' }, 'creation_day_obs'],
    [{ visitseqUuid: 'nope' }, 'visitseq_uuid'],
    [{ fileName: '' }, 'file_name'],
    [{ fileName: 'a/b' }, 'file_name'],
    [{ fileName: '.visits.h5.incoming' }, 'file_name'],
    [{ archiveUrl: 'gs://bucket/' }, 'archive_url'],
  ])('refuses %j', (change, field) => {
    let error: unknown;
    try {
      sequenceFileUrl({ ...address, ...change });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidLocationError);
    expect((error as InvalidLocationError).field).toBe(field);
  });
});

describe('parseObjectUrl', () => {
  it('normalises file paths and keeps S3 keys', () => {
    expect(parseObjectUrl('file:///srv/archive/x/../y.h5')).toEqual({ kind: 'file', url: 'file:///srv/archive/y.h5', path: '/srv/archive/y.h5' });
    expect(parseObjectUrl('s3://rubin:rubin-scheduler-prenight/opsim/vseq/a.h5')).toEqual({
      kind: 's3',
      url: 's3://rubin:rubin-scheduler-prenight/opsim/vseq/a.h5',
      bucket: 'rubin:rubin-scheduler-prenight',
      key: 'opsim/vseq/a.h5',
    });
  });
  it.each(['s3://bucket/', 's3://bucket/a//b', 's3://bucket/a/../b', 'file:///srv/dir/', 'http://x/y', 'relative/path'])('refuses %s', (url) => {
    expect(() => parseObjectUrl(url)).toThrow(InvalidLocationError);
  });
});
