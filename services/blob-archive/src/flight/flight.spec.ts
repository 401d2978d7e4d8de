import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Table } from 'apache-arrow';
import { typeV1 } from '@visitsarch/contracts';
import { canonicalSha256, readVisitTable, syntheticOpsimTable } from '@visitsarch/visit-tables';
import { arrowChunks, BlobArchiveHarness, newUuid, startHarness, tableOfChunks } from '../testing/harness';

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
    const head = {
      archiveUrl: archive(),
      telescope: 'simonyi',
      creationDayObs: '2025-08-14',
      visitseqUuid: newUuid(),
      fileName: '',
      overwrite: false,
      format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED,
    };
    const stored = await harness.client.clientStream('uploadVisitTable', [{ header: head }, ...(await arrowChunks(table)).map((chunk) => ({ chunk }))]);
    const putUuid = newUuid();
    const destination = { archive_url: archive(), telescope: 'auxtel', creation_day_obs: '20251101', visitseq_uuid: putUuid, format: 'TABLE_FORMAT_PARQUET' };

    const received = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-flight-')), 'received.arrow');
    const { stdout } = await promisify(execFile)(PYTHON, [CHECK, harness.address, stored.fileUrl, JSON.stringify(destination), received], { maxBuffer: 16 * 1024 * 1024 });
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
    expect(seen.selected_rows).toBeGreaterThan(0);
    expect(seen.selected_rows).toBeLessThan(rows);
    expect(seen.missing_error).toBe('ArrowKeyError'); // NOT_FOUND, as pyarrow reports it

    const put = seen.put_result;
    expect(put).toMatchObject({ row_count: rows, file_url: `${archive()}auxtel/2025-11-01/${putUuid}/visits.parquet`, visitseq_sha256: stored.visitseqSha256 && Buffer.from(stored.visitseqSha256).toString('hex') });
    const back: Table = await tableOfChunks(
      harness.client.serverStream('downloadVisitTable', { fileUrl: put.file_url, expectedFileSha256: Buffer.from(put.file_sha256, 'hex'), columns: [] }),
    );
    expect(await canonicalSha256(back)).toEqual(Buffer.from(stored.visitseqSha256));
  });
});
