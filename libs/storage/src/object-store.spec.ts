import { randomBytes, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ArchiveStorage } from './archive-storage';
import { ChecksumMismatchError, ObjectExistsError, ObjectNotFoundError, OutsideArchiveError } from './errors';
import { sha256OfFile } from './hashing';
import { ObjectStore, putObject } from './object-store';
import { startS3TestServer, S3TestServer } from './testing/s3-test-server';

jest.setTimeout(60_000);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

async function readAll(store: ObjectStore, url: string): Promise<Buffer> {
  const { stream } = await store.read(url);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

interface Backend {
  storage: ArchiveStorage;
  /** A fresh object URL inside the archive. */
  newUrl(name?: string): string;
  /** Every name the backend holds (objects, temporaries, pending multipart uploads). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

let counter = 0;

async function fileBackend(): Promise<Backend> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-store-'));
  const storage = new ArchiveStorage({ archiveUrls: [`file://${root}/archive/`] });
  return {
    storage,
    newUrl: (name = 'visits.arrows') => `file://${root}/archive/simonyi/2025-08-14/${++counter}/${name}`,
    leftovers: async () => (fs.existsSync(`${root}/archive`) ? fs.readdirSync(`${root}/archive`, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []),
    close: async () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<Backend> {
  const server: S3TestServer = await startS3TestServer(['archive']);
  const storage = new ArchiveStorage({
    archiveUrls: ['s3://archive/opsim/vseq/'],
    s3: { endpoint: server.endpoint, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
    s3Store: { partSize: 5 * 1024 * 1024 },
  });
  return {
    storage,
    newUrl: (name = 'visits.arrows') => `s3://archive/opsim/vseq/simonyi/2025-08-14/${++counter}/${name}`,
    leftovers: async () => {
      const objects = await server.client.send(new ListObjectsV2Command({ Bucket: 'archive' }));
      const uploads = await server.client.send(new ListMultipartUploadsCommand({ Bucket: 'archive' }));
      return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `upload:${u.Key}`)];
    },
    close: async () => {
      storage.s3Client?.destroy();
      await server.stop();
    },
  };
}

describe.each([
  ['file', fileBackend],
  ['s3 (versitygw)', s3Backend],
])('object store: %s', (_name, makeBackend) => {
  let backend: Backend;
  beforeAll(async () => (backend = await makeBackend()));
  afterAll(() => backend?.close());

  const resolve = (url: string) => backend.storage.resolve(url);

  it('stores bytes atomically, with their SHA-256 and size, and streams them back', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    const bytes = randomBytes(300_000);
    const stored = await putObject(store, url, pieces(bytes, 65_536), { overwrite: false });
    expect(stored).toEqual({ url, size: bytes.length, sha256: sha256(bytes) });
    expect(await readAll(store, url)).toEqual(bytes);
    expect(await store.stat(url)).toMatchObject({ size: bytes.length });
    expect(Object.prototype.toString.call((await store.stat(url))!.updateTime)).toBe('[object Date]');
  });

  it('streams multi-part objects (larger than a part) intact', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    const bytes = randomBytes(12 * 1024 * 1024 + 123);
    const stored = await putObject(store, url, pieces(bytes, 1024 * 1024), { overwrite: false });
    expect(stored.sha256).toEqual(sha256(bytes));
    expect((await readAll(store, url)).equals(bytes)).toBe(true);
    expect((await backend.leftovers()).filter((name) => name.startsWith('upload:') || name.includes('.incoming'))).toEqual([]);
  });

  it('keeps a write invisible until it is committed', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    const write = await store.beginWrite(url, { overwrite: false });
    await write.write(randomBytes(6 * 1024 * 1024));
    expect(await store.stat(url)).toBeUndefined();
    await expect(store.read(url)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await write.commit();
    expect(await store.stat(url)).toMatchObject({ size: 6 * 1024 * 1024 });
  });

  it('offers the bytes written so far as a local file, once flushed, until commit when the backend is local', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    const write = await store.beginWrite(url, { overwrite: false });
    const bytes = randomBytes(12 * 1024 * 1024);
    // Pieces small enough to be in flight together: `write` resolves before they land, `flush` when they have.
    for (let at = 0; at < bytes.length; at += 1024 * 1024) await write.write(bytes.subarray(at, at + 1024 * 1024));
    await write.flush();
    if (store.kind === 's3') {
      expect(write.localPath).toBeUndefined();
    } else {
      expect(fs.readFileSync(write.localPath!).equals(bytes)).toBe(true);
      expect(write.localPath).not.toBe(url);
    }
    await write.commit();
    expect(Buffer.from(await readAll(store, url)).equals(bytes)).toBe(true);
  });

  it('leaves nothing behind when a write is aborted or its source fails', async () => {
    const before = await backend.leftovers();
    const url = backend.newUrl();
    const { store } = resolve(url);
    const write = await store.beginWrite(url, { overwrite: false });
    await write.write(randomBytes(11 * 1024 * 1024));
    await write.abort();
    async function* failing() {
      yield randomBytes(7 * 1024 * 1024);
      throw new Error('client went away');
    }
    await expect(putObject(store, url, failing(), { overwrite: false })).rejects.toThrow('client went away');
    expect(await store.stat(url)).toBeUndefined();
    expect(await backend.leftovers()).toEqual(before);
  });

  it('refuses to overwrite unless asked, also when another writer commits first', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    await putObject(store, url, [Buffer.from('first')], { overwrite: false });
    await expect(store.beginWrite(url, { overwrite: false })).rejects.toBeInstanceOf(ObjectExistsError);

    const racingUrl = backend.newUrl();
    const slow = await store.beginWrite(racingUrl, { overwrite: false });
    await slow.write(Buffer.from('slow writer'));
    await putObject(store, racingUrl, [Buffer.from('fast writer')], { overwrite: false });
    await expect(slow.commit()).rejects.toBeInstanceOf(ObjectExistsError);
    await slow.abort();
    expect((await readAll(store, racingUrl)).toString()).toBe('fast writer');

    await putObject(store, url, [Buffer.from('second')], { overwrite: true });
    expect((await readAll(store, url)).toString()).toBe('second');
  });

  it('refuses bytes that do not have the expected SHA-256, storing nothing', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    await expect(putObject(store, url, [Buffer.from('payload')], { overwrite: false, expectedSha256: sha256(Buffer.from('other')) })).rejects.toBeInstanceOf(
      ChecksumMismatchError,
    );
    expect(await store.stat(url)).toBeUndefined();
    await putObject(store, url, [Buffer.from('payload')], { overwrite: false, expectedSha256: sha256(Buffer.from('payload')) });
  });

  it('snapshots an object as a local file with stable content', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    const bytes = randomBytes(100_000);
    await putObject(store, url, [bytes], { overwrite: false });
    const snapshot = await store.snapshot(url);
    try {
      await putObject(store, url, [Buffer.from('replaced')], { overwrite: true });
      expect(fs.readFileSync(snapshot.path).equals(bytes)).toBe(true);
      expect((await sha256OfFile(snapshot.path)).sha256).toEqual(sha256(bytes));
      if (snapshot.sha256) expect(snapshot.sha256).toEqual(sha256(bytes));
      expect(snapshot.size).toBe(bytes.length);
    } finally {
      await snapshot.release();
    }
  });

  it('deletes objects and reports missing ones', async () => {
    const url = backend.newUrl();
    const { store } = resolve(url);
    await putObject(store, url, [Buffer.from('x')], { overwrite: false });
    expect(await store.delete(url)).toBe(true);
    expect(await store.delete(url)).toBe(false);
    await expect(store.read(url)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.snapshot(url)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

describe('ArchiveStorage.resolve', () => {
  const storage = new ArchiveStorage({ archiveUrls: ['file:///srv/archive/', 's3://rubin:rubin-scheduler-prenight/opsim/vseq/'] });
  afterAll(() => storage.s3Client?.destroy());

  it('accepts objects under a root, in canonical form', () => {
    expect(storage.resolve('file:///srv/archive/simonyi/a b.h5').url).toBe('file:///srv/archive/simonyi/a%20b.h5');
    expect(storage.resolve('s3://rubin:rubin-scheduler-prenight/opsim/vseq/x/visits.h5').store.kind).toBe('s3');
  });
  it('refuses objects outside every root, also through ".."', () => {
    for (const url of ['file:///srv/archive/../etc/passwd', 'file:///srv/archiveX/a', 's3://other/opsim/vseq/a', 's3://rubin:rubin-scheduler-prenight/opsim/other/a']) {
      expect(() => storage.resolve(url)).toThrow(OutsideArchiveError);
    }
  });
  it('checks destination archive roots', () => {
    expect(storage.checkArchiveRoot('s3://rubin:rubin-scheduler-prenight/opsim/vseq/sub').kind).toBe('s3');
    expect(() => storage.checkArchiveRoot('file:///srv/')).toThrow(OutsideArchiveError);
  });
});
