/**
 * @visitsarch/sequence-visits against the real archive: sequences added through the gateway
 * (tables stored by the real blob archive, records in the real PostgreSQL through the real
 * metadata service), then read with the library over clients of metadata and the blob archive,
 * as the gateway (DownloadVisits, QueryConsdb's retries) and stats (ComputeNightlyStats) read
 * them: a sequence's own stored table, an unmaterialized mixed sequence's parents spliced, and
 * VISITS_NOT_STORED for what the archive does not hold.
 */
import { status } from '@grpc/grpc-js';
import { RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { blobArchiveV1, CONTRACTS, gatewayV1, metadataV1, typeV1 } from '@visitsarch/contracts';
import { ServiceClient, setPeerCredential } from '@visitsarch/grpc-client';
import { openSequenceVisits, sequenceVisitChunks, storedVisitsFile, VisitSelection, VisitSources } from '@visitsarch/sequence-visits';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { startTestStack } from './support/stack-fixture';

jest.setTimeout(180_000);

const LAST_EARLY = '2025-11-04';
const FIRST_LATE = '2025-11-05';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let gateway: ServiceClient<gatewayV1.GatewayServiceClient>;
let sources: VisitSources & { metadata: ServiceClient<metadataV1.MetadataServiceClient>; blobArchive: ServiceClient<blobArchiveV1.BlobArchiveServiceClient> };

const earlyTable = syntheticOpsimTable({ rows: 4000, seed: 41 });
const lateTable = syntheticOpsimTable({ rows: 3000, seed: 42 });
const uuids = {} as Record<'early' | 'late' | 'mixed' | 'materialized' | 'metadataOnly', string>;

/** A table as the gateway takes it: one Arrow IPC stream in pieces. */
function* ipcChunks(table: Table): Generator<typeV1.ArrowIpcChunk> {
  const bytes = tableToIPC(table, 'stream');
  const piece = 50_000;
  for (let start = 0; start < bytes.length; start += piece) yield { ipcBytes: Buffer.from(bytes.subarray(start, start + piece)), rowCount: start === 0 ? table.numRows : 0 };
}

async function addSimulation(label: string, table: Table, extra: Partial<gatewayV1.AddSimulationHeader> = {}): Promise<string> {
  const header: gatewayV1.AddSimulationHeader = { label, telescope: 'simonyi', tags: [], requestId: '', format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED, ...extra };
  return (await gateway.clientStream('addSimulation', [{ header }, ...[...ipcChunks(table)].map((chunk) => ({ chunk }))])).visitseqUuid;
}

async function addMixed(label: string, early: string, late: string, materialize: boolean): Promise<string> {
  const request = { label, telescope: '', earlyParentUuid: early, lateParentUuid: late, lastEarlyDayObs: LAST_EARLY, firstLateDayObs: FIRST_LATE, materialize, tags: [], requestId: '', format: 0 };
  return (await gateway.unary('addMixed', request)).visitseqUuid;
}

const sequence = async (visitseqUuid: string) => (await sources.metadata.unary('getVisitSequence', { visitseqUuid })).visitSequence!;

/** What the library streams for a sequence, as one table. */
async function visitsOf(uuid: string, selection: VisitSelection = {}): Promise<Table> {
  const parts: Buffer[] = [];
  for await (const message of await sequenceVisitChunks(sources, await sequence(uuid), selection, undefined)) if (message.chunk?.ipcBytes.length) parts.push(Buffer.from(message.chunk.ipcBytes));
  return tableFromIPC(Buffer.concat(parts));
}

const column = (table: Table, name: string) => [...table.getChild(name)!.toArray()].map(Number);

/** The error a promise rejects with, as the library raises it (code, reason, message). */
async function refusal(promise: Promise<unknown>): Promise<{ code: number; reason?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; message: string; details?: { reason?: string } };
    return { code: e.code, reason: e.details?.reason, message: e.message };
  }
  throw new Error('the read succeeded, a refusal was expected');
}

beforeAll(async () => {
  stack = await startTestStack();
  gateway = new ServiceClient(CONTRACTS.gateway, stack.gateway, { token: stack.token });
  // The sources are read as the gateway reads them: with the stack's service credential.
  setPeerCredential(stack.serviceCredential);
  sources = {
    metadata: new ServiceClient(CONTRACTS.metadata, stack.services.metadata.address),
    blobArchive: new ServiceClient(CONTRACTS.blobArchive, stack.services['blob-archive'].address),
  };
  uuids.early = await addSimulation('early parent', earlyTable);
  uuids.late = await addSimulation('late parent', lateTable);
  uuids.mixed = await addMixed('early then late', uuids.early, uuids.late, false);
  uuids.materialized = await addMixed('early then late, materialized', uuids.early, uuids.late, true);
  uuids.metadataOnly = await addSimulation('metadata only', syntheticOpsimTable({ rows: 300, seed: 43 }), { archiveUrl: '' });
}, 300_000);

afterAll(async () => {
  gateway?.close();
  sources?.metadata.close();
  sources?.blobArchive.close();
  setPeerCredential(undefined);
  await stack?.stop();
});

describe('a sequence with its own stored table', () => {
  it('reads it whole, row for row as it was added', async () => {
    const table = await visitsOf(uuids.early);
    expect(table.numRows).toBe(earlyTable.numRows);
    expect(column(table, 'observationStartMJD')).toEqual(column(earlyTable, 'observationStartMJD'));
    expect(column(table, 'altitude')).toEqual(column(earlyTable, 'altitude'));
  });

  it('reads only the selected columns and nights', async () => {
    const table = await visitsOf(uuids.early, { columns: ['observationStartMJD', 'altitude'], dayObsRange: { firstDayObs: '2025-11-03', lastDayObs: LAST_EARLY } });
    expect(table.schema.fields.map((field) => field.name)).toEqual(['observationStartMJD', 'altitude']);
    expect(table.numRows).toBeGreaterThan(0);
    expect(table.numRows).toBeLessThan(earlyTable.numRows);
  });

  it('gives its `visits` file record, URL and hash as metadata holds them', async () => {
    const file = await storedVisitsFile(sources, uuids.early, undefined);
    expect(file.fileUrl).toBe((await sequence(uuids.early)).visitseqUrl);
    expect(file.fileSha256).toHaveLength(32);
  });

  it('is what a materialized mixed sequence reads: its own table, the same visits as the splice', async () => {
    const materialized = await sequence(uuids.materialized);
    expect(materialized.visitseqUrl).toBeTruthy();
    expect(materialized.mixed).toMatchObject({ earlyParentUuid: uuids.early, lateParentUuid: uuids.late });
    const own = await visitsOf(uuids.materialized);
    const spliced = await visitsOf(uuids.mixed);
    expect(own.numRows).toBe(spliced.numRows);
    expect(column(own, 'observationStartMJD')).toEqual(column(spliced, 'observationStartMJD'));
  });
});

describe('an unmaterialized mixed sequence', () => {
  it('has no table of its own', async () => {
    expect((await sequence(uuids.mixed)).visitseqUrl).toBeFalsy();
  });

  it('is its early parent through last_early_day_obs, then its late parent from first_late_day_obs', async () => {
    const early = await visitsOf(uuids.early, { dayObsRange: { firstDayObs: '', lastDayObs: LAST_EARLY } });
    const late = await visitsOf(uuids.late, { dayObsRange: { firstDayObs: FIRST_LATE, lastDayObs: '' } });
    expect(early.numRows).toBeGreaterThan(0);
    expect(late.numRows).toBeGreaterThan(0);
    const mixed = await visitsOf(uuids.mixed);
    expect(mixed.numRows).toBe(early.numRows + late.numRows);
    expect(column(mixed, 'observationStartMJD')).toEqual([...column(early, 'observationStartMJD'), ...column(late, 'observationStartMJD')]);
    expect(column(mixed, 'altitude')).toEqual([...column(early, 'altitude'), ...column(late, 'altitude')]);
  });

  it('applies the selection to the splice', async () => {
    const range = { firstDayObs: '2025-11-03', lastDayObs: '2025-11-06' };
    const mixed = await visitsOf(uuids.mixed, { columns: ['observationStartMJD'], dayObsRange: range });
    const early = await visitsOf(uuids.early, { columns: ['observationStartMJD'], dayObsRange: { firstDayObs: range.firstDayObs, lastDayObs: LAST_EARLY } });
    const late = await visitsOf(uuids.late, { columns: ['observationStartMJD'], dayObsRange: { firstDayObs: FIRST_LATE, lastDayObs: range.lastDayObs } });
    expect(mixed.schema.fields.map((field) => field.name)).toEqual(['observationStartMJD']);
    expect(column(mixed, 'observationStartMJD')).toEqual([...column(early, 'observationStartMJD'), ...column(late, 'observationStartMJD')]);
  });

  it('decodes into record batches as they arrive, with the schema known first', async () => {
    const visits = await openSequenceVisits(sources, await sequence(uuids.mixed), { dayObsRange: { firstDayObs: '', lastDayObs: FIRST_LATE } }, undefined);
    expect(visits.schema.fields.map((field) => field.name)).toEqual(earlyTable.schema.fields.map((field) => field.name));
    const batches: RecordBatch[] = [];
    for await (const batch of visits) batches.push(batch);
    const expected = await visitsOf(uuids.mixed, { dayObsRange: { firstDayObs: '', lastDayObs: FIRST_LATE } });
    expect(column(new Table(batches), 'observationStartMJD')).toEqual(column(expected, 'observationStartMJD'));
  });
});

describe('visits the archive does not hold', () => {
  it('of a sequence recorded with metadata only: FAILED_PRECONDITION, VISITS_NOT_STORED', async () => {
    const metadataOnly = await sequence(uuids.metadataOnly);
    expect(await refusal(sequenceVisitChunks(sources, metadataOnly, {}, undefined))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'VISITS_NOT_STORED',
      message: `the visits of ${uuids.metadataOnly} are not stored in the archive (recorded with metadata only)`,
    });
    expect(await refusal(openSequenceVisits(sources, metadataOnly, {}, undefined))).toMatchObject({ code: status.FAILED_PRECONDITION, reason: 'VISITS_NOT_STORED' });
    expect(await refusal(storedVisitsFile(sources, uuids.metadataOnly, undefined))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'VISITS_NOT_STORED',
      message: `the visits of visit sequence ${uuids.metadataOnly} are not stored in the archive`,
    });
  });

  it('of a mixed sequence whose parent’s table was deleted: FAILED_PRECONDITION naming the parent', async () => {
    const early = await addSimulation('early parent, to be deleted', syntheticOpsimTable({ rows: 800, seed: 44 }));
    const late = await addSimulation('late parent, to be deleted', syntheticOpsimTable({ rows: 800, seed: 45 }));
    const mixed = await sequence(await addMixed('of parents to be deleted', early, late, false));
    await gateway.unary('deleteFile', { visitseqUuid: late, fileType: 'visits', keepRecord: true, keepBlob: false });
    expect(await refusal(sequenceVisitChunks(sources, mixed, {}, undefined))).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'VISITS_NOT_STORED',
      message: `the visits of late parent ${late} are not stored in the archive`,
    });
    await gateway.unary('deleteFile', { visitseqUuid: early, fileType: 'visits', keepRecord: false, keepBlob: false });
    expect(await refusal(sequenceVisitChunks(sources, mixed, {}, undefined))).toMatchObject({ message: `the visits of early parent ${early} are not stored in the archive` });
  });

  it('of a sequence whose record names a table its file record no longer has: VISITS_NOT_STORED', async () => {
    const uuid = await addSimulation('to lose its file record', syntheticOpsimTable({ rows: 300, seed: 46 }));
    const before = await sequence(uuid);
    await gateway.unary('deleteFile', { visitseqUuid: uuid, fileType: 'visits', keepRecord: true, keepBlob: false });
    // A record read before the deletion still names the table: the file record decides.
    expect(await refusal(sequenceVisitChunks(sources, before, {}, undefined))).toMatchObject({ code: status.FAILED_PRECONDITION, reason: 'VISITS_NOT_STORED' });
  });
});
