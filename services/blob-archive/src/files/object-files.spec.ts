import { createHash, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { BlobArchiveHarness, collect, failure, flipStoredByte, startHarness, uploadCancelledMidway, uploadFileHeader as header } from '../testing/harness';

jest.setTimeout(60_000);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

describe('blob-archive files (UploadFile, DownloadFile, StatObject, DeleteObject)', () => {
  let harness: BlobArchiveHarness;
  beforeAll(async () => (harness = await startHarness()));
  afterAll(() => harness?.stop());

  const upload = (head: blobArchiveV1.UploadFileHeader, bytes: Buffer, pieceSize = 256 * 1024) => {
    const requests: blobArchiveV1.UploadFileRequest[] = [{ header: head }];
    for (let offset = 0; offset < bytes.length; offset += pieceSize) requests.push({ data: bytes.subarray(offset, offset + pieceSize) });
    return harness.client.clientStream('uploadFile', requests);
  };
  const download = (fileUrl: string, expected?: Uint8Array) =>
    collect(harness.client.serverStream('downloadFile', { fileUrl, expectedFileSha256: expected ?? new Uint8Array(0) }));

  describe.each([
    ['file', () => harness.fileArchive],
    ['s3', () => harness.s3Archive],
  ])('%s archive', (_kind, archive) => {
    it('stores a file in the upstream layout, with its SHA-256 and size, and streams it back in ≤ 1 MiB messages', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const head = header(archive());
      const stored = await upload(head, bytes);
      expect(stored).toEqual({ fileSha256: sha256(bytes), fileSize: bytes.length, fileUrl: `${archive()}simonyi/2025-08-14/${head.visitseqUuid}/rewards.h5` });
      const messages = await download(stored.fileUrl, stored.fileSha256);
      expect(messages[0].fileSize).toBe(bytes.length);
      expect(messages.every((m) => m.data.byteLength <= 1024 * 1024)).toBe(true);
      expect(Buffer.concat(messages.map((m) => m.data)).equals(bytes)).toBe(true);
      const stat = await harness.client.unary('statObject', { url: stored.fileUrl, computeSha256: true });
      expect(stat).toMatchObject({ exists: true, size: bytes.length });
      expect(Buffer.from(stat.sha256!)).toEqual(sha256(bytes));
      expect(stat.updateTime).toBeDefined();
    });

    it('refuses to overwrite unless asked, before reading any data', async () => {
      const head = header(archive());
      const first = await upload(head, Buffer.from('first'));
      const refused = await failure(upload(head, Buffer.from('second')));
      expect(refused.code).toBe(status.ALREADY_EXISTS);
      expect(Buffer.concat((await download(first.fileUrl)).map((m) => m.data)).toString()).toBe('first');
      await upload({ ...head, overwrite: true }, Buffer.from('second'));
      expect(Buffer.concat((await download(first.fileUrl)).map((m) => m.data)).toString()).toBe('second');
    });

    it('stores nothing when the bytes do not have the expected SHA-256', async () => {
      const head = header(archive(), { expectedFileSha256: sha256(Buffer.from('something else')) });
      const refused = await failure(upload(head, Buffer.from('payload')));
      expect(refused.code).toBe(status.DATA_LOSS);
      const url = `${archive()}simonyi/2025-08-14/${head.visitseqUuid}/rewards.h5`;
      expect(await harness.client.unary('statObject', { url, computeSha256: false })).toMatchObject({ exists: false });
    });

    it('leaves nothing behind when the client cancels an upload midway', async () => {
      const head = header(archive());
      const requests: blobArchiveV1.UploadFileRequest[] = [{ header: head }, ...Array.from({ length: 12 }, () => ({ data: randomBytes(1024 * 1024) }))];
      await uploadCancelledMidway(harness, (sent) => harness.client.clientStream('uploadFile', sent), requests, archive(), head.visitseqUuid);
      const url = `${archive()}simonyi/2025-08-14/${head.visitseqUuid}/rewards.h5`;
      expect(await harness.client.unary('statObject', { url, computeSha256: false })).toMatchObject({ exists: false });
    });

    it('deletes objects; deleting a missing one is NOT_FOUND unless allowed', async () => {
      const stored = await upload(header(archive()), Buffer.from('x'));
      expect(await harness.client.unary('deleteObject', { url: stored.fileUrl, allowMissing: false })).toEqual({ deleted: true });
      expect((await failure(harness.client.unary('deleteObject', { url: stored.fileUrl, allowMissing: false }))).code).toBe(status.NOT_FOUND);
      expect(await harness.client.unary('deleteObject', { url: stored.fileUrl, allowMissing: true })).toEqual({ deleted: false });
      expect((await failure(download(stored.fileUrl))).code).toBe(status.NOT_FOUND);
    });
  });

  it('fails a download with DATA_LOSS when a stored byte was flipped', async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    const stored = await upload(header(harness.fileArchive), bytes);
    flipStoredByte(harness, stored.fileUrl, 1234);
    expect((await failure(download(stored.fileUrl, stored.fileSha256))).code).toBe(status.DATA_LOSS);
  });

  it('fails an S3 download with DATA_LOSS when a stored byte was flipped', async () => {
    const stored = await upload(header(harness.s3Archive), randomBytes(100_000));
    flipStoredByte(harness, stored.fileUrl, 99_999);
    expect((await failure(download(stored.fileUrl, stored.fileSha256))).code).toBe(status.DATA_LOSS);
  });

  it('rejects malformed requests and URLs outside the archives', async () => {
    const checks: [() => Promise<unknown>, number][] = [
      [() => harness.client.clientStream('uploadFile', [{ data: Buffer.from('no header') }]), status.INVALID_ARGUMENT],
      [() => upload(header(harness.fileArchive, { visitseqUuid: 'not-a-uuid' }), Buffer.from('x')), status.INVALID_ARGUMENT],
      [() => upload(header(harness.fileArchive, { creationDayObs: '2025-13-01' }), Buffer.from('x')), status.INVALID_ARGUMENT],
      [() => upload(header(harness.fileArchive, { fileName: '../escape' }), Buffer.from('x')), status.INVALID_ARGUMENT],
      [() => upload(header(harness.fileArchive, { fileName: '.hidden' }), Buffer.from('x')), status.INVALID_ARGUMENT],
      [() => upload(header('file:///etc/'), Buffer.from('x')), status.PERMISSION_DENIED],
      [() => download('file:///etc/passwd'), status.PERMISSION_DENIED],
      [() => download('gs://bucket/x'), status.INVALID_ARGUMENT],
      [() => download(`${harness.fileArchive}x`, Buffer.from('short')), status.INVALID_ARGUMENT],
      [() => harness.client.clientStream('uploadFile', [{ header: header(harness.fileArchive) }, { header: header(harness.fileArchive) }]), status.INVALID_ARGUMENT],
    ];
    for (const [call, code] of checks) expect((await failure(call())).code).toBe(code);
  });
});
