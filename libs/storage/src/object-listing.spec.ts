import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ArchiveStorage } from './archive-storage';
import { isIncomingUploadName, sequenceFileOf } from './archive-url';
import { InvalidLocationError, OutsideArchiveError } from './errors';
import { ListedObject, putObject } from './object-store';
import { S3TestServer, startS3TestServer } from './testing/s3-test-server';

jest.setTimeout(60_000);

const UUIDS = ['0b0e9d8e-2f7a-4c55-9a41-1c2d3e4f5a6b', '5b7c3f2e-1111-4222-8333-444455556666', 'f0e1d2c3-b4a5-4968-8776-655443322110'];

interface Backend {
  storage: ArchiveStorage;
  /** The archive root the storage serves. */
  root: string;
  /** Stores bytes at a path relative to the root, as the archive does. */
  put(relative: string, bytes?: Buffer): Promise<string>;
  /** Stores bytes beside the root (a sibling directory or prefix the storage does not serve). */
  putOutside(relative: string): Promise<void>;
  close(): Promise<void>;
}

async function fileBackend(): Promise<Backend> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-list-'));
  const root = `file://${home}/archive/`;
  const storage = new ArchiveStorage({ archiveUrls: [root] });
  return {
    storage,
    root,
    put: async (relative, bytes = Buffer.from(relative)) => (await putObject(storage.resolve(`${root}${relative}`).store, storage.resolve(`${root}${relative}`).url, [bytes], { overwrite: false })).url,
    putOutside: async (relative) => {
      fs.mkdirSync(path.dirname(path.join(home, 'archive-other', relative)), { recursive: true });
      fs.writeFileSync(path.join(home, 'archive-other', relative), 'outside');
    },
    close: async () => fs.rmSync(home, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<Backend> {
  const server: S3TestServer = await startS3TestServer(['archive']);
  const root = 's3://archive/opsim/vseq/';
  const storage = new ArchiveStorage({
    archiveUrls: [root],
    s3: { endpoint: server.endpoint, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
  });
  return {
    storage,
    root,
    put: async (relative, bytes = Buffer.from(relative)) => (await putObject(storage.resolve(`${root}${relative}`).store, `${root}${relative}`, [bytes], { overwrite: false })).url,
    putOutside: async (relative) => {
      await server.client.send(new PutObjectCommand({ Bucket: 'archive', Key: `opsim/vseq-other/${relative}`, Body: 'outside' }));
    },
    close: async () => {
      storage.s3Client?.destroy();
      await server.stop();
    },
  };
}

/** Every object of a listing, page by page (`limit` per page), with the number of pages it took. */
async function listAll(storage: ArchiveStorage, url: string, limit: number): Promise<{ objects: ListedObject[]; pages: number }> {
  const objects: ListedObject[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await storage.list(url, { after, limit });
    expect(page.objects.length).toBeLessThanOrEqual(limit);
    objects.push(...page.objects);
    after = page.next;
    pages += 1;
  } while (after !== undefined && pages < 100);
  return { objects, pages };
}

describe.each([
  ['file', fileBackend],
  ['s3 (versitygw)', s3Backend],
])('listing an archive: %s', (_name, makeBackend) => {
  let backend: Backend;
  const stored: string[] = [];
  beforeAll(async () => {
    backend = await makeBackend();
    // Names chosen so that sorting whole paths and sorting path components disagree ("a.b" vs "a/…").
    for (const relative of [
      `simonyi/2026-01-02/${UUIDS[1]}/visits.arrows`,
      `simonyi/2026-01-02/${UUIDS[1]}/rewards.h5`,
      `simonyi/2026-01-01/${UUIDS[0]}/visits.arrows`,
      `auxtel/2026-01-01/${UUIDS[2]}/visits.arrows`,
      'simonyi.notes/readme.txt',
      'simonyi/x',
    ]) {
      stored.push(await backend.put(relative));
    }
    await backend.putOutside(`simonyi/2026-01-01/${UUIDS[0]}/visits.arrows`);
  });
  afterAll(() => backend?.close());

  it('lists every object under the archive once, page after page, in a stable order, with its size and time', async () => {
    const whole = await listAll(backend.storage, backend.root, 1000);
    expect(whole.pages).toBe(1);
    expect(whole.objects.map((object) => object.url).sort()).toEqual([...stored].sort());
    for (const object of whole.objects) {
      expect(backend.storage.resolve(object.url).url).toBe(object.url); // already canonical: what records hold
      expect(object.size).toBe(Buffer.byteLength(object.url.slice(backend.root.length)));
      expect(Object.prototype.toString.call(object.updateTime)).toBe('[object Date]'); // (fs dates come from another realm under jest)
      expect(object.incompleteUpload).toBe(false);
    }
    for (const limit of [1, 2, 5]) {
      const paged = await listAll(backend.storage, backend.root, limit);
      expect(paged.objects.map((object) => object.url)).toEqual(whole.objects.map((object) => object.url));
      expect(paged.pages).toBe(Math.ceil(stored.length / limit));
    }
  });

  it('lists a directory or prefix inside the archive, and a missing one as empty', async () => {
    const inside = await listAll(backend.storage, `${backend.root}simonyi/2026-01-02/`, 1);
    expect(inside.objects.map((object) => object.url).sort()).toEqual(stored.filter((url) => url.includes('2026-01-02')).sort());
    expect((await backend.storage.list(`${backend.root}lsstcam/`, { limit: 10 })).objects).toEqual([]);
  });

  it('goes on after an object of the previous page was deleted', async () => {
    const extra = await backend.put(`simonyi/2026-01-03/${UUIDS[2]}/scheduler.p`);
    const first = await backend.storage.list(backend.root, { limit: 3 });
    const rest = await listAll(backend.storage, backend.root, 1000);
    const deleted = first.objects[first.objects.length - 1].url;
    await backend.storage.resolve(deleted).store.delete(deleted);
    const after = await backend.storage.list(backend.root, { after: first.next, limit: 1000 });
    expect([...first.objects, ...after.objects].map((object) => object.url)).toEqual(rest.objects.map((object) => object.url));
    await backend.put(deleted.slice(backend.root.length)); // restored, as the other tests expect it
    await backend.storage.resolve(extra).store.delete(extra);
  });

  it('refuses locations outside the archive roots', async () => {
    await expect(backend.storage.list(backend.root.replace(/\/$/, '-other/'), { limit: 10 })).rejects.toBeInstanceOf(OutsideArchiveError);
  });
});

describe('listing a file archive', () => {
  let home: string;
  let storage: ArchiveStorage;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-list-'));
    storage = new ArchiveStorage({ archiveUrls: [`file://${home}/archive/`] });
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('flags the temporary files of writes not yet published, and neither follows nor lists symbolic links', async () => {
    const url = `file://${home}/archive/simonyi/2026-01-01/${UUIDS[0]}/visits.arrows`;
    const write = await storage.resolve(url).store.beginWrite(url, { overwrite: false });
    await write.write(Buffer.alloc(100, 1));
    await write.prepare();
    fs.mkdirSync(`${home}/elsewhere`);
    fs.writeFileSync(`${home}/elsewhere/secret`, 'not archived');
    fs.symlinkSync(`${home}/elsewhere`, `${home}/archive/simonyi/link`);
    fs.symlinkSync(`${home}/elsewhere/secret`, `${home}/archive/simonyi/file-link`);

    const { objects } = await storage.list(`file://${home}/archive/`, { limit: 100 });
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ size: 100, incompleteUpload: true });
    expect(isIncomingUploadName(path.basename(new URL(objects[0].url).pathname))).toBe(true);
    expect(sequenceFileOf(`file://${home}/archive/`, objects[0].url)).toMatchObject({ visitseqUuid: UUIDS[0], incompleteUpload: true });

    await write.commit();
    const published = await storage.list(`file://${home}/archive/`, { limit: 100 });
    expect(published.objects.map((object) => [object.url, object.incompleteUpload])).toEqual([[url, false]]);
  });

  it('refuses a position that is not one', async () => {
    await expect(storage.list(`file://${home}/archive/`, { after: 'simonyi/../../etc', limit: 10 })).rejects.toBeInstanceOf(InvalidLocationError);
  });
});

describe('sequenceFileOf', () => {
  const uuid = UUIDS[1];

  it("reads an object's place in the archive's layout, for file and S3 archives", () => {
    expect(sequenceFileOf('file:///srv/archive/', `file:///srv/archive/simonyi/2026-01-02/${uuid}/visits.arrows`)).toEqual({
      telescope: 'simonyi',
      creationDayObs: '2026-01-02',
      visitseqUuid: uuid,
      fileName: 'visits.arrows',
      incompleteUpload: false,
    });
    expect(sequenceFileOf('s3://rubin:rubin-scheduler-prenight/opsim/vseq/', `s3://rubin:rubin-scheduler-prenight/opsim/vseq/auxtel/2026-01-02/${uuid}/rewards.h5`)).toMatchObject({
      telescope: 'auxtel',
      fileName: 'rewards.h5',
    });
    expect(sequenceFileOf('file:///srv/archive/', `file:///srv/archive/simonyi/2026-01-02/${uuid}/.visits.arrows.${UUIDS[0]}.incoming`)).toMatchObject({ incompleteUpload: true });
  });

  it('says undefined for anything the archive did not write in its layout', () => {
    for (const url of [
      `file:///srv/other/simonyi/2026-01-02/${uuid}/visits.arrows`,
      `file:///srv/archive/simonyi/2026-01-02/${uuid}`,
      `file:///srv/archive/simonyi/2026-01-02/${uuid}/sub/visits.arrows`,
      `file:///srv/archive/simonyi/20260102/${uuid}/visits.arrows`,
      `file:///srv/archive/simonyi/2026-02-30/${uuid}/visits.arrows`,
      `file:///srv/archive/simonyi/2026-01-02/${uuid.toUpperCase()}/visits.arrows`,
      `file:///srv/archive/simonyi/2026-01-02/not-a-uuid/visits.arrows`,
      `file:///srv/archive/simonyi/2026-01-02/${uuid}/.hidden`,
      'file:///srv/archive/prenight_index/2026-01-02.json',
      `s3://rubin:rubin-scheduler-prenight/opsim/prenight_index/simonyi/2026-01-02/${uuid}/visits.arrows`,
      `s3://other/opsim/vseq/simonyi/2026-01-02/${uuid}/visits.arrows`,
      'not a url',
    ]) {
      expect([url, sequenceFileOf(url.startsWith('s3') ? 's3://rubin:rubin-scheduler-prenight/opsim/vseq/' : 'file:///srv/archive/', url)]).toEqual([url, undefined]);
    }
  });
});
