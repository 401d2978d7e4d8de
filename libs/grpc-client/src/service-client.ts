import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Observable } from 'rxjs';
import { PROTO_LOADER_OPTIONS, PROTO_ROOT, ServiceContract } from '@visitsarch/contracts';
import { injectIntoMetadata, outgoingContext } from '@visitsarch/tracing';
import { addPeerHeaders } from './peer-credential';
import { bearerTokenInterceptor, channelCredentialsOf, type ClientCredentials } from './client-credentials';
import { sendFramableMessagesInPlace } from './framed-messages';

/** Per-call options: a deadline, and/or the server call this one is made on behalf of. */
export interface CallOptions {
  /** Absolute deadline (ms since epoch or Date); combined with the parent's, the earlier wins. */
  deadline?: number | Date;
  /** The incoming call being served: its deadline and cancellation propagate to this call. */
  parent?: grpc.ServerUnaryCall<any, any> | grpc.ServerReadableStream<any, any> | grpc.ServerWritableStream<any, any> | grpc.ServerDuplexStream<any, any>;
  metadata?: grpc.Metadata;
}

/** The request type of a ts-proto client method (the item type for client-streaming ones). */
export type RequestOf<F> = F extends (request: infer R, ...rest: any[]) => any ? (R extends Observable<infer Item> ? Item : R) : never;
/** The response type of a ts-proto client method. */
export type ResponseOf<F> = F extends (...args: any[]) => Observable<infer T> ? T : never;
type MethodName<C> = Extract<keyof C, string>;

/** The largest message we accept from another service (Arrow chunks target ~1 MiB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The HTTP/2 receive window of a client connection (what the server may send ahead of our reads). */
const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;
/**
 * Several replicas of a service, dialled as one gRPC address list (`ipv4:10.0.0.1:50052,10.0.0.2:50052`):
 * one connection to each, calls spread round robin over those that are connected (a killed
 * replica is skipped until it answers again). A single address keeps grpc-js's default policy.
 */
const ROUND_ROBIN = { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };

const definitionCache = new Map<string, protoLoader.PackageDefinition>();

/**
 * The service's methods, those that stream requests also taking requests already serialized (a
 * Buffer is sent as it is): an upload can write each message's bytes straight into one buffer
 * (chunkRequestBytes in @visitsarch/arrow-ipc) instead of having every chunk copied once more by
 * the encoder. No generated message is a Buffer, so nothing else changes.
 */
function withEncodedRequests(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => {
      if (!method.requestStream) return [name, method];
      const serialize = method.requestSerialize;
      return [name, { ...method, requestSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : serialize(value)) }];
    }),
  );
}

/**
 * A typed client of one visitsarch service over @grpc/grpc-js, typed by the ts-proto
 * `XServiceClient` interface `C` (method names in lowerCamelCase). Unlike NestJS's
 * ClientGrpc it takes deadlines and a parent call, so a service propagates its caller's
 * deadline and cancellation downstream, and streams are plain async iterables with
 * backpressure. Every call carries the W3C trace context of the current span (`traceparent`,
 * `tracestate`; libs/tracing): the RPC being served, whose server span it is a child of, or the
 * CLI's command.
 */
export class ServiceClient<C> {
  private readonly client: grpc.Client & Record<string, Function>;
  /** e.g. `BlobArchiveService`, named in errors the client itself raises. */
  private readonly serviceName: string;

  /**
   * `unreachableName` is what a failed connection names (default: the service): a client of a
   * service forwarded by the gateway names the gateway, which is what it could not reach.
   * `token` and `tls` are a user-facing client's credentials (client-credentials.ts): every call
   * carries the bearer token, and the channel verifies the server's certificate.
   */
  constructor(contract: ServiceContract, address: string, options: { unreachableName?: string } & ClientCredentials = {}) {
    sendFramableMessagesInPlace(); // requests marked framable (uploads' chunks) go out without a copy
    this.serviceName = options.unreachableName ?? (contract.serviceNames[0].split('.').pop() as string);
    const key = contract.protoFiles.join('|');
    let definition = definitionCache.get(key);
    if (!definition) {
      definition = protoLoader.loadSync(contract.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
      definitionCache.set(key, definition);
    }
    const Constructor = grpc.makeClientConstructor(withEncodedRequests(definition[contract.serviceNames[0]] as grpc.ServiceDefinition), contract.serviceNames[0]);
    const interceptors = options.token ? { interceptors: [bearerTokenInterceptor(options.token)] } : {};
    this.client = new Constructor(address, channelCredentialsOf(options.tls), { ...channelOptions(address), ...interceptors }) as grpc.Client & Record<string, Function>;
  }

  unary<M extends MethodName<C>>(method: M, request: RequestOf<C[M]>, options: CallOptions = {}): Promise<ResponseOf<C[M]>> {
    return new Promise((resolve, reject) => {
      this.client[method](request, outgoingMetadata(options), callOptions(options), (error: grpc.ServiceError | null, response: ResponseOf<C[M]>) =>
        error ? reject(this.named(error)) : resolve(response),
      );
    });
  }

  /** A server-streaming call as an async iterable; an error status is thrown by the iteration. */
  serverStream<M extends MethodName<C>>(method: M, request: RequestOf<C[M]>, options: CallOptions = {}): grpc.ClientReadableStream<ResponseOf<C[M]>> {
    const stream: grpc.ClientReadableStream<ResponseOf<C[M]>> = this.client[method](request, outgoingMetadata(options), callOptions(options));
    stream.on('error', (error: grpc.ServiceError) => this.named(error)); // first listener: consumers see the named error
    return stream;
  }

  /**
   * A client-streaming call: writes every request of `requests` (respecting flow control),
   * then half-closes and resolves with the response. If `requests` throws, the call is
   * cancelled and the error rethrown, so the server sees a cancelled upload, never a short one.
   */
  async clientStream<M extends MethodName<C>>(
    method: M,
    requests: AsyncIterable<RequestOf<C[M]> | Buffer> | Iterable<RequestOf<C[M]> | Buffer>,
    options: CallOptions = {},
  ): Promise<ResponseOf<C[M]>> {
    let call!: grpc.ClientWritableStream<RequestOf<C[M]> | Buffer>;
    const response = new Promise<ResponseOf<C[M]>>((resolve, reject) => {
      call = this.client[method](outgoingMetadata(options), callOptions(options), (error: grpc.ServiceError | null, value: ResponseOf<C[M]>) =>
        error ? reject(this.named(error)) : resolve(value),
      );
    });
    let ended = false;
    const settled = response.then(
      () => undefined,
      () => undefined,
    );
    settled.then(() => (ended = true));
    try {
      for await (const request of requests) {
        if (ended) break; // the server already answered (an error): stop sending
        // Wait for room in the flow-control window, or for the call to end: a call that failed
        // never drains, and waiting for it alone would leave nothing to keep the process alive.
        if (!call.write(request)) await Promise.race([new Promise<void>((resolve) => call.once('drain', () => resolve())), settled]);
      }
      call.end();
    } catch (error) {
      call.cancel();
      response.catch(() => undefined);
      throw error;
    }
    return response;
  }

  close(): void {
    this.client.close();
  }

  /**
   * An UNAVAILABLE raised by grpc-js itself (connection refused or reset) says nothing of which
   * server it could not reach; once relayed by the gateway the user would blame the gateway.
   * Name the service in it; errors the server sent are left exactly as they are.
   */
  private named(error: grpc.ServiceError): grpc.ServiceError {
    if (error.code === grpc.status.UNAVAILABLE && !/^\w+Service is unavailable: /.test(error.details)) {
      error.details = `${this.serviceName} is unavailable: ${error.details}`;
      error.message = `${error.code} UNAVAILABLE: ${error.details}`;
    }
    return error;
  }
}

/**
 * The metadata of a call: the caller's, with the `traceparent` of the current span (or, when the
 * async context was lost on the way, of the server call's span) unless the caller set one; and,
 * from a service, its service credential and the identity of the call it serves (addPeerHeaders).
 */
function outgoingMetadata(options: CallOptions): grpc.Metadata {
  const metadata = options.metadata?.clone() ?? new grpc.Metadata();
  if (!metadata.get('traceparent').length) injectIntoMetadata(metadata, outgoingContext(options.parent));
  addPeerHeaders(metadata, options.parent?.metadata);
  return metadata;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  const result: grpc.CallOptions = {};
  if (options.deadline !== undefined) result.deadline = options.deadline;
  if (options.parent) {
    result.parent = options.parent;
    result.propagate_flags = grpc.propagate.DEFAULTS;
  }
  return result;
}

/**
 * The channel options of every client of a visitsarch service (ServiceClient's, the gateway's
 * forwarding): messages up to 16 MiB, a 16 MiB receive window (Node's 64 KiB default caps a
 * downloaded table at a few hundred MB/s), and round robin over a target of several servers.
 */
export function channelOptions(target: string): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
    ...(spreadsCalls(target) ? ROUND_ROBIN : {}),
  };
}

/**
 * Whether a target names several servers to spread calls over (round robin): a list of replicas
 * (`ipv4:a:p,b:p`), or a `dns:` name, which may resolve to every pod of a headless Kubernetes
 * Service. A plain `host:port` keeps grpc-js's default (one connection).
 */
export function spreadsCalls(target: string): boolean {
  return target.includes(',') || target.startsWith('dns:');
}
