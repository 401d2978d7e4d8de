import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { decodeVisitTableTicket, encodeVisitTableTicket, VisitTableTicket } from './index';

const sha = createHash('sha256').update('visits').digest();
const ticket: VisitTableTicket = {
  fileUrl: 's3://rubin:rubin-scheduler-prenight/opsim/vseq/simonyi/2025-10-16/47ed/visits.arrows',
  expectedFileSha256: sha,
  dayObsRange: { firstDayObs: '2025-11-02', lastDayObs: '' },
  columns: ['observationId', 'band'],
};

/** The gRPC code and message of what `action` throws. */
function refusal(action: () => unknown): { code: number; message: string } {
  try {
    action();
  } catch (error) {
    return { code: (error as { code: number }).code, message: (error as Error).message };
  }
  throw new Error('accepted; a refusal was expected');
}

describe('VisitTableTicket', () => {
  it('reads back the read it was made for', () => {
    const back = decodeVisitTableTicket(encodeVisitTableTicket(ticket));
    expect({ ...back, expectedFileSha256: Buffer.from(back.expectedFileSha256) }).toEqual(ticket);
    // From a request as @grpc/proto-loader decodes it (an unset message field is null).
    const fromRequest = { ...ticket, dayObsRange: null } as unknown as VisitTableTicket;
    expect(decodeVisitTableTicket(encodeVisitTableTicket(fromRequest)).dayObsRange).toBeUndefined();
  });

  it('is never made, nor read, without a 32-byte file hash', () => {
    for (const expectedFileSha256 of [new Uint8Array(0), sha.subarray(0, 31)]) {
      expect(refusal(() => encodeVisitTableTicket({ ...ticket, expectedFileSha256 })).code).toBe(status.INVALID_ARGUMENT);
    }
    // As anyone could encode it: field 1 (file_url) alone.
    const withoutHash = Buffer.concat([Buffer.from([0x0a, ticket.fileUrl.length]), Buffer.from(ticket.fileUrl)]);
    expect(refusal(() => decodeVisitTableTicket(withoutHash))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining('ticket.expected_file_sha256 is required'),
    });
    expect(refusal(() => encodeVisitTableTicket({ ...ticket, fileUrl: ' ' })).message).toContain('ticket.file_url is required');
  });

  it('refuses the JSON and bare-URL tickets of earlier versions, saying what a ticket is', () => {
    const json = JSON.stringify({ file_url: ticket.fileUrl, expected_file_sha256: sha.toString('hex') });
    for (const text of [json, ticket.fileUrl, 'file:///data/archive/simonyi/2025-10-16/47ed/visits.arrows', '']) {
      const refused = refusal(() => decodeVisitTableTicket(Buffer.from(text)));
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(refused.message).toContain('an encoded visitsarch.blob_archive.v1.VisitTableTicket');
    }
  });
});
