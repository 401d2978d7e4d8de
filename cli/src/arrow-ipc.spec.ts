import { tableFromArrays, tableFromIPC } from 'apache-arrow';
import { fromIpcChunks, toIpcChunks } from './arrow-ipc';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('Arrow IPC chunks', () => {
  it('cuts a large table into ~1 MiB chunks that concatenate to the same table', async () => {
    const n = 300_000;
    const table = tableFromArrays({ mjd: Float64Array.from({ length: n }, (_, i) => 60000 + i / 1000), night: Int32Array.from({ length: n }, (_, i) => i % 365) });
    const chunks = await collect(toIpcChunks(table));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.ipcBytes.byteLength).toBeLessThan(2.5 * (1 << 20));
    expect(chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0)).toBe(n);
    const back = tableFromIPC(Buffer.concat(chunks.map((chunk) => chunk.ipcBytes)));
    expect(back.numRows).toBe(n);
    expect(back.getChild('mjd')?.get(12345)).toBe(60000 + 12345 / 1000);
    expect((await fromIpcChunks((async function* () { for (const chunk of chunks) yield { chunk }; })())).numRows).toBe(n);
  });

  it('keeps the schema of an empty table', async () => {
    const table = tableFromArrays({ band: ['g'], x: Float64Array.from([1]) }).slice(0, 0);
    const chunks = await collect(toIpcChunks(table));
    const back = tableFromIPC(Buffer.concat(chunks.map((chunk) => chunk.ipcBytes)));
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((field) => field.name)).toEqual(['band', 'x']);
  });
});

describe('printing Arrow values', () => {
  it('prints timestamps of any unit and dates as ISO text', async () => {
    const { rowsOfTable } = await import('./output');
    const { TimestampMicrosecond, DateDay, makeData, Field, Schema, Table: ArrowTable, RecordBatch, Struct } = await import('apache-arrow');
    const micros = makeData({ type: new TimestampMicrosecond('UTC'), data: BigInt64Array.from([1_764_161_467_596_000n]) });
    const days = makeData({ type: new DateDay(), data: Int32Array.from([20418]) });
    const schema = new Schema([new Field('creation_time', micros.type), new Field('day_obs', days.type)]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, children: [micros, days] }));
    const { rows } = rowsOfTable(new ArrowTable([batch]));
    expect(rows).toEqual([{ creation_time: '2025-11-26T12:51:07.596Z', day_obs: '2025-11-26' }]);
  });
});
