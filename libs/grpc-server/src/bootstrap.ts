import 'reflect-metadata';
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { PROTO_LOADER_OPTIONS, PROTO_ROOT, ServiceContract } from '@visitsarch/contracts';
import { NestJsonLogger, type Logger } from '@visitsarch/logging';
import { serverReflection } from './reflection';
import { Dependency, HealthMonitor } from './health';
import { ErrorMapper, GrpcErrorFilter } from './error-filter';
import { RequestCheck, RequestCheckInterceptor } from './request-check';
import { RpcLoggingInterceptor } from './logging-interceptor';
import { widenReceiveWindows } from './flow-control';
import { releaseFramable, sendFramableMessagesInPlace } from '@visitsarch/grpc-client';
import { keepReceivedBytes } from './received-bytes';
import { addForwardedServices, type ForwardedService, type Forwarding } from './forwarding';
import { GrpcServerMetrics, startMetricsServer, type MetricsServer } from './metrics';
import { accessInterceptor, type AccessControl } from './access-control';
import { tlsServerCredentials, type TlsFiles } from './tls';

/** What NestFactory accepts as the root module (a class or a dynamic module). */
export type NestModuleRef = Parameters<typeof NestFactory.createMicroservice>[0];

export interface GrpcServiceOptions {
  /** The contract this process serves. */
  contract: ServiceContract;
  /** The NestJS module holding the service's controllers and providers. */
  module: NestModuleRef;
  /** `host:port` to listen on. */
  address: string;
  logger: Logger;
  /** What must be reachable before the service reports SERVING. */
  dependencies?: Dependency[];
  /** How long to keep answering (as NOT_SERVING) after SIGTERM so load balancers notice. */
  drainMs?: number;
  /** How long in-flight calls may take to finish before they are cancelled. */
  graceMs?: number;
  /** Health re-check period. */
  healthIntervalMs?: number;
  /** How long after start a dependency that has not answered yet is only logged at info (default 30 s). */
  healthStartupGraceMs?: number;
  /**
   * Server-streaming methods (`package.Service.Method`) whose handlers may emit a Buffer holding
   * the already-encoded response message, sent as it is: what lets a handler lay out a large
   * message once (e.g. read a file straight into it) instead of having it copied into a new
   * buffer by the protobuf encoder. Other values are encoded as usual. Buffers taken from an
   * EncodedResponseBuffers pool are sent in place and return to it once written (framed-messages.ts).
   */
  preEncodedResponses?: readonly string[];
  /**
   * Client-streaming methods (`package.Service.Method`, "header first, then data" requests) whose
   * messages' bytes are kept for their payloads (receivedBytesOf): for a handler that relays the
   * payloads in requests of the same layout, as they came.
   */
  keepReceivedBytes?: readonly string[];
  /** Checks every unary and server-streaming request before its handler (e.g. libs/validation's `checkRequestLimits`). */
  checkRequest?: RequestCheck;
  /** The service's own translation of its backends' errors, before the generic mapping (see toGrpcStatus). */
  mapError?: ErrorMapper;
  /** Services this server also answers for by forwarding their calls unchanged (see forwarding.ts). */
  forward?: readonly ForwardedService[];
  /** `host:port` to serve Prometheus metrics on (`/metrics`, see metrics.ts); unset or `none`: no metrics. */
  metricsAddress?: string;
  /** Metrics URLs of the services this one depends on, by dependency name, advertised on health answers (see metrics.ts). */
  dependencyMetricsUrls?: Readonly<Record<string, string>>;
  /** Who may call (access-control.ts); startService always sets it, unset only in tests of this machinery: anyone. */
  access?: AccessControl;
  /**
   * Serve TLS with this certificate and key, re-read when they change (tls.ts): on `address`, or,
   * given `tlsAddress`, on that second address, `address` then staying plain for the service's peers.
   */
  tls?: TlsFiles;
  /** `host:port` of a second listener serving the same services with TLS (needs `tls`). */
  tlsAddress?: string;
}

export interface RunningGrpcService {
  app: INestMicroservice;
  health: HealthMonitor;
  /** The bound port (useful when listening on port 0). */
  port: number;
  /** The bound port of the metrics endpoint, if it serves metrics. */
  metricsPort?: number;
  /** The bound port of the TLS listener, when it is a second one (`tlsAddress`). */
  tlsPort?: number;
  /** Drain, then shut down gracefully, forcing after the grace period. */
  shutdown(): Promise<void>;
}

/** Max gRPC message size: Arrow chunks target ~1 MiB, so 16 MiB leaves ample headroom for any message. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Starts a NestJS gRPC microservice with what every visitsarch service has:
 * grpc.health.v1 (driven by its dependencies), server reflection, JSON logs,
 * a uniform error mapping and graceful shutdown.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<RunningGrpcService> {
  const { contract, logger } = options;
  // grpc-js's own messages ("E No address added…", on stderr) as lines of the service's JSON log, at their level.
  const grpcJs = (level: 'debug' | 'info' | 'error') => (...args: unknown[]) => logger[level]({ source: 'grpc-js' }, format(...args));
  grpc.setLogger({ debug: grpcJs('debug'), info: grpcJs('info'), error: grpcJs('error') });
  if (options.preEncodedResponses?.length || options.keepReceivedBytes?.length) {
    // Checked before Nest loads the contract: an error thrown from its loading hook is reworded and leaks the app.
    const definition = protoLoader.loadSync(contract.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    for (const name of options.preEncodedResponses ?? []) if (!methodOf(definition, name)) throw new Error(`preEncodedResponses: no method ${name} in the contract`);
    for (const name of options.keepReceivedBytes ?? []) {
      if (!methodOf(definition, name)?.requestStream) throw new Error(`keepReceivedBytes: no client-streaming method ${name} in the contract`);
    }
  }
  const serviceNames = [...contract.serviceNames, ...(options.forward ?? []).map((forward) => forward.service)];
  const health = new HealthMonitor(serviceNames, options.dependencies ?? [], logger, options.healthIntervalMs, options.healthStartupGraceMs);
  let grpcServer: grpc.Server | undefined;
  let forwarding: Forwarding | undefined;
  const metricsAddress = options.metricsAddress && options.metricsAddress !== 'none' ? options.metricsAddress : undefined;
  const metrics = metricsAddress ? new GrpcServerMetrics(options.dependencyMetricsUrls) : undefined;
  if (options.tlsAddress && !options.tls) throw new Error('tlsAddress needs tls (a certificate and key)');
  const tlsCredentials = options.tls ? tlsServerCredentials(options.tls, logger) : undefined;

  const framedInPlace = sendFramableMessagesInPlace();
  if (!framedInPlace) logger.warn('grpc-js internals changed: large messages are copied before they are sent (slower downloads)');
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(options.module, {
    logger: new NestJsonLogger(logger),
    bufferLogs: false,
    transport: Transport.GRPC,
    options: {
      url: options.address,
      package: contract.packages,
      protoPath: contract.protoFiles,
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] },
      maxReceiveMessageLength: MAX_MESSAGE_BYTES,
      maxSendMessageLength: MAX_MESSAGE_BYTES,
      gracefulShutdown: true,
      credentials: options.tlsAddress ? undefined : tlsCredentials,
      // Metrics first: grpc-js runs the first interceptor innermost, so it also counts the calls access control refuses.
      channelOptions: { interceptors: [...(metrics ? [metrics.interceptor] : []), ...(options.access ? [accessInterceptor(options.access, logger)] : [])] },
      onLoadPackageDefinition: (definition: protoLoader.PackageDefinition, server: grpc.Server) => {
        grpcServer = server;
        metrics?.instrument(server);
        for (const name of options.preEncodedResponses ?? []) passEncodedResponsesThrough(definition, name, framedInPlace);
        for (const name of options.keepReceivedBytes ?? []) keepReceivedBytes(methodOf(definition, name)!);
        forwarding = addForwardedServices(server, options.forward ?? [], logger);
        serverReflection(serviceNames).addToServer(server);
        health.implementation.addToServer(server);
      },
    },
  });
  app.useGlobalFilters(new GrpcErrorFilter(logger, options.mapError));
  app.useGlobalInterceptors(new RpcLoggingInterceptor(logger), ...(options.checkRequest ? [new RequestCheckInterceptor(options.checkRequest)] : []));
  // listen() also starts the modules (a database, migrations: NestMicroservice.init() would start them twice): only a bind failure is GRPC_ADDRESS's.
  await app.listen().catch(async (error: Error) => {
    await app.close().catch(() => undefined);
    if (!/No address added|EADDRINUSE|EADDRNOTAVAIL|EACCES|ENOTFOUND/.test(error.message)) throw error;
    throw new Error(`cannot listen on ${options.address} (GRPC_ADDRESS): ${error.message}`, { cause: error });
  });
  if (!grpcServer) throw new Error('gRPC server did not start');
  const port = boundPort(options.address, grpcServer);
  const tlsPort = options.tlsAddress && tlsCredentials ? await bindTls(grpcServer, options.tlsAddress, tlsCredentials, app) : undefined;
  let metricsServer: MetricsServer | undefined;
  if (metrics && metricsAddress) {
    metricsServer = await startMetricsServer(metricsAddress, [metrics.registry]).catch(async (error: Error) => {
      await app.close();
      throw error;
    });
    metrics.endpoint = { host: metricsAddress.slice(0, metricsAddress.lastIndexOf(':')), port: metricsServer.port };
  }
  if (widenReceiveWindows(grpcServer) === 0) logger.warn('could not widen the HTTP/2 receive windows (grpc-js internals changed): uploads will be slower');
  void health.start();
  const tlsListening = options.tls ? { tls: options.tlsAddress ? `${options.tlsAddress} (port ${tlsPort})` : options.address } : {};
  logger.info({ address: options.address, port, ...tlsListening, services: serviceNames, metrics: metrics?.endpoint ? `${metrics.endpoint.host}:${metrics.endpoint.port}` : 'none' }, 'listening');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      logger.info('shutting down: health is NOT_SERVING, draining');
      health.stop();
      await sleep(options.drainMs ?? 0);
      const forced = setTimeout(() => {
        logger.warn('grace period over: cancelling in-flight calls');
        grpcServer?.forceShutdown();
      }, options.graceMs ?? 10_000);
      try {
        await app.close();
      } finally {
        clearTimeout(forced);
        forwarding?.close();
        await metricsServer?.close();
      }
      logger.info('stopped');
    })();
    return shuttingDown;
  };
  return { app, health, port, metricsPort: metricsServer?.port, tlsPort, shutdown };
}

/** Binds the second, TLS listener of `tlsAddress` (the server serves it at once); a failed bind closes the app. */
async function bindTls(server: grpc.Server, address: string, credentials: grpc.ServerCredentials, app: INestMicroservice): Promise<number> {
  try {
    return await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  } catch (error) {
    await app.close();
    throw new Error(`cannot listen with TLS on ${address} (TLS_ADDRESS): ${(error as Error).message}`);
  }
}

/**
 * Makes a method's response serializer send Buffers as they are (already-encoded messages). Sent
 * in place (`inPlace`), a pooled buffer is released once written; else grpc-js copies it right
 * after this serializer returns, and it is released now.
 */
function passEncodedResponsesThrough(definition: protoLoader.PackageDefinition, name: string, inPlace: boolean): void {
  const method = methodOf(definition, name)!;
  const encode = method.responseSerialize;
  (method as { responseSerialize: (value: unknown) => Buffer }).responseSerialize = (value) => {
    if (!Buffer.isBuffer(value)) return encode(value as object);
    if (!inPlace) releaseFramable(value);
    return value;
  };
}

function methodOf(definition: protoLoader.PackageDefinition, name: string): protoLoader.MethodDefinition<object, object> | undefined {
  const dot = name.lastIndexOf('.');
  return (definition[name.slice(0, dot)] as protoLoader.ServiceDefinition | undefined)?.[name.slice(dot + 1)];
}

function boundPort(address: string, server: grpc.Server): number {
  const requested = Number(address.slice(address.lastIndexOf(':') + 1));
  if (requested !== 0) return requested;
  // grpc-js keeps bound ports privately; Nest binds for us, so read it back from the server.
  const ports = (server as unknown as { boundPorts?: Map<string, { portNumber: number }> }).boundPorts;
  const first = ports ? [...ports.values()][0] : undefined;
  return first?.portNumber ?? requested;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
