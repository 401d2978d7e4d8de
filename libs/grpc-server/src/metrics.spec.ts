import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { ConfigError } from '@visitsarch/config';
import { TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { createLogger } from '@visitsarch/logging';
import { RunningGrpcService, startGrpcService } from './bootstrap';
import { responseStream, serveClientStream } from './call-streams';
import { notFound } from './errors';
import { METRICS_URL_HEADER } from './metrics';
import { defineService, startService } from './run-service';

jest.setTimeout(60_000);

/*
 * The metrics of real services: a blob-archive stand-in (BlobArchiveService: a unary call that
 * succeeds or fails, a client stream and a server stream of Arrow chunks, a call that outlives its
 * deadline) and a front server forwarding BlobArchiveService to it, as the gateway forwards
 * MetadataService. Each serves /metrics on its own port; the test calls them over loopback with
 * plain grpc-js clients and scrapes /metrics over HTTP before and after.
 */

const CHUNK_BYTES = 10_000;
const chunk = (rows: number) => ({ ipcBytes: Buffer.alloc(CHUNK_BYTES, rows), rowCount: rows });

@Controller()
class BlobProbeController {
  @GrpcMethod('BlobArchiveService', 'StatObject')
  statObject(request: { url: string }): Promise<{ exists: boolean; size: number }> | { exists: boolean; size: number } {
    if (request.url === 'file:///missing') throw notFound('object', request.url);
    if (request.url === 'file:///slow') return new Promise(() => undefined); // never answers: the deadline ends it
    return { exists: true, size: 1 };
  }

  @GrpcStreamCall('BlobArchiveService', 'UploadVisitTable')
  upload(call: grpc.ServerReadableStream<{ chunk?: { rowCount: number } }, unknown>, callback: grpc.sendUnaryData<{ rowCount: number }>) {
    return serveClientStream(call, callback, async (requests) => {
      let rows = 0;
      for await (const request of requests) rows += request.chunk?.rowCount ?? 0;
      return { rowCount: rows };
    });
  }

  @GrpcMethod('BlobArchiveService', 'DownloadVisitTable')
  download(request: { fileUrl: string }, _metadata?: grpc.Metadata, call?: grpc.ServerWritableStream<unknown, unknown>) {
    return responseStream(call, async function* () {
      if (request.fileUrl === 'file:///endless') {
        for (;;) {
          yield { chunk: chunk(1) };
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      for (const rows of [0, 100, 250]) yield { chunk: chunk(rows) };
    });
  }
}

@Module({ controllers: [BlobProbeController] })
class BlobProbeModule {}

@Module({})
class EmptyModule {}

type Client = grpc.Client & Record<string, Function>;

function blobClient(address: string): Client {
  const definition = protoLoader.loadSync(CONTRACTS.blobArchive.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  return new (grpc.loadPackageDefinition(definition) as any).visitsarch.blob_archive.v1.BlobArchiveService(address, grpc.credentials.createInsecure());
}

const deadline = (ms = 10_000) => ({ deadline: Date.now() + ms });

function stat(client: Client, url: string, ms?: number): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => client.StatObject({ url }, deadline(ms), (error: grpc.ServiceError | null) => resolve(error)));
}

function upload(client: Client, rowsPerChunk: number[]): Promise<{ error: grpc.ServiceError | null; response?: { rowCount: number } }> {
  return new Promise((resolve) => {
    const call = client.UploadVisitTable(deadline(), (error: grpc.ServiceError | null, response?: { rowCount: number }) => resolve({ error, response }));
    call.write({ header: { archiveUrl: 'file:///archive/', visitseqUuid: '00000000-0000-4000-8000-000000000000' } });
    for (const rows of rowsPerChunk) call.write({ chunk: chunk(rows) });
    call.end();
  });
}

function download(client: Client, fileUrl: string): Promise<{ error?: grpc.ServiceError; rows: number; bytes: number }> {
  return new Promise((resolve) => {
    let rows = 0;
    let bytes = 0;
    const call = client.DownloadVisitTable({ fileUrl }, deadline());
    call.on('data', (message: { chunk: { rowCount: number; ipcBytes: Buffer } }) => {
      rows += message.chunk.rowCount;
      bytes += message.chunk.ipcBytes.length;
    });
    call.on('error', (error: grpc.ServiceError) => resolve({ error, rows, bytes }));
    call.on('end', () => resolve({ rows, bytes }));
  });
}

/** Prometheus' text format, as series (`name{label="value",…}`) and values. */
type Scrape = Map<string, number>;

async function scrape(port: number): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const series: Scrape = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The value of the series with this name and (at least) these labels, summed; 0 if there is none. */
function value(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, number] of scraped) {
    const match = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
    if (match[1] !== name) continue;
    const own = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, text]) => [key, text]));
    if (Object.entries(labels).every(([key, wanted]) => own[key] === wanted)) total += number;
  }
  return total;
}

const BLOB = 'visitsarch.blob_archive.v1.BlobArchiveService';
const method = (name: string, type: string) => ({ grpc_service: BLOB, grpc_method: name, grpc_type: type });

describe('gRPC server metrics', () => {
  let backend: RunningGrpcService;
  let front: RunningGrpcService;
  let backendAddress: string;
  let frontAddress: string;

  beforeAll(async () => {
    const logger = createLogger('test', 'silent');
    backend = await startGrpcService({ contract: CONTRACTS.blobArchive, module: BlobProbeModule, address: '127.0.0.1:0', logger, metricsAddress: '127.0.0.1:0' });
    backendAddress = `127.0.0.1:${backend.port}`;
    // A server answering for BlobArchiveService by forwarding it, as the gateway does MetadataService and StatsService.
    front = await startGrpcService({
      contract: CONTRACTS.consdbIngest,
      module: EmptyModule,
      address: '127.0.0.1:0',
      logger,
      metricsAddress: '127.0.0.1:0',
      forward: [{ contract: CONTRACTS.blobArchive, service: BLOB, address: backendAddress }],
      dependencyMetricsUrls: { 'blob-archive': `http://127.0.0.1:${backend.metricsPort}/metrics`, stats: '' },
    });
    frontAddress = `127.0.0.1:${front.port}`;
  });
  afterAll(async () => {
    await front?.shutdown();
    await backend?.shutdown();
  });

  it('serves /metrics on its own port, with the process metrics, and nothing else there', async () => {
    expect(backend.metricsPort).toBeGreaterThan(0);
    expect(front.metricsPort).toBeGreaterThan(0);
    expect(front.metricsPort).not.toBe(backend.metricsPort);
    const scraped = await scrape(backend.metricsPort!);
    expect(value(scraped, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(scraped, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // Every method is there before its first call.
    expect(scraped.has(`grpc_server_started_total{grpc_type="client_stream",grpc_service="${BLOB}",grpc_method="UploadVisitTable"}`)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${backend.metricsPort}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${backend.metricsPort}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('counts unary calls by status code, with their latency', async () => {
    const before = await scrape(backend.metricsPort!);
    const client = blobClient(backendAddress);
    expect(await stat(client, 'file:///present')).toBeNull();
    expect(await stat(client, 'file:///present')).toBeNull();
    expect((await stat(client, 'file:///missing'))?.code).toBe(grpc.status.NOT_FOUND);
    client.close();
    const after = await scrape(backend.metricsPort!);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    const statObject = method('StatObject', 'unary');
    expect(delta('grpc_server_started_total', statObject)).toBe(3);
    expect(delta('grpc_server_handled_total', { ...statObject, grpc_code: 'OK' })).toBe(2);
    expect(delta('grpc_server_handled_total', { ...statObject, grpc_code: 'NotFound' })).toBe(1);
    expect(delta('grpc_server_handling_seconds_count', statObject)).toBe(3);
    expect(delta('grpc_server_handling_seconds_bucket', { ...statObject, le: '+Inf' })).toBe(3);
    expect(delta('grpc_server_handling_seconds_sum', statObject)).toBeGreaterThan(0);
    expect(delta('grpc_server_msg_received_total', statObject)).toBe(3);
    expect(delta('grpc_server_msg_sent_total', statObject)).toBe(2);
  });

  it('counts the messages, bytes and Arrow rows of a client stream and of a server stream', async () => {
    const before = await scrape(backend.metricsPort!);
    const client = blobClient(backendAddress);
    const uploaded = await upload(client, [0, 40, 60, 7]);
    expect(uploaded.error).toBeNull();
    expect(uploaded.response?.rowCount).toBe(107);
    const downloaded = await download(client, 'file:///table');
    expect(downloaded.error).toBeUndefined();
    expect(downloaded.rows).toBe(350);
    client.close();
    const after = await scrape(backend.metricsPort!);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    const uploadCall = method('UploadVisitTable', 'client_stream');
    expect(delta('grpc_server_started_total', uploadCall)).toBe(1);
    expect(delta('grpc_server_handled_total', { ...uploadCall, grpc_code: 'OK' })).toBe(1);
    expect(delta('grpc_server_msg_received_total', uploadCall)).toBe(5); // the header, then four chunks
    expect(delta('grpc_server_msg_sent_total', uploadCall)).toBe(1);
    expect(delta('visitsarch_stream_rows_total', { grpc_service: BLOB, grpc_method: 'UploadVisitTable', direction: 'received' })).toBe(107);
    const uploadedBytes = delta('visitsarch_stream_bytes_total', { grpc_service: BLOB, grpc_method: 'UploadVisitTable', direction: 'received' });
    expect(uploadedBytes).toBeGreaterThan(4 * CHUNK_BYTES);
    expect(uploadedBytes).toBeLessThan(4 * CHUNK_BYTES + 500);

    const downloadCall = method('DownloadVisitTable', 'server_stream');
    expect(delta('grpc_server_started_total', downloadCall)).toBe(1);
    expect(delta('grpc_server_handled_total', { ...downloadCall, grpc_code: 'OK' })).toBe(1);
    expect(delta('grpc_server_msg_sent_total', downloadCall)).toBe(3);
    expect(delta('visitsarch_stream_rows_total', { grpc_service: BLOB, grpc_method: 'DownloadVisitTable', direction: 'sent' })).toBe(350);
    const downloadedBytes = delta('visitsarch_stream_bytes_total', { grpc_service: BLOB, grpc_method: 'DownloadVisitTable', direction: 'sent' });
    expect(downloadedBytes).toBeGreaterThan(3 * CHUNK_BYTES);
    expect(downloadedBytes).toBeLessThan(3 * CHUNK_BYTES + 100);
    // A unary request is no stream: nothing counted for it.
    expect(value(after, 'visitsarch_stream_bytes_total', { grpc_method: 'StatObject' })).toBe(0);
  });

  it('counts a call the client cancels as Canceled, and one that outlives its deadline as DeadlineExceeded', async () => {
    const before = await scrape(backend.metricsPort!);
    const client = blobClient(backendAddress);
    const endless = client.DownloadVisitTable({ fileUrl: 'file:///endless' }, deadline());
    const cancelled = new Promise<grpc.ServiceError>((resolve) => endless.on('error', resolve));
    await new Promise((resolve) => endless.once('data', resolve));
    endless.cancel();
    expect((await cancelled).code).toBe(grpc.status.CANCELLED);
    // A deadline long enough for the server to have the call before it passes, however busy the
    // machine: one that passes first ends the call at the client alone (a reset, which the server
    // sees as a cancellation, or not at all).
    expect((await stat(client, 'file:///slow', 1500))?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    client.close();
    // The server learns of the cancellation and of the passed deadline a moment later (the end of each call is counted then).
    let after = await scrape(backend.metricsPort!);
    const ended = () =>
      value(after, 'grpc_server_handled_total', { grpc_method: 'DownloadVisitTable', grpc_code: 'Canceled' }) > value(before, 'grpc_server_handled_total', { grpc_method: 'DownloadVisitTable', grpc_code: 'Canceled' }) &&
      value(after, 'grpc_server_handled_total', { grpc_method: 'StatObject', grpc_code: 'DeadlineExceeded' }) > value(before, 'grpc_server_handled_total', { grpc_method: 'StatObject', grpc_code: 'DeadlineExceeded' });
    for (let tries = 0; tries < 100 && !ended(); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await scrape(backend.metricsPort!);
    }
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta('grpc_server_handled_total', { ...method('DownloadVisitTable', 'server_stream'), grpc_code: 'Canceled' })).toBe(1);
    expect(delta('grpc_server_handled_total', { ...method('StatObject', 'unary'), grpc_code: 'DeadlineExceeded' })).toBe(1);
    expect(delta('grpc_server_handling_seconds_count', method('StatObject', 'unary'))).toBe(1);
  });

  it('counts forwarded calls under their own service and method, with the bytes they carry', async () => {
    const before = await scrape(front.metricsPort!);
    const client = blobClient(frontAddress);
    expect(await stat(client, 'file:///present')).toBeNull();
    expect((await stat(client, 'file:///missing'))?.code).toBe(grpc.status.NOT_FOUND);
    expect((await upload(client, [5, 6])).response?.rowCount).toBe(11);
    expect((await download(client, 'file:///table')).rows).toBe(350);
    client.close();
    const after = await scrape(front.metricsPort!);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta('grpc_server_handled_total', { ...method('StatObject', 'unary'), grpc_code: 'OK' })).toBe(1);
    expect(delta('grpc_server_handled_total', { ...method('StatObject', 'unary'), grpc_code: 'NotFound' })).toBe(1);
    expect(delta('grpc_server_handled_total', { ...method('UploadVisitTable', 'client_stream'), grpc_code: 'OK' })).toBe(1);
    expect(delta('grpc_server_handled_total', { ...method('DownloadVisitTable', 'server_stream'), grpc_code: 'OK' })).toBe(1);
    expect(delta('visitsarch_stream_bytes_total', { grpc_method: 'UploadVisitTable', direction: 'received' })).toBeGreaterThan(2 * CHUNK_BYTES);
    expect(delta('visitsarch_stream_bytes_total', { grpc_method: 'DownloadVisitTable', direction: 'sent' })).toBeGreaterThan(3 * CHUNK_BYTES);
    // The forwarder passes bytes without decoding them: the rows are counted where they are decoded.
    expect(delta('visitsarch_stream_rows_total', { grpc_method: 'DownloadVisitTable' })).toBe(0);
  });

  it("reports its own metrics URL and its dependencies' on health answers", async () => {
    const headers = await new Promise<grpc.Metadata>((resolve, reject) => {
      const client = new grpc.Client(frontAddress, grpc.credentials.createInsecure());
      const asIs = (bytes: Buffer) => bytes;
      const call = client.makeUnaryRequest('/grpc.health.v1.Health/Check', asIs, asIs, Buffer.alloc(0), new grpc.Metadata(), deadline(), (error) => {
        client.close();
        if (error) reject(error);
      });
      call.on('metadata', resolve);
    });
    expect(headers.get(METRICS_URL_HEADER)).toEqual([`http://127.0.0.1:${front.metricsPort}/metrics`]);
    expect(headers.get(`${METRICS_URL_HEADER}-blob-archive`)).toEqual([`http://127.0.0.1:${backend.metricsPort}/metrics`]);
    expect(headers.get(`${METRICS_URL_HEADER}-stats`)).toEqual([]); // not known: not reported
  });
});

describe('METRICS_ADDRESS', () => {
  const spec = defineService({ name: 'probe', contract: CONTRACTS.consdbIngest, defaultAddress: '127.0.0.1:50054', schema: {}, build: () => ({ module: EmptyModule, dependencies: [] }) });
  const env = { LOG_LEVEL: 'fatal', SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL };

  it('is validated at start-up, the error naming the variable', async () => {
    await expect(startService(spec, { ...env, GRPC_ADDRESS: '127.0.0.1:0', METRICS_ADDRESS: 'localhost' })).rejects.toThrow(ConfigError);
    await expect(startService(spec, { ...env, GRPC_ADDRESS: '127.0.0.1:0', METRICS_ADDRESS: '127.0.0.1:99999' })).rejects.toThrow(/^METRICS_ADDRESS: expected host:port/);
  });

  it('`none` serves no metrics; unset beside a gRPC address other than the default, any free port of its host', async () => {
    const without = await startService(spec, { ...env, GRPC_ADDRESS: '127.0.0.1:0', METRICS_ADDRESS: 'none' });
    expect(without.metricsPort).toBeUndefined();
    await without.shutdown();
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    for (const address of ['127.0.0.1:0', `127.0.0.1:${port}`]) {
      const elsewhere = await startService(spec, { ...env, GRPC_ADDRESS: address });
      try {
        expect(elsewhere.metricsPort).toBeGreaterThan(0);
        expect(elsewhere.metricsPort).not.toBe(9454); // the probe's default (its default gRPC address is consdb-ingest's)
        expect((await fetch(`http://127.0.0.1:${elsewhere.metricsPort}/metrics`)).status).toBe(200);
      } finally {
        await elsewhere.shutdown();
      }
    }
  });

  it('fails the start, naming the variable, when its port is taken', async () => {
    const first = await startService(spec, { ...env, GRPC_ADDRESS: '127.0.0.1:0' });
    try {
      await expect(startService(spec, { ...env, GRPC_ADDRESS: '127.0.0.1:0', METRICS_ADDRESS: `127.0.0.1:${first.metricsPort}` })).rejects.toThrow(
        new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${first.metricsPort} \\(METRICS_ADDRESS\\): .*EADDRINUSE`),
      );
      // The same for its gRPC port: the message names GRPC_ADDRESS (grpc-js's own line goes to the JSON log).
      await expect(startService(spec, { ...env, GRPC_ADDRESS: `127.0.0.1:${first.port}`, METRICS_ADDRESS: 'none' })).rejects.toThrow(
        new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${first.port} \\(GRPC_ADDRESS\\): .*EADDRINUSE`),
      );
    } finally {
      await first.shutdown();
    }
  });
});
