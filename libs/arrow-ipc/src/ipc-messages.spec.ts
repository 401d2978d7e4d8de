import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Int32, MessageHeader, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { checkUploadMessage, InvalidIpcStreamError, IpcMessage, readIpcMessages, readIpcMessagesFromFile } from './index';

const table = new Table({
  id: vectorFromArray(Array.from({ length: 5000 }, (_, i) => i), new Int32()),
  band: vectorFromArray(Array.from({ length: 5000 }, (_, i) => 'ugrizy'[i % 6]), new Utf8()),
});
/** The Schema, one record batch, the end-of-stream marker. */
const STREAM = tableToIPC(table, 'stream');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function* pieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

function inFile<T>(bytes: Uint8Array, use: (file: string) => Promise<T>): Promise<T> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-ipc-'));
  const file = path.join(directory, 'table.arrows');
  fs.writeFileSync(file, bytes);
  return use(file).finally(() => fs.rmSync(directory, { recursive: true, force: true }));
}

const summary = (messages: IpcMessage[]) => messages.map(({ bytes, metadata, body, message }) => [Buffer.from(bytes).toString('hex'), metadata.byteLength, body.byteLength, message.headerType]);

describe('Arrow IPC streams as messages', () => {
  it('splits a stream arriving in pieces of any size into the same whole messages, stopping at the end marker', async () => {
    const whole = await collect(readIpcMessages([STREAM]));
    expect(whole.map((m) => m.message.headerType)).toEqual([MessageHeader.Schema, MessageHeader.RecordBatch]);
    expect(Buffer.concat(whole.map((m) => m.bytes))).toEqual(Buffer.from(STREAM.subarray(0, STREAM.byteLength - 8)));
    for (const size of [1, 7, 4096]) expect(summary(await collect(readIpcMessages(pieces(STREAM, size))))).toEqual(summary(whole));
    expect(summary(await inFile(STREAM, (file) => collect(readIpcMessagesFromFile(file))))).toEqual(summary(whole));
    expect(summary(await collect(readIpcMessagesFromFile(STREAM)))).toEqual(summary(whole)); // a stored stream read whole
  });

  it('refuses a stream cut inside a message, in memory and in a file', async () => {
    const cut = STREAM.subarray(0, STREAM.byteLength - 100);
    await expect(collect(readIpcMessages(pieces(cut, 1000)))).rejects.toThrow(InvalidIpcStreamError);
    await expect(inFile(cut, (file) => collect(readIpcMessagesFromFile(file)))).rejects.toThrow(InvalidIpcStreamError);
    await expect(collect(readIpcMessagesFromFile(cut))).rejects.toThrow('runs past the end of the stream');
    await expect(collect(readIpcMessages([Buffer.from('not arrow at all, really')]))).rejects.toThrow(InvalidIpcStreamError);
  });

  it('checks what the contract requires of an upload: one Schema, first', async () => {
    const [schema, batch] = await collect(readIpcMessages([STREAM]));
    expect(() => checkUploadMessage(schema.message, 0)).not.toThrow();
    expect(() => checkUploadMessage(batch.message, 1)).not.toThrow();
    expect(() => checkUploadMessage(batch.message, 0)).toThrow('an Arrow IPC stream must start with its Schema message');
    expect(() => checkUploadMessage(schema.message, 2)).toThrow('an Arrow IPC stream has exactly one Schema message, at the start');
  });
});
