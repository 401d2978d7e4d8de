import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { callerOf, setCaller, stripClientAuthHeaders } from '@visitsarch/auth';
import { addPeerHeaders, channelOptions, framableIfReceived } from '@visitsarch/grpc-client';
import { PROTO_LOADER_OPTIONS, PROTO_ROOT, type ServiceContract } from '@visitsarch/contracts';
import { boundText, type Logger } from '@visitsarch/logging';
import { endRpcSpan, injectIntoMetadata, startRpcSpan, withContext, type Context, type Span } from '@visitsarch/tracing';
import { statusName } from './status-name';

/** A service that this server also answers for, by forwarding each call to the server that implements it. */
export interface ForwardedService {
  /** The contract holding the service (reflection lists the service, not the others its files declare). */
  contract: ServiceContract;
  /** The fully-qualified name of the service forwarded, e.g. `visitsarch.metadata.v1.MetadataService`. */
  service: string;
  /** `host:port` of the server implementing it, or several replicas' (`ipv4:a:p,b:p`: calls are spread round robin). */
  address: string;
  /**
   * The largest request message a method (its RPC name) accepts, checked before anything is
   * forwarded: an oversized request is refused here, undecoded, instead of costing the service.
   */
  maxRequestBytes?: (method: string) => number;
}

export interface Forwarding {
  close(): void;
}

/** Metadata that belongs to one HTTP/2 hop: grpc-js sets it again on the outgoing call. */
const HOP_METADATA = new Set(['user-agent', 'content-type', 'te', 'host', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-message-type']);

const asIs = (bytes: Buffer): Buffer => bytes;

/** A message received, to be relayed where grpc-js put it, without a copy (framed-messages.ts in @visitsarch/grpc-client). */
const received = framableIfReceived;

/**
 * Serves each listed service by forwarding every call, as bytes, to the server that implements
 * it: request and response messages, the caller's metadata, deadline and cancellation, and the
 * status with its message and details (google.rpc.Status trailers) all pass unchanged. Nothing is
 * decoded, so no field can be dropped on the way: an operation is declared once, in the service
 * that performs it, and reached through the gateway with the same stubs. An UNAVAILABLE raised by
 * the forwarding itself names the service it could not reach, like ServiceClient's.
 *
 * One exception to "unchanged": each forwarded call has a span of its own (libs/tracing), child of
 * the caller's (its `traceparent`) and parent of the service's, so the `traceparent` sent on names
 * it; the forwarder's log line carries its ids.
 */
export function addForwardedServices(server: grpc.Server, forwards: readonly ForwardedService[], logger: Logger): Forwarding {
  const clients: grpc.Client[] = [];
  for (const forward of forwards) {
    const loaded = protoLoader.loadSync(forward.contract.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    const methods = loaded[forward.service] as protoLoader.ServiceDefinition | undefined;
    if (!methods) throw new Error(`forwarding: no service ${forward.service} in ${forward.contract.protoFiles.join(', ')}`);
    // The same channel as every ServiceClient's (message sizes, window, round robin over replicas).
    const client = new grpc.Client(forward.address, grpc.credentials.createInsecure(), channelOptions(forward.address));
    clients.push(client);
    const shortName = forward.service.split('.').pop() as string;
    const rawService: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(methods)) {
      rawService[name] = {
        path: method.path,
        requestStream: method.requestStream,
        responseStream: method.responseStream,
        originalName: method.originalName,
        requestSerialize: asIs,
        requestDeserialize: received,
        responseSerialize: asIs,
        responseDeserialize: asIs,
      };
      const relay = new Relay(client, method.path, `${shortName}.${name}`, shortName, forward.address, logger, forward.maxRequestBytes?.(name) ?? Infinity);
      if (method.requestStream && method.responseStream) throw new Error(`forwarding: ${method.path} is bidirectional, which is not forwarded`);
      handlers[name] = method.requestStream ? relay.clientStream : method.responseStream ? relay.serverStream : relay.unary;
    }
    server.addService(rawService as grpc.ServiceDefinition, handlers);
  }
  return { close: () => clients.forEach((client) => client.close()) };
}

/** Forwards the calls of one method. */
class Relay {
  constructor(
    private readonly client: grpc.Client,
    private readonly path: string,
    private readonly rpc: string,
    private readonly serviceName: string,
    private readonly address: string,
    private readonly logger: Logger,
    private readonly maxRequestBytes: number,
  ) {}

  /** The refusal of a request message over the method's size, or undefined. */
  private oversized(message: Buffer): Partial<grpc.StatusObject> | undefined {
    if (message.length <= this.maxRequestBytes) return undefined;
    this.logger.info({ rpc: this.rpc, forwarded: false, code: statusName(grpc.status.INVALID_ARGUMENT), bytes: message.length }, 'rpc refused: request too large');
    return {
      code: grpc.status.INVALID_ARGUMENT,
      details: `the request is ${message.length} bytes encoded; ${this.rpc} accepts at most ${this.maxRequestBytes} (docs/security.md)`,
    };
  }

  readonly unary = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    const refused = this.oversized(call.request);
    if (refused) return callback(refused);
    const { done, metadata } = this.begin(call.metadata);
    this.client.makeUnaryRequest(this.path, asIs, received, call.request, metadata, options(call), (error, response) => {
      done(error);
      if (error) callback(this.relayed(error));
      else callback(null, response);
    });
  };

  readonly serverStream = (call: grpc.ServerWritableStream<Buffer, Buffer>): void => {
    const refused = this.oversized(call.request);
    if (refused) return void call.emit('error', refused);
    const { done, metadata } = this.begin(call.metadata);
    const upstream = this.client.makeServerStreamRequest(this.path, asIs, received, call.request, metadata, options(call));
    upstream.on('data', (message: Buffer) => {
      // Backpressure: read from the service no faster than the caller takes.
      if (!call.write(message)) {
        upstream.pause();
        call.once('drain', () => upstream.resume());
      }
    });
    let failed = false;
    upstream.on('error', (error: grpc.ServiceError) => {
      failed = true;
      done(error);
      call.emit('error', this.relayed(error));
    });
    // 'end' comes once every message has been taken (its status may arrive while some are still buffered).
    upstream.on('end', () => {
      if (failed) return;
      done(null);
      call.end();
    });
    call.on('cancelled', () => upstream.cancel());
  };

  readonly clientStream = (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    const { done, metadata } = this.begin(call.metadata);
    const upstream = this.client.makeClientStreamRequest(this.path, asIs, received, metadata, options(call), (error, response) => {
      done(error);
      if (error) callback(this.relayed(error));
      else callback(null, response);
    });
    call.on('data', (message: Buffer) => {
      // Backpressure: take from the caller no faster than the service accepts.
      if (!upstream.write(message)) {
        call.pause();
        upstream.once('drain', () => call.resume());
      }
    });
    call.on('end', () => upstream.end());
    call.on('cancelled', () => upstream.cancel());
  };

  /** The status to send back: the service's own, or one naming the service the gateway could not reach. */
  private relayed(error: grpc.ServiceError): Partial<grpc.StatusObject> {
    let details = error.details;
    if (error.code === grpc.status.UNAVAILABLE && !/^\w+Service is unavailable: /.test(details)) details = `${this.serviceName} is unavailable: ${details}`;
    return { code: error.code, details, metadata: error.metadata };
  }

  /**
   * Starts a forwarded call: its span, the metadata to send on (the caller's, with a `traceparent`
   * naming that span), and `done`, which writes one structured log line per forwarded call, like
   * RpcLoggingInterceptor's, with the span's ids, and ends the span.
   */
  private begin(incoming: grpc.Metadata): { done: (error: grpc.ServiceError | null) => void; metadata: grpc.Metadata } {
    const started = process.hrtime.bigint();
    const { span, context } = startRpcSpan(this.path, incoming, { 'visitsarch.forwarded_to': this.address });
    const metadata = outgoing(incoming);
    injectIntoMetadata(metadata, context);
    return { done: (error) => this.finish(span, context, started, error), metadata };
  }

  private finish(span: Span, context: Context, started: bigint, error: grpc.ServiceError | null): void {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    withContext(context, () => {
      if (!error) this.logger.info({ rpc: this.rpc, forwarded: true, code: 'OK', ms }, 'rpc');
      else this.logger.info({ rpc: this.rpc, forwarded: true, code: statusName(error.code), ms, error: boundText(error.details) }, 'rpc failed');
    });
    endRpcSpan(span, error ? error.code : 0, error ? boundText(error.details) : undefined);
  }
}

/**
 * The metadata sent on: the caller's, without what belongs to the hop, and, for access control
 * (decision 0020), with the caller the gateway's interceptor found, this service's credential, and
 * nothing else a client may have sent about itself (its token included: the services behind
 * trust the identity headers and the credential, and never see a client's token).
 */
function outgoing(incoming: grpc.Metadata): grpc.Metadata {
  const metadata = incoming.clone();
  for (const key of Object.keys(metadata.getMap())) if (HOP_METADATA.has(key) || key.startsWith(':')) metadata.remove(key);
  const caller = callerOf(incoming);
  stripClientAuthHeaders(metadata);
  if (caller) setCaller(metadata, caller);
  addPeerHeaders(metadata);
  return metadata;
}

function options(parent: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>): grpc.CallOptions {
  // The caller's deadline and cancellation propagate to the forwarded call.
  return { parent, propagate_flags: grpc.propagate.DEFAULTS };
}
