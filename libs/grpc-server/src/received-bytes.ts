/**
 * The bytes a client-streaming request arrived in, kept for its payload (GrpcServiceOptions.
 * keepReceivedBytes): a service that relays the payload to another service in a request of the
 * same layout (the gateway's uploads, whose chunks go on to the blob archive) can send those
 * bytes on instead of encoding the payload again. grpc-js gives every message a buffer of its
 * own, which the decoded payload's `bytes` fields are views of anyway.
 */
import type * as protoLoader from '@grpc/proto-loader';
import { framableIfReceived } from '@visitsarch/grpc-client';
import type { HeaderOrData } from './call-streams';

const RECEIVED = new WeakMap<object, Buffer>();

/** The message a payload (the `chunk` or `data` of a HeaderOrData request) was decoded from, if its method keeps them. */
export function receivedBytesOf(payload: object): Buffer | undefined {
  return RECEIVED.get(payload);
}

/** Makes `method`'s request deserializer keep each message's bytes for its payload. */
export function keepReceivedBytes(method: protoLoader.MethodDefinition<object, object>): void {
  const decode = method.requestDeserialize;
  (method as { requestDeserialize: (bytes: Buffer) => object }).requestDeserialize = (bytes) => {
    const message = decode(bytes) as HeaderOrData<unknown, unknown>;
    const payload = message.chunk ?? message.data;
    if (payload !== null && typeof payload === 'object') RECEIVED.set(payload, framableIfReceived(bytes));
    return message;
  };
}
