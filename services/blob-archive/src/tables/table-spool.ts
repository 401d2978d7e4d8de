import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataType, RecordBatchReader, RecordBatch, Schema } from 'apache-arrow';
import { CanonicalHashScan, CanonicalHashError, VisitBatchStream, batchStream, canonicalSha256OfIpcFile } from '@visitsarch/visit-tables';
import type { ObjectWrite } from '@visitsarch/storage';
import { IpcStreamEncoder, openArrowUpload, sliceBatch } from '@visitsarch/arrow-ipc';
import { DayObsRangeTracker, dayObsSourceOf } from '../arrow/day-obs';

/** What pass one learned about an uploaded table. */
export interface TableFacts {
  schema: Schema;
  rowCount: number;
  firstDayObs: string;
  lastDayObs: string;
  columns: string[];
}

/**
 * Where spooled bytes also go: the storage write of a table stored as an Arrow stream. When it
 * keeps them in a local file (the file backend's temporary file), that file is the spool.
 */
export type StorageSink = Pick<ObjectWrite, 'write' | 'localPath' | 'flush'>;

/**
 * An uploaded visit table kept on local disk as a normalised Arrow IPC stream (plain columns,
 * batches of about 1 MiB), so that what needs a second pass (the canonical hash needs the text
 * widths of the whole table before its first row; HDF5 needs them too) reads it again instead
 * of holding it in memory.
 */
export class TableSpool {
  private constructor(
    readonly path: string,
    /** The spool's own directory, removed on release; undefined when the spool is the storage write's file. */
    private readonly directory: string | undefined,
    readonly facts: TableFacts,
    private readonly scan: CanonicalHashScan,
  ) {}

  /**
   * Pass one over an uploaded Arrow IPC stream (validated message by message). A stream without
   * dictionary-encoded columns is kept as it came, message for message (what it would be
   * re-encoded to anyway); otherwise it is re-encoded with plain columns by {@link fromBatches}.
   */
  static async fromUpload(ipcBytes: AsyncIterable<Uint8Array>, spoolDirectory: string, alsoWrite?: StorageSink): Promise<TableSpool> {
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
  static async fromBatches(table: VisitBatchStream, spoolDirectory: string, alsoWrite?: StorageSink): Promise<TableSpool> {
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

  /** Pass two: the canonical visit-table hash (visitseq_sha256), packed on a worker thread while this one hashes. */
  canonicalSha256(): Promise<Buffer> {
    return canonicalSha256OfIpcFile(this.path, this.scan.layout());
  }

  async release(): Promise<void> {
    if (this.directory) await fsp.rm(this.directory, { recursive: true, force: true });
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

/**
 * The spool file of one table: its own temporary file, each piece also handed to the storage
 * write if there is one; or, when that write keeps its bytes in a local file, just that file.
 */
class SpoolFile {
  private constructor(
    readonly directory: string | undefined,
    readonly path: string,
    private readonly handle: fsp.FileHandle | undefined,
    private readonly alsoWrite?: StorageSink,
  ) {}

  static async create(spoolDirectory: string, alsoWrite?: StorageSink): Promise<SpoolFile> {
    if (alsoWrite?.localPath) return new SpoolFile(undefined, alsoWrite.localPath, undefined, alsoWrite);
    const directory = await fsp.mkdtemp(path.join(spoolDirectory, 'visitsarch-table-'));
    const file = path.join(directory, 'table.arrows');
    return new SpoolFile(directory, file, await fsp.open(file, 'w'), alsoWrite);
  }

  async put(bytes: Uint8Array): Promise<void> {
    if (this.handle) await writeFully(this.handle, bytes);
    if (this.alsoWrite) await this.alsoWrite.write(bytes);
  }

  /**
   * Ends the writing: afterwards the file holds every piece (the storage write's file may still
   * have had writes in flight, which the hash's second pass would otherwise read past the end of).
   */
  async close(): Promise<void> {
    await this.handle?.close();
    await this.alsoWrite?.flush();
  }

  /** Drops the spool's own file (the storage write's file is its owner's to abort). */
  async discard(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    if (this.directory) await fsp.rm(this.directory, { recursive: true, force: true });
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
