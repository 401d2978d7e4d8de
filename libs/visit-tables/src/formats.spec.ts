import { formatFromFileName, formatFromMagic, requireFormatFromFileName, VisitTableFormatError } from './index';

describe('formats', () => {
  it.each([
    ['visits.h5', 'hdf5'],
    ['VISITS.HDF5', 'hdf5'],
    ['opsim.db', 'sqlite'],
    ['a.sqlite', 'sqlite'],
    ['a.sqlite3', 'sqlite'],
    ['a.db3', 'sqlite'],
    ['v.parquet', 'parquet'],
    ['v.arrow', 'arrow-file'],
    ['v.feather', 'arrow-file'],
    ['v.arrows', 'arrow-stream'],
    ['v.csv', 'csv'],
    ['s3://rubin:bucket/opsim/vseq/simonyi/2025-10-16/uuid/visits.h5', 'hdf5'],
    ['https://host/x/visits.parquet?version=2', 'parquet'],
  ])('knows %s', (name, format) => expect(formatFromFileName(name)).toBe(format));

  it.each(['visits.txt', 'visits', 'h5', 'visits.h5.bak'])('does not know %s', (name) => {
    expect(formatFromFileName(name)).toBeUndefined();
    expect(() => requireFormatFromFileName(name)).toThrow(VisitTableFormatError);
  });

  it('recognises magic bytes', () => {
    expect(formatFromMagic(Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'))).toBe('hdf5');
    expect(formatFromMagic(Buffer.from('SQLite format 3\0', 'latin1'))).toBe('sqlite');
    expect(formatFromMagic(Buffer.from('PAR1xxxx', 'latin1'))).toBe('parquet');
    expect(formatFromMagic(Buffer.from('ARROW1\0\0', 'latin1'))).toBe('arrow-file');
    expect(formatFromMagic(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0]))).toBe('arrow-stream');
    expect(formatFromMagic(Buffer.from('a,b,c\r\n', 'latin1'))).toBeUndefined();
    expect(formatFromMagic(new Uint8Array(0))).toBeUndefined();
  });
});
