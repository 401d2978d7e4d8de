import type * as grpc from '@grpc/grpc-js';
import { invalidArgument } from '@visitsarch/grpc-server';
import { checkRequestLimits } from '@visitsarch/validation';

/** A client-streaming request message: a header first, data after (the proto's `oneof payload`). */
export interface HeaderOrData<H, D> {
  header?: H;
  chunk?: D;
  data?: D;
}

/**
 * Splits an incoming "header first, then data" stream: resolves the header (INVALID_ARGUMENT
 * if the first message is not one, or if one of its fields is over the request limits of
 * @visitsarch/validation's checkRequestLimits) and gives the rest as an async iterable of payloads, which
 * fails with INVALID_ARGUMENT on a second header. Reading is pulled, so flow control reaches
 * the client: the gateway never buffers a whole upload.
 */
export async function splitHeader<H, D>(call: grpc.ServerReadableStream<HeaderOrData<H, D>, unknown>): Promise<{ header: H; rest: AsyncIterable<D> }> {
  const iterator = call[Symbol.asyncIterator]() as AsyncIterator<HeaderOrData<H, D>>;
  const first = await iterator.next();
  if (first.done || !first.value.header) throw invalidArgument('the first message of the stream must carry the header', 'header');
  checkRequestLimits(first.value.header);
  const rest: AsyncIterable<D> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        if (next.value.header) throw invalidArgument('only the first message of the stream may carry a header', 'header');
        const payload = next.value.chunk ?? next.value.data;
        if (payload !== undefined) yield payload;
      }
    },
  };
  return { header: first.value.header, rest };
}

/** Reads and discards the rest of a stream (a retried upload whose result already exists). */
export async function drain(items: AsyncIterable<unknown>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  while (!(await iterator.next()).done) {
    // discard
  }
}
