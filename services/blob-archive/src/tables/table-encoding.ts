import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { GrpcError } from '@visitsarch/grpc-server';
import { readFileInto } from '@visitsarch/storage';
import { encodeVisitTable, PassOptions, VisitBatchStream, VisitTableFormat, writeVisitTable } from '@visitsarch/visit-tables';

/** Formats the visit-tables library encodes as a byte stream; the others are written to a file first. */
const STREAMED_FORMATS: ReadonlySet<VisitTableFormat> = new Set(['arrow-stream', 'arrow-file', 'parquet', 'csv']);

/**
 * A table encoded as a file of `format`, as a byte stream. `open` is called once per pass the
 * writer needs (HDF5 first finds nullable integer and boolean columns), so memory stays bounded. SQLite and HDF5
 * are written to a temporary file (their libraries need one) that is streamed and removed.
 * `chunksCopied`: the consumer copies each chunk before asking for the next, so that file is read
 * into one reused buffer instead of a new one per chunk.
 */
export async function* encodeTableFile(
  format: VisitTableFormat,
  open: (pass?: PassOptions) => Promise<VisitBatchStream>,
  spoolDirectory: string,
  { chunksCopied = false }: { chunksCopied?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  try {
    if (STREAMED_FORMATS.has(format)) {
      yield* encodeVisitTable(open, format as never);
      return;
    }
    const directory = await fsp.mkdtemp(path.join(spoolDirectory, 'visitsarch-export-'));
    try {
      const file = path.join(directory, `table.${format}`);
      await writeVisitTable(file, open, { format });
      yield* chunksCopied ? readFileInto(file, Buffer.allocUnsafe(1024 * 1024)) : (fs.createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>);
    } finally {
      await fsp.rm(directory, { recursive: true, force: true });
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'VisitTableFormatError') {
      throw new GrpcError(status.UNIMPLEMENTED, `cannot write a visit table as ${format}: ${error.message}`, { reason: 'UNSUPPORTED_TABLE_FORMAT' });
    }
    throw error;
  }
}
