import { once } from 'node:events';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT, type ServiceContract } from '@visitsarch/contracts';
import { captureLogs } from '@visitsarch/logging';
import { RunningGrpcService, startGrpcService } from './bootstrap';
import { drain, HeaderOrData, responseStream, serveClientStream, serveDuplexStream, splitHeader } from './call-streams';
import { decodeStatusDetails, failedPrecondition, invalidArgument } from './errors';

jest.setTimeout(60_000);

/*
 * The streaming adapters served by a real NestJS gRPC service (startGrpcService: the error filter,
 * interceptors and receive windows of every service) and called by plain grpc-js clients over
 * loopback: BlobArchiveService.UploadFile (client streaming, header first), DownloadFile (server
 * streaming) and Arrow Flight's DoPut (bidirectional) stand for any such method.
 */

interface UploadRequest {
  header?: { fileName?: string };
  data?: Buffer;
}
interface UploadResponse {
  fileSha256: Buffer;
  fileSize: number;
  fileUrl: string;
}
interface FlightData {
  dataBody: Buffer;
}

/** What the probe's handlers do: set by each test. */
const behaviour: {
  upload?: (requests: AsyncIterable<HeaderOrData<{ fileName?: string }, Buffer>>, cancelled: AbortSignal) => Promise<UploadResponse>;
  download?: () => AsyncIterable<{ data: Buffer }>;
  put?: (requests: AsyncIterable<FlightData>, cancelled: AbortSignal) => AsyncIterable<{ appMetadata: Buffer }>;
} = {};

@Controller()
class ProbeController {
  @GrpcStreamCall('BlobArchiveService', 'UploadFile')
  uploadFile(call: grpc.ServerReadableStream<HeaderOrData<{ fileName?: string }, Buffer>, UploadResponse>, callback: grpc.sendUnaryData<UploadResponse>) {
    return serveClientStream(call, callback, (requests, cancelled) => behaviour.upload!(requests, cancelled));
  }

  @GrpcMethod('BlobArchiveService', 'DownloadFile')
  downloadFile(_request: unknown, _metadata?: grpc.Metadata, call?: grpc.ServerWritableStream<unknown, { data: Buffer }>) {
    return responseStream(call, () => behaviour.download!());
  }

  @GrpcStreamCall('FlightService', 'DoPut')
  doPut(call: grpc.ServerDuplexStream<FlightData, { appMetadata: Buffer }>) {
    return serveDuplexStream(call, (requests, cancelled) => behaviour.put!(requests, cancelled));
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const FLIGHT_PROTO = path.join(PROTO_ROOT, 'arrow', 'flight', 'protocol', 'flight.proto');
const CONTRACT: ServiceContract = {
  packages: [...CONTRACTS.blobArchive.packages, 'arrow.flight.protocol'],
  protoFiles: [...CONTRACTS.blobArchive.protoFiles, FLIGHT_PROTO],
  serviceNames: [...CONTRACTS.blobArchive.serviceNames, 'arrow.flight.protocol.FlightService'],
};

type Client = grpc.Client & Record<string, Function>;

function clients(address: string): { blob: Client; flight: Client } {
  const definition = protoLoader.loadSync(CONTRACT.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  return {
    blob: new loaded.visitsarch.blob_archive.v1.BlobArchiveService(address, grpc.credentials.createInsecure()),
    flight: new loaded.arrow.flight.protocol.FlightService(address, grpc.credentials.createInsecure()),
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `value()` has not changed for `quietMs` (what a stalled stream looks like). */
async function settled(value: () => number, quietMs = 400, maxMs = 10_000): Promise<number> {
  const started = Date.now();
  let last = value();
  let since = Date.now();
  while (Date.now() - started < maxMs) {
    await sleep(25);
    if (value() !== last) {
      last = value();
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

const deadline = () => ({ deadline: Date.now() + 20_000 });

/** A client-streaming UploadFile call: its stream, and its outcome. */
function upload(client: Client) {
  let call!: grpc.ClientWritableStream<UploadRequest>;
  const outcome = new Promise<{ error?: grpc.ServiceError; response?: UploadResponse }>((resolve) => {
    call = client.UploadFile(deadline(), (error: grpc.ServiceError | null, response?: UploadResponse) => resolve(error ? { error } : { response }));
  });
  return { call, outcome };
}

/** Writes like a well-behaved client: waits for 'drain' whenever write says so; stops once the call is over. */
async function writeAll(call: grpc.ClientWritableStream<UploadRequest>, messages: Iterable<UploadRequest>, written: { count: number }, over: Promise<unknown>): Promise<void> {
  let finished = false;
  void over.then(() => (finished = true));
  for (const message of messages) {
    if (finished) return;
    if (!call.write(message)) await Promise.race([once(call, 'drain'), over]);
    written.count++;
  }
  if (!finished) call.end();
}

function* pieces(count: number, size: number): Generator<UploadRequest> {
  for (let i = 0; i < count; i++) yield { data: Buffer.alloc(size, i % 251) };
}

describe('client-streaming, bidirectional and server-streaming calls', () => {
  let service: RunningGrpcService;
  let blob: Client;
  let flight: Client;
  let lines: string[];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    const capture = captureLogs('test', 'info');
    lines = capture.lines;
    service = await startGrpcService({ contract: CONTRACT, module: ProbeModule, address: '127.0.0.1:0', logger: capture.logger });
    ({ blob, flight } = clients(`127.0.0.1:${service.port}`));
  });
  afterAll(async () => {
    blob?.close();
    flight?.close();
    await service?.shutdown();
    process.off('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    for (const key of Object.keys(behaviour)) delete behaviour[key as keyof typeof behaviour];
    expect(unhandled).toEqual([]);
  });

  /** The log records written so far (they arrive asynchronously). */
  async function logged(): Promise<{ level: string; msg: string; rpc?: string; code?: unknown; err?: { message?: string } }[]> {
    await new Promise((resolve) => setImmediate(resolve));
    return lines.map((line) => JSON.parse(line));
  }

  it('answers with what the handler returns, the data after the header in order', async () => {
    behaviour.upload = async (requests) => {
      const { header, rest } = await splitHeader(requests);
      const received: number[] = [];
      for await (const data of rest) received.push(data[0]);
      return { fileSha256: Buffer.alloc(0), fileSize: received.length, fileUrl: `${header.fileName}:${received.join(',')}` };
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'f' } });
    for (const message of pieces(5, 10)) call.write(message);
    call.end();
    expect((await outcome).response).toMatchObject({ fileSize: 5, fileUrl: 'f:0,1,2,3,4' });
  });

  it('reads no faster than a slow handler consumes: the client is held back, nothing piles up in the server', async () => {
    const PIECE = 512 * 1024;
    const COUNT = 200; // 100 MiB: far more than the windows and buffers between client and handler
    const gate = deferred();
    let consumed = 0;
    behaviour.upload = async (requests) => {
      const { rest } = await splitHeader(requests);
      let bytes = 0;
      for await (const data of rest) {
        consumed++;
        bytes += data.length;
        if (consumed === 1) await gate.promise;
        else if (consumed % 20 === 0) await sleep(5);
      }
      return { fileSha256: Buffer.alloc(0), fileSize: bytes, fileUrl: '' };
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'slow' } });
    const written = { count: 0 };
    const writing = writeAll(call, pieces(COUNT, PIECE), written, outcome);
    const stalledAt = await settled(() => written.count);
    expect(consumed).toBe(1);
    // The 16 MiB stream window, the call's read buffer and the client's own buffers: some tens of
    // messages, not the whole upload.
    expect(stalledAt).toBeGreaterThan(1);
    expect(stalledAt * PIECE).toBeLessThan(48 * 1024 * 1024);
    gate.resolve();
    await writing;
    expect((await outcome).response?.fileSize).toBe(COUNT * PIECE);
    expect(consumed).toBe(COUNT);
  });

  it('stops the handler with CANCELLED when the client cancels mid-stream, and answers nothing', async () => {
    const seen = deferred<{ code?: number; aborted: boolean; received: number }>();
    const reading = deferred();
    behaviour.upload = async (requests, cancelled) => {
      const received: Buffer[] = [];
      try {
        const { rest } = await splitHeader(requests);
        for await (const data of rest) if (received.push(data) === 3) reading.resolve();
        return { fileSha256: Buffer.alloc(0), fileSize: received.length, fileUrl: '' };
      } catch (error) {
        seen.resolve({ code: (error as { code?: number }).code, aborted: cancelled.aborted, received: received.length });
        throw error;
      }
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'cancelled' } });
    for (const message of pieces(3, 1000)) call.write(message);
    await reading.promise;
    call.cancel();
    expect((await outcome).error?.code).toBe(grpc.status.CANCELLED);
    expect(await seen.promise).toEqual({ code: grpc.status.CANCELLED, aborted: true, received: 3 });
    await sleep(50);
    const records = await logged();
    expect(records.filter((record) => record.level === 'error')).toEqual([]);
    expect(records).toContainEqual(expect.objectContaining({ msg: 'rpc failed', rpc: 'ProbeController.uploadFile', code: 'CANCELLED' }));
  });

  it('fails with INVALID_ARGUMENT when the header is missing: data first, or no message at all', async () => {
    behaviour.upload = async (requests) => {
      const { rest } = await splitHeader(requests);
      await drain(rest);
      return { fileSha256: Buffer.alloc(0), fileSize: 0, fileUrl: '' };
    };
    const late = upload(blob);
    late.call.write({ data: Buffer.from('data before the header') });
    late.call.write({ header: { fileName: 'late' } });
    late.call.end();
    const { error } = await late.outcome;
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe('the first message of the stream must carry the header');
    const details = decodeStatusDetails(error?.metadata);
    expect(details?.details.map((any) => any.typeUrl)).toContain('type.googleapis.com/google.rpc.BadRequest');

    const empty = upload(blob);
    empty.call.end();
    expect((await empty.outcome).error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('fails with INVALID_ARGUMENT on a repeated header, while the client is still sending', async () => {
    const after: Buffer[] = [];
    behaviour.upload = async (requests) => {
      const { rest } = await splitHeader(requests);
      for await (const data of rest) after.push(data);
      return { fileSha256: Buffer.alloc(0), fileSize: after.length, fileUrl: '' };
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'once' } });
    call.write({ data: Buffer.from('a') });
    call.write({ header: { fileName: 'twice' } });
    const written = { count: 0 };
    void writeAll(call, pieces(1000, 1000), written, outcome);
    const { error } = await outcome;
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe('only the first message of the stream may carry a header');
    expect(after.map(String)).toEqual(['a']);
  });

  it('applies the check to the first message, naming the header fields', async () => {
    behaviour.upload = async (requests) => {
      const { header } = await splitHeader(requests, (message) => {
        const name = (message as UploadRequest).header?.fileName ?? '';
        if (name.length > 5) throw invalidArgument('header.file_name is too long', 'header.file_name');
      });
      return { fileSha256: Buffer.alloc(0), fileSize: 0, fileUrl: header.fileName ?? '' };
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'much too long' } });
    call.end();
    expect((await outcome).error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'header.file_name is too long' });
  });

  it('answers with the error a handler throws mid-stream, its code, message and details kept', async () => {
    behaviour.upload = async (requests) => {
      const { rest } = await splitHeader(requests);
      const received: Buffer[] = [];
      for await (const data of rest) if (received.push(data) === 2) throw failedPrecondition('the archive is read-only today', 'READ_ONLY');
      return { fileSha256: Buffer.alloc(0), fileSize: received.length, fileUrl: '' };
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'x' } });
    for (const message of pieces(3, 1000)) call.write(message);
    // The client has not ended its side: the answer comes mid-stream, not once it is done.
    const { error } = await outcome;
    call.end();
    expect(error).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'the archive is read-only today' });
    const info = decodeStatusDetails(error?.metadata);
    expect(info?.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('answers a defect thrown mid-stream with INTERNAL, its details only in the service log', async () => {
    behaviour.upload = async (requests) => {
      const { rest } = await splitHeader(requests);
      await rest[Symbol.asyncIterator]().next();
      throw new TypeError('storage.write is not a function');
    };
    const { call, outcome } = upload(blob);
    call.write({ header: { fileName: 'x' } });
    call.write({ data: Buffer.from('a') });
    const { error } = await outcome;
    call.end();
    expect(error).toMatchObject({ code: grpc.status.INTERNAL, details: 'internal error; the service log has the details' });
    const records = await logged();
    expect(records).toContainEqual(expect.objectContaining({ level: 'error', msg: 'unhandled error in RPC handler', err: expect.objectContaining({ message: 'storage.write is not a function' }) }));
    // The call's own line has no `code`: what was thrown carries none (the filter answered INTERNAL).
    const failed = records.filter((record) => record.msg === 'rpc failed' && (record as { error?: string }).error === 'storage.write is not a function');
    expect(failed).toHaveLength(1);
    expect(failed[0]).not.toHaveProperty('code');
  });

  it('produces a server stream no faster than the client reads it, and stops producing when the client cancels', async () => {
    const PIECE = 1024 * 1024;
    let produced = 0;
    const stopped = deferred();
    behaviour.download = async function* () {
      try {
        for (let i = 0; i < 200; i++) {
          produced++;
          yield { data: Buffer.alloc(PIECE, i % 251) };
        }
      } finally {
        stopped.resolve();
      }
    };
    const call: grpc.ClientReadableStream<{ data: Buffer }> = blob.DownloadFile({ fileUrl: 'x' }, deadline());
    const errors = deferred<grpc.ServiceError>();
    call.on('error', (error: grpc.ServiceError) => errors.resolve(error));
    let received = 0;
    call.on('data', () => {
      if (++received === 1) call.pause();
    });
    const stalledAt = await settled(() => produced);
    expect(received).toBe(1);
    expect(stalledAt * PIECE).toBeLessThan(48 * 1024 * 1024);
    call.cancel();
    await stopped.promise;
    expect(produced).toBe(stalledAt);
    expect((await errors.promise).code).toBe(grpc.status.CANCELLED);
  });

  it('ends a server stream with the status of an error thrown mid-stream, after the messages before it', async () => {
    behaviour.download = async function* () {
      yield { data: Buffer.from('one') };
      yield { data: Buffer.from('two') };
      throw failedPrecondition('the object changed while it was read', 'CHANGED');
    };
    const call: grpc.ClientReadableStream<{ data: Buffer }> = blob.DownloadFile({ fileUrl: 'x' }, deadline());
    const received: string[] = [];
    call.on('data', (message: { data: Buffer }) => received.push(message.data.toString()));
    const [error] = (await once(call, 'error')) as [grpc.ServiceError];
    expect(received).toEqual(['one', 'two']);
    expect(error).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'the object changed while it was read' });
  });

  it('serves a bidirectional call: responses as they are produced, and an error mid-stream as its status', async () => {
    behaviour.put = async function* (requests) {
      for await (const request of requests) {
        if (request.dataBody.toString() === 'bad') throw invalidArgument('a bad message', 'data_body');
        yield { appMetadata: Buffer.from(`got ${request.dataBody.toString()}`) };
      }
    };
    const exchange = async (bodies: string[]) => {
      const call: grpc.ClientDuplexStream<{ dataBody: Buffer }, { appMetadata: Buffer }> = flight.DoPut(deadline());
      const received: string[] = [];
      call.on('data', (message: { appMetadata: Buffer }) => received.push(message.appMetadata.toString()));
      const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
        call.on('error', resolve);
        call.on('status', (status: grpc.StatusObject) => status.code === grpc.status.OK && resolve(undefined));
      });
      for (const body of bodies) call.write({ dataBody: Buffer.from(body) });
      call.end();
      return { error: await ended, received };
    };
    expect(await exchange(['a', 'b', 'c'])).toEqual({ error: undefined, received: ['got a', 'got b', 'got c'] });
    const failed = await exchange(['a', 'bad', 'c']);
    expect(failed.received).toEqual(['got a']);
    expect(failed.error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'a bad message' });
  });
});
