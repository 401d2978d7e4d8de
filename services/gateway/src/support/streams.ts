import type * as grpc from '@grpc/grpc-js';
import { from, Observable } from 'rxjs';
import type { Logger } from '@visitsarch/logging';
import { toGrpcStatus } from '@visitsarch/grpc-server';

/** Serves a server-streaming RPC from an async generator (NestJS subscribes to the Observable). */
export function streamOf<T>(generate: () => AsyncGenerator<T>): Observable<T> {
  return from(generate());
}

/**
 * Runs a client-streaming handler written as an async function and answers through the
 * callback NestJS hands to @GrpcStreamCall handlers, with the same error mapping as every
 * other RPC (downstream codes, messages and details kept).
 */
export function answer<T>(callback: grpc.sendUnaryData<T>, logger: Logger, work: () => Promise<T>): void {
  work().then(
    (response) => callback(null, response),
    (error) => callback(toGrpcStatus(error, logger) as grpc.ServiceError),
  );
}

/** Maps each item of an async iterable. */
export async function* mapAsync<A, B>(items: AsyncIterable<A>, map: (item: A) => B): AsyncGenerator<B> {
  for await (const item of items) yield map(item);
}
