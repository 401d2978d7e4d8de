import * as diagnostics from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArchiveStorage } from './archive-storage';
import { ObjectNotFoundError } from './errors';
import { STORAGE_OPERATION_CHANNEL, type StorageOperationEvent } from './storage-timing';

/** The operations of a real file archive, as a service's metrics see them (the channel they subscribe to). */
describe('storage operation timing', () => {
  let directory: string;
  let events: StorageOperationEvent[];
  const listen = (message: unknown) => events.push(message as StorageOperationEvent);

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-timing-'));
    events = [];
    diagnostics.subscribe(STORAGE_OPERATION_CHANNEL, listen);
  });
  afterEach(() => {
    diagnostics.unsubscribe(STORAGE_OPERATION_CHANNEL, listen);
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('publishes each operation of the stores ArchiveStorage hands out, and of their writes and snapshots, with its outcome', async () => {
    const storage = new ArchiveStorage({ archiveUrls: [`${pathToFileURL(directory).href}/`] });
    const { store, url } = storage.resolve(`${pathToFileURL(directory).href}/a/object.bin`);
    const write = await store.beginWrite(url, { overwrite: false });
    await write.write(Buffer.from('hello'));
    expect(write.size).toBe(5); // getters pass through
    expect((await write.commit()).size).toBe(5);
    expect(await store.stat(url)).toMatchObject({ size: 5 });
    const snapshot = await store.snapshot(url);
    expect(fs.readFileSync(snapshot.path, 'utf8')).toBe('hello');
    await snapshot.release();
    await expect(store.read(`${url}.missing`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.delete(url)).toBe(true);

    expect(events.map((event) => [event.backend, event.operation, event.error])).toEqual([
      ['file', 'begin_write', false],
      ['file', 'write', false],
      ['file', 'commit', false],
      ['file', 'stat', false],
      ['file', 'snapshot', false],
      ['file', 'release', false],
      ['file', 'read', true],
      ['file', 'delete', false],
    ]);
    for (const event of events) expect(event.seconds).toBeGreaterThanOrEqual(0);
  });

  it('publishes nothing, and changes nothing, when nobody listens', async () => {
    diagnostics.unsubscribe(STORAGE_OPERATION_CHANNEL, listen);
    const storage = new ArchiveStorage({ archiveUrls: [`${pathToFileURL(directory).href}/`] });
    const { store, url } = storage.resolve(`${pathToFileURL(directory).href}/b`);
    expect(await store.stat(url)).toBeUndefined();
    expect(events).toEqual([]);
  });
});
