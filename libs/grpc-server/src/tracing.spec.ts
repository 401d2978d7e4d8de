import type { Metadata, sendUnaryData, ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { CONTRACTS, type blobArchiveV1, type metadataV1 } from '@visitsarch/contracts';
import { ServiceClient } from '@visitsarch/grpc-client';
import { captureLogs, type Logger } from '@visitsarch/logging';
import { contextOfTraceparent, startSpan, withContext } from '@visitsarch/tracing';
import { startGrpcService, type RunningGrpcService } from './bootstrap';
import { responseStream, serveClientStream } from './call-streams';
import { notFound } from './errors';

/*
 * Trace context through real gRPC servers (startGrpcService: Nest, the RPC interceptor, the
 * forwarder) and ServiceClient: a client calls "front", whose handlers (unary, an async generator
 * answering a server stream, a client stream) log and call "back" on the call's behalf; front also
 * forwards MetadataService to back as the gateway does. What each server logs (trace_id, span_id)
 * and the traceparent back receives show every hop: same trace, each server span a child of the
 * span that called it.
 */

jest.setTimeout(30_000);

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

let frontLogger: Logger;
let backLogger: Logger;
let back: ServiceClient<metadataV1.MetadataServiceClient>;
/** The traceparent each call to back arrived with, by the UUID it asked for. */
const backReceived = new Map<string, string | undefined>();

@Controller()
class BackController {
  @GrpcMethod('MetadataService', 'GetVisitSequence')
  async getVisitSequence(request: { visitseqUuid: string }, metadata: Metadata) {
    backReceived.set(request.visitseqUuid, metadata.get('traceparent')[0] as string | undefined);
    await tick(1);
    backLogger.info({ uuid: request.visitseqUuid }, 'back handled');
    return { visitSequence: { visitseqUuid: request.visitseqUuid } };
  }
}

@Module({ controllers: [BackController] })
class BackModule {}

@Controller()
class FrontController {
  @GrpcMethod('BlobArchiveService', 'StatObject')
  async statObject(request: { url: string }, _metadata: Metadata, call: object) {
    frontLogger.info({ url: request.url }, 'front unary');
    if (request.url === 'fail') throw new Error('a defect'); // GrpcErrorFilter logs it
    if (request.url === 'missing') throw notFound('Object', 'missing', 'no object at missing');
    await back.unary('getVisitSequence', { visitseqUuid: request.url }, { parent: call as never });
    frontLogger.info({ url: request.url }, 'front unary answered');
    return { url: request.url };
  }

  @GrpcMethod('BlobArchiveService', 'DownloadVisitTable')
  downloadVisitTable(request: { fileUrl: string }, _metadata: Metadata, call: ServerWritableStream<unknown, unknown>) {
    return responseStream(call, async function* () {
      frontLogger.info({ url: request.fileUrl }, 'generator started');
      yield { chunk: { rowCount: 1 } };
      await tick(2);
      frontLogger.info({ url: request.fileUrl }, 'after the first yield');
      await back.unary('getVisitSequence', { visitseqUuid: request.fileUrl }, { parent: call });
      yield { chunk: { rowCount: 2 } };
      await tick(1);
      frontLogger.info({ url: request.fileUrl }, 'after the second yield');
    });
  }

  @GrpcStreamCall('BlobArchiveService', 'UploadVisitTable')
  uploadVisitTable(call: ServerReadableStream<blobArchiveV1.UploadVisitTableRequest, unknown>, callback: sendUnaryData<blobArchiveV1.UploadVisitTableResponse>) {
    return serveClientStream(call, callback, async (requests) => {
      let rows = 0;
      for await (const request of requests) {
        rows += request.chunk?.rowCount ?? 0;
        frontLogger.info({ rows }, 'upload message');
      }
      await back.unary('getVisitSequence', { visitseqUuid: `upload-${rows}` }, { parent: call });
      return { rowCount: rows } as unknown as blobArchiveV1.UploadVisitTableResponse;
    });
  }
}

@Module({ controllers: [FrontController] })
class FrontModule {}

describe('trace context through gRPC servers and clients', () => {
  let frontLines: string[];
  let backLines: string[];
  let backService: RunningGrpcService;
  let frontService: RunningGrpcService;
  let client: ServiceClient<blobArchiveV1.BlobArchiveServiceClient>;
  let forwardedClient: ServiceClient<metadataV1.MetadataServiceClient>;

  beforeAll(async () => {
    ({ logger: frontLogger, lines: frontLines } = captureLogs('front'));
    ({ logger: backLogger, lines: backLines } = captureLogs('back'));
    backService = await startGrpcService({ contract: CONTRACTS.metadata, module: BackModule, address: '127.0.0.1:0', logger: backLogger });
    const backAddress = `127.0.0.1:${backService.port}`;
    back = new ServiceClient(CONTRACTS.metadata, backAddress);
    frontService = await startGrpcService({
      contract: CONTRACTS.blobArchive,
      module: FrontModule,
      address: '127.0.0.1:0',
      logger: frontLogger,
      forward: [{ contract: CONTRACTS.metadataService, service: 'visitsarch.metadata.v1.MetadataService', address: backAddress }],
    });
    client = new ServiceClient(CONTRACTS.blobArchive, `127.0.0.1:${frontService.port}`);
    forwardedClient = new ServiceClient(CONTRACTS.metadataService, `127.0.0.1:${frontService.port}`);
  });
  afterAll(async () => {
    for (const c of [client, forwardedClient, back]) c?.close();
    await frontService?.shutdown();
    await backService?.shutdown();
  });

  const records = async (lines: string[]) => {
    await tick(5);
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  };
  /** The caller's span: the test's own, continuing CALLER_TRACE. */
  const callerSpan = () => startSpan('caller', { parent: contextOfTraceparent(`00-${CALLER_TRACE}-${CALLER_SPAN}-01`) });
  /** The ids of `lines` that mention `marker`, and of the one-line-per-RPC line(s) in the same span. */
  const idsOf = (lines: Record<string, unknown>[], match: (record: Record<string, unknown>) => boolean) => lines.filter(match).map((record) => `${record.trace_id}/${record.span_id}`);

  it('a server-streaming handler written as an async generator: its lines and its outgoing calls, after every yield, are in its span, child of the caller', async () => {
    const caller = callerSpan();
    const callerId = caller.span.spanContext().spanId;
    const messages: unknown[] = [];
    await withContext(caller.context, async () => {
      for await (const message of client.serverStream('downloadVisitTable', { fileUrl: 'stream-1', expectedFileSha256: Buffer.alloc(0), columns: [] })) messages.push(message);
    });
    expect(messages).toHaveLength(2);
    const front = await records(frontLines);
    const generatorLines = front.filter((record) => record.url === 'stream-1');
    expect(generatorLines.map((record) => record.msg)).toEqual(['generator started', 'after the first yield', 'after the second yield']);
    const frontSpan = generatorLines[0].span_id as string;
    expect(frontSpan).toMatch(/^[0-9a-f]{16}$/);
    expect(frontSpan).not.toBe(callerId);
    expect(new Set(idsOf(front, (record) => record.url === 'stream-1'))).toEqual(new Set([`${CALLER_TRACE}/${frontSpan}`]));
    // The one line of the RPC carries the same ids.
    expect(idsOf(front, (record) => record.rpc === 'FrontController.downloadVisitTable')).toEqual([`${CALLER_TRACE}/${frontSpan}`]);
    // The call to back after the first yield names front's span as its parent, and back's span is its own.
    expect(backReceived.get('stream-1')).toBe(`00-${CALLER_TRACE}-${frontSpan}-01`);
    const backIds = idsOf(await records(backLines), (record) => record.uuid === 'stream-1');
    expect(backIds).toHaveLength(1);
    expect(backIds[0]).toMatch(new RegExp(`^${CALLER_TRACE}/[0-9a-f]{16}$`));
    expect(backIds[0]).not.toBe(`${CALLER_TRACE}/${frontSpan}`);
  });

  it("concurrent calls of different traces never mix: each line and each outgoing call is in its own call's span", async () => {
    const callers = ['a', 'b', 'c'].map((name) => ({ name, ...callerSpanOfNewTrace() }));
    await Promise.all(
      callers.map((caller) =>
        withContext(caller.context, async () => {
          const stream = client.serverStream('downloadVisitTable', { fileUrl: `concurrent-${caller.name}`, expectedFileSha256: Buffer.alloc(0), columns: [] });
          for await (const message of stream) if (message) await tick(1); // read slowly: the calls interleave
          await client.unary('statObject', { url: `concurrent-unary-${caller.name}`, computeSha256: false });
        }),
      ),
    );
    const front = await records(frontLines);
    for (const caller of callers) {
      const traceId = caller.span.spanContext().traceId;
      const streamIds = new Set(idsOf(front, (record) => record.url === `concurrent-${caller.name}`));
      const unaryIds = new Set(idsOf(front, (record) => record.url === `concurrent-unary-${caller.name}`));
      expect(streamIds.size).toBe(1);
      expect(unaryIds.size).toBe(1);
      const [streamId] = streamIds;
      const [unaryId] = unaryIds;
      expect(streamId.startsWith(`${traceId}/`)).toBe(true);
      expect(unaryId.startsWith(`${traceId}/`)).toBe(true);
      expect(streamId).not.toBe(unaryId); // two RPCs, two spans
      expect(backReceived.get(`concurrent-${caller.name}`)).toBe(`00-${streamId.replace('/', '-')}-01`);
      expect(backReceived.get(`concurrent-unary-${caller.name}`)).toBe(`00-${unaryId.replace('/', '-')}-01`);
    }
  });

  it('a client-streaming handler: its lines while it reads the stream, and its call after, are in its span', async () => {
    const caller = callerSpan();
    await withContext(caller.context, () => client.clientStream('uploadVisitTable', [{ chunk: { rowCount: 2 } }, { chunk: { rowCount: 3 } }] as never));
    const front = await records(frontLines);
    const ids = new Set(idsOf(front, (record) => record.msg === 'upload message' || record.rpc === 'FrontController.uploadVisitTable'));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(id.startsWith(`${CALLER_TRACE}/`)).toBe(true);
    expect(backReceived.get('upload-5')).toBe(`00-${id.replace('/', '-')}-01`);
  });

  it('a call without traceparent starts a new trace at the server', async () => {
    await client.unary('statObject', { url: 'untraced', computeSha256: false });
    const front = await records(frontLines);
    const ids = new Set(idsOf(front, (record) => record.url === 'untraced'));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(id).toMatch(/^[0-9a-f]{32}\/[0-9a-f]{16}$/);
    expect(id.startsWith(CALLER_TRACE)).toBe(false);
    expect(backReceived.get('untraced')).toBe(`00-${id.replace('/', '-')}-01`);
  });

  it("a failing handler's error line (GrpcErrorFilter) and its RPC line carry the call's ids", async () => {
    const caller = callerSpan();
    await expect(withContext(caller.context, () => client.unary('statObject', { url: 'fail', computeSha256: false }))).rejects.toMatchObject({ code: 13 });
    const front = await records(frontLines);
    const [id] = idsOf(front, (record) => record.url === 'fail');
    expect(id.startsWith(`${CALLER_TRACE}/`)).toBe(true);
    expect(idsOf(front, (record) => record.msg === 'unhandled error in RPC handler')).toContain(id);
    expect(idsOf(front, (record) => record.msg === 'rpc failed' && record.rpc === 'FrontController.statObject')).toContain(id);
  });

  it("a GrpcError's RPC line says its message and code (its details are an object, not the text)", async () => {
    await expect(client.unary('statObject', { url: 'missing', computeSha256: false })).rejects.toMatchObject({ code: 5 });
    const front = await records(frontLines);
    expect(front).toContainEqual(expect.objectContaining({ msg: 'rpc failed', rpc: 'FrontController.statObject', code: 'NOT_FOUND', error: 'no object at missing' }));
  });

  it("a forwarded call has a span of its own: child of the caller, parent of the service, on the forwarder's log line", async () => {
    const caller = callerSpan();
    const callerId = caller.span.spanContext().spanId;
    await withContext(caller.context, () => forwardedClient.unary('getVisitSequence', { visitseqUuid: 'forwarded-1' }));
    const forwardLines = (await records(frontLines)).filter((record) => record.forwarded === true && record.rpc === 'MetadataService.GetVisitSequence');
    expect(forwardLines).toHaveLength(1);
    const forwardSpan = forwardLines[0].span_id as string;
    expect(forwardLines[0].trace_id).toBe(CALLER_TRACE);
    expect(forwardSpan).toMatch(/^[0-9a-f]{16}$/);
    expect(forwardSpan).not.toBe(callerId);
    expect(backReceived.get('forwarded-1')).toBe(`00-${CALLER_TRACE}-${forwardSpan}-01`);
    const [backId] = idsOf(await records(backLines), (record) => record.uuid === 'forwarded-1');
    expect(backId.startsWith(`${CALLER_TRACE}/`)).toBe(true);
    expect(backId).not.toBe(`${CALLER_TRACE}/${forwardSpan}`);
  });
});

function callerSpanOfNewTrace() {
  return startSpan('caller', { parent: contextOfTraceparent(undefined) });
}
