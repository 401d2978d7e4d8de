import type * as grpc from '@grpc/grpc-js';
import { IDENTITY_HEADER, PEER_HEADER, SCOPES_HEADER } from '@visitsarch/auth';

/**
 * The service credential this process presents on every call it makes to another of the
 * archive's services (decision 0020): set once by a service at start (startService), never by
 * the CLI or other clients, whose calls carry a bearer token instead.
 */
let credential: string | undefined;

export function setPeerCredential(secret: string | undefined): void {
  credential = secret || undefined;
}

/** The credential set by setPeerCredential, if any. */
export function peerCredential(): string | undefined {
  return credential;
}

/**
 * Adds to an outgoing call's metadata what a service passes on to its peers: the service
 * credential (unless the call already names one), and the identity of the call being served
 * (`parent`), so the service at the end knows who acts. The parent's identity headers are there
 * only if this server's interceptor let them in: set by the gateway for its authenticated
 * caller, or received from a peer.
 */
export function addPeerHeaders(metadata: grpc.Metadata, parent?: grpc.Metadata): void {
  if (credential && !metadata.get(PEER_HEADER).length) metadata.set(PEER_HEADER, credential);
  if (!parent || metadata.get(IDENTITY_HEADER).length) return;
  for (const key of [IDENTITY_HEADER, SCOPES_HEADER]) {
    const value = parent.get(key)[0];
    if (value !== undefined) metadata.set(key, value);
  }
}
