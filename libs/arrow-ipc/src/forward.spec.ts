import { Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { ArrowChunk, forwardArrowMessages, MAX_CHUNK_BYTES, readIpcMessages, TARGET_CHUNK_BYTES } from './index';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const concat = (chunks: ArrowChunk[]) => Buffer.concat(chunks.map((chunk) => chunk.ipcBytes));

describe('forwardArrowMessages (stored messages as chunks, without decoding)', () => {
  it('groups small messages into chunks of about 1 MiB of whole messages, counting rows', async () => {
    const n = 200_000;
    const [batch] = tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) }).batches;
    const stream = tableToIPC(new Table(Array.from({ length: 100 }, (_, i) => batch.slice(i * 2000, (i + 1) * 2000))), 'stream'); // 100 batches of 16 kB
    const chunks = await collect(forwardArrowMessages(readIpcMessages([stream])));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.ipcBytes.byteLength).toBeLessThan(TARGET_CHUNK_BYTES * 1.5);
    expect(chunks.reduce((rows, chunk) => rows + chunk.rowCount, 0)).toBe(n);
    for (const chunk of chunks) {
      // Whole messages only (no stray bytes), holding the rows the chunk counts.
      const messages = await collect(readIpcMessages([chunk.ipcBytes]));
      expect(messages.reduce((rows, { message }) => rows + (message.isRecordBatch() ? message.header().length : 0), 0)).toBe(chunk.rowCount);
    }
    expect(tableFromIPC(concat(chunks)).getChild('x')?.get(123_456)).toBe(123_456);
  });

  it('re-slices a stored batch too large for one chunk', async () => {
    const n = 1_000_000;
    const stream = tableToIPC(tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) }), 'stream'); // one 8 MB batch
    const chunks = await collect(forwardArrowMessages(readIpcMessages([stream])));
    for (const chunk of chunks) expect(chunk.ipcBytes.byteLength).toBeLessThan(MAX_CHUNK_BYTES);
    expect(chunks.reduce((rows, chunk) => rows + chunk.rowCount, 0)).toBe(n);
    expect(tableFromIPC(concat(chunks)).numRows).toBe(n);
  });
});
