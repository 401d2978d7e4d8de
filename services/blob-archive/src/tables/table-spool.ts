import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataType, RecordBatchReader, RecordBatch, Schema } from 'apache-arrow';
import { CanonicalHasher, CanonicalHashScan, CanonicalHashError, VisitBatchStream, batchStream } from '@visitsarch/visit-tables';
import { openArrowUpload } from '../arrow/arrow-upload';
import { sliceBatch } from '../arrow/chunking';
import { DayObsRangeTracker, dayObsSourceOf } from '../arrow/day-obs';
import { IpcStreamEncoder } from '../arrow/ipc-messages';

/** What pass one learned about an uploaded table. */
export interface TableFacts {
  schema: Schema;
  rowCount: number;
  firstDayObs: string;
  lastDayObs: string;
  columns: string[];
}

/**
 * An uploaded visit table kept on local disk as a normalised Arrow IPC stream (plain columns,
 * batches of about 1 MiB), so that what needs a second pass (the canonical hash needs the text
 * widths of the whole table before its first row; HDF5 needs them too) reads it again instead
 * of holding it in memory.
 */
export class TableSpool {
  private constructor(
    readonly path: string,
    private readonly directory: string,
    readonly facts: TableFacts,
    private readonly scan: CanonicalHashScan,
  ) {}

  /**
   * Pass one over an uploaded Arrow IPC stream (validated message by message). A stream without
   * dictionary-encoded columns is kept as it came, message for message (what it would be
   * re-encoded to anyway); otherwise it is re-encoded with plain columns by {@link fromBatches}.
   */
  static async fromUpload(ipcBytes: AsyncIterable<Uint8Array>, spoolDirectory: string, alsoWrite?: (bytes: Uint8Array) => Promise<void>): Promise<TableSpool> {
    const output = await SpoolFile.create(spoolDirectory, alsoWrite);
    try {
      let passThrough = false;
      const upload = await openArrowUpload(ipcBytes, async ({ bytes, message }) => {
        if (message.isSchema()) passThrough = !message.header().fields.some((field) => DataType.isDictionary(field.type));
        if (passThrough) await output.put(bytes);
      });
      if (!passThrough) {
        await output.discard();
        return await TableSpool.fromBatches(batchStream(upload.schema, upload.batches()), spoolDirectory, alsoWrite);
      }
      const learning = new TableLearning(upload.schema);
      for await (const batch of upload.batches()) learning.observe(batch);
      return await TableSpool.finish(output, learning);
    } catch (error) {
      await output.discard();
      throw error;
    }
  }

  /**
   * Pass one over batches: writes the table's normalised Arrow IPC stream (~1 MiB batches) to the
   * spool and, message by message, to `alsoWrite` (the storage write of a table stored as an
   * Arrow stream), and learns the table's extent and what the hash needs.
   */
  static async fromBatches(table: VisitBatchStream, spoolDirectory: string, alsoWrite?: (bytes: Uint8Array) => Promise<void>): Promise<TableSpool> {
    const learning = new TableLearning(table.schema);
    const output = await SpoolFile.create(spoolDirectory, alsoWrite);
    try {
      const encoder = new IpcStreamEncoder(table.schema);
      await output.put(encoder.schemaMessage());
      for await (const batch of table) {
        if (batch.numRows === 0) continue;
        learning.observe(batch);
        for (const slice of sliceBatch(batch)) await output.put(encoder.encode(slice));
      }
      return await TableSpool.finish(output, learning);
    } catch (error) {
      await output.discard();
      throw error;
    }
  }

  private static async finish(output: SpoolFile, learning: TableLearning): Promise<TableSpool> {
    await output.put(IpcStreamEncoder.END_OF_STREAM);
    await output.close();
    return new TableSpool(output.path, output.directory, learning.facts(), learning.scan);
  }

  /** A fresh read of the spooled table (any number of times). */
  open(): VisitBatchStream {
    const reader = RecordBatchReader.from(fs.createReadStream(this.path, { highWaterMark: 1024 * 1024 }));
    async function* batches(): AsyncGenerator<RecordBatch> {
      const opened = await reader;
      for await (const batch of opened as AsyncIterable<RecordBatch>) if (batch.numRows > 0) yield batch;
    }
    return batchStream(this.facts.schema, batches());
  }

  /** Pass two: the canonical visit-table hash (visitseq_sha256). */
  async canonicalSha256(): Promise<Buffer> {
    const hasher = new CanonicalHasher(this.scan.layout());
    for await (const batch of this.open()) hasher.update(batch);
    return Buffer.from(hasher.digest());
  }

  release(): Promise<void> {
    return fsp.rm(this.directory, { recursive: true, force: true });
  }
}

/** What pass one learns from the batches: the hash's scan, the row count, the nights. */
class TableLearning {
  readonly scan: CanonicalHashScan;
  private readonly days: DayObsRangeTracker;
  private rowCount = 0;

  constructor(private readonly schema: Schema) {
    try {
      this.scan = new CanonicalHashScan(schema);
    } catch (error) {
      if (error instanceof CanonicalHashError) throw new UnsupportedTableError(error.message);
      throw error;
    }
    this.days = new DayObsRangeTracker(dayObsSourceOf(schema));
  }

  observe(batch: RecordBatch): void {
    if (batch.numRows === 0) return;
    this.scan.observe(batch);
    this.days.observe(batch);
    this.rowCount += batch.numRows;
  }

  facts(): TableFacts {
    return { schema: this.schema, rowCount: this.rowCount, ...this.days.range(), columns: this.schema.fields.map((f) => f.name) };
  }
}

/** The spool file of one table, each piece also handed to `alsoWrite`. */
class SpoolFile {
  private constructor(
    readonly directory: string,
    readonly path: string,
    private readonly handle: fsp.FileHandle,
    private readonly alsoWrite?: (bytes: Uint8Array) => Promise<void>,
  ) {}

  static async create(spoolDirectory: string, alsoWrite?: (bytes: Uint8Array) => Promise<void>): Promise<SpoolFile> {
    const directory = await fsp.mkdtemp(path.join(spoolDirectory, 'visitsarch-table-'));
    const file = path.join(directory, 'table.arrows');
    return new SpoolFile(directory, file, await fsp.open(file, 'w'), alsoWrite);
  }

  async put(bytes: Uint8Array): Promise<void> {
    await writeFully(this.handle, bytes);
    if (this.alsoWrite) await this.alsoWrite(bytes);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fsp.rm(this.directory, { recursive: true, force: true });
  }
}

/** The table has columns the canonical hash (hence the archive) does not define (INVALID_ARGUMENT). */
export class UnsupportedTableError extends Error {}

export function defaultSpoolDirectory(): string {
  return os.tmpdir();
}

async function writeFully(handle: fsp.FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += (await handle.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
}
