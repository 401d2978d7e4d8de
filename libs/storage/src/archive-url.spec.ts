import { parseArchiveUrl } from './archive-url';

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
