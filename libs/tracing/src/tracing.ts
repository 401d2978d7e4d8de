import { randomFillSync } from 'node:crypto';
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span };

/**
 * W3C trace context (`traceparent`, `tracestate`) for every visitsarch process, on OpenTelemetry's
 * API (docs/decisions/0019-traces.md):
 *
 * - the span of the work in progress is current through AsyncLocalStorage (OpenTelemetry's
 *   AsyncLocalStorageContextManager, installed on first use), so that log lines (libs/logging)
 *   and outgoing calls (ServiceClient) find it wherever the work awaits;
 * - spans are real (recorded, exported over OTLP/HTTP) only once `configureTracing` is given an
 *   endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). Without one they are only their ids: a new span id,
 *   the trace id of the parent (or a new one), which is all that propagation and logs need, and
 *   the SDK is never loaded (the CLI starts no slower).
 */

const propagator = new W3CTraceContextPropagator();
const TRACER_NAME = '@visitsarch/tracing';

let contextInstalled = false;
/** The SDK's provider while exporting; undefined: spans are ids only. */
let provider: BasicTracerProvider | undefined;

/** Makes the context of `context.with` follow async work (AsyncLocalStorage). Once per process. */
function installContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  // false when another copy of the API already registered one: that one is used, which is as good.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export interface TracingOptions {
  /** `service.name` of the spans (OTEL_SERVICE_NAME, e.g. `visitsarch-metadata`). */
  serviceName: string;
  /**
   * OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. `http://otel-collector:4318`): spans are
   * sent, as JSON, in batches to `<endpoint>/v1/traces`. Unset or empty: nothing is exported.
   */
  endpoint?: string;
  /** Told when a batch could not be exported (at most once a minute: a collector that is down is one message, not one per batch). */
  onExportError?: (error: Error) => void;
}

const EXPORT_ERROR_INTERVAL_MS = 60_000;

/** Tells configureTracing's `onExportError`, at most once a minute. */
let reportExportError: (error: unknown) => void = () => undefined;

/**
 * Sets up tracing for this process: always the context propagation; with an endpoint, the
 * OpenTelemetry SDK with a batching OTLP/HTTP JSON exporter (batches every OTEL_BSP_SCHEDULE_DELAY
 * ms, default 5000; the SDK reads the other standard OTEL_* variables too). Calling it again
 * replaces the previous set-up (its pending spans are flushed in the background).
 */
export function configureTracing(options: TracingOptions): void {
  installContext();
  const previous = provider;
  provider = undefined;
  if (previous) void previous.shutdown().catch(() => undefined);
  reportExportError = () => undefined;
  if (!options.endpoint) return;
  // Loaded only when exporting: the SDK and the exporter take tens of milliseconds to load.
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) });
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  let lastReported = -Infinity;
  reportExportError = (error) => {
    const now = Date.now();
    if (now - lastReported < EXPORT_ERROR_INTERVAL_MS) return;
    lastReported = now;
    options.onExportError?.(error instanceof Error ? error : new Error(String(error)));
  };
  // Where the SDK reports a batch it could not export.
  setGlobalErrorHandler((error) => reportExportError(error));
}

/** Where OTLP/HTTP wants traces, from the base endpoint (the OTLP exporter specification's rule for OTEL_EXPORTER_OTLP_ENDPOINT). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Sends the spans that ended and are still waiting for their batch, waiting at most `timeoutMs`.
 * Never throws (an export that fails is reported to `onExportError`). For shutdown: call it once
 * the last calls have been answered.
 */
export async function flushTracing(timeoutMs = 5000): Promise<void> {
  if (!provider) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([provider.forceFlush({ timeoutMillis: timeoutMs }).catch((error) => reportExportError(error)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A span and the context in which it is the current one. */
export interface StartedSpan {
  span: Span;
  context: Context;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The context to continue (default: the current one); ROOT_CONTEXT starts a new trace. */
  parent?: Context;
  attributes?: Attributes;
}

/**
 * Starts a span, child of the parent context's span if it has one, else the first of a new trace.
 * It is not made current: run the work in `context.with(started.context, …)` (see `withContext`).
 */
export function startSpan(name: string, options: SpanOptions = {}): StartedSpan {
  installContext();
  const parent = options.parent ?? context.active();
  const span = provider
    ? provider.getTracer(TRACER_NAME).startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent)
    : idOnlySpan(parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** A span that is only its ids (nothing is recorded or exported): a new span id in the parent's trace, or in a new trace. */
function idOnlySpan(parent: Context): Span {
  const parentSpan = trace.getSpanContext(parent);
  const continued = parentSpan && isSpanContextValid(parentSpan) ? parentSpan : undefined;
  return trace.wrapSpanContext({
    traceId: continued?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    traceFlags: continued?.traceFlags ?? TraceFlags.SAMPLED,
    traceState: continued?.traceState,
  });
}

/**
 * Random bytes for span and trace ids, filled 4 KiB at a time: a `randomBytes` call costs ~2.5 µs
 * and every call a service serves starts a span or two (the same pooling as the uuid package's).
 */
const randomPool = Buffer.allocUnsafe(4096);
let randomPoolAt = randomPool.length;

/** `bytes` random bytes as lowercase hex, from the pool. */
function randomHex(bytes: number): string {
  if (randomPoolAt + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolAt = 0;
  }
  const hex = randomPool.toString('hex', randomPoolAt, randomPoolAt + bytes);
  randomPoolAt += bytes;
  return hex;
}

/** Runs `work` with `ctx` current (it stays current across every await of the work). */
export function withContext<T>(ctx: Context, work: () => T): T {
  installContext();
  return context.with(ctx, work);
}

/** The current context. */
export function activeContext(): Context {
  return context.active();
}

/** The span context of `ctx`'s span, if it has a valid one. */
export function spanContextOf(ctx: Context): SpanContext | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The ids of the current span, as every log line carries them (libs/logging); undefined outside any span. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!contextInstalled) return undefined;
  const spanContext = spanContextOf(context.active());
  return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined;
}

/** Something holding text headers: gRPC metadata, a plain object. */
export interface TraceCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove?(key: string): void;
}

const carrierGetter: TextMapGetter<TraceCarrier> = { keys: () => ['traceparent', 'tracestate'], get: (carrier, key) => carrier.get(key) };
const carrierSetter: TextMapSetter<TraceCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };

/**
 * The context that a `traceparent` (and `tracestate`) continues: a remote parent span, whose
 * children belong to its trace. An absent or malformed traceparent gives ROOT_CONTEXT: the next
 * span starts a new trace.
 */
export function extractTraceContext(carrier: Pick<TraceCarrier, 'get'>): Context {
  return propagator.extract(ROOT_CONTEXT, carrier as TraceCarrier, carrierGetter);
}

/** The context of a `traceparent` text, e.g. VISITSARCH_TRACEPARENT (see extractTraceContext). */
export function contextOfTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  return extractTraceContext({ get: (key) => (key === 'traceparent' ? traceparent : key === 'tracestate' ? tracestate : undefined) });
}

/**
 * Writes `traceparent` (and `tracestate`) naming `ctx`'s span (default: the current one) into the
 * carrier, replacing those it had. Does nothing, and says false, when there is no span.
 */
export function injectTraceContext(carrier: TraceCarrier, ctx: Context = context.active()): boolean {
  if (!spanContextOf(ctx)) return false;
  carrier.remove?.('traceparent');
  carrier.remove?.('tracestate');
  propagator.inject(ctx, carrier, carrierSetter);
  return true;
}

/** The `traceparent` text of `ctx`'s span (default: the current one), if it has one. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  let traceparent: string | undefined;
  injectTraceContext({ get: () => undefined, set: (key, value) => (key === 'traceparent' ? (traceparent = value) : undefined) }, ctx);
  return traceparent;
}

/** Ends `span` with an error status when `failed` (its message as the status's), else leaves the status unset. */
export function endSpan(span: Span, failure?: { message?: string }): void {
  if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.end();
}
