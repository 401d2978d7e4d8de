import type { Metadata } from '@grpc/grpc-js';
import { activeContext, extractTraceContext, injectTraceContext, SpanKind, SpanStatusCode, spanContextOf, startSpan, type Attributes, type Context, type Span, type StartedSpan, type TraceCarrier } from './tracing';

/** gRPC metadata as a carrier of `traceparent` and `tracestate` (text values only). */
export function metadataCarrier(metadata: Metadata): TraceCarrier {
  return {
    get: (key) => {
      const values = metadata.get(key).filter((value): value is string => typeof value === 'string');
      return values.length ? values.join(',') : undefined;
    },
    set: (key, value) => metadata.set(key, value),
    remove: (key) => metadata.remove(key),
  };
}

/** The context an incoming call continues: the caller's span named by its `traceparent` metadata, else none (a new trace). */
export function contextOfMetadata(metadata: Metadata | undefined): Context {
  return extractTraceContext(metadata ? metadataCarrier(metadata) : { get: () => undefined });
}

/** Sets `traceparent`/`tracestate` of `ctx`'s span (default: the current one) on outgoing metadata, replacing any; false when there is no span. */
export function injectIntoMetadata(metadata: Metadata, ctx: Context = activeContext()): boolean {
  return injectTraceContext(metadataCarrier(metadata), ctx);
}

/**
 * The server span of one RPC, named after its path (`visitsarch.metadata.v1.MetadataService/AddTags`,
 * OpenTelemetry's gRPC convention), child of the caller's span when the metadata names one.
 */
export function startRpcSpan(path: string, metadata: Metadata | undefined, attributes: Attributes = {}): StartedSpan {
  const name = path.replace(/^\//, '');
  const slash = name.lastIndexOf('/');
  return startSpan(name, {
    kind: SpanKind.SERVER,
    parent: contextOfMetadata(metadata),
    attributes: { 'rpc.system': 'grpc', 'rpc.service': name.slice(0, slash), 'rpc.method': name.slice(slash + 1), ...attributes },
  });
}

/** The gRPC status codes that make a server span an error (OpenTelemetry's gRPC convention); the others are the caller's mistakes. */
const SERVER_ERROR_CODES = new Set([2, 4, 12, 13, 14, 15]); // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS

/** Ends an RPC's server span with its status code (`rpc.grpc.status_code`); no code (an error that is not a gRPC one) is INTERNAL. */
export function endRpcSpan(span: Span, code: number | undefined, message?: string): void {
  const status = typeof code === 'number' ? code : 13;
  span.setAttribute('rpc.grpc.status_code', status);
  if (SERVER_ERROR_CODES.has(status)) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/** The server span's context of each call being served, for calls made on its behalf where the async context was lost. */
const callContexts = new WeakMap<object, Context>();

/** Records `ctx` as the context of the server call `call` (the RPC's server span). */
export function setCallContext(call: object, ctx: Context): void {
  callContexts.set(call, ctx);
}

/**
 * The context whose span an outgoing call made on behalf of `parent` (a server call) names: the
 * current one when a span is current, else the server span of `parent`, if any.
 */
export function outgoingContext(parent?: object): Context {
  const active = activeContext();
  if (spanContextOf(active) || !parent) return active;
  return callContexts.get(parent) ?? active;
}
