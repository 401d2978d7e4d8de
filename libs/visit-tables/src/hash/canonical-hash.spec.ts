import { Bool, Dictionary, Field, Float64, Int32, Int64, RecordBatch, RecordBatchReader, RecordBatchStreamWriter, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  batchStream,
  canonicalLayout,
  canonicalSha256,
  canonicalSha256OfIpcFile,
  CanonicalHashError,
  CanonicalRowPacker,
  syntheticOpsimBatches,
  syntheticOpsimTable,
  writeVisitTable,
} from '../index';
import { kernelTable, mixedTable, recodeText } from '../spec-helpers/tables';
import { pythonStrRepr } from './python-repr';
import { kernelMemory, packKernels } from './pack-kernels';

const hex = async (t: Table) => (await canonicalSha256(t)).toString('hex');

function vectorTable(): Table {
  return new Table({
    obs_start_mjd: vectorFromArray([64632.271368, 64632.271816, 64633.272712], new Float64()),
    night: vectorFromArray([1, 1, 2], new Int32()),
    flag: vectorFromArray([true, false, true], new Bool()),
    band: vectorFromArray(['g', 'r', 'i'], new Utf8()),
  });
}

describe('canonical visit-table hash', () => {
  it('matches the documented vectors (computed with numpy)', async () => {
    expect(await hex(vectorTable())).toBe('7aca5133976b8cc4de83b2bffeadd5119b465c88d81eb86c3e909e1f8dd27a15');
    expect(await hex(vectorTable().slice(0, 0))).toBe('6c50ea446b191b54ccd4264dae52694fd5327386b7f9dd83f75e7a3366cde612');
    const withNulls = new Table({
      x: vectorFromArray([1.5, NaN], new Float64()),
      s: vectorFromArray(['é😀', null], new Utf8()),
      n: vectorFromArray([1n, null], new Int64()),
      b: vectorFromArray([true, null], new Bool()),
      s3: vectorFromArray(['a', null], new Utf8()),
    });
    expect(await hex(withNulls)).toBe('d5ed4e57f56ee59ff5b94cdaec3f15892653e2441cbbcbc224f97429d6bcafc6');
  });

  it('prints the dtype as numpy does', async () => {
    const layout = await canonicalLayout(vectorTable());
    expect(layout.dtypeString).toBe("[('obs_start_mjd', '<f8'), ('night', '<i4'), ('flag', '?'), ('band', '<U1')]");
    expect(layout.rowSize).toBe(8 + 4 + 1 + 4);
    const mixed = await canonicalLayout(mixedTable());
    expect(mixed.dtypeString).toContain("('i8', 'i1'), ('u8', 'u1')");
    expect(mixed.dtypeString).toContain("('i64n', '<f8')"); // int with nulls
    expect(mixed.dtypeString).toContain("('bn', '<f8')"); // bool with nulls
    expect(mixed.dtypeString).toContain("('s', '<U16')"); // 'tab\tquote"comma,' is 16 code points
  });

  it('quotes names like Python repr', () => {
    expect(pythonStrRepr('band')).toBe("'band'");
    expect(pythonStrRepr("it's")).toBe('"it\'s"');
    expect(pythonStrRepr('a\'b"c')).toBe("'a\\'b\"c'");
    expect(pythonStrRepr('é\n\t\\')).toBe("'é\\n\\t\\\\'");
    expect(pythonStrRepr('\x00z\u200b😀')).toBe("'\\x00z\\u200b😀'");
  });

  it('does not depend on batching or on how text is encoded', async () => {
    const table = mixedTable();
    const reference = await hex(table);
    const rebatched = new Table([...table.slice(0, 2).batches, ...table.slice(2, 3).batches, ...table.slice(3).batches]);
    expect(rebatched.batches.length).toBe(3);
    expect(await hex(rebatched)).toBe(reference);
    expect(await hex(recodeText(table, 'dictionary'))).toBe(reference);
    expect(await hex(recodeText(table, 'large'))).toBe(reference);
    // A one-shot stream is collected and hashed the same way.
    expect((await canonicalSha256(batchStream(table.schema, table.batches))).toString('hex')).toBe(reference);
  });

  it('changes with any value, name, order or type', async () => {
    const base = await hex(vectorTable());
    const t = vectorTable();
    const renamed = new Table({ obs_start_mjd: t.getChild('obs_start_mjd')!, night: t.getChild('night')!, flag: t.getChild('flag')!, filter: t.getChild('band')! });
    const reordered = new Table({ night: t.getChild('night')!, obs_start_mjd: t.getChild('obs_start_mjd')!, flag: t.getChild('flag')!, band: t.getChild('band')! });
    const retyped = new Table({ obs_start_mjd: t.getChild('obs_start_mjd')!, night: vectorFromArray([1n, 1n, 2n], new Int64()), flag: t.getChild('flag')!, band: t.getChild('band')! });
    const changed = new Table({ obs_start_mjd: t.getChild('obs_start_mjd')!, night: t.getChild('night')!, flag: t.getChild('flag')!, band: vectorFromArray(['g', 'r', 'z'], new Utf8()) });
    for (const other of [renamed, reordered, retyped, changed]) expect(await hex(other)).not.toBe(base);
  });

  it('treats every NaN and null float alike', async () => {
    const a = new Table({ x: vectorFromArray([NaN, null, 1], new Float64()) });
    const weird = new Float64Array(new BigUint64Array([0xfff8000000000001n, 0x7ff8000000000000n, 0x3ff0000000000000n]).buffer);
    const b = new Table({ x: vectorFromArray(Array.from(weird), new Float64()) });
    expect(Number.isNaN(b.getChild('x')!.get(0))).toBe(true);
    expect(await hex(a)).toBe(await hex(b));
  });

  it('refuses what it does not define', async () => {
    const dup = new Table(new Schema([new Field('a', new Float64()), new Field('a', new Float64())]));
    await expect(canonicalSha256(dup)).rejects.toThrow(CanonicalHashError);
    const dict = new Table({ d: vectorFromArray([1, 2], new Dictionary(new Int32(), new Int32())) });
    await expect(canonicalSha256(dict)).rejects.toThrow(/does not define column "d"/);
  });

  it('hashes a synthetic opsim table identically from a table or a re-readable stream, fast', async () => {
    const rows = 200_000;
    const table = syntheticOpsimTable({ rows, seed: 7, batchRows: 50_000 });
    const layout = await canonicalLayout(table);
    const started = process.hrtime.bigint();
    const fromTable = await canonicalSha256(table);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const fromStream = await canonicalSha256(() => syntheticOpsimBatches({ rows, seed: 7, batchRows: 65536 }));
    expect(fromStream.equals(fromTable)).toBe(true);
    const mb = (layout.rowSize * rows) / 1e6;
    console.log(`canonical hash: ${rows} opsim rows, ${layout.rowSize} B/row, ${mb.toFixed(0)} MB in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MB/s (both passes)`);
  });

  describe('on two threads, over an Arrow IPC stream file', () => {
    let directory: string;
    beforeAll(() => (directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-hash-'))));
    afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

    it.each([
      ['a table of every supported type, with nulls and non-ASCII text', () => mixedTable()],
      ['text, floats and integers for every branch of the WebAssembly kernels', () => kernelTable()],
      ['a synthetic opsim table in batches that straddle the packed buffers', () => syntheticOpsimTable({ rows: 30_000, seed: 3, batchRows: 7_001 })],
      ['an empty table', () => vectorTable().slice(0, 0)],
    ])('equals the one-thread hash: %s', async (_name, make) => {
      const table = make();
      const file = path.join(directory, `${Math.random().toString(36).slice(2)}.arrows`);
      await writeVisitTable(file, table);
      const expected = (await canonicalSha256(table)).toString('hex');
      // On the worker threads (whatever the size), and as small files are hashed: in this thread.
      expect((await canonicalSha256OfIpcFile(file, await canonicalLayout(table), 1, 0)).toString('hex')).toBe(expected);
      expect((await canonicalSha256OfIpcFile(file, await canonicalLayout(table))).toString('hex')).toBe(expected);
    }, 30_000);

    it('gives each of several jobs at once, before and after a failed one, its own hash (the packer threads are kept and reused)', async () => {
      const tables = [syntheticOpsimTable({ rows: 9_000, seed: 11, batchRows: 2_000 }), kernelTable(), mixedTable(), syntheticOpsimTable({ rows: 5_000, seed: 12 })];
      const files = await Promise.all(
        tables.map(async (table, index) => {
          const file = path.join(directory, `reused-${index}.arrows`);
          await writeVisitTable(file, table);
          return file;
        }),
      );
      const layouts = await Promise.all(tables.map((table) => canonicalLayout(table)));
      const expected = await Promise.all(tables.map(async (table) => (await canonicalSha256(table)).toString('hex')));
      const hashAll = () => Promise.all(files.map(async (file, index) => (await canonicalSha256OfIpcFile(file, layouts[index], index % 2 === 0 ? 1 : 2, 0)).toString('hex')));
      expect(await hashAll()).toEqual(expected);
      await expect(canonicalSha256OfIpcFile(path.join(directory, 'missing.arrows'), layouts[0], 1, 0)).rejects.toThrow(CanonicalHashError);
      expect(await hashAll()).toEqual(expected);
      for (let round = 0; round < 3; round++) expect((await canonicalSha256OfIpcFile(files[0], layouts[0], 1, 0)).toString('hex')).toBe(expected[0]);
    }, 60_000);

    it('fails when the file does not hold the rows the first pass saw', async () => {
      const file = path.join(directory, 'short.arrows');
      await writeVisitTable(file, vectorTable().slice(0, 2));
      for (const inProcessBelowBytes of [0, undefined]) {
        await expect(canonicalSha256OfIpcFile(file, await canonicalLayout(vectorTable()), 1, inProcessBelowBytes)).rejects.toThrow(/changed between the two passes of the hash \(3 then 2 rows\)/);
        await expect(canonicalSha256OfIpcFile(path.join(directory, 'missing.arrows'), await canonicalLayout(vectorTable()), 1, inProcessBelowBytes)).rejects.toThrow(CanonicalHashError);
      }
    });
  });

  it.each([['Utf8', false], ['LargeUtf8', true]])('packs with the WebAssembly kernels exactly the bytes JavaScript packs (text as %s)', async (_, large) => {
    const table = large ? recodeText(kernelTable(), 'large') : kernelTable();
    const layout = await canonicalLayout(table);
    const js = new CanonicalRowPacker(layout);
    const batch = table.batches[0];
    const expected = new Uint8Array(batch.numRows * js.rowSize);
    js.pack(batch, 0, expected);
    // The batch's buffers and the packed rows in the kernels' memory, as the hash workers lay them out.
    const bytes = await ipcBytes(table);
    const memory = kernelMemory(expected.length + bytes.length + 64);
    const stored = new Uint8Array(memory.buffer, expected.length + 8 - (expected.length % 8), bytes.length);
    stored.set(bytes);
    const inMemory = RecordBatchReader.from(stored).next().value as RecordBatch;
    expect(inMemory.getChildAt(0)!.data[0].values.buffer).toBe(memory.buffer);
    const packed = new Uint8Array(memory.buffer, 0, expected.length);
    packed.fill(0xa5); // what a reused buffer holds: every byte must be written
    const kernels = packKernels(memory);
    const used = jest.spyOn(kernels, 'packText');
    const withKernels = new CanonicalRowPacker(layout, kernels);
    // In pieces of 7 rows, so that fields start mid-buffer too.
    for (let row = 0; row < inMemory.numRows; ) row += withKernels.pack(inMemory, row, packed.subarray(row * js.rowSize, Math.min(packed.length, (row + 7) * js.rowSize)));
    expect(used).toHaveBeenCalled();
    expect(Buffer.from(packed).equals(Buffer.from(expected))).toBe(true);
  });

  it('packs the same bytes whatever the buffer size', async () => {
    const table = syntheticOpsimTable({ rows: 1_000, seed: 5 });
    const layout = await canonicalLayout(table);
    const packer = new CanonicalRowPacker(layout);
    const batch = table.batches[0];
    const whole = new Uint8Array(batch.numRows * packer.rowSize);
    expect(packer.pack(batch, 0, whole)).toBe(batch.numRows);
    const small = new Uint8Array(packer.rowSize * 7 + 3);
    const pieces: Uint8Array[] = [];
    for (let row = 0; row < batch.numRows; ) {
      const n = packer.pack(batch, row, small);
      pieces.push(small.slice(0, n * packer.rowSize));
      row += n;
    }
    expect(Buffer.concat(pieces).equals(Buffer.from(whole))).toBe(true);
  });
});

/** A table as one Arrow IPC stream (schema message, then its batches). */
async function ipcBytes(table: Table): Promise<Uint8Array> {
  return RecordBatchStreamWriter.writeAll(table).toUint8Array(true);
}
