import { invalidArgument } from '@visitsarch/grpc-server';
import { blobArchiveV1, typeV1 } from '@visitsarch/contracts';
import { DescriptorType, encodeVisitTableTicket, FlightDescriptor, VisitTableTicket } from '@visitsarch/flight';

/**
 * How Flight requests name visit tables (documented in docs/storage.md, "Arrow Flight"):
 *
 * - A DoGet ticket is an encoded VisitTableTicket (@visitsarch/flight reads it), with the file's
 *   SHA-256: DoGet is always a verified read.
 * - A GetFlightInfo/GetSchema descriptor is a CMD holding a JSON object `{"file_url",
 *   "expected_file_sha256" (64 hex digits, required), "columns", "first_day_obs",
 *   "last_day_obs"}`, so that plain pyarrow can name a read; GetFlightInfo answers with the
 *   ticket of that read.
 * - An upload (DoPut descriptor) is a CMD holding a JSON object with the fields of
 *   VisitTableDestination (`archive_url`, `telescope`, `creation_day_obs`, `visitseq_uuid`,
 *   optional `file_name`, `overwrite`, `format` as a TableFormat name such as
 *   `TABLE_FORMAT_PARQUET`), or a PATH `[archive_url, telescope, creation_day_obs, visitseq_uuid(, file_name)]`.
 */

/** The read a GetFlightInfo/GetSchema descriptor names, and the ticket GetFlightInfo hands out for it. */
export function readOfDescriptor(descriptor: FlightDescriptor): { read: VisitTableTicket; ticket: Uint8Array } {
  if (descriptor.type !== DescriptorType.CMD) {
    throw invalidArgument(
      'a read descriptor is a CMD holding a JSON object {"file_url", "expected_file_sha256" (hex), "columns", "first_day_obs", "last_day_obs"}; a PATH cannot carry the file hash',
      'type',
    );
  }
  const field = 'cmd';
  const json = parseJson(Buffer.from(descriptor.cmd).toString('utf8'), field);
  const fileUrl = stringField(json, 'file_url', field, true)!;
  const sha = stringField(json, 'expected_file_sha256', field, true)!;
  if (!/^[0-9a-fA-F]{64}$/.test(sha)) throw invalidArgument(`${field}.expected_file_sha256: 64 hex digits expected`, field);
  const columns = json.columns ?? [];
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) throw invalidArgument(`${field}.columns: a list of column names expected`, field);
  const read: VisitTableTicket = {
    fileUrl,
    expectedFileSha256: Buffer.from(sha, 'hex'),
    columns: columns as string[],
    dayObsRange: { firstDayObs: stringField(json, 'first_day_obs', field) ?? '', lastDayObs: stringField(json, 'last_day_obs', field) ?? '' },
  };
  return { read, ticket: encodeVisitTableTicket(read, field) };
}

/** The destination of a DoPut. */
export function destinationOfDescriptor(descriptor: FlightDescriptor | undefined): blobArchiveV1.VisitTableDestination {
  if (!descriptor) throw invalidArgument('the first DoPut message must carry the flight descriptor', 'flight_descriptor');
  if (descriptor.type === DescriptorType.PATH) {
    const [archiveUrl, telescope, creationDayObs, visitseqUuid, fileName = ''] = descriptor.path;
    if (descriptor.path.length < 4 || descriptor.path.length > 5) {
      throw invalidArgument('a DoPut PATH is [archive_url, telescope, creation_day_obs, visitseq_uuid(, file_name)]', 'flight_descriptor.path');
    }
    return { archiveUrl, telescope, creationDayObs, visitseqUuid, fileName, overwrite: false, format: typeV1.TableFormat.TABLE_FORMAT_UNSPECIFIED };
  }
  if (descriptor.type !== DescriptorType.CMD) throw invalidArgument('the DoPut descriptor has no type (PATH or CMD)', 'flight_descriptor.type');
  const field = 'flight_descriptor.cmd';
  const json = parseJson(Buffer.from(descriptor.cmd).toString('utf8'), field);
  const formatName = stringField(json, 'format', field) ?? 'TABLE_FORMAT_UNSPECIFIED';
  const format = (typeV1.TableFormat as unknown as Record<string, number>)[formatName];
  if (format === undefined) throw invalidArgument(`${field}.format: ${JSON.stringify(formatName)} is not a TableFormat name`, field);
  if (json.overwrite !== undefined && typeof json.overwrite !== 'boolean') throw invalidArgument(`${field}.overwrite: true or false expected`, field);
  return {
    archiveUrl: stringField(json, 'archive_url', field, true)!,
    telescope: stringField(json, 'telescope', field, true)!,
    creationDayObs: stringField(json, 'creation_day_obs', field, true)!,
    visitseqUuid: stringField(json, 'visitseq_uuid', field, true)!,
    fileName: stringField(json, 'file_name', field) ?? '',
    overwrite: json.overwrite === true,
    format,
  };
}

function parseJson(text: string, field: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw invalidArgument(`${field}: not a JSON object (${(error as Error).message})`, field);
  }
}

function stringField(json: Record<string, unknown>, name: string, field: string, required = false): string | undefined {
  const value = json[name];
  if (value === undefined || value === null) {
    if (required) throw invalidArgument(`${field}.${name} is required`, field);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidArgument(`${field}.${name}: a string expected`, field);
  return value;
}
