import { Dictionary, Int32, Table, tableFromArrays, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { InvalidIpcStreamError, IpcMessage, openArrowUpload } from './index';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function rowsOf(upload: { batches(): AsyncIterable<{ numRows: number; getChild(name: string): { toArray(): unknown } | null }> }, column: string): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const batch of upload.batches()) values.push(...Array.from(batch.getChild(column)!.toArray() as ArrayLike<unknown>));
  return values;
}

describe('openArrowUpload', () => {
  it('decodes dictionary-encoded columns to plain ones, showing every message on the way', async () => {
    const band = vectorFromArray(['u', 'g', 'g', 'r'], new Dictionary(new Utf8(), new Int32()));
    const stream = tableToIPC(new Table({ band, id: vectorFromArray([1, 2, 3, 4], new Int32()) }), 'stream');
    const seen: IpcMessage[] = [];
    const upload = await openArrowUpload(once(stream), async (message) => void seen.push(message));
    expect(upload.schema.fields.map((field) => String(field.type))).toEqual(['Utf8', 'Int32']);
    expect(await rowsOf(upload, 'band')).toEqual(['u', 'g', 'g', 'r']);
    expect(seen.map((message) => message.message.headerType)).toEqual([1, 2, 3]); // Schema, DictionaryBatch, RecordBatch
  });

  it('refuses what is not a stream of the contract', async () => {
    const stream = tableToIPC(tableFromArrays({ id: new Int32Array([1, 2]) }), 'stream');
    const schemaLength = 8 + Buffer.from(stream).readInt32LE(4);
    const cases = [Buffer.from('not arrow at all, really'), new Uint8Array(0), stream.subarray(schemaLength)];
    for (const bytes of cases) {
      await expect(openArrowUpload(once(bytes)).then((upload) => rowsOf(upload, 'id'))).rejects.toThrow(InvalidIpcStreamError);
    }
  });
});
