import { sendUnaryData, ServerDuplexStream, ServerReadableStream, status } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { GrpcError } from '@visitsarch/grpc-server';
import { toGrpcError } from './errors';

/*
 * Streams between grpc-js calls and the services, with backpressure both ways.
 *
 * Client-streaming and bidirectional methods are registered with @GrpcStreamCall, which hands
 * the handler the raw grpc-js call: Nest's Observable flavour (@GrpcStreamMethod) reads the
 * call in flowing mode, buffering whatever a fast client sends while we are still storing
 * earlier messages, and only replays messages to a handler returning a Promise after that
 * Promise resolved. Reading the call as an async iterable instead lets grpc-js stop reading
 * (and HTTP/2 flow control stop the client) whenever storage is slower than the network.
 */

const logger = new Logger('BlobArchiveStreams');

/** What a handler needs of the grpc-js call Nest passes as the third argument of server-streaming methods. */
export interface WritableCall {
  readonly writableNeedDrain?: boolean;
  once(event: 'drain' | 'cancelled' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'cancelled' | 'close', listener: () => void): unknown;
}

/** The error a consumer of a cancelled client stream sees: the client is gone, nothing to answer. */
export const cancelledByClient = () => new GrpcError(status.CANCELLED, 'the client cancelled the call');

/**
 * The requests of a call as an async iterable that follows the consumer's pace. A cancelled
 * call ends the iteration with CANCELLED, so whatever consumes it aborts (and cleans up) its work.
 */
export async function* requestsOf<T>(call: ServerReadableStream<T, unknown> | ServerDuplexStream<T, unknown>): AsyncGenerator<T> {
  // Each wait gets its own rejecter: racing every read against one long-lived "cancelled"
  // promise would pile a reaction (holding the message read) onto it per message, keeping
  // every message of the upload alive.
  let rejectWait: ((error: unknown) => void) | undefined;
  const onCancelled = () => rejectWait?.(cancelledByClient());
  call.once('cancelled', onCancelled);
  // Not the default iterator: at its end it destroys the stream, and a duplex call's
  // response side with it, before the responses were written.
  const iterator = (call as unknown as { iterator(options: { destroyOnReturn: boolean }): AsyncIterator<T> }).iterator({ destroyOnReturn: false });
  try {
    for (;;) {
      if (call.cancelled) throw cancelledByClient();
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectWait = reject;
        iterator.next().then(resolve, reject);
      });
      rejectWait = undefined;
      if (next.done) {
        // grpc-js clients cancel by ending their side (END_STREAM) and then resetting the
        // stream: the end of the requests arrives a moment before the cancellation. Let the
        // event loop deliver a reset that is already on its way before calling this complete
        // (commits check the call's abort signal again just before publishing).
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        if (call.cancelled) throw cancelledByClient();
        return;
      }
      yield next.value;
    }
  } finally {
    rejectWait = undefined;
    call.off('cancelled', onCancelled);
  }
}

/** An AbortSignal that fires when the client cancels the call (its reason: CANCELLED). */
export function cancellationOf(call: { once(event: 'cancelled', listener: () => void): unknown; cancelled?: boolean }): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort(cancelledByClient());
  else call.once('cancelled', () => controller.abort(cancelledByClient()));
  return controller.signal;
}

/**
 * Serves a client-streaming call: `handle` consumes the requests and its result (or error) is
 * the answer; `cancelled` tells it the client went away (stores check it before committing).
 */
export async function serveClientStream<Req, Res>(
  call: ServerReadableStream<Req, Res>,
  callback: sendUnaryData<Res>,
  handle: (requests: AsyncIterable<Req>, cancelled: AbortSignal) => Promise<Res>,
): Promise<void> {
  try {
    callback(null, await handle(requestsOf(call), cancellationOf(call)));
  } catch (error) {
    callback(statusOf(error) as never);
  }
}

/** Serves a bidirectional call: `produce` consumes the requests and yields the responses. */
export async function serveDuplexStream<Req, Res>(
  call: ServerDuplexStream<Req, Res>,
  produce: (requests: AsyncIterable<Req>, cancelled: AbortSignal) => AsyncIterable<Res>,
): Promise<void> {
  try {
    for await (const response of produce(requestsOf(call), cancellationOf(call))) {
      if (call.cancelled) return;
      if (!call.write(response)) await waitForDrain(call);
    }
    call.end();
  } catch (error) {
    if (!call.cancelled) call.emit('error', statusOf(error));
  }
}

/**
 * A server-streaming response produced by an async iterable, for Nest to write (@GrpcMethod).
 * Nest buffers whatever an Observable emits while the call cannot take more; so the next
 * message is produced only once the call has drained, and reading storage follows the
 * client's pace. Unsubscribing (client cancelled) stops the iterable, releasing what it holds.
 * Storage failures become the contract's status codes.
 */
export function responseStream<T>(call: WritableCall | undefined, produce: () => AsyncIterable<T>): Observable<T> {
  if (!call) throw new Error('no gRPC call: server-streaming handlers must be invoked by the Nest gRPC transport');
  return new Observable<T>((subscriber) => {
    let stopped = false;
    let iterator: AsyncIterator<T> | undefined;
    (async () => {
      iterator = produce()[Symbol.asyncIterator]();
      for (;;) {
        const next = await iterator.next();
        if (next.done || stopped) break;
        subscriber.next(next.value);
        if (call.writableNeedDrain) await waitForDrain(call);
        if (stopped) break;
      }
      if (!stopped) subscriber.complete();
    })().catch((error) => {
      if (!stopped) subscriber.error(toGrpcError(error));
    });
    return () => {
      stopped = true;
      void iterator?.return?.(undefined);
    };
  });
}

/** Resolves when the call can take more, or is over. */
function waitForDrain(call: WritableCall): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}

/** The status object grpc-js sends for an error (GrpcErrors with their details; defects as INTERNAL, logged). */
function statusOf(error: unknown): object {
  const translated = toGrpcError(error);
  if (translated instanceof RpcException) return translated.getError() as object;
  logger.error(`unhandled error in a streaming RPC: ${translated instanceof Error ? translated.stack : String(translated)}`);
  return new GrpcError(status.INTERNAL, 'internal error; the service log has the details').getError() as object;
}
