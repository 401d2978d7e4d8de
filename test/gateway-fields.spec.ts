/**
 * The other half of the contract test (contract.spec.ts covers what the gateway forwards): the
 * gateway's own operations take requests of their own and turn them into calls of the services
 * behind. For each, every field of the request, read from the proto (so a field added tomorrow
 * fails here until it is accounted for), is sent set, and the test checks where it arrived:
 * in the record read back, or in what the call did. Real stack, real PostgreSQL, real files.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Table, tableToIPC } from 'apache-arrow';
import { CONTRACTS, gatewayV1, metadataV1, PROTO_LOADER_OPTIONS, PROTO_ROOT, typeV1 } from '@visitsarch/contracts';
import { GatewayClients } from '@visitsarch/grpc-client';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { startTestStack } from './support/stack-fixture';

type Stack = Awaited<ReturnType<typeof startTestStack>>;
type Sequence = metadataV1.VisitSequence;

/** The fields a message of the gateway's contract declares, from the proto itself. */
function declaredFields(message: string): string[] {
  const definition = protoLoader.loadSync(CONTRACTS.gateway.protoFiles, { ...PROTO_LOADER_OPTIONS, keepCase: true, includeDirs: [PROTO_ROOT] });
  const type = definition[`visitsarch.gateway.v1.${message}`] as protoLoader.MessageTypeDefinition<object, object>;
  return (type.type as { field: { name: string }[] }).field.map((field) => field.name).sort();
}

function* chunks(table: Table): Generator<typeV1.ArrowIpcChunk> {
  const bytes = tableToIPC(table, 'stream');
  for (let start = 0; start < bytes.length; start += 200_000) yield { ipcBytes: Buffer.from(bytes.subarray(start, start + 200_000)), rowCount: start === 0 ? table.numRows : 0 };
}

/** A request_id an earlier, different request used: ALREADY_EXISTS, saying to use a new one. */
async function expectReusedRequestId(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (failure: grpc.ServiceError) => failure,
  );
  expect(error).toMatchObject({ code: grpc.status.ALREADY_EXISTS, details: expect.stringMatching(/request_id \S+ was already used for a different request; use a new request_id/) });
}

const CONDA_LIST = JSON.stringify([{ base_url: 'https://conda.anaconda.org/conda-forge', build_number: 0, build_string: 'pyhd8ed1ab_0', channel: 'conda-forge', dist_name: 'rubin-scheduler-3.10.0-pyhd8ed1ab_0', name: 'rubin-scheduler', platform: 'noarch', version: '3.10.0' }]);

describe("every field of the gateway's own requests reaches the services behind it", () => {
  let stack: Stack;
  let archive: GatewayClients;
  let parent: Sequence;
  const visits = syntheticOpsimTable({ rows: 1500, seed: 5 });

  const get = async (visitseqUuid: string) => (await archive.metadata.unary('getVisitSequence', { visitseqUuid })).visitSequence!;

  beforeAll(async () => {
    stack = await startTestStack();
    archive = new GatewayClients(stack.gateway, { token: stack.token });
    const header = { label: 'parent', telescope: 'simonyi', tags: [], requestId: '', format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED };
    parent = await get((await archive.gateway.clientStream('addSimulation', [{ header }, ...[...chunks(visits)].map((chunk) => ({ chunk }))])).visitseqUuid);
  }, 180_000);

  afterAll(async () => {
    archive?.close();
    await stack?.stop();
  });

  it('AddSimulationHeader', async () => {
    const { condaEnvHash: condaEnvSha256 } = await archive.metadata.unary('recordCondaEnv', { condaEnvJson: CONDA_LIST });
    const header: Required<gatewayV1.AddSimulationHeader> = {
      label: 'every field, simulated',
      telescope: 'simonyi',
      firstDayObs: '2020-01-01',
      lastDayObs: '2040-12-31',
      creationTime: new Date('2025-06-01T12:34:56.789Z'),
      schedulerVersion: '3.10.0',
      configUrl: 'https://github.com/lsst-ts/ts_config_ocs/blob/develop/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py',
      simRunnerArgs: { sim_duration: 3, keep_rewards: true, note: 'contract' },
      condaEnvSha256,
      parentVisitseqUuid: parent.visitseqUuid,
      parentLastDayObs: '2025-05-31',
      archiveUrl: stack.archiveUrl,
      tags: ['contract', 'nominal'],
      requestId: randomUUID(),
      format: typeV1.TableFormat.TABLE_FORMAT_PARQUET,
    };
    expect(Object.keys(header).map(snake).sort()).toEqual(declaredFields('AddSimulationHeader'));
    const add = () => archive.gateway.clientStream('addSimulation', [{ header }, ...[...chunks(visits)].map((chunk) => ({ chunk }))]);
    const added = await add();
    const record = await get(added.visitseqUuid);
    expect(record).toMatchObject({
      visitseqLabel: header.label,
      telescope: header.telescope,
      firstDayObs: header.firstDayObs,
      lastDayObs: header.lastDayObs,
      creationTime: header.creationTime,
      tags: expect.arrayContaining(header.tags),
      simulation: {
        schedulerVersion: header.schedulerVersion,
        configUrl: header.configUrl,
        simRunnerArgs: header.simRunnerArgs,
        parentVisitseqUuid: header.parentVisitseqUuid,
        parentLastDayObs: header.parentLastDayObs,
      },
    });
    expect(Buffer.from(record.simulation!.condaEnvSha256!)).toEqual(Buffer.from(condaEnvSha256));
    expect(record.visitseqUrl!.startsWith(header.archiveUrl)).toBe(true); // archive_url: where the visits went
    expect(record.visitseqUrl!.endsWith('.parquet')).toBe(true); // format: how they were stored
    expect((await add()).visitseqUuid).toBe(added.visitseqUuid); // request_id: a retry is the same add
    // The same request_id for a different request (another label, or other visits) is refused, recording nothing.
    const labelled = async (label: string) =>
      (await archive.metadata.unary('listVisitSequences', { telescope: '', tagsAll: [], tagsAny: [], labelContains: label, orderBy: '', pageSize: 10, pageToken: '', kind: 0 })).visitSequences;
    await expectReusedRequestId(archive.gateway.clientStream('addSimulation', [{ header: { ...header, label: 'another label' } }, ...[...chunks(visits)].map((chunk) => ({ chunk }))]));
    const otherVisits = syntheticOpsimTable({ rows: 100, seed: 6 });
    await expectReusedRequestId(archive.gateway.clientStream('addSimulation', [{ header }, ...[...chunks(otherVisits)].map((chunk) => ({ chunk }))]));
    expect(await labelled('another label')).toEqual([]);
    expect((await get(added.visitseqUuid)).visitseqLabel).toBe(header.label);
  });

  it('answers concurrent attempts of one request with a request_id, and no creation time, with one sequence', async () => {
    // Each attempt takes "now" as the creation time; the request the client sent is still the same one.
    const header = { label: 'concurrent attempts', telescope: 'simonyi', tags: [], requestId: randomUUID(), format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED };
    const attempts = await Promise.all(Array.from({ length: 4 }, () => archive.gateway.clientStream('addSimulation', [{ header }, ...[...chunks(visits)].map((chunk) => ({ chunk }))])));
    expect(new Set(attempts.map((attempt) => attempt.visitseqUuid)).size).toBe(1);
    const record = await get(attempts[0].visitseqUuid);
    const { files } = await archive.metadata.unary('listFiles', { visitseqUuid: record.visitseqUuid, pageSize: 100, pageToken: '' });
    expect(files.find((file) => file.fileType === 'visits')?.fileUrl).toBe(record.visitseqUrl);
  });

  it('AddCompletedHeader', async () => {
    const header: Required<gatewayV1.AddCompletedHeader> = {
      label: 'every field, completed',
      telescope: 'simonyi',
      firstDayObs: '2020-01-01',
      lastDayObs: '2040-12-31',
      creationTime: new Date('2025-06-02T01:02:03.004Z'),
      query: 'SELECT * FROM cdb_lsstcam.visit1 -- contract',
      archiveUrl: stack.archiveUrl,
      tags: ['contract-completed'],
      requestId: randomUUID(),
      format: typeV1.TableFormat.TABLE_FORMAT_ARROW_IPC_FILE,
    };
    expect(Object.keys(header).map(snake).sort()).toEqual(declaredFields('AddCompletedHeader'));
    const add = () => archive.gateway.clientStream('addCompleted', [{ header }, ...[...chunks(visits)].map((chunk) => ({ chunk }))]);
    const added = await add();
    const record = await get(added.visitseqUuid);
    expect(record).toMatchObject({
      visitseqLabel: header.label,
      telescope: header.telescope,
      firstDayObs: header.firstDayObs,
      lastDayObs: header.lastDayObs,
      creationTime: header.creationTime,
      tags: header.tags,
      completed: { query: header.query },
    });
    expect(record.visitseqUrl!.startsWith(header.archiveUrl)).toBe(true);
    expect(record.visitseqUrl!.endsWith('.arrow')).toBe(true);
    expect((await add()).visitseqUuid).toBe(added.visitseqUuid);
  });

  it('AddMixedRequest', async () => {
    const request: Required<gatewayV1.AddMixedRequest> = {
      label: 'every field, mixed',
      telescope: 'simonyi',
      earlyParentUuid: parent.visitseqUuid,
      lateParentUuid: parent.visitseqUuid,
      lastEarlyDayObs: '2026-07-05',
      firstLateDayObs: '2026-07-06',
      materialize: true,
      archiveUrl: stack.archiveUrl,
      tags: ['contract-mixed'],
      requestId: randomUUID(),
      creationTime: new Date('2025-06-03T04:05:06.007Z'),
      format: typeV1.TableFormat.TABLE_FORMAT_PARQUET,
    };
    expect(Object.keys(request).map(snake).sort()).toEqual(declaredFields('AddMixedRequest'));
    const added = await archive.gateway.unary('addMixed', request);
    const record = await get(added.visitseqUuid);
    expect(record).toMatchObject({
      visitseqLabel: request.label,
      telescope: request.telescope,
      creationTime: request.creationTime,
      tags: request.tags,
      mixed: { earlyParentUuid: request.earlyParentUuid, lateParentUuid: request.lateParentUuid, lastEarlyDayObs: request.lastEarlyDayObs, firstLateDayObs: request.firstLateDayObs },
    });
    // materialize, archive_url and format: the spliced table was stored there, in that format.
    expect(record.visitseqUrl!.startsWith(request.archiveUrl)).toBe(true);
    expect(record.visitseqUrl!.endsWith('.parquet')).toBe(true);
    expect((await archive.gateway.unary('addMixed', request)).visitseqUuid).toBe(added.visitseqUuid);
    await expectReusedRequestId(archive.gateway.unary('addMixed', { ...request, lastEarlyDayObs: '2026-07-04', firstLateDayObs: '2026-07-05' }));
  });

  it('AddFileHeader', async () => {
    const bytes = Buffer.from('a file of the contract test\n');
    const { createHash } = await import('node:crypto');
    const header: Required<gatewayV1.AddFileHeader> = {
      visitseqUuid: parent.visitseqUuid,
      fileType: 'contract',
      archiveUrl: stack.archiveUrl,
      replace: true,
      fileName: 'contract-notes.txt',
      expectedFileSha256: createHash('sha256').update(bytes).digest(),
      requestId: randomUUID(),
    };
    expect(Object.keys(header).map(snake).sort()).toEqual(declaredFields('AddFileHeader'));
    const add = () => archive.gateway.clientStream('addFile', [{ header }, { data: bytes }]);
    const added = await add();
    const { files } = await archive.metadata.unary('listFiles', { visitseqUuid: parent.visitseqUuid, pageSize: 100, pageToken: '' });
    const file = files.find((candidate) => candidate.fileType === header.fileType)!;
    expect(file.fileUrl).toBe(added.fileUrl);
    expect(file.fileUrl!.startsWith(header.archiveUrl)).toBe(true);
    expect(file.fileUrl!.endsWith('/contract-notes.txt')).toBe(true);
    expect(Buffer.from(file.fileSha256)).toEqual(header.expectedFileSha256);
    expect((await add()).fileUrl).toBe(added.fileUrl); // a retry (same request_id, same bytes) is the same file, even with replace
    // The same request_id for another request (another name for the same bytes) is refused.
    await expectReusedRequestId(archive.gateway.clientStream('addFile', [{ header: { ...header, fileName: 'other-notes.txt' } }, { data: bytes }]));
    await expectReusedRequestId(archive.gateway.clientStream('addFile', [{ header: { ...header, replace: false } }, { data: bytes }]));
    // expected_file_sha256 is checked, not only stored.
    const wrong = await archive.gateway.clientStream('addFile', [{ header: { ...header, requestId: randomUUID(), expectedFileSha256: Buffer.alloc(32) } }, { data: bytes }]).catch((error) => error);
    expect(wrong.code).toBe(grpc.status.DATA_LOSS);
  });
});

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
