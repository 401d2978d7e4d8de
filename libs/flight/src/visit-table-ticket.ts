/**
 * The tickets of the blob archive's Arrow Flight DoGet: encoded
 * `visitsarch.blob_archive.v1.VisitTableTicket` messages (docs/storage.md, "Arrow Flight"). This
 * is the one place tickets are made (the blob archive's GetFlightInfo, the gateway's
 * GetVisitsFlightEndpoint) and read (the blob archive's DoGet). Neither function lets a ticket
 * through without the file's SHA-256: a DoGet is always a verified read.
 */
import { blobArchiveV1 } from '@visitsarch/contracts';
import { invalidArgument } from '@visitsarch/grpc-server';
import { requireSha256 } from '@visitsarch/validation';

export type VisitTableTicket = blobArchiveV1.VisitTableTicket;

/** What a refused ticket's message adds: what a ticket is and where to get one. */
const WHAT_A_TICKET_IS =
  'a DoGet ticket is an encoded visitsarch.blob_archive.v1.VisitTableTicket with file_url and expected_file_sha256, as GetFlightInfo and the gateway\'s GetVisitsFlightEndpoint hand out';

/**
 * The ticket bytes of a read. INVALID_ARGUMENT (field `<field>.file_url` or
 * `<field>.expected_file_sha256`) if the URL is empty or the hash is not 32 bytes.
 */
export function encodeVisitTableTicket(ticket: VisitTableTicket, field = 'ticket'): Uint8Array {
  const { fileUrl, expectedFileSha256, dayObsRange, columns } = checked(ticket, field);
  // Fields of requests as @grpc/proto-loader decodes them: an unset message is null, not undefined.
  return blobArchiveV1.VisitTableTicket.encode({ fileUrl, expectedFileSha256, dayObsRange: dayObsRange ?? undefined, columns: columns ?? [] }).finish();
}

/**
 * The read a ticket names. INVALID_ARGUMENT if the bytes are not an encoded VisitTableTicket
 * (JSON and bare object URLs included), or it lacks the URL or a 32-byte hash.
 */
export function decodeVisitTableTicket(bytes: Uint8Array, field = 'ticket'): VisitTableTicket {
  let ticket: VisitTableTicket;
  try {
    ticket = blobArchiveV1.VisitTableTicket.decode(bytes);
  } catch (error) {
    throw invalidArgument(`${field}: not an encoded VisitTableTicket (${(error as Error).message}); ${WHAT_A_TICKET_IS}`, field, 'INVALID_TICKET');
  }
  return checked(ticket, field);
}

function checked(ticket: VisitTableTicket, field: string): VisitTableTicket {
  if (!ticket.fileUrl.trim()) throw invalidArgument(`${field}.file_url is required; ${WHAT_A_TICKET_IS}`, `${field}.file_url`, 'INVALID_TICKET');
  if (!ticket.expectedFileSha256.byteLength) {
    throw invalidArgument(`${field}.expected_file_sha256 is required: a DoGet reads only what it can verify against the recorded hash`, `${field}.expected_file_sha256`, 'INVALID_TICKET');
  }
  requireSha256(ticket.expectedFileSha256, `${field}.expected_file_sha256`);
  return ticket;
}
