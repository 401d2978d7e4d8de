import { NumpyObjectArray, PickleError, safeUnpickle } from './index';
import { PyTuple, pickleProtocol0 } from './pickle';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('safe pickle subset', () => {
  it('decodes the protocol-0 pickles PyTables stores in attributes', () => {
    expect(safeUnpickle(bytes('(lp0\nVx\np1\na.'))).toEqual(['x']);
    const indexCols = safeUnpickle(bytes('(lp0\n(I0\nVindex\np1\ntp2\na.')) as PyTuple[];
    expect(indexCols[0]).toBeInstanceOf(PyTuple);
    expect(indexCols[0].items).toEqual([0, 'index']);
    const info = safeUnpickle(bytes('(dp0\nI1\n(dp1\nVnames\np2\n(lp3\nNasVtype\np4\nVIndex\np5\nssVindex\np6\n(dp7\ns.')) as Map<unknown, unknown>;
    expect((info.get(1) as Map<unknown, unknown>).get('type')).toBe('Index');
    expect(safeUnpickle(bytes('N.'))).toBeNull();
    expect(safeUnpickle(bytes('V\\u00e9\\u005c\\U0001f600\n.'))).toBe('é\\😀');
  });

  it('round-trips what it encodes for PyTables attributes', () => {
    const value = [{ tuple: [1, ['a', 'é😀', 'with\nnewline\\']] }];
    const text = pickleProtocol0(value);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
    const decoded = safeUnpickle(bytes(text)) as PyTuple[];
    expect(decoded[0].items).toEqual([1, ['a', 'é😀', 'with\nnewline\\']]);
  });

  it('decodes a pickled numpy object array (pandas fixed layout, numpy 2)', () => {
    // What pickle.dumps(np.array([["a", "x"], ["ée", "yy"], [np.nan, "zzz"]], dtype=object), protocol=5) holds.
    const pickle = Buffer.concat([
      Buffer.from([0x80, 0x05]),
      str('numpy._core.multiarray'), str('_reconstruct'), Buffer.from([0x93]),
      str('numpy'), str('ndarray'), Buffer.from([0x93]),
      Buffer.from([0x4b, 0x00, 0x85]), Buffer.from([0x43, 0x01, 0x62]), Buffer.from([0x87, 0x52]),
      Buffer.from([0x28, 0x4b, 0x01, 0x4b, 0x03, 0x4b, 0x02, 0x86]),
      str('numpy'), str('dtype'), Buffer.from([0x93]), str('O8'), Buffer.from([0x89, 0x88, 0x87, 0x52]),
      Buffer.from([0x28, 0x4b, 0x03]), str('|'), Buffer.from([0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0x3f, 0x74, 0x62]),
      Buffer.from([0x88, 0x5d, 0x28]), str('a'), str('x'), str('ée'), Buffer.from([0x94]), str('yy'),
      Buffer.from([0x47, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]), str('zzz'), Buffer.from([0x65, 0x74, 0x62, 0x2e]),
    ]);
    const array = safeUnpickle(pickle) as NumpyObjectArray;
    expect(array).toBeInstanceOf(NumpyObjectArray);
    expect(array.shape).toEqual([3, 2]);
    expect(array.items.slice(0, 4)).toEqual(['a', 'x', 'ée', 'yy']);
    expect(Number.isNaN(array.items[4] as number)).toBe(true);
  });

  it.each([
    ['os.system via GLOBAL', "cos\nsystem\n(S'echo pwned'\ntR."],
    ['builtins.eval via STACK_GLOBAL', '\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.'],
    ['INST opcode', "(ios\nsystem\nS'x'\n."],
    ['REDUCE of numpy.dtype with a non-object dtype', '\x80\x04\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02f8\x89\x88\x87R)b.'],
    ['an allowed global called on the wrong thing', '\x80\x04\x8c\x05numpy\x8c\x05dtype\x93\x8c\x05numpy\x8c\x05dtype\x93\x85R.'],
    ['a truncated pickle', '\x80\x04\x8c\x10abc'],
    ['no STOP', '\x80\x04N'],
  ])('refuses %s', (_, text) => {
    expect(() => safeUnpickle(bytes(text))).toThrow(PickleError);
  });
});

function str(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([0x8c, body.length]), body]);
}
