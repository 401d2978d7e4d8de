/**
 * Reading an Arrow IPC stream file into reused buffers (PassOptions.reuseBuffers): the batches
 * are those of an ordinary read, one at a time; the option is declined where it cannot be kept.
 */
import * as path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { canonicalSha256, openArrowIpc, openVisitTable, readVisitTable, registerIpcCodecs, syntheticOpsimBatches, syntheticOpsimTable, writeArrowIpc, writeHdf5 } from './index';
import { runPython, SAMPLE_OPSIM, tempDir } from './spec-helpers/python';
import { mixedTable, recodeText } from './spec-helpers/tables';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

const file = (name: string) => path.join(tmp.dir, name);
const bytesOf = (batch: RecordBatch) => Buffer.from(tableToIPC(new Table([batch]), 'stream'));

describe('openArrowIpc with reuseBuffers', () => {
  it('gives the batches of an ordinary read, each valid until the next is asked for', async () => {
    // 12 batches: more than the buffers used in turn, so every buffer is read into several times.
    await writeArrowIpc(file('many.arrows'), () => syntheticOpsimBatches({ rows: 24000, seed: 3, batchRows: 2000 }), 'stream');
    const ordinary: Buffer[] = [];
    for await (const batch of await openArrowIpc(file('many.arrows'))) ordinary.push(bytesOf(batch));
    expect(ordinary).toHaveLength(12);

    const reusing = await openArrowIpc(file('many.arrows'), { reuseBuffers: true });
    expect(reusing.reusesBuffers).toBe(true);
    const reused: Buffer[] = [];
    for await (const batch of reusing) reused.push(bytesOf(batch)); // copied before the next is read
    expect(reused.map((bytes, i) => bytes.equals(ordinary[i]))).toEqual(ordinary.map(() => true));

    // Kept past their turn, the first batches show later batches' bytes: the memory is reused.
    const kept: RecordBatch[] = [];
    for await (const batch of await openArrowIpc(file('many.arrows'), { reuseBuffers: true })) kept.push(batch);
    expect(bytesOf(kept[0]).equals(ordinary[0])).toBe(false);
    expect(bytesOf(kept[11]).equals(ordinary[11])).toBe(true);

    // A consumer that stops early leaves no file open (Linux: the process's descriptors).
    const openFiles = () => readdirSync('/proc/self/fd').length;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the ordinary reads' streams close asynchronously
    const before = openFiles();
    for await (const batch of await openArrowIpc(file('many.arrows'), { reuseBuffers: true })) if (batch.numRows > 0) break;
    expect(openFiles()).toBeLessThanOrEqual(before);

    // Nor may a consumer that keeps batches read such a stream.
    await expect(readVisitTable(file('many.arrows'), { reuseBuffers: true })).rejects.toThrow(/reused buffers/);
  });

  it('is what the HDF5 writer reads its two passes with: the same file as from ordinary reads', async () => {
    await writeArrowIpc(file('table.arrows'), syntheticOpsimTable({ rows: 50000, seed: 4 }), 'stream');
    let asked = 0;
    await writeHdf5(file('reused.h5'), (pass) => {
      if (pass?.reuseBuffers) asked++;
      return openArrowIpc(file('table.arrows'), pass);
    });
    await writeHdf5(file('ordinary.h5'), () => openArrowIpc(file('table.arrows')));
    expect(asked).toBe(2);
    expect(readFileSync(file('reused.h5')).equals(readFileSync(file('ordinary.h5')))).toBe(true);
  });

  it('is declined for dictionary columns (kept across batches) and for the IPC file format', async () => {
    await writeArrowIpc(file('dictionary.arrows'), recodeText(mixedTable(), 'dictionary'), 'stream');
    await writeArrowIpc(file('mixed.arrow'), mixedTable(), 'file');
    for (const name of ['dictionary.arrows', 'mixed.arrow']) {
      const stream = await openArrowIpc(file(name), { reuseBuffers: true });
      expect({ name, reusesBuffers: stream.reusesBuffers ?? false }).toEqual({ name, reusesBuffers: false });
      let rows = 0;
      for await (const batch of stream) rows += batch.numRows;
      expect(rows).toBe(mixedTable().numRows);
    }
    await writeArrowIpc(file('plain.arrows'), mixedTable(), 'stream');
    expect((await openArrowIpc(file('plain.arrows'))).reusesBuffers ?? false).toBe(false);
    expect((await openArrowIpc(file('plain.arrows'), { reuseBuffers: true })).reusesBuffers).toBe(true);
  });
});

describe('Arrow IPC files with compressed buffers, as pyarrow and pandas write them', () => {
  it('reads LZ4- and ZSTD-compressed Feather files and streams as their uncompressed twins, once the codecs are registered', async () => {
    // The real opsim output, as pandas' to_feather writes it (LZ4 by default) and pyarrow on request.
    runPython(
      `
import sqlite3, sys, pandas as pd, pyarrow as pa, pyarrow.feather as feather, pyarrow.ipc as ipc
frame = pd.read_sql("SELECT * FROM observations", sqlite3.connect(sys.argv[1]))
out = sys.argv[2]
frame.to_feather(f"{out}/default.feather")
table = pa.Table.from_pandas(frame, preserve_index=False)
for codec in ("uncompressed", "lz4", "zstd"):
    feather.write_feather(table, f"{out}/{codec}.feather", compression=codec, chunksize=100)
    options = ipc.IpcWriteOptions(compression=None if codec == "uncompressed" else codec)
    with ipc.new_stream(f"{out}/{codec}.arrows", table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=100)
print(pa.ipc.open_file(f"{out}/default.feather").get_batch(0).num_rows)
`,
      [SAMPLE_OPSIM, tmp.dir],
    );
    const hashOf = (name: string) => canonicalSha256(() => openVisitTable(file(name)));
    // Not registered (the services): refused, never read.
    await expect(readVisitTable(file('zstd.feather'))).rejects.toThrow(/compressed but codec not found/);
    registerIpcCodecs();
    const reference = await hashOf('uncompressed.feather');
    expect(await hashOf('uncompressed.arrows')).toEqual(reference);
    for (const name of ['default.feather', 'lz4.feather', 'zstd.feather', 'lz4.arrows', 'zstd.arrows']) {
      expect([name, (await readVisitTable(file(name))).numRows]).toEqual([name, 554]);
      expect([name, await hashOf(name)]).toEqual([name, reference]);
    }
  });
});
