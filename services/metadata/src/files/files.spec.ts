import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { create, sha256 } from '../testing/archive-fixture';
import { specArchive } from '../testing/spec-archive';

jest.setTimeout(120_000);

const archive = specArchive();

describe('file records', () => {
  it('registers, gets and lists files; registering the same file again changes nothing', async () => {
    const { visitseqUuid } = await create(archive);
    const rewards = { visitseqUuid, fileType: 'rewards', fileSha256: sha256(), fileSize: 42, fileUrl: 'file:///a/rewards.h5' };
    const registered = await archive.call('registerFile', { file: rewards });
    expect(registered.file).toMatchObject({ ...rewards, fileSha256: Buffer.from(rewards.fileSha256) });
    expect(registered.replacedFile).toBeFalsy();
    expect((await archive.call('registerFile', { file: rewards })).file).toEqual(registered.file);
    await archive.call('registerFile', { file: { visitseqUuid, fileType: 'scheduler', fileSha256: sha256(), fileSize: 1 } });
    expect((await archive.call('getFile', { visitseqUuid, fileType: 'rewards' })).file).toEqual(registered.file);
    const page1 = await archive.call('listFiles', { visitseqUuid, pageSize: 1 });
    const page2 = await archive.call('listFiles', { visitseqUuid, pageSize: 1, pageToken: page1.nextPageToken });
    expect([...page1.files, ...page2.files].map((file) => file.fileType)).toEqual(['rewards', 'scheduler']);
    expect(page2.nextPageToken).toBe('');
  });

  it('refuses a different file of a registered type with ALREADY_EXISTS and a readable message (upstream defect 4), unless replacing', async () => {
    const { visitseqUuid } = await create(archive);
    const old = { visitseqUuid, fileType: 'rewards', fileSha256: sha256(), fileSize: 1, fileUrl: 'file:///old' };
    await archive.call('registerFile', { file: old });
    const newer = { ...old, fileSha256: sha256(), fileUrl: 'file:///new' };
    const failure = await archive.fail('registerFile', { file: newer });
    expect(failure.code).toBe(status.ALREADY_EXISTS);
    expect(failure.details).toContain(visitseqUuid);
    expect(failure.details).toContain('rewards');
    expect(failure.details).not.toContain('{');
    expect((await archive.call('getFile', { visitseqUuid, fileType: 'rewards' })).file!.fileUrl).toBe('file:///old');
    const replaced = await archive.call('registerFile', { file: newer, replace: true });
    expect(replaced.file!.fileUrl).toBe('file:///new');
    expect(replaced.replacedFile!.fileUrl).toBe('file:///old');
  });

  it('keeps the visits file and visitseq_url equal', async () => {
    const { visitseqUuid } = await create(archive);
    await archive.call('registerFile', { file: { visitseqUuid, fileType: 'visits', fileSha256: sha256(), fileSize: 9, fileUrl: 'file:///v.h5' } });
    expect((await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!.visitseqUrl).toBe('file:///v.h5');
    const kept = await archive.call('deleteFile', { visitseqUuid, fileType: 'visits', keepRecord: true });
    expect(kept.file!.fileUrl).toBe('file:///v.h5');
    expect((await archive.call('getFile', { visitseqUuid, fileType: 'visits' })).file!.fileUrl).toBeUndefined();
    expect((await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!.visitseqUrl).toBeUndefined();
    await archive.call('deleteFile', { visitseqUuid, fileType: 'visits' });
    expect((await archive.fail('getFile', { visitseqUuid, fileType: 'visits' })).code).toBe(status.NOT_FOUND);
  });

  it('answers GetVisitSequence with the record of the visits file, equal to GetFile, and none when it has none', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.call('getVisitSequence', { visitseqUuid })).visitsFile ?? undefined).toBeUndefined(); // proto-loader: null
    await archive.call('registerFile', { file: { visitseqUuid, fileType: 'rewards', fileSha256: sha256(), fileSize: 3, fileUrl: 'file:///r.h5' } });
    expect((await archive.call('getVisitSequence', { visitseqUuid })).visitsFile ?? undefined).toBeUndefined(); // proto-loader: null
    await archive.call('registerFile', { file: { visitseqUuid, fileType: 'visits', fileSha256: sha256(), fileSize: 9, fileUrl: 'file:///v.arrows' } });
    const found = await archive.call('getVisitSequence', { visitseqUuid });
    expect(found.visitsFile).toEqual((await archive.call('getFile', { visitseqUuid, fileType: 'visits' })).file);
    expect(found.visitsFile!.fileUrl).toBe(found.visitSequence!.visitseqUrl);
    await archive.call('deleteFile', { visitseqUuid, fileType: 'visits', keepRecord: true });
    const kept = await archive.call('getVisitSequence', { visitseqUuid });
    expect(kept.visitsFile!.fileUrl).toBeUndefined();
    expect(kept.visitsFile!.fileSize).toBe(9);
  });

  it('sets visitseq_sha256 with the visits file when asked (adopting visits), in the same transaction', async () => {
    const { visitseqUuid } = await create(archive);
    const before = (await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!.visitseqSha256;
    const canonical = sha256();
    const visits = { visitseqUuid, fileType: 'visits', fileSha256: sha256(), fileSize: 9, fileUrl: 'file:///adopted.arrows' };
    // Refused for another file type; an ALREADY_EXISTS leaves the hash as it was.
    expect((await archive.fail('registerFile', { file: { ...visits, fileType: 'rewards' }, visitseqSha256: canonical })).violations).toEqual(['visitseq_sha256']);
    expect((await archive.fail('registerFile', { file: visits, visitseqSha256: Buffer.alloc(31) })).violations).toEqual(['visitseq_sha256']);
    const adopted = await archive.call('registerFile', { file: visits, visitseqSha256: canonical });
    expect(Buffer.from(adopted.previousVisitseqSha256)).toEqual(Buffer.from(before));
    const sequence = (await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!;
    expect(Buffer.from(sequence.visitseqSha256)).toEqual(Buffer.from(canonical));
    expect(sequence.visitseqUrl).toBe('file:///adopted.arrows');
    expect((await archive.fail('registerFile', { file: { ...visits, fileUrl: 'file:///other.arrows' }, visitseqSha256: sha256() })).code).toBe(status.ALREADY_EXISTS);
    expect(Buffer.from((await archive.call('getVisitSequence', { visitseqUuid })).visitSequence!.visitseqSha256)).toEqual(Buffer.from(canonical));
    // The same hash again: nothing replaced.
    expect((await archive.call('registerFile', { file: visits, visitseqSha256: canonical })).previousVisitseqSha256).toHaveLength(0);
  });

  it('refuses bad records and files of sequences that do not exist (upstream defect 7)', async () => {
    const { visitseqUuid } = await create(archive);
    expect((await archive.fail('registerFile', { file: { visitseqUuid, fileType: 'x', fileSha256: Buffer.alloc(31) } })).violations).toEqual(['file.file_sha256']);
    expect((await archive.fail('registerFile', { file: { visitseqUuid, fileType: '', fileSha256: sha256() } })).violations).toEqual(['file.file_type']);
    const ghost = randomUUID();
    expect((await archive.fail('registerFile', { file: { visitseqUuid: ghost, fileType: 'x', fileSha256: sha256() } })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('listFiles', { visitseqUuid: ghost })).code).toBe(status.NOT_FOUND);
    expect((await archive.fail('deleteFile', { visitseqUuid, fileType: 'absent' })).code).toBe(status.NOT_FOUND);
    expect(await archive.count('files', 'visitseq_uuid = $1', [ghost])).toBe(0);
  });

  it('lets exactly one of many concurrent registrations of different files of one type win', async () => {
    const { visitseqUuid } = await create(archive);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) => archive.call('registerFile', { file: { visitseqUuid, fileType: 'race', fileSha256: sha256(), fileUrl: `file:///${index}` } })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason.code)).toEqual(Array(9).fill(status.ALREADY_EXISTS));
  });
});
