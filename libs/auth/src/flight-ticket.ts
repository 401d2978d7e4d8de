import { createHmac } from 'node:crypto';
import { status, type Metadata } from '@grpc/grpc-js';
import { blobArchiveV1 } from '@visitsarch/contracts';
import { bearerTokenOf, CALLER_BINDING_HEADER, callerOf, first } from './headers';
import { sameDigest, sha256 } from './tokens';

/*
 * Flight tickets for clients (decision 0020): the gateway's GetVisitsFlightEndpoint wraps the
 * VisitTableTicket in a SignedVisitTableTicket bound to its caller and a short lifetime; the blob
 * archive serves a DoGet without the service credential only with such a ticket, presented by
 * the same caller before it expires. The HMAC key is derived from the service credential, which
 * both services have, so no further secret is needed.
 */

/** The HMAC key of Flight tickets: HMAC-SHA256(service credential, 'visitsarch flight ticket v1'). */
export function ticketKey(serviceCredential: string): Buffer {
  return createHmac('sha256', serviceCredential).update('visitsarch flight ticket v1').digest();
}

/**
 * Who a call's caller is, for binding tickets: the SHA-256 (hex) of its bearer token; else the
 * binding the gateway's interceptor recorded (CALLER_BINDING_HEADER, the same hash, taken before
 * it removed the token); else `identity:<user>` (a caller authenticated by the ingress). Undefined
 * without any of them.
 */
export function callerBinding(metadata: Metadata): string | undefined {
  const token = bearerTokenOf(metadata);
  if (token) return sha256(token).toString('hex');
  const recorded = first(metadata, CALLER_BINDING_HEADER);
  if (recorded) return recorded;
  const caller = callerOf(metadata);
  return caller ? `identity:${caller.identity}` : undefined;
}

/** An encoded SignedVisitTableTicket of `ticketBytes` (an encoded VisitTableTicket) for `caller`, valid `ttlMs`. */
export function signVisitTableTicket(ticketBytes: Uint8Array, caller: string, key: Buffer, ttlMs: number, now: number = Date.now()): Uint8Array {
  if (!caller) throw new Error('a Flight ticket needs a caller to bind it to');
  const unsigned: blobArchiveV1.SignedVisitTableTicket = { visitTableTicket: ticketBytes, caller, expireTime: new Date(now + ttlMs), signature: new Uint8Array(0) };
  return blobArchiveV1.SignedVisitTableTicket.encode({ ...unsigned, signature: signatureOf(unsigned, key) }).finish();
}

/** A refused ticket: its gRPC code (UNAUTHENTICATED or PERMISSION_DENIED) and a message for the client. */
export class TicketError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'TicketError';
  }

  /** The message as grpc-js sends it. */
  get details(): string {
    return this.message;
  }
}

const GET_ONE = "get a ticket from the gateway's GetVisitsFlightEndpoint and present it with the same bearer token";

/**
 * The VisitTableTicket bytes of a signed ticket presented by `presentedCaller` (callerBinding of
 * the DoGet). TicketError UNAUTHENTICATED if the bytes are not a signed ticket, the signature is
 * wrong, it expired or the DoGet presents no caller; PERMISSION_DENIED if it was issued to another.
 */
export function verifySignedTicket(bytes: Uint8Array, key: Buffer, presentedCaller: string | undefined, now: number = Date.now()): Uint8Array {
  let signed: blobArchiveV1.SignedVisitTableTicket;
  try {
    signed = blobArchiveV1.SignedVisitTableTicket.decode(bytes);
  } catch {
    throw new TicketError(status.UNAUTHENTICATED, `the ticket is not one the gateway signed; ${GET_ONE}`, 'TICKET_NOT_SIGNED');
  }
  if (!signed.signature.length || !signed.caller || !signed.expireTime) {
    throw new TicketError(status.UNAUTHENTICATED, `the ticket is not one the gateway signed; ${GET_ONE}`, 'TICKET_NOT_SIGNED');
  }
  if (!sameDigest(signed.signature, signatureOf(signed, key))) {
    throw new TicketError(status.UNAUTHENTICATED, `the ticket's signature is not valid (altered, or signed by another deployment); ${GET_ONE}`, 'TICKET_SIGNATURE_INVALID');
  }
  if (signed.expireTime.getTime() <= now) {
    throw new TicketError(status.UNAUTHENTICATED, `the ticket expired at ${signed.expireTime.toISOString()}; ${GET_ONE}`, 'TICKET_EXPIRED');
  }
  if (!presentedCaller) {
    throw new TicketError(status.UNAUTHENTICATED, `no credentials: a DoGet presents the bearer token the ticket was issued on (authorization: Bearer <token>)`, 'NO_CREDENTIALS');
  }
  if (!sameDigest(sha256(presentedCaller), sha256(signed.caller))) {
    throw new TicketError(status.PERMISSION_DENIED, 'the ticket was issued to another caller: present it with the bearer token it was issued on', 'TICKET_OF_ANOTHER_CALLER');
  }
  return signed.visitTableTicket;
}

/** HMAC-SHA256 of fields 1 to 3 as encoded with the signature unset. */
function signatureOf(ticket: blobArchiveV1.SignedVisitTableTicket, key: Buffer): Buffer {
  const unsigned = blobArchiveV1.SignedVisitTableTicket.encode({ ...ticket, signature: new Uint8Array(0) }).finish();
  return createHmac('sha256', key).update(unsigned).digest();
}
