import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startStackProcess, type LogRecord, type StackProcess } from '@visitsarch/grpc-client';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@visitsarch/tracing';
import { makeHome, SAMPLE_OPSIM_DB } from './support/stack-fixture';
import { cli, type Finished } from './support/run';
import { rememberStackToken } from './support/credentials';

/*
 * Traces as an operator sees them: a real OTLP receiver (the test's collector) is given to the
 * whole archive (OTEL_EXPORTER_OTLP_ENDPOINT) and to the CLI, and real CLI commands run as a
 * scheduler's bash would run them, continuing its trace (VISITSARCH_TRACEPARENT). Each command's
 * trace must hold the CLI's span, the gateway's (its own operation, or the forwarding of a
 * MetadataService call) and those of the services behind it, each the child of the one that
 * called it, and the services' log lines must carry the same trace and span ids. The services
 * export in batches that would wait 10 minutes: every span arrives because each service flushes
 * on SIGTERM, and the CLI before it exits.
 */

jest.setTimeout(300_000);

const SERVICES = ['visitsarch-gateway', 'visitsarch-metadata', 'visitsarch-blob-archive'];

interface Command {
  /** The caller's trace id and span id (VISITSARCH_TRACEPARENT); undefined: none given. */
  traceId?: string;
  parentSpanId?: string;
  result: Finished;
}

describe('traces from the CLI through the gateway to the services, and into their logs', () => {
  let receiver: OtlpReceiver;
  let stack: StackProcess;
  let work: string;
  let logs: LogRecord[];
  let spans: ReceivedSpan[];
  const commands: Record<string, Command> = {};
  let uuid: string;
  let untracedShow: Finished;

  /** Runs a CLI command continuing a new caller trace, with the receiver as its collector. */
  const traced = async (name: string, args: string[]): Promise<Command> => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const result = await cli(args, stack.gateway, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, VISITSARCH_TRACEPARENT: `00-${traceId}-${parentSpanId}-01` });
    commands[name] = { traceId, parentSpanId, result };
    return commands[name];
  };
  const trace = (traceId: string | undefined) => spans.filter((span) => span.traceId === traceId);
  const only = (found: ReceivedSpan[], what: string): ReceivedSpan => {
    if (found.length !== 1) throw new Error(`expected one span ${what}, found ${found.length}: ${JSON.stringify(found)}`);
    return found[0];
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    work = makeHome('visitsarch-traces-');
    stack = await startStackProcess({ env: { LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000' } });
    rememberStackToken(stack.gateway, path.join(stack.home, 'token')); // what cli(…, stack.gateway) presents
    try {
      const added = await traced('add_simulation', ['add_simulation', SAMPLE_OPSIM_DB, 'traced simulation']);
      uuid = added.result.stdout.trim();
      await traced('tag', ['tag', uuid, 'traced', 'nominal']);
      await traced('download', ['download', uuid, 'visits', path.join(work, 'visits.h5')]);
      commands.show = { result: await cli(['--format', 'json', 'show', uuid], stack.gateway, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, VISITSARCH_TRACEPARENT: '' }) };
      untracedShow = await cli(['--format', 'json', 'show', uuid], stack.gateway, { OTEL_EXPORTER_OTLP_ENDPOINT: '', VISITSARCH_TRACEPARENT: '' });
    } finally {
      logs = stack.records();
      await stack.stop(); // SIGTERM: each service flushes its spans before it exits
    }
    spans = receiver.spans();
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the commands ran, and printed exactly what they print untraced', () => {
    for (const [name, { result }] of Object.entries(commands)) expect({ name, code: result.code, stderr: result.stderr }).toEqual({ name, code: 0, stderr: '' });
    expect(commands.add_simulation.result.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(commands.show.result.stdout).toBe(untracedShow.stdout);
    // Nothing of a trace is printed.
    const printed = Object.values(commands).map(({ result }) => result.stdout + result.stderr).join('');
    for (const span of spans) expect(printed).not.toContain(span.traceId);
    expect(fs.statSync(path.join(work, 'visits.h5')).size).toBeGreaterThan(0);
  });

  it.each(['add_simulation', 'tag', 'download'])("%s: the CLI's span continues the caller's trace, and every span of the trace has its parent in it", (name) => {
    const { traceId, parentSpanId } = commands[name];
    const inTrace = trace(traceId);
    const root = only(
      inTrace.filter((span) => span.service === 'visitsarch-cli'),
      `of the CLI in ${name}'s trace`,
    );
    expect(root).toMatchObject({ name: `visitsarch ${name}`, parentSpanId, kind: 1, statusCode: 0 });
    const ids = new Set(inTrace.map((span) => span.spanId));
    expect(ids.size).toBe(inTrace.length);
    for (const span of inTrace.filter((s) => s !== root)) expect({ span: span.name, parentInTrace: ids.has(span.parentSpanId) }).toEqual({ span: span.name, parentInTrace: true });
  });

  it("add_simulation: the gateway's AddSimulation, child of the CLI, parent of the blob archive's upload and of the metadata service's records", () => {
    const inTrace = trace(commands.add_simulation.traceId);
    const root = only(inTrace.filter((span) => span.service === 'visitsarch-cli'), 'of the CLI');
    const gateway = only(inTrace.filter((span) => span.name === 'visitsarch.gateway.v1.GatewayService/AddSimulation'), 'AddSimulation');
    expect(gateway).toMatchObject({ service: 'visitsarch-gateway', parentSpanId: root.spanId, kind: 2, attributes: { 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0 } });
    expect(only(inTrace.filter((span) => span.name === 'visitsarch.blob_archive.v1.BlobArchiveService/UploadVisitTable'), 'UploadVisitTable')).toMatchObject({
      service: 'visitsarch-blob-archive',
      parentSpanId: gateway.spanId,
    });
    const records = inTrace.filter((span) => span.service === 'visitsarch-metadata');
    expect(records.length).toBeGreaterThan(0);
    for (const span of records) expect(span.parentSpanId).toBe(gateway.spanId);
    expect(records.map((span) => span.name)).toContain('visitsarch.metadata.v1.RegistryService/CreateVisitSequence');
  });

  it("tag: the gateway's forwarding is a span of its own, between the CLI's and the metadata service's AddTags", () => {
    const inTrace = trace(commands.tag.traceId);
    const root = only(inTrace.filter((span) => span.service === 'visitsarch-cli'), 'of the CLI');
    const forwarding = only(inTrace.filter((span) => span.service === 'visitsarch-gateway'), 'of the gateway');
    expect(forwarding).toMatchObject({ name: 'visitsarch.metadata.v1.MetadataService/AddTags', parentSpanId: root.spanId, kind: 2 });
    expect(forwarding.attributes['visitsarch.forwarded_to']).toEqual(expect.any(String));
    expect(only(inTrace.filter((span) => span.service === 'visitsarch-metadata'), 'of metadata')).toMatchObject({
      name: 'visitsarch.metadata.v1.MetadataService/AddTags',
      parentSpanId: forwarding.spanId,
      kind: 2,
    });
  });

  it("download: the gateway's ExportVisits (an async generator) is the parent of every call it makes, to metadata and to the blob archive", () => {
    const inTrace = trace(commands.download.traceId);
    const root = only(inTrace.filter((span) => span.service === 'visitsarch-cli'), 'of the CLI');
    const gateway = only(inTrace.filter((span) => span.service === 'visitsarch-gateway'), 'of the gateway');
    expect(gateway).toMatchObject({ name: 'visitsarch.gateway.v1.GatewayService/ExportVisits', parentSpanId: root.spanId }); // visits to .h5
    const behind = inTrace.filter((span) => span.service !== 'visitsarch-cli' && span.service !== 'visitsarch-gateway');
    expect(new Set(behind.map((span) => span.service))).toEqual(new Set(['visitsarch-metadata', 'visitsarch-blob-archive']));
    for (const span of behind) expect({ span: span.name, parent: span.parentSpanId }).toEqual({ span: span.name, parent: gateway.spanId });
  });

  it.each(['add_simulation', 'tag', 'download'])("%s: the services' log lines carry the trace id, and the span id of the span that wrote them", (name) => {
    const { traceId } = commands[name];
    const inTrace = trace(traceId);
    const lines = logs.filter((record) => record.trace_id === traceId);
    const services = new Set(inTrace.filter((span) => span.service !== 'visitsarch-cli').map((span) => span.service));
    expect(new Set(lines.map((record) => record.service))).toEqual(services);
    for (const line of lines) {
      const span = inTrace.find((s) => s.spanId === line.span_id);
      expect({ line: line.msg, service: span?.service }).toEqual({ line: line.msg, service: line.service });
    }
    // The one line per RPC of each server span, the forwarder's included, carries that span's ids.
    for (const span of inTrace.filter((s) => SERVICES.includes(s.service))) {
      const rpcLines = lines.filter((record) => record.span_id === span.spanId && (record.msg === 'rpc' || record.msg === 'rpc failed'));
      expect({ span: span.name, service: span.service, rpcLines: rpcLines.length }).toEqual({ span: span.name, service: span.service, rpcLines: 1 });
    }
    if (name === 'tag') expect(lines.find((record) => record.forwarded === true)).toMatchObject({ service: 'visitsarch-gateway', rpc: 'MetadataService.AddTags' });
  });

  it('a command given no VISITSARCH_TRACEPARENT starts a trace of its own', () => {
    const roots = spans.filter((span) => span.service === 'visitsarch-cli' && span.name === 'visitsarch show');
    expect(roots).toHaveLength(1);
    expect(roots[0].parentSpanId).toBe('');
    const forwarded = trace(roots[0].traceId).filter((span) => span.service === 'visitsarch-gateway');
    expect(forwarded.map((span) => span.name)).toContain('visitsarch.metadata.v1.MetadataService/GetVisitSequence');
    for (const span of forwarded) expect(span.parentSpanId).toBe(roots[0].spanId);
  });
});
