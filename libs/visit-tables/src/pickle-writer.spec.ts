/** The pickle writer for pandas' object blocks: Python and our safe decoder read the same array. */
import * as path from 'node:path';
import { writeFileSync } from 'node:fs';
import { NumpyObjectArray, safeUnpickle } from './index';
import { NumpyObjectArrayPickler } from './pickle';
import { runPython, tempDir } from './spec-helpers/python';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

/** 3000 rows × 2: > 1000 values per APPENDS batch, > 256 memoized values (LONG_BINGET), long and empty text, None. */
function values(): (string | null)[] {
  const out: (string | null)[] = [];
  for (let r = 0; r < 3000; r++) {
    out.push(r % 7 === 0 ? null : `target ${r % 400} é😀`);
    out.push(r % 5 === 0 ? 'x'.repeat(300 + (r % 3)) : ['', 'g', 'blob_long, gr, a'][r % 3]);
  }
  return out;
}

function pickle(items: (string | null)[], shape: number[]): Buffer {
  const pickler = new NumpyObjectArrayPickler(shape);
  const chunks: Buffer[] = [];
  items.forEach((v, i) => {
    if (v === null) pickler.pushNone();
    else {
      const bytes = Buffer.from(v, 'utf8');
      pickler.pushUtf8(bytes, 0, bytes.length);
    }
    if (i % 997 === 0) chunks.push(...pickler.take()); // taking mid-way must not lose or reorder bytes
  });
  chunks.push(...pickler.finish());
  const all = Buffer.concat(chunks);
  expect(all.length).toBe(pickler.length);
  return all;
}

describe('NumpyObjectArrayPickler', () => {
  it('writes what pickle.loads and safeUnpickle read as the same object array, repeated text via the memo', () => {
    const items = values();
    const bytes = pickle(items, [3000, 2]);
    const decoded = safeUnpickle(bytes) as NumpyObjectArray;
    expect(decoded).toBeInstanceOf(NumpyObjectArray);
    expect(decoded.shape).toEqual([3000, 2]);
    expect(decoded.items).toEqual(items);
    // The memo makes repeated values cheap: far below writing each value out.
    expect(bytes.length).toBeLessThan(items.reduce((n, v) => n + (v === null ? 1 : Buffer.byteLength(v) + 2), 0) / 3);

    writeFileSync(path.join(tmp.dir, 'array.pickle'), bytes);
    writeFileSync(path.join(tmp.dir, 'expected.json'), JSON.stringify(items));
    const output = runPython(
      `
import json, pickle, sys, warnings
import numpy as np
warnings.simplefilter("error")  # e.g. a numpy deprecation of the reconstructor's module
array = pickle.loads(open(sys.argv[1] + "/array.pickle", "rb").read())
expected = json.load(open(sys.argv[1] + "/expected.json"))
assert isinstance(array, np.ndarray) and array.dtype == object and array.shape == (3000, 2), (type(array), array.dtype, array.shape)
assert array.ravel().tolist() == expected
print("ok")
`,
      [tmp.dir],
    );
    expect(output.trim()).toBe('ok');
  });

  it('writes an empty array and refuses a wrong number of values', () => {
    const empty = safeUnpickle(pickle([], [2, 0])) as NumpyObjectArray;
    expect(empty.shape).toEqual([2, 0]);
    expect(empty.items).toEqual([]);
    const pickler = new NumpyObjectArrayPickler([2]);
    pickler.pushNone();
    expect(() => pickler.finish()).toThrow(/pickled 1 values for an array of 2/);
  });
});
