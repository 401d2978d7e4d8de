import { status } from '@grpc/grpc-js';
import { invalidArgument, GrpcError } from '@visitsarch/grpc-server';
import { typeV1 } from '@visitsarch/contracts';
import { FORMAT_EXTENSIONS, VisitTableFormat, visitTableFormatOf } from '@visitsarch/visit-tables';

/**
 * The archive's storage format for visit tables, used when a request leaves the format
 * unspecified: an Arrow IPC stream of ~1 MiB record batches. Chosen by measurement
 * (docs/decisions/0010-visit-table-storage-format.md): smaller than the upstream's HDF5 and
 * streamed back without decoding.
 */
export const STORAGE_FORMAT: VisitTableFormat = 'arrow-stream';

/** The format to store: UNSPECIFIED means the archive's storage format. */
export function storedFormat(format: typeV1.TableFormat, field: string): VisitTableFormat {
  if (format === typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED) return STORAGE_FORMAT;
  return knownFormat(format, field);
}

/** The format to export to: it must be named. */
export function exportFormat(format: typeV1.TableFormat, field: string): VisitTableFormat {
  if (format === typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED) throw invalidArgument(`${field}: a format is required`, field);
  return knownFormat(format, field);
}

function knownFormat(format: typeV1.TableFormat, field: string): VisitTableFormat {
  const known = visitTableFormatOf(format);
  if (!known) throw new GrpcError(status.UNIMPLEMENTED, `${field}: table format ${format} is not supported`, { reason: 'UNSUPPORTED_TABLE_FORMAT' });
  return known;
}

/** `visits` with the format's usual extension: the default name of a stored table. */
export function defaultTableFileName(format: VisitTableFormat): string {
  return `visits${FORMAT_EXTENSIONS[format]}`;
}
