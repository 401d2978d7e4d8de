import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatch, RecordBatchReader, Table, tableToIPC } from 'apache-arrow';
import { blobArchiveV1, CONTRACTS, typeV1 } from '@visitsarch/contracts';
import { readIpcMessages } from '@visitsarch/arrow-ipc';
import { ServiceClient, TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { errorReason, startService, type RunningGrpcService } from '@visitsarch/grpc-server';
import { startS3TestServer, type S3TestServer } from '@visitsarch/storage';
import { blobArchiveService } from '../service';

export type BlobClient = ServiceClient<blobArchiveV1.BlobArchiveServiceClient>;

/** A blob-archive server started in-process on port 0, with a file archive and an S3 archive (versitygw). */
export interface BlobArchiveHarness {
  client: BlobClient;
  address: string;
  fileArchive: string;
  s3Archive: string;
  s3: S3TestServer;
  home: string;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<BlobArchiveHarness> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-blob-'));
  const s3 = await startS3TestServer(['archive']);
  // The service finds S3 credentials through the standard AWS chain: here, the environment.
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  const fileArchive = `file://${home}/archive/`;
  const s3Archive = 's3://archive/opsim/vseq/';
  let running: RunningGrpcService;
  try {
    running = await startService(blobArchiveService, {
      VISITSARCH_ARCHIVE_URL: fileArchive,
      VISITSARCH_EXTRA_ARCHIVE_URLS: s3Archive,
      S3_ENDPOINT_URL: s3.endpoint,
      VISITSARCH_SPOOL_DIR: path.join(home),
      GRPC_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'fatal',
      SERVICE_CREDENTIAL: TEST_SERVICE_CREDENTIAL,
    });
  } catch (error) {
    await s3.stop();
    throw error;
  }
  const address = `127.0.0.1:${running.port}`;
  const client: BlobClient = new ServiceClient(CONTRACTS.blobArchive, address);
  return {
    client,
    address,
    fileArchive,
    s3Archive,
    s3,
    home,
    stop: async () => {
      client.close();
      await running.shutdown();
      await s3.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

let uuidCounter = 0;
/** A fresh, valid visit-sequence UUID per call. */
export function newUuid(): string {
  return `00000000-0000-4000-8000-${String(++uuidCounter).padStart(12, '0')}`;
}

/** Where the tests store a sequence's objects: simonyi, 2025-08-14, a fresh UUID, no overwriting. */
function sequenceDirectory(archiveUrl: string) {
  return { archiveUrl, telescope: 'simonyi', creationDayObs: '2025-08-14', visitseqUuid: newUuid(), overwrite: false };
}

/** The destination of a visit table (`visits.arrows` in the storage format unless `extra` says otherwise). */
export function visitTableDestination(archiveUrl: string, extra: Partial<blobArchiveV1.VisitTableDestination> = {}): blobArchiveV1.VisitTableDestination {
  return { ...sequenceDirectory(archiveUrl), fileName: '', format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED, ...extra };
}

/** The header of an arbitrary file's upload (`rewards.h5`; the day_obs in its YYYYMMDD form). */
export function uploadFileHeader(archiveUrl: string, extra: Partial<blobArchiveV1.UploadFileHeader> = {}): blobArchiveV1.UploadFileHeader {
  return { ...sequenceDirectory(archiveUrl), creationDayObs: '20250814', fileName: 'rewards.h5', ...extra };
}

/** Flips one byte of a stored object in place, behind the service's back (versitygw keeps each S3 object as a file: bucket/key under its data directory). */
export function flipStoredByte(harness: BlobArchiveHarness, url: string, offset: number): void {
  const file = url.startsWith('file://') ? fileURLToPath(url) : path.join(harness.s3.dataDirectory, 'archive', url.slice('s3://archive/'.length));
  const handle = fs.openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  fs.readSync(handle, byte, 0, 1, offset);
  byte[0] ^= 0xff;
  fs.writeSync(handle, byte, 0, 1, offset);
  fs.closeSync(handle);
}

/** Every object or upload remnant in a sequence's directory (file: temporaries included; S3: objects and pending uploads). */
export async function leftovers(harness: BlobArchiveHarness, archive: string, uuid: string): Promise<string[]> {
  if (archive.startsWith('file://')) {
    const directory = path.join(fileURLToPath(archive), 'simonyi', '2025-08-14', uuid);
    return fs.existsSync(directory) ? fs.readdirSync(directory) : [];
  }
  const { ListObjectsV2Command, ListMultipartUploadsCommand } = await import('@aws-sdk/client-s3');
  const prefix = `${archive.slice(`s3://archive/`.length)}simonyi/2025-08-14/${uuid}/`;
  const objects = await harness.s3.client.send(new ListObjectsV2Command({ Bucket: 'archive', Prefix: prefix }));
  const uploads = await harness.s3.client.send(new ListMultipartUploadsCommand({ Bucket: 'archive', Prefix: prefix }));
  return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `upload:${u.Key}`)];
}

/**
 * An upload the client gives up on midway: `send` gets `requests`, then, 200 ms later, the
 * client's failure (so grpc-js cancels the call). Resolves once the call failed with it and the
 * server left nothing of the upload behind in the sequence's directory.
 */
export async function uploadCancelledMidway<T>(harness: BlobArchiveHarness, send: (requests: AsyncIterable<T>) => Promise<unknown>, requests: T[], archive: string, uuid: string): Promise<void> {
  const gaveUp = new Error('client gives up');
  async function* cancelled(): AsyncGenerator<T> {
    yield* requests;
    await new Promise((resolve) => setTimeout(resolve, 200));
    throw gaveUp;
  }
  const outcome = await send(cancelled()).then(
    () => 'success',
    (error: Error) => error.message,
  );
  if (outcome !== gaveUp.message) throw new Error(`the cancelled upload ended with ${outcome}, not the client's failure`);
  // The server learns of the cancellation asynchronously: wait until its write is aborted.
  await waitFor(async () => (await leftovers(harness, archive, uuid)).length === 0);
}

/** Resolves once `condition` holds (the server learns of a cancellation asynchronously). */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Arrow chunks of a table as a client sends them: the schema, then one record batch (of `rowsPerBatch` rows) per chunk. */
export async function arrowChunks(table: Table, rowsPerBatch = 1000): Promise<{ ipcBytes: Uint8Array; rowCount: number }[]> {
  const batches: RecordBatch[] = [];
  for (const batch of table.batches) for (let start = 0; start < batch.numRows; start += rowsPerBatch) batches.push(batch.slice(start, start + rowsPerBatch));
  const bytes = tableToIPC(batches.length ? new Table(batches) : new Table(table.schema), 'stream');
  const chunks: { ipcBytes: Uint8Array; rowCount: number }[] = [];
  for await (const { bytes: message, message: decoded } of readIpcMessages([bytes])) {
    chunks.push({ ipcBytes: message, rowCount: decoded.isRecordBatch() ? decoded.header().length : 0 });
  }
  return chunks;
}

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** The table a DownloadVisitTable-like stream carried. */
export async function tableOfChunks(stream: AsyncIterable<{ chunk?: { ipcBytes: Uint8Array } }> | Iterable<{ chunk?: { ipcBytes: Uint8Array } }>): Promise<Table> {
  const parts: Uint8Array[] = [];
  for await (const message of stream) if (message.chunk) parts.push(message.chunk.ipcBytes);
  return new Table(RecordBatchReader.from(Buffer.concat(parts)).readAll());
}

/** The gRPC status code and ErrorInfo reason of a failed call. */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; reason?: string; details: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; details: string };
    return { code: e.code, details: e.details, reason: errorReason(error) };
  }
  throw new Error('the call succeeded, a failure was expected');
}

