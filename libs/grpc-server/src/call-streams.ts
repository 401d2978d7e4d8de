import { status, type sendUnaryData, type ServerDuplexStream, type ServerReadableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import type { GrpcStatusObject } from './error-filter';
import { GrpcError, invalidArgument } from './errors';
import type { RequestCheck } from './request-check';

/*
 * Streaming calls between grpc-js and the handlers of a NestJS controller, with backpressure both
 * ways: the one way every service reads client streams and answers streaming calls.
 *
 * Client-streaming and bidirectional methods are registered with @GrpcStreamCall, which hands the
 * handler the raw grpc-js call. Nest's Observable flavour (@GrpcStreamMethod) reads the call in
 * flowing mode, buffering whatever a fast client sends while the handler is still busy with
 * earlier messages, and only replays messages to a handler returning a Promise after that Promise
 * resolved. Reading the call as an async iterable (requestsOf) instead lets grpc-js stop reading,
 * and HTTP/2 flow control stop the client, whenever the handler is slower than the network.
 *
 * Failures are answered like those of every other RPC: a handler built on serveClientStream or
 * serveDuplexStream returns a Promise that rejects with what went wrong, and GrpcErrorFilter turns
 * it into the call's status (the service's error mapping, INTERNAL and a log line for defects)
 * and answers the call with it (answerStreamCall). Nest itself leaves such calls unanswered, so
 * these handlers must be invoked by a service started with startGrpcService.
 */

/** What a handler needs of the grpc-js call Nest passes as the third argument of server-streaming methods. */
export interface WritableCall {
  readonly writableNeedDrain?: boolean;
  once(event: 'drain' | 'cancelled' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'cancelled' | 'close', listener: () => void): unknown;
}

/** The error a consumer of a cancelled call sees: the client is gone, nothing to answer. */
export const cancelledByClient = () => new GrpcError(status.CANCELLED, 'the client cancelled the call');

/**
 * The requests of a client-streaming or bidirectional call (a ServerDuplexStream is a
 * ServerReadableStream too) as an async iterable that follows the consumer's pace: the next message
 * is read from the network only when asked for. A cancelled call ends the iteration with
 * CANCELLED, so whatever consumes it aborts (and cleans up) its work.
 *
 * Not the call's own async iterator: at its end (or when the consumer stops early) it destroys the
 * stream, and a bidirectional call's response side with it, before the responses were written;
 * and a cancellation makes it fail with ERR_STREAM_PREMATURE_CLOSE, which reads as a defect.
 */
export async function* requestsOf<T>(call: ServerReadableStream<T, unknown>): AsyncGenerator<T> {
  // Each wait gets its own rejecter: racing every read against one long-lived "cancelled"
  // promise would pile a reaction (holding the message read) onto it per message, keeping
  // every message of the upload alive.
  let rejectWait: ((error: unknown) => void) | undefined;
  const onCancelled = () => rejectWait?.(cancelledByClient());
  call.once('cancelled', onCancelled);
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

/** A client-streaming request message whose first message is a header and the others data (the proto's `oneof payload`). */
export interface HeaderOrData<H, D> {
  header?: H;
  chunk?: D;
  data?: D;
}

/**
 * Splits "header first, then data" requests: resolves the header and gives the rest as an async
 * iterable of payloads (`chunk` or `data`). A missing header (the first message is not one, or
 * there is none), a late one (data came first) or a repeated one fails with INVALID_ARGUMENT, as
 * does a first message that `check` refuses (e.g. libs/validation's `checkRequestLimits`, applied
 * to the whole first message: fields are named `header.…`). Reading stays pulled: nothing is read
 * ahead of the consumer.
 */
export async function splitHeader<H, D>(requests: AsyncIterable<HeaderOrData<H, D>>, check?: RequestCheck): Promise<{ header: H; rest: AsyncIterable<D> }> {
  const iterator = requests[Symbol.asyncIterator]();
  let header: H;
  try {
    const first = await iterator.next();
    if (first.done || !first.value.header) throw invalidArgument('the first message of the stream must carry the header', 'header');
    check?.(first.value);
    header = first.value.header;
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  async function* rest(): AsyncGenerator<D> {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        if (next.value.header) throw invalidArgument('only the first message of the stream may carry a header', 'header');
        const payload = next.value.chunk ?? next.value.data;
        if (payload !== undefined) yield payload;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { header, rest: rest() };
}

/** Reads and discards the rest of a stream (e.g. a retried upload whose result already exists). */
export async function drain(items: AsyncIterable<unknown>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  while (!(await iterator.next()).done) {
    // discard
  }
}

/**
 * Serves a client-streaming call (@GrpcStreamCall): `handle` consumes the requests (splitHeader
 * them for "header first" methods) and its result is the answer. `cancelled` tells it the client
 * went away (stores check it before committing). Return the Promise from the handler: it resolves
 * once the call is answered, and rejects with the error otherwise (CANCELLED when the client
 * cancelled), which GrpcErrorFilter answers.
 */
export async function serveClientStream<Req, Res>(
  call: ServerReadableStream<Req, unknown>,
  callback: sendUnaryData<Res>,
  handle: (requests: AsyncIterable<Req>, cancelled: AbortSignal) => Promise<Res>,
): Promise<void> {
  let response: Res;
  try {
    response = await handle(requestsOf(call), cancellationOf(call));
  } catch (error) {
    throw call.cancelled ? cancelledByClient() : error;
  }
  callback(null, response);
}

/**
 * Serves a bidirectional call (@GrpcStreamCall): `produce` consumes the requests and yields the
 * responses, each written once the call can take it. Return the Promise from the handler, as with
 * serveClientStream.
 */
export async function serveDuplexStream<Req, Res>(
  call: ServerDuplexStream<Req, Res>,
  produce: (requests: AsyncIterable<Req>, cancelled: AbortSignal) => AsyncIterable<Res>,
): Promise<void> {
  try {
    for await (const response of produce(requestsOf(call), cancellationOf(call))) {
      if (call.cancelled) break;
      if (!call.write(response)) await waitForDrain(call);
    }
  } catch (error) {
    throw call.cancelled ? cancelledByClient() : error;
  }
  if (call.cancelled) throw cancelledByClient();
  call.end();
}

/**
 * A server-streaming response produced by an async iterable, for Nest to write (@GrpcMethod; `call`
 * is the handler's third argument). Nest buffers whatever an Observable emits while the call
 * cannot take more; so the next message is produced only once the call has drained, and reading
 * storage follows the client's pace. Unsubscribing (the client cancelled) stops the iterable,
 * releasing what it holds. Its errors reach GrpcErrorFilter like any handler's.
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
      if (!stopped) subscriber.error(error);
    });
    return () => {
      stopped = true;
      void iterator?.return?.(undefined)?.catch(() => undefined);
    };
  });
}

/**
 * For GrpcErrorFilter: answers a failed @GrpcStreamCall call with `status`, since Nest leaves those
 * unanswered (a client-streaming call through its callback, a bidirectional one on the call) and
 * tells whether `args` (the handler's arguments) were those of one. A cancelled call is not
 * answered. The other handlers get (request or requests, metadata, call): Nest answers them.
 */
export function answerStreamCall(args: readonly unknown[], status: GrpcStatusObject): boolean {
  const [call, callback] = args;
  if (args.length > 2 || !isServerCall(call)) return false;
  if (args.length === 2) {
    if (typeof callback !== 'function') return false;
    if (!call.cancelled) (callback as sendUnaryData<unknown>)(status as never);
    return true;
  }
  if (typeof call.write !== 'function') return false;
  if (!call.cancelled) call.emit('error', status);
  return true;
}

interface ServerCallLike {
  cancelled?: boolean;
  write?: unknown;
  emit(event: 'error', error: unknown): unknown;
}

/** A grpc-js server call (ServerReadableStream, ServerDuplexStream): a stream with the call's own methods. */
function isServerCall(value: unknown): value is ServerCallLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { emit?: unknown; getPeer?: unknown; sendMetadata?: unknown };
  return typeof candidate.emit === 'function' && typeof candidate.getPeer === 'function' && typeof candidate.sendMetadata === 'function';
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
