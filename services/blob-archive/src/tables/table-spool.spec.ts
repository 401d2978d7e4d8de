import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeArrowChunks } from '@visitsarch/arrow-ipc';
import { canonicalSha256, syntheticOpsimTable } from '@visitsarch/visit-tables';
import { StorageSink, TableSpool } from './table-spool';

describe('TableSpool', () => {
  let directory: string;
  beforeAll(() => (directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-spool-'))));
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it("hashes the storage write's file only once the writes still in flight have landed in it", async () => {
    // A sink like the file backend's pipelined writes: `write` resolves at once, its bytes land
    // later; `flush` waits for them.
    const file = path.join(directory, 'object');
    const handle = await fsp.open(file, 'w');
    const landing: Promise<unknown>[] = [];
    let position = 0;
    const sink: StorageSink = {
      localPath: file,
      write: async (bytes) => {
        const at = position;
        position += bytes.byteLength;
        landing.push(new Promise((resolve) => setTimeout(resolve, 30)).then(() => handle.write(bytes, 0, bytes.byteLength, at)));
      },
      flush: async () => {
        await Promise.all(landing);
      },
    };
    const table = syntheticOpsimTable({ rows: 6_000, seed: 4, batchRows: 1_000 });
    async function* ipcBytes(): AsyncGenerator<Uint8Array> {
      for await (const chunk of encodeArrowChunks(table.schema, table.batches)) yield chunk.ipcBytes;
    }
    try {
      const spool = await TableSpool.fromUpload(ipcBytes(), directory, sink);
      expect(spool.facts.rowCount).toBe(6_000);
      expect((await spool.canonicalSha256()).equals(await canonicalSha256(table))).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
