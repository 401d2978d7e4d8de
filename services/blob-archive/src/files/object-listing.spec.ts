import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { BlobArchiveHarness, failure, startHarness, uploadFileHeader } from '../testing/harness';

jest.setTimeout(60_000);

describe('blob-archive ListObjects', () => {
  let harness: BlobArchiveHarness;
  beforeAll(async () => (harness = await startHarness()));
  afterAll(() => harness?.stop());

  const store = (archiveUrl: string, fileName: string, bytes = Buffer.from(fileName)) =>
    harness.client.clientStream('uploadFile', [{ header: uploadFileHeader(archiveUrl, { visitseqUuid: randomUUID(), fileName }) }, { data: bytes }]);

  /** Every page of a listing, following the tokens. */
  async function listAll(archiveUrl: string, pageSize: number): Promise<{ objects: blobArchiveV1.ArchiveObject[]; pages: number }> {
    const objects: blobArchiveV1.ArchiveObject[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await harness.client.unary('listObjects', { archiveUrl, pageSize, pageToken });
      objects.push(...page.objects);
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken && pages < 50);
    return { objects, pages };
  }

  describe.each([
    ['file', () => harness.fileArchive],
    ['s3', () => harness.s3Archive],
  ])('%s archive', (_kind, archive) => {
    it('lists what was stored, page by page, with the URLs the uploads returned, sizes and times', async () => {
      const stored = [await store(archive(), 'visits.arrows'), await store(archive(), 'rewards.h5'), await store(archive(), 'scheduler.p')];
      const { objects, pages } = await listAll(archive(), 2);
      expect(pages).toBeGreaterThanOrEqual(2);
      for (const upload of stored) {
        const uuid = upload.fileUrl.split('/').slice(-2)[0];
        expect(objects.find((object) => object.url === upload.fileUrl)).toMatchObject({ size: upload.fileSize, incompleteUpload: false, visitseqUuid: uuid });
      }
      expect(new Set(objects.map((object) => object.url)).size).toBe(objects.length);
      expect(objects.every((object) => object.updateTime !== undefined)).toBe(true);
    });

    it('says which objects lie outside the layout of a sequence directory', async () => {
      const head = uploadFileHeader(archive(), { visitseqUuid: randomUUID(), fileName: 'rewards.h5' });
      const sub = archive() + head.telescope + '/';
      await harness.client.clientStream('uploadFile', [{ header: { ...head, archiveUrl: sub } }, { data: Buffer.from('x') }]);
      const { objects } = await listAll(sub, 1000);
      expect(objects.length).toBeGreaterThan(0);
      // Stored one level deeper than the layout: <telescope>/<telescope>/<day_obs>/<uuid>/<name>.
      const deeper = objects.find((object) => object.url.includes(head.visitseqUuid));
      expect(deeper).toBeDefined();
      expect(deeper!.visitseqUuid).toBeUndefined();
    });

    it('refuses a token of another archive, and archives it does not serve', async () => {
      await store(archive(), 'a.txt');
      await store(archive(), 'b.txt');
      const first = await harness.client.unary('listObjects', { archiveUrl: archive(), pageSize: 1, pageToken: '' });
      expect(first.nextPageToken).not.toBe('');
      const other = archive() === harness.fileArchive ? harness.s3Archive : harness.fileArchive;
      expect(await failure(harness.client.unary('listObjects', { archiveUrl: other, pageSize: 1, pageToken: first.nextPageToken }))).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(await failure(harness.client.unary('listObjects', { archiveUrl: archive(), pageSize: 1, pageToken: 'garbage' }))).toMatchObject({ code: status.INVALID_ARGUMENT });
      const outside = archive().replace(/\/$/, '-other/');
      expect(await failure(harness.client.unary('listObjects', { archiveUrl: outside, pageSize: 1, pageToken: '' }))).toMatchObject({ code: status.PERMISSION_DENIED });
      expect(await failure(harness.client.unary('listObjects', { archiveUrl: '', pageSize: 1, pageToken: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT });
    });
  });
});
