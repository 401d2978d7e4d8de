import * as fs from 'node:fs';
import { readServiceCredential } from '@visitsarch/auth';
import { CONFIGURATION_ERROR_EXIT, ConfigError, ConfigOf, hostPort, httpUrl, integer, loadConfig, oneOf, Schema, text } from '@visitsarch/config';
import type { ServiceContract } from '@visitsarch/contracts';
import { createLogger, LOG_LEVELS, type Logger } from '@visitsarch/logging';
import { setPeerCredential } from '@visitsarch/grpc-client';
import { configureTracing, flushTracing } from '@visitsarch/tracing';
import { NestModuleRef, RunningGrpcService, startGrpcService } from './bootstrap';
import { DEFAULT_STARTUP_GRACE_MS, type Dependency } from './health';
import type { ErrorMapper } from './error-filter';
import type { RequestCheck } from './request-check';
import type { ForwardedService } from './forwarding';
import { defaultMetricsAddress, metricsAddress } from './metrics';
import type { AccessControl, Authenticate } from './access-control';
import { TLS_SETTINGS, tlsFilesOf } from './tls';

/** Settings every visitsarch service reads, whatever it does. */
export function commonServiceSchema(defaultAddress: string) {
  return {
    GRPC_ADDRESS: { parse: hostPort, default: defaultAddress, description: 'host:port the service listens on' },
    METRICS_ADDRESS: {
      parse: metricsAddress,
      default: defaultMetricsAddress(defaultAddress),
      description: 'host:port Prometheus metrics are served on (/metrics), or none; unset beside a GRPC_ADDRESS other than the default: any free port of its host',
    },
    LOG_LEVEL: { parse: oneOf(...LOG_LEVELS), default: 'info' as string, description: 'log level' },
    SHUTDOWN_DRAIN_MS: { parse: integer(0, 600_000), default: 0, description: 'time to answer NOT_SERVING before closing (set to the probe period on Kubernetes)' },
    SHUTDOWN_GRACE_MS: { parse: integer(0, 600_000), default: 10_000, description: 'time in-flight calls get to finish on shutdown' },
    HEALTH_INTERVAL_MS: { parse: integer(100, 600_000), default: 2000, description: 'how often dependencies are re-checked' },
    HEALTH_STARTUP_GRACE_MS: {
      parse: integer(0, 3_600_000),
      default: DEFAULT_STARTUP_GRACE_MS,
      description: 'how long after start a dependency that has not answered yet is logged at info, not warned about',
    },
    OTEL_EXPORTER_OTLP_ENDPOINT: { parse: httpUrl, default: '', description: 'OTLP/HTTP endpoint spans are exported to (<endpoint>/v1/traces); empty: none (trace ids still reach the logs)' },
    OTEL_SERVICE_NAME: { parse: text, default: '', description: 'service.name of the exported spans (empty: visitsarch-<service>)' },
    // One of the two is required (readServiceCredential); startService leaves the credential itself in SERVICE_CREDENTIAL.
    SERVICE_CREDENTIAL_FILE: { parse: text, default: '', description: "a file holding the deployment's service credential, which the archive's services present to each other (decision 0020)" },
    SERVICE_CREDENTIAL: { parse: text, default: '', description: 'the service credential itself, instead of SERVICE_CREDENTIAL_FILE' },
    // TLS_CERT_FILE, TLS_KEY_FILE, TLS_RELOAD_INTERVAL_MS, TLS_ADDRESS (tls.ts)
    ...TLS_SETTINGS,
  };
}

export type CommonServiceConfig = ConfigOf<ReturnType<typeof commonServiceSchema>>;

export interface ServiceSpec<S extends Schema> {
  /** e.g. `metadata`; logs carry `service: visitsarch-metadata`. */
  name: string;
  contract: ServiceContract;
  /** The service's own settings, on top of the common ones. */
  schema: S;
  defaultAddress: string;
  /** Server-streaming methods whose handlers may emit already-encoded responses (see GrpcServiceOptions). */
  preEncodedResponses?: readonly string[];
  /** See GrpcServiceOptions.keepReceivedBytes. */
  keepReceivedBytes?: readonly string[];
  /** Checks every unary and server-streaming request before its handler (see GrpcServiceOptions). */
  checkRequest?: RequestCheck;
  /** The service's own translation of its backends' errors (see GrpcServiceOptions). */
  mapError?: ErrorMapper;
  /**
   * Who may call it (access-control.ts, decision 0020): `peer` (the default), only the archive's
   * own services, with the service credential; `public`, clients authenticated by `build`'s
   * `authenticate`, each allowed the methods its scopes grant.
   */
  access?: 'peer' | 'public';
  /** Under `peer`: methods (`/package.Service/Method`) also admitted without the credential, their handlers checking something else. */
  admitWithoutCredential?: readonly string[];
  /**
   * Builds the Nest module and the dependency checks from the validated configuration (its
   * SERVICE_CREDENTIAL is the credential, whichever variable gave it).
   */
  build(
    config: ConfigOf<S> & CommonServiceConfig,
    logger: Logger,
  ): { module: NestModuleRef; dependencies: Dependency[]; forward?: ForwardedService[]; dependencyMetricsUrls?: Record<string, string>; authenticate?: Authenticate };
}

/**
 * Starts a service from the environment. A bad setting stops it before anything else with one
 * line on stderr naming the variable, and exit code 78 (EX_CONFIG).
 */
export async function startService<S extends Schema>(spec: ServiceSpec<S>, env: NodeJS.ProcessEnv = process.env): Promise<RunningGrpcService> {
  const config = loadConfig({ ...commonServiceSchema(spec.defaultAddress), ...spec.schema }, env) as ConfigOf<S> & CommonServiceConfig;
  const tls = tlsFilesOf(config);
  config.SERVICE_CREDENTIAL = readServiceCredential(config.SERVICE_CREDENTIAL, config.SERVICE_CREDENTIAL_FILE);
  const logger = createLogger(`visitsarch-${spec.name}`, config.LOG_LEVEL);
  warnIfOthersMayRead(config.SERVICE_CREDENTIAL_FILE, logger);
  // Every call this process makes to the archive's other services presents it (ServiceClient, forwarding).
  setPeerCredential(config.SERVICE_CREDENTIAL);
  configureTracing({ serviceName: config.OTEL_SERVICE_NAME || `visitsarch-${spec.name}`, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, onExportError: (error) => logger.warn({ err: error }, 'could not export spans') });
  const { module, dependencies, forward, dependencyMetricsUrls, authenticate } = spec.build(config, logger);
  const access = accessOf(spec, config.SERVICE_CREDENTIAL, authenticate);
  return startGrpcService({
    contract: spec.contract,
    module,
    address: config.GRPC_ADDRESS,
    logger,
    dependencies,
    drainMs: config.SHUTDOWN_DRAIN_MS,
    graceMs: config.SHUTDOWN_GRACE_MS,
    healthIntervalMs: config.HEALTH_INTERVAL_MS,
    healthStartupGraceMs: config.HEALTH_STARTUP_GRACE_MS,
    preEncodedResponses: spec.preEncodedResponses,
    keepReceivedBytes: spec.keepReceivedBytes,
    checkRequest: spec.checkRequest,
    mapError: spec.mapError,
    forward,
    metricsAddress: metricsAddressOf(config, spec.defaultAddress, env),
    dependencyMetricsUrls,
    access,
    tls,
    tlsAddress: config.TLS_ADDRESS || undefined,
  });
}

function accessOf(spec: ServiceSpec<Schema>, credential: string, authenticate: Authenticate | undefined): AccessControl {
  if (spec.access !== 'public') return { policy: 'peer', credential, admitWithoutCredential: spec.admitWithoutCredential };
  if (!authenticate) throw new Error(`${spec.name}: a public service's build must return authenticate`);
  return { policy: 'public', authenticate };
}

/** A credential file others may read opens every service to them: said at start (Kubernetes mounts Secrets 0644 unless told otherwise). */
function warnIfOthersMayRead(file: string, logger: Logger): void {
  if (!file) return;
  const mode = fs.statSync(file).mode;
  if (mode & 0o004) logger.warn({ file, mode: (mode & 0o777).toString(8) }, 'the service credential file is readable by every user of this machine: make it 0600 (or 0400, 0440)');
}

/**
 * METRICS_ADDRESS as set. Unset, the default metrics address goes with the default gRPC address:
 * a service told to listen elsewhere (tests on port 0, several servers on one host) serves its
 * metrics on any free port of that host, rather than clash on the default one.
 */
function metricsAddressOf(config: CommonServiceConfig, defaultGrpcAddress: string, env: NodeJS.ProcessEnv): string {
  if (env.METRICS_ADDRESS || config.GRPC_ADDRESS === defaultGrpcAddress) return config.METRICS_ADDRESS;
  const host = /^(?:dns:\/{0,3})?(.*):\d+$/.exec(config.GRPC_ADDRESS)?.[1];
  return host ? `${host}:0` : config.METRICS_ADDRESS;
}

/** The `main` of a service process. */
export function runService<S extends Schema>(spec: ServiceSpec<S>): void {
  const requested = process.env.LOG_LEVEL ?? '';
  const bootLogger = createLogger(`visitsarch-${spec.name}`, LOG_LEVELS.includes(requested) ? requested : 'info');
  let stop: (() => void) | undefined;
  if (process.send) {
    // Started with an IPC channel (by `npm start`, tools/stack): the channel closes when that
    // process ends, even by SIGKILL, and the service ends with it rather than live on as an orphan.
    process.once('disconnect', () => {
      bootLogger.warn('the process that started this service is gone: stopping');
      if (stop) stop();
      else process.exit(1);
    });
  }
  startService(spec).then(
    (running) => {
      stop = () =>
        // The spans of the last calls are sent before the process exits.
        void running.shutdown().then(() => flushTracing()).then(
          () => process.exit(0),
          (error) => {
            bootLogger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop!());
    },
    (error) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`visitsarch-${spec.name}: configuration error: ${error.message}\n`);
        process.exit(CONFIGURATION_ERROR_EXIT);
      }
      const message = `start-up failed: ${error instanceof Error ? error.message : String(error)}`;
      bootLogger.fatal({ err: error }, message);
      // Also one line on stderr, as a configuration error is: what `npm start` reports when a service stops.
      process.stderr.write(`visitsarch-${spec.name}: ${message.split('\n')[0].slice(0, 1000)}\n`);
      process.exit(1);
    },
  );
}

/** Declares a service, keeping the types of its settings for `build`. */
export function defineService<S extends Schema>(spec: ServiceSpec<S>): ServiceSpec<S> {
  return spec;
}
