import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { contextOfMetadata, injectIntoMetadata, outgoingContext, setCallContext, startRpcSpan } from './grpc';
import { startOtlpReceiver, type OtlpReceiver } from './testing';
import {
  activeContext,
  configureTracing,
  contextOfTraceparent,
  currentTraceIds,
  spanContextOf,
  startSpan,
  traceparentOf,
  tracesUrl,
  withContext,
} from './tracing';

const CALLER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const tick = () => new Promise((resolve) => setImmediate(resolve));

jest.setTimeout(60_000);

describe('W3C trace context', () => {
  beforeAll(() => configureTracing({ serviceName: 'test' }));

  it('continues a traceparent: same trace, a new span whose parent is the caller', () => {
    const parent = contextOfTraceparent(CALLER, 'vendor=abc');
    expect(spanContextOf(parent)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', isRemote: true });
    const { span, context } = startSpan('work', { parent });
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanContext().spanId).not.toBe('b7ad6b7169203331');
    const metadata = new Metadata();
    metadata.set('traceparent', CALLER); // replaced, not added to
    expect(injectIntoMetadata(metadata, context)).toBe(true);
    expect(metadata.get('traceparent')).toEqual([`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`]);
    expect(metadata.get('tracestate')).toEqual(['vendor=abc']);
  });

  it.each([undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'])(
    'starts a new trace when the traceparent is %p',
    (traceparent) => {
      const { span } = startSpan('work', { parent: contextOfTraceparent(traceparent) });
      expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(span.spanContext().traceFlags).toBe(1);
    },
  );

  it('gives every new trace and span ids of its own, also across refills of the random pool (4 KiB: ~170 spans)', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { traceId, spanId } = startSpan('work', { parent: contextOfTraceparent(undefined) }).span.spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      traces.add(traceId);
      spans.add(spanId);
    }
    expect(traces.size).toBe(1000);
    expect(spans.size).toBe(1000);
  });

  it("keeps the caller's sampling decision", () => {
    const { span, context } = startSpan('work', { parent: contextOfTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00') });
    expect(span.spanContext().traceFlags).toBe(0);
    expect(traceparentOf(context)).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-00`);
  });

  it('reads traceparent from gRPC metadata, and sets nothing without a span', () => {
    const incoming = new Metadata();
    incoming.set('traceparent', CALLER);
    expect(spanContextOf(contextOfMetadata(incoming))?.spanId).toBe('b7ad6b7169203331');
    expect(spanContextOf(contextOfMetadata(new Metadata()))).toBeUndefined();
    const outgoing = new Metadata();
    expect(injectIntoMetadata(outgoing, contextOfMetadata(new Metadata()))).toBe(false);
    expect(outgoing.get('traceparent')).toEqual([]);
  });

  it('keeps the current span across awaits and async generators, and apart between concurrent work', async () => {
    expect(currentTraceIds()).toBeUndefined();
    async function* produce(): AsyncGenerator<string | undefined> {
      yield currentTraceIds()?.span_id;
      await tick();
      yield currentTraceIds()?.span_id;
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield currentTraceIds()?.span_id;
    }
    const work = async (name: string) => {
      const { span, context } = startSpan(name);
      return withContext(context, async () => {
        const seen: (string | undefined)[] = [];
        for await (const spanId of produce()) {
          seen.push(spanId);
          await tick();
        }
        return { expected: span.spanContext().spanId, seen, traceId: currentTraceIds()?.trace_id };
      });
    };
    const [a, b] = await Promise.all([work('a'), work('b')]);
    expect(a.seen).toEqual([a.expected, a.expected, a.expected]);
    expect(b.seen).toEqual([b.expected, b.expected, b.expected]);
    expect(a.traceId).not.toBe(b.traceId);
    expect(currentTraceIds()).toBeUndefined();
  });

  it('names the server span of a call for calls made on its behalf once the async context is lost', () => {
    const call = {};
    const { context } = startRpcSpan('/visitsarch.metadata.v1.MetadataService/AddTags', undefined);
    setCallContext(call, context);
    expect(spanContextOf(outgoingContext(call))).toEqual(spanContextOf(context));
    expect(spanContextOf(outgoingContext({}))).toBeUndefined();
    // The current span, when there is one, is the one named.
    const inner = startSpan('inner', { parent: context });
    withContext(inner.context, () => expect(spanContextOf(outgoingContext(call))?.spanId).toBe(inner.span.spanContext().spanId));
    expect(spanContextOf(activeContext())).toBeUndefined();
  });

  it('sends spans to <endpoint>/v1/traces', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://collector/otlp')).toBe('https://collector/otlp/v1/traces');
  });
});

/**
 * Exporting runs in a node process of its own, on the built library, as in a service: the OTLP
 * exporter loads node's http module with a dynamic import(), which jest's module sandbox does not
 * provide (its sends would fail without a word).
 */
function exportingProcess(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const library = path.resolve(__dirname, '..', 'dist', 'index.js');
  if (!fs.existsSync(library)) throw new Error(`${library} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', `const tracing = require(${JSON.stringify(library)});\n(async () => {\n${script}\n})().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('export over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => (receiver = await startOtlpReceiver()));
  afterAll(() => receiver?.close());

  it('exports ended spans, with their service, kind, parent and gRPC status, to a receiver, as a batch flushed before exit', async () => {
    const done = await exportingProcess(
      `
      tracing.configureTracing({ serviceName: process.env.SERVICE, endpoint: process.env.ENDPOINT });
      const { Metadata } = require('@grpc/grpc-js');
      const root = tracing.startSpan('root', { parent: tracing.contextOfTraceparent(process.env.CALLER) });
      const metadata = new Metadata();
      tracing.injectIntoMetadata(metadata, root.context);
      const rpc = tracing.startRpcSpan('/visitsarch.metadata.v1.MetadataService/AddTags', metadata);
      tracing.endRpcSpan(rpc.span, 14, 'down');
      tracing.endSpan(root.span);
      await tracing.flushTracing(); // long before the batch's own 5 s
      console.log(root.span.spanContext().spanId);`,
      { SERVICE: 'visitsarch-test', ENDPOINT: receiver.endpoint, CALLER },
    );
    expect(done).toMatchObject({ code: 0, stderr: '' });
    const rootSpanId = done.stdout.trim();
    const spans = receiver.spans().filter((span) => span.traceId === '0af7651916cd43dd8448eb211c80319c');
    expect(spans).toHaveLength(2); // flushed: there before the process exited
    expect(spans.find((span) => span.name === 'visitsarch.metadata.v1.MetadataService/AddTags')).toEqual({
      service: 'visitsarch-test',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      parentSpanId: rootSpanId,
      name: 'visitsarch.metadata.v1.MetadataService/AddTags',
      kind: 2,
      statusCode: 2,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'visitsarch.metadata.v1.MetadataService', 'rpc.method': 'AddTags', 'rpc.grpc.status_code': 14 },
    });
    expect(spans.find((span) => span.name === 'root')).toMatchObject({ spanId: rootSpanId, parentSpanId: 'b7ad6b7169203331', kind: 1, statusCode: 0 });
  });

  it('reports a collector that cannot be reached once, and flushing does not wait past its timeout', async () => {
    const unreachable = await startOtlpReceiver();
    await unreachable.close(); // nothing listens there any more
    const done = await exportingProcess(
      `
      tracing.configureTracing({ serviceName: 'visitsarch-test', endpoint: process.env.ENDPOINT, onExportError: (error) => console.log('export failed: ' + error.message) });
      for (let i = 0; i < 3; i++) {
        tracing.endSpan(tracing.startSpan('lost').span);
        const started = Date.now();
        await tracing.flushTracing(2000);
        if (Date.now() - started > 3000) throw new Error('flushTracing waited ' + (Date.now() - started) + ' ms');
      }`,
      { ENDPOINT: unreachable.endpoint },
    );
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^export failed: /)]);
  });
});
