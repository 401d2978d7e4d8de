import { RecordBatchReader, tableFromArrays, tableFromIPC } from 'apache-arrow';
import { arrowChunks } from './arrow-chunks';

const collect = async (table: ReturnType<typeof tableFromArrays>) => {
  const chunks = [];
  for await (const chunk of arrowChunks(table)) chunks.push(chunk);
  return chunks;
};

it('cuts a table into one IPC stream of whole messages, one schema, at most 3000 rows a chunk', async () => {
  const table = tableFromArrays({ observationId: BigInt64Array.from({ length: 7001 }, (_, i) => BigInt(i)), band: Array.from({ length: 7001 }, (_, i) => 'ugrizy'[i % 6]) });
  const chunks = await collect(table);
  expect(chunks.map((c) => Number(c.rowCount))).toEqual([3000, 3000, 1001]);
  // Each prefix of chunks is decodable on its own (messages are never split), with one schema.
  let rows = 0;
  for (let i = 0; i < chunks.length; i++) {
    const prefix = Buffer.concat(chunks.slice(0, i + 1).map((c) => Buffer.from(c.ipcBytes)));
    rows += Number(chunks[i].rowCount);
    expect([...RecordBatchReader.from(prefix)].reduce((n, batch) => n + batch.numRows, 0)).toBe(rows);
  }
  const whole = tableFromIPC(Buffer.concat(chunks.map((c) => Buffer.from(c.ipcBytes))));
  expect(whole.numRows).toBe(7001);
  expect(whole.getChild('band')!.get(7000)).toBe('ugrizy'[7000 % 6]);
  // The last chunk ends with the end-of-stream marker.
  expect([...chunks[chunks.length - 1].ipcBytes.slice(-8)]).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
});

it('sends an empty table as its schema', async () => {
  const chunks = await collect(tableFromArrays({ a: new Float64Array(0) }).slice(0, 0));
  expect(chunks).toHaveLength(1);
  const table = tableFromIPC(chunks[0].ipcBytes);
  expect([table.numRows, table.schema.fields.map((f) => f.name)]).toEqual([0, ['a']]);
});
