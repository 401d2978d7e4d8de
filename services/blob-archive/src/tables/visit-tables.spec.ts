import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Float64, Int64, MessageHeader, Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { blobArchiveV1, typeV1 } from '@visitsarch/contracts';
import { canonicalSha256, openVisitTable, syntheticOpsimTable, collectTable } from '@visitsarch/visit-tables';
import { readIpcMessages } from '@visitsarch/arrow-ipc';
import {
  arrowChunks,
  BlobArchiveHarness,
  collect,
  failure,
  flipStoredByte,
  newUuid,
  startHarness,
  tableOfChunks,
  uploadCancelledMidway,
  visitTableDestination as destination,
} from '../testing/harness';

jest.setTimeout(120_000);

const { TableFormat } = typeV1;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** A small opsim-like table spanning several nights, with non-ASCII text and nulls. */
function nightsTable(): Table {
  const mjd = [60980.6, 60980.7, 60981.6, 60981.9, 60982.55, 60983.6, 60983.7, 60984.6];
  return new Table({
    observationStartMJD: vectorFromArray(mjd, new Float64()),
    observationId: vectorFromArray(mjd.map((_, i) => BigInt(i)), new Int64()),
    band: vectorFromArray(['g', 'r', 'i', null, 'z', 'y', 'u', 'g'], new Utf8()),
    note: vectorFromArray(['blob, gr', 'Östlich', '雲', '', 'ddf:COSMOS', 'a', 'b', 'ç'], new Utf8()),
  });
}

describe('blob-archive visit tables', () => {
  let harness: BlobArchiveHarness;
  beforeAll(async () => (harness = await startHarness()));
  afterAll(() => harness?.stop());

  const upload = async (head: blobArchiveV1.VisitTableDestination, table: Table, rowsPerBatch = 1000) =>
    harness.client.clientStream('uploadVisitTable', [{ header: head }, ...(await arrowChunks(table, rowsPerBatch)).map((chunk) => ({ chunk }))]);
  const hashOf = async (table: Table, rowsPerBatch = 1000) =>
    harness.client.clientStream('hashVisitTable', (await arrowChunks(table, rowsPerBatch)).map((chunk) => ({ chunk })));
  const download = (fileUrl: string, extra: Partial<blobArchiveV1.DownloadVisitTableRequest> = {}) =>
    harness.client.serverStream('downloadVisitTable', { fileUrl, expectedFileSha256: new Uint8Array(0), columns: [], ...extra });
  const exportBytes = async (request: Partial<blobArchiveV1.ExportVisitTableRequest> & { fileUrl: string; format: typeV1.TableFormat }) =>
    Buffer.concat((await collect(harness.client.serverStream('exportVisitTable', { expectedFileSha256: new Uint8Array(0), columns: [], ...request }))).map((m) => m.data));

  describe.each([
    ['file', () => harness.fileArchive],
    ['s3', () => harness.s3Archive],
  ])('%s archive', (_kind, archive) => {
    it('stores an uploaded table and streams it back as Arrow, verified, in chunks of whole messages', async () => {
      const table = syntheticOpsimTable({ rows: 20_000, batchRows: 4096 });
      const head = destination(archive());
      const stored = await upload(head, table, 3000);
      expect(stored.fileUrl).toBe(`${archive()}simonyi/2025-08-14/${head.visitseqUuid}/visits.arrows`);
      expect(Buffer.from(stored.visitseqSha256)).toEqual(await canonicalSha256(table));
      expect(stored).toMatchObject({ rowCount: 20_000, columns: table.schema.fields.map((f) => f.name), firstDayObs: '2025-11-01' });
      expect(stored.lastDayObs > stored.firstDayObs).toBe(true);

      const chunks = await collect(download(stored.fileUrl, { expectedFileSha256: stored.fileSha256 }));
      // The first chunk starts with the Schema message; every chunk holds whole messages.
      for (const [index, { chunk }] of chunks.entries()) {
        const messages = await collect(readIpcMessages([chunk!.ipcBytes]));
        if (index === 0) expect(messages[0].message.headerType).toBe(MessageHeader.Schema);
        expect(messages.reduce((rows, m) => rows + (m.message.isRecordBatch() ? m.message.header().length : 0), 0)).toBe(chunk!.rowCount);
      }
      expect(chunks.every((c) => c.chunk!.ipcBytes.byteLength <= 4 * 1024 * 1024)).toBe(true);
      expect(chunks.reduce((rows, c) => rows + c.chunk!.rowCount, 0)).toBe(20_000);
      const back = await tableOfChunks(chunks);
      expect(await canonicalSha256(back)).toEqual(await canonicalSha256(table));
      const raw = Buffer.concat((await collect(harness.client.serverStream('downloadFile', { fileUrl: stored.fileUrl, expectedFileSha256: stored.fileSha256 }))).map((m) => m.data));
      expect(sha256(raw)).toEqual(Buffer.from(stored.fileSha256));
      expect(raw.byteLength).toBe(stored.fileSize);
    });

    it('fails with DATA_LOSS, before sending any row, when a stored byte was flipped', async () => {
      const stored = await upload(destination(archive()), syntheticOpsimTable({ rows: 3000 }));
      flipStoredByte(harness, stored.fileUrl, Math.floor(stored.fileSize / 2));
      const received: unknown[] = [];
      const error = await failure(
        (async () => {
          for await (const message of download(stored.fileUrl, { expectedFileSha256: stored.fileSha256 })) received.push(message);
        })(),
      );
      expect(error.code).toBe(status.DATA_LOSS);
      expect(received).toEqual([]);
      expect((await failure(exportBytes({ fileUrl: stored.fileUrl, expectedFileSha256: stored.fileSha256, format: TableFormat.TABLE_FORMAT_CSV }))).code).toBe(status.DATA_LOSS);
    });

    it('ends the stream of a table above 8 MiB (hashed while it is sent) with DATA_LOSS, never its last message, when a stored byte was flipped', async () => {
      const stored = await upload(destination(archive()), syntheticOpsimTable({ rows: 40_000, batchRows: 4096 }));
      expect(stored.fileSize).toBeGreaterThan(8 * 1024 * 1024); // not read whole (readWholeSmallFile)
      flipStoredByte(harness, stored.fileUrl, Math.floor(stored.fileSize / 2));
      let rows = 0;
      const error = await failure(
        (async () => {
          for await (const message of download(stored.fileUrl, { expectedFileSha256: stored.fileSha256 })) rows += message.chunk?.rowCount ?? 0;
        })(),
      );
      expect(error.code).toBe(status.DATA_LOSS);
      expect(rows).toBeLessThan(40_000);
    });

    it('refuses to overwrite a stored table unless asked', async () => {
      const head = destination(archive());
      await upload(head, nightsTable());
      expect((await failure(upload(head, nightsTable()))).code).toBe(status.ALREADY_EXISTS);
      const replaced = await upload({ ...head, overwrite: true }, syntheticOpsimTable({ rows: 10 }));
      expect(replaced.rowCount).toBe(10);
    });

    it('leaves nothing behind when the client cancels an upload midway', async () => {
      const head = destination(archive());
      const chunks = await arrowChunks(syntheticOpsimTable({ rows: 30_000 }), 2000);
      const requests: blobArchiveV1.UploadVisitTableRequest[] = [{ header: head }, ...chunks.slice(0, 8).map((chunk) => ({ chunk }))];
      await uploadCancelledMidway(harness, (sent) => harness.client.clientStream('uploadVisitTable', sent), requests, archive(), head.visitseqUuid);
      const url = `${archive()}simonyi/2025-08-14/${head.visitseqUuid}/visits.arrows`;
      expect(await harness.client.unary('statObject', { url, computeSha256: false })).toMatchObject({ exists: false });
      expect(await upload(head, nightsTable())).toMatchObject({ rowCount: 8 });
    });
  });

  it('computes the canonical hash independently of chunking, as specified (SHA-256 of the dtype text and the packed rows)', async () => {
    const table = tableFromArrays({ n: new BigInt64Array([0n, 1n]), x: new Float64Array([1.5, 2.5]) });
    const packed = Buffer.alloc(32);
    packed.writeBigInt64LE(0n, 0);
    packed.writeDoubleLE(1.5, 8);
    packed.writeBigInt64LE(1n, 16);
    packed.writeDoubleLE(2.5, 24);
    const expected = createHash('sha256').update("[('n', '<i8'), ('x', '<f8')]").update(packed).digest();
    const hashed = await hashOf(table, 1);
    expect(Buffer.from(hashed.visitseqSha256)).toEqual(expected);
    expect(hashed).toMatchObject({ rowCount: 2, firstDayObs: '', lastDayObs: '', columns: ['n', 'x'] });
    const opsim = syntheticOpsimTable({ rows: 5000 });
    expect(Buffer.from((await hashOf(opsim, 7)).visitseqSha256)).toEqual(Buffer.from((await hashOf(opsim, 5000)).visitseqSha256));
  });

  it.each([
    ['Parquet', TableFormat.TABLE_FORMAT_PARQUET, 'visits.parquet'],
    ['HDF5', TableFormat.TABLE_FORMAT_HDF5, 'visits.h5'],
    ['opsim SQLite', TableFormat.TABLE_FORMAT_OPSIM_SQLITE, 'visits.db'],
    ['Arrow IPC file', TableFormat.TABLE_FORMAT_ARROW_IPC_FILE, 'visits.arrow'],
    ['Arrow IPC stream', TableFormat.TABLE_FORMAT_ARROW_IPC_STREAM, 'visits.arrows'],
  ])('stores tables as %s and reads them back as Arrow, with the same canonical hash', async (_name, format, fileName) => {
    const table = syntheticOpsimTable({ rows: 3000, batchRows: 1000 });
    const stored = await upload(destination(harness.fileArchive, { format }), table);
    expect(stored.fileUrl.endsWith(`/${fileName}`)).toBe(true);
    const back = await tableOfChunks(download(stored.fileUrl, { expectedFileSha256: stored.fileSha256 }));
    expect(back.numRows).toBe(3000);
    expect(await canonicalSha256(back)).toEqual(Buffer.from(stored.visitseqSha256));
  });

  it.each([
    ['parquet', TableFormat.TABLE_FORMAT_PARQUET],
    ['h5', TableFormat.TABLE_FORMAT_HDF5],
    ['db', TableFormat.TABLE_FORMAT_OPSIM_SQLITE],
    ['arrow', TableFormat.TABLE_FORMAT_ARROW_IPC_FILE],
    ['arrows', TableFormat.TABLE_FORMAT_ARROW_IPC_STREAM],
  ])('exports a stored table as a .%s file that reads back to the same table', async (extension, format) => {
    const table = syntheticOpsimTable({ rows: 2500, batchRows: 1000 });
    const stored = await upload(destination(harness.fileArchive), table);
    const bytes = await exportBytes({ fileUrl: stored.fileUrl, expectedFileSha256: stored.fileSha256, format });
    const file = path.join(harness.home, `export-${newUuid()}.${extension}`);
    fs.writeFileSync(file, bytes);
    const back = await collectTable(await openVisitTable(file));
    expect(await canonicalSha256(back)).toEqual(Buffer.from(stored.visitseqSha256));
  });

  it('exports CSV and refuses an unspecified export format', async () => {
    const stored = await upload(destination(harness.fileArchive), nightsTable());
    const csv = (await exportBytes({ fileUrl: stored.fileUrl, format: TableFormat.TABLE_FORMAT_CSV, columns: ['observationId', 'note'] })).toString('utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe('observationId,note');
    expect(lines).toHaveLength(9);
    expect(csv).toContain('Östlich');
    expect((await failure(exportBytes({ fileUrl: stored.fileUrl, format: TableFormat.TABLE_FORMAT_UNSPECIFIED }))).code).toBe(status.INVALID_ARGUMENT);
  });

  it('selects columns and nights server-side', async () => {
    const stored = await upload(destination(harness.fileArchive), nightsTable());
    // Nights (floor(MJD − 0.5)): 60980 ×2, 60981 ×2, 60982, 60983 ×2, 60984 → 2025-11-01 … 2025-11-05.
    expect(stored).toMatchObject({ firstDayObs: '2025-11-01', lastDayObs: '2025-11-05' });
    const selected = await tableOfChunks(download(stored.fileUrl, { columns: ['note', 'observationId'], dayObsRange: { firstDayObs: '20251102', lastDayObs: '2025-11-04' } }));
    expect(selected.schema.fields.map((f) => f.name)).toEqual(['note', 'observationId']);
    expect(selected.getChild('observationId')!.toArray()).toEqual(new BigInt64Array([2n, 3n, 4n, 5n, 6n]));
    expect(selected.getChild('note')!.toArray()).toEqual(['雲', '', 'ddf:COSMOS', 'a', 'b']);

    const checks: [() => Promise<unknown>, number][] = [
      [() => collect(download(stored.fileUrl, { columns: ['nope'] })), status.INVALID_ARGUMENT],
      [() => collect(download(stored.fileUrl, { dayObsRange: { firstDayObs: '2025-11-05', lastDayObs: '2025-11-01' } })), status.INVALID_ARGUMENT],
      [() => collect(download(`${harness.fileArchive}missing/visits.arrows`)), status.NOT_FOUND],
    ];
    for (const [call, code] of checks) expect((await failure(call())).code).toBe(code);
    const noNights = await upload(destination(harness.fileArchive), tableFromArrays({ x: new Float64Array([1, 2]) }));
    expect((await failure(collect(download(noNights.fileUrl, { dayObsRange: { firstDayObs: '2025-11-06', lastDayObs: '' } })))).code).toBe(status.FAILED_PRECONDITION);
  });

  it('rejects uploads that are not a valid Arrow stream, or lack the header first', async () => {
    const head = destination(harness.fileArchive);
    const garbage = harness.client.clientStream('uploadVisitTable', [{ header: head }, { chunk: { ipcBytes: Buffer.from('not arrow at all, really'), rowCount: 0 } }]);
    expect((await failure(garbage)).code).toBe(status.INVALID_ARGUMENT);
    const chunks = await arrowChunks(nightsTable());
    expect((await failure(harness.client.clientStream('uploadVisitTable', chunks.map((chunk) => ({ chunk }))))).code).toBe(status.INVALID_ARGUMENT);
    const truncated = chunks.map((chunk) => ({ chunk }));
    truncated[1] = { chunk: { ipcBytes: truncated[1].chunk.ipcBytes.subarray(0, 40), rowCount: 0 } };
    expect((await failure(harness.client.clientStream('uploadVisitTable', [{ header: head }, ...truncated])))).toMatchObject({ code: status.INVALID_ARGUMENT });
    const url = `${harness.fileArchive}simonyi/2025-08-14/${head.visitseqUuid}/visits.arrows`;
    expect(await harness.client.unary('statObject', { url, computeSha256: false })).toMatchObject({ exists: false });
  });

  describe('mixed sequences', () => {
    it('splices the early parent up to last_early_day_obs and the late parent from first_late_day_obs', async () => {
      const early = nightsTable();
      const lateMjd = [60980.6, 60982.6, 60983.6, 60984.6, 60985.6];
      const late = new Table({
        observationStartMJD: vectorFromArray(lateMjd, new Float64()),
        observationId: vectorFromArray(lateMjd.map((_, i) => BigInt(100 + i)), new Int64()),
        note: vectorFromArray(lateMjd.map((_, i) => `late ${i}`), new Utf8()),
        extra: vectorFromArray(lateMjd, new Float64()),
      });
      const earlyStored = await upload(destination(harness.fileArchive), early);
      const lateStored = await upload(destination(harness.s3Archive), late);
      const source: blobArchiveV1.MixedVisitTableSource = {
        earlyParentUrl: earlyStored.fileUrl,
        earlyParentFileSha256: earlyStored.fileSha256,
        lateParentUrl: lateStored.fileUrl,
        lateParentFileSha256: lateStored.fileSha256,
        lastEarlyDayObs: '2025-11-02',
        firstLateDayObs: '20251104',
      };
      const mixed = await tableOfChunks(harness.client.serverStream('readMixedVisitTable', { source, columns: [] }));
      // Columns in both parents, in the early parent's order.
      expect(mixed.schema.fields.map((f) => f.name)).toEqual(['observationStartMJD', 'observationId', 'note']);
      expect(mixed.getChild('observationId')!.toArray()).toEqual(new BigInt64Array([0n, 1n, 2n, 3n, 102n, 103n, 104n]));

      const materialized = await harness.client.unary('materializeMixedVisitTable', { source, columns: [], destination: destination(harness.fileArchive) });
      expect(materialized).toMatchObject({ rowCount: 7, firstDayObs: '2025-11-01', lastDayObs: '2025-11-06' });
      expect(Buffer.from(materialized.visitseqSha256)).toEqual(await canonicalSha256(mixed));
      const back = await tableOfChunks(download(materialized.fileUrl, { expectedFileSha256: materialized.fileSha256 }));
      expect(back.getChild('observationId')!.toArray()).toEqual(new BigInt64Array([0n, 1n, 2n, 3n, 102n, 103n, 104n]));

      const bounded = await tableOfChunks(
        harness.client.serverStream('readMixedVisitTable', { source: { ...source, dayObsRange: { firstDayObs: '2025-11-02', lastDayObs: '2025-11-05' } }, columns: ['observationId'] }),
      );
      expect(bounded.getChild('observationId')!.toArray()).toEqual(new BigInt64Array([2n, 3n, 102n, 103n]));

      const bad: [Partial<blobArchiveV1.MixedVisitTableSource>, string[], number][] = [
        [{ lastEarlyDayObs: '2025-11-04' }, [], status.INVALID_ARGUMENT],
        [{ lastEarlyDayObs: '' }, [], status.INVALID_ARGUMENT],
        [{}, ['band'], status.INVALID_ARGUMENT],
        [{ earlyParentFileSha256: lateStored.fileSha256 }, [], status.DATA_LOSS],
        [{ lateParentUrl: `${harness.s3Archive}missing/visits.arrows`, lateParentFileSha256: new Uint8Array(0) }, [], status.NOT_FOUND],
      ];
      for (const [change, columns, code] of bad) {
        expect((await failure(collect(harness.client.serverStream('readMixedVisitTable', { source: { ...source, ...change }, columns })))).code).toBe(code);
      }
    });
  });
});
