import { Metadata, status } from '@grpc/grpc-js';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { AUTHORIZATION, CALLER_BINDING_HEADER, setCaller } from './headers';
import { callerBinding, signVisitTableTicket, ticketKey, verifySignedTicket } from './flight-ticket';
import { sha256 } from './tokens';

const inner = blobArchiveV1.VisitTableTicket.encode({ fileUrl: 'file:///archive/visits.arrows', expectedFileSha256: sha256('x'), columns: ['a'] }).finish();
const key = ticketKey('0123456789abcdef-credential');
const caller = sha256('vsa_token').toString('hex');
const now = 1_800_000_000_000;

function refusal(run: () => unknown): { code: number; reason: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: number; reason: string; message: string };
  }
  throw new Error('the ticket was accepted');
}

describe('signed Flight tickets', () => {
  it('give back the VisitTableTicket to their caller before they expire', () => {
    const signed = signVisitTableTicket(inner, caller, key, 300_000, now);
    expect(Buffer.from(verifySignedTicket(signed, key, caller, now + 299_999)).equals(Buffer.from(inner))).toBe(true);
  });

  it('are refused once expired (UNAUTHENTICATED)', () => {
    const signed = signVisitTableTicket(inner, caller, key, 300_000, now);
    expect(refusal(() => verifySignedTicket(signed, key, caller, now + 300_000))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_EXPIRED' });
  });

  it('are refused to another caller (PERMISSION_DENIED) and without one (UNAUTHENTICATED)', () => {
    const signed = signVisitTableTicket(inner, caller, key, 300_000, now);
    expect(refusal(() => verifySignedTicket(signed, key, sha256('vsa_other').toString('hex'), now))).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(refusal(() => verifySignedTicket(signed, key, undefined, now))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'NO_CREDENTIALS' });
  });

  it('are refused when altered, signed with another key, unsigned or not tickets at all (UNAUTHENTICATED)', () => {
    const signed = signVisitTableTicket(inner, caller, key, 300_000, now);
    const decoded = blobArchiveV1.SignedVisitTableTicket.decode(signed);
    const longer = blobArchiveV1.SignedVisitTableTicket.encode({ ...decoded, expireTime: new Date(now + 86_400_000) }).finish();
    expect(refusal(() => verifySignedTicket(longer, key, caller, now))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_SIGNATURE_INVALID' });
    const elsewhere = signVisitTableTicket(inner, caller, ticketKey('another-deployment-credential'), 300_000, now);
    expect(refusal(() => verifySignedTicket(elsewhere, key, caller, now))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_SIGNATURE_INVALID' });
    expect(refusal(() => verifySignedTicket(inner, key, caller, now))).toMatchObject({ code: status.UNAUTHENTICATED, reason: 'TICKET_NOT_SIGNED' });
    expect(refusal(() => verifySignedTicket(Buffer.from([0xff, 0xff, 0xff]), key, caller, now))).toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('are bound to the hash of the bearer token, the binding the gateway recorded, or the ingress identity', () => {
    const withToken = new Metadata();
    withToken.set(AUTHORIZATION, 'Bearer vsa_token');
    expect(callerBinding(withToken)).toBe(caller);
    const recorded = new Metadata();
    recorded.set(CALLER_BINDING_HEADER, caller);
    setCaller(recorded, { identity: 'alice', scopes: ['read'] });
    expect(callerBinding(recorded)).toBe(caller);
    const ingress = new Metadata();
    setCaller(ingress, { identity: 'alice', scopes: ['read'] });
    expect(callerBinding(ingress)).toBe('identity:alice');
    expect(callerBinding(new Metadata())).toBeUndefined();
  });
});
