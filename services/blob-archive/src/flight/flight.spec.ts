import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Table, tableFromIPC } from 'apache-arrow';
import type { Observable } from 'rxjs';
import { sha256, signVisitTableTicket, ticketKey } from '@visitsarch/auth';
import { blobArchiveV1, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { ServiceClient, TEST_SERVICE_CREDENTIAL } from '@visitsarch/grpc-client';
import { decodeVisitTableTicket, encapsulate, FlightData, FlightDescriptor, FlightInfo, DescriptorType, Ticket } from '@visitsarch/flight';
import { canonicalSha256, readVisitTable, syntheticOpsimTable } from '@visitsarch/visit-tables';
import { BLOB_ARCHIVE_CONTRACT } from '../service';
import { arrowChunks, BlobArchiveHarness, collect, failure, newUuid, startHarness, tableOfChunks, visitTableDestination } from '../testing/harness';

jest.setTimeout(120_000);

const PYTHON = path.resolve(__dirname, '..', '..', '..', '..', '.venv', 'bin', 'python');
const CHECK = path.resolve(__dirname, '..', '..', 'python', 'flight_client_check.py');

describe('Arrow Flight, from pyarrow with no visitsarch code', () => {
  let harness: BlobArchiveHarness;
  beforeAll(async () => {
    if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run tools/python-env.sh (it installs pyarrow)`);
    harness = await startHarness();
  });
  afterAll(() => harness?.stop());

  it.each([
    ['file', () => harness.fileArchive],
    ['s3', () => harness.s3Archive],
  ])('reads (DoGet, GetFlightInfo) and writes (DoPut) visit tables in a %s archive', async (_kind, archive) => {
    // Enough messages that the service reuses the buffers it sends them in.
    const rows = 40_000;
    const table = syntheticOpsimTable({ rows, batchRows: 2000 });
    const head = visitTableDestination(archive());
    const stored = await harness.client.clientStream('uploadVisitTable', [{ header: head }, ...(await arrowChunks(table)).map((chunk) => ({ chunk }))]);
    const putUuid = newUuid();
    const destination = { archive_url: archive(), telescope: 'auxtel', creation_day_obs: '20251101', visitseq_uuid: putUuid, format: 'TABLE_FORMAT_PARQUET' };

    const received = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-flight-')), 'received.arrow');
    const sha = Buffer.from(stored.fileSha256).toString('hex');
    const { stdout } = await promisify(execFile)(PYTHON, [CHECK, harness.address, stored.fileUrl, sha, JSON.stringify(destination), received], {
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, VISITSARCH_PEER_CREDENTIAL: TEST_SERVICE_CREDENTIAL },
    });
    const seen = JSON.parse(stdout);
    // Every value pyarrow received is the stored one.
    expect(await canonicalSha256(await readVisitTable(received))).toEqual(Buffer.from(stored.visitseqSha256));
    fs.rmSync(path.dirname(received), { recursive: true, force: true });

    const ids = table.getChild('observationId')!.toArray() as BigInt64Array;
    expect(seen.pandas_rows).toBe(rows);
    expect(seen.pandas_columns).toEqual(table.schema.fields.map((f) => f.name));
    expect(BigInt(seen.observation_id_sum)).toBe(ids.reduce((sum, id) => sum + id, 0n));
    expect(seen.info_schema).toEqual(table.schema.fields.map((f) => f.name));
    expect(seen.table_rows).toBe(rows);
    expect(seen.selected_columns).toEqual(['observationId', 'band']);
    expect(seen.selected_schema).toEqual(['observationId', 'band']);
    expect(seen.selected_rows).toBeGreaterThan(0);
    expect(seen.selected_rows).toBeLessThan(rows);
    // INVALID_ARGUMENT, NOT_FOUND and UNAUTHENTICATED, as pyarrow reports them.
    expect(seen.refused).toEqual({
      url_ticket: 'ArrowInvalid',
      json_ticket: 'ArrowInvalid',
      path_descriptor: 'ArrowInvalid',
      descriptor_without_hash: 'ArrowInvalid',
      missing: 'ArrowKeyError',
      info_without_credential: 'FlightUnauthenticatedError',
      unsigned_ticket_without_credential: 'FlightUnauthenticatedError',
    });

    const put = seen.put_result;
    expect(put).toMatchObject({ row_count: rows, file_url: `${archive()}auxtel/2025-11-01/${putUuid}/visits.parquet`, visitseq_sha256: stored.visitseqSha256 && Buffer.from(stored.visitseqSha256).toString('hex') });
    const back: Table = await tableOfChunks(
      harness.client.serverStream('downloadVisitTable', { fileUrl: put.file_url, expectedFileSha256: Buffer.from(put.file_sha256, 'hex'), columns: [] }),
    );
    expect(await canonicalSha256(back)).toEqual(Buffer.from(stored.visitseqSha256));
  });
});

/** The Flight RPCs these tests call, as ServiceClient types them. */
interface FlightClient {
  getFlightInfo(request: FlightDescriptor): Observable<FlightInfo>;
  doGet(request: Ticket): Observable<FlightData>;
}

describe('Arrow Flight tickets (DoGet)', () => {
  let harness: BlobArchiveHarness;
  let flight: ServiceClient<FlightClient>;
  let stored: blobArchiveV1.UploadVisitTableResponse;
  const table = syntheticOpsimTable({ rows: 3000, batchRows: 1000 });
  beforeAll(async () => {
    harness = await startHarness();
    flight = new ServiceClient<FlightClient>({ ...BLOB_ARCHIVE_CONTRACT, serviceNames: ['arrow.flight.protocol.FlightService'] }, harness.address);
    stored = await harness.client.clientStream('uploadVisitTable', [{ header: visitTableDestination(harness.fileArchive) }, ...(await arrowChunks(table)).map((chunk) => ({ chunk }))]);
  });
  afterAll(async () => {
    flight?.close();
    await harness?.stop();
  });

  const command = (read: Record<string, unknown>): FlightDescriptor => ({ type: DescriptorType.CMD, cmd: Buffer.from(JSON.stringify(read)), path: [] });
  const doGet = async (ticket: Uint8Array): Promise<Table> => tableFromIPC(Buffer.concat((await collect(flight.serverStream('doGet', { ticket }))).map((data) => encapsulate(data))));
  const encoded = (ticket: Partial<blobArchiveV1.VisitTableTicket>) =>
    blobArchiveV1.VisitTableTicket.encode({ fileUrl: stored.fileUrl, expectedFileSha256: stored.fileSha256, columns: [], ...ticket }).finish();

  it('hands out, from GetFlightInfo, an encoded VisitTableTicket with the hash and the selection, which DoGet streams verified', async () => {
    const read = { file_url: stored.fileUrl, expected_file_sha256: Buffer.from(stored.fileSha256).toString('hex'), columns: ['observationId'], first_day_obs: '2025-11-02' };
    const info = await flight.unary('getFlightInfo', command(read));
    const ticket = info.endpoint[0].ticket.ticket;
    const named = decodeVisitTableTicket(ticket);
    expect({ ...named, expectedFileSha256: Buffer.from(named.expectedFileSha256) }).toEqual({
      fileUrl: stored.fileUrl,
      expectedFileSha256: Buffer.from(stored.fileSha256),
      columns: ['observationId'],
      dayObsRange: { firstDayObs: '2025-11-02', lastDayObs: '' },
    });
    const selected = await doGet(ticket);
    expect(selected.schema.fields.map((f) => f.name)).toEqual(['observationId']);
    expect(selected.numRows).toBeGreaterThan(0);
    expect(selected.numRows).toBeLessThan(3000);
    expect(await canonicalSha256(await doGet(encoded({})))).toEqual(Buffer.from(stored.visitseqSha256));
  });

  it('refuses a ticket without the file hash (INVALID_ARGUMENT) and fails one with another hash (DATA_LOSS)', async () => {
    expect(await failure(doGet(encoded({ expectedFileSha256: new Uint8Array(0) })))).toMatchObject({ code: status.INVALID_ARGUMENT, reason: 'INVALID_TICKET' });
    expect((await failure(doGet(encoded({ expectedFileSha256: new Uint8Array(16) })))).code).toBe(status.INVALID_ARGUMENT);
    expect((await failure(doGet(encoded({ expectedFileSha256: Buffer.alloc(32, 7) })))).code).toBe(status.DATA_LOSS);
    expect((await failure(doGet(Buffer.from(stored.fileUrl)))).code).toBe(status.INVALID_ARGUMENT);
    expect((await failure(flight.unary('getFlightInfo', command({ file_url: stored.fileUrl })))).code).toBe(status.INVALID_ARGUMENT);
  });

  describe("from a client (no service credential): only the gateway's signed tickets, by their caller", () => {
    const key = ticketKey(TEST_SERVICE_CREDENTIAL);
    const alice = 'vsa_0123456789abcdef_alice';
    const signedFor = (token: string, ttlMs = 60_000) => signVisitTableTicket(encoded({}), sha256(token).toString('hex'), key, ttlMs);
    /** A DoGet as a client makes it: its own headers, no credential. */
    const clientDoGet = async (ticket: Uint8Array, token?: string): Promise<Table> => {
      const definition = protoLoader.loadSync(BLOB_ARCHIVE_CONTRACT.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
      const Client = grpc.makeClientConstructor(definition['arrow.flight.protocol.FlightService'] as grpc.ServiceDefinition, 'FlightService');
      const client = new Client(harness.address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
      const metadata = new grpc.Metadata();
      if (token) metadata.set('authorization', `Bearer ${token}`);
      try {
        return tableFromIPC(Buffer.concat((await collect<FlightData>(client.doGet({ ticket }, metadata))).map((data) => encapsulate(data))));
      } finally {
        client.close();
      }
    };

    it('streams a signed ticket to the caller it was issued to', async () => {
      expect(await canonicalSha256(await clientDoGet(signedFor(alice), alice))).toEqual(Buffer.from(stored.visitseqSha256));
    });

    it('refuses it to another caller (PERMISSION_DENIED), without a token, expired or unsigned (UNAUTHENTICATED)', async () => {
      expect(await failure(clientDoGet(signedFor(alice), 'vsa_0123456789abcdef_bob'))).toMatchObject({ code: status.PERMISSION_DENIED, reason: 'TICKET_OF_ANOTHER_CALLER' });
      expect(await failure(clientDoGet(signedFor(alice)))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'NO_CREDENTIALS' });
      expect(await failure(clientDoGet(signedFor(alice, -1), alice))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_EXPIRED' });
      expect(await failure(clientDoGet(encoded({}), alice))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_NOT_SIGNED' });
    });

    it('refuses the other Flight methods (peers only)', async () => {
      const definition = protoLoader.loadSync(BLOB_ARCHIVE_CONTRACT.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
      const Client = grpc.makeClientConstructor(definition['arrow.flight.protocol.FlightService'] as grpc.ServiceDefinition, 'FlightService');
      const client = new Client(harness.address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
      const read = { file_url: stored.fileUrl, expected_file_sha256: Buffer.from(stored.fileSha256).toString('hex') };
      const error = await new Promise<grpc.ServiceError>((resolve) => client.getFlightInfo(command(read), (e: grpc.ServiceError) => resolve(e)));
      client.close();
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });
  });
});
