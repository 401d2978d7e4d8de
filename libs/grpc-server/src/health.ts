import { HealthImplementation, ServingStatus } from 'grpc-health-check';
import type { Logger } from '@visitsarch/logging';

/** Something a service needs before it can serve: a database, a bucket, another service. */
export interface Dependency {
  /** A short name for logs and for the `dependency/<name>` entry of the health map. */
  name: string;
  /** Resolves when the dependency is reachable and usable; rejects with a reason otherwise. */
  check(): Promise<void>;
}

/** The health-map entry that only says the process is alive. */
export const LIVENESS = 'liveness';

/**
 * Owns the `grpc.health.v1` status of a server: NOT_SERVING until every dependency answers,
 * SERVING while they do, NOT_SERVING again when one fails or when the server is shutting down.
 * The overall status is under "" (what Kubernetes probes ask); each served service has its own
 * entry, and each dependency is reported under `dependency/<name>` for operators (`visitsarch status`).
 * `liveness` is SERVING for as long as the process answers at all: the Kubernetes liveness probe
 * asks for it, so a lost database makes a pod unready, never restarted.
 */
export class HealthMonitor {
  readonly implementation = new HealthImplementation({});
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private lastProblem = new Map<string, string | undefined>();

  constructor(
    private readonly servedServices: string[],
    private readonly dependencies: Dependency[],
    private readonly logger: Logger,
    private readonly intervalMs = 2000,
  ) {
    this.setServing('NOT_SERVING');
    this.implementation.setStatus(LIVENESS, 'SERVING');
    for (const dependency of dependencies) this.implementation.setStatus(`dependency/${dependency.name}`, 'UNKNOWN');
  }

  /** Checks the dependencies now and then every interval until stopped. */
  start(): Promise<void> {
    const tick = async () => {
      await this.checkOnce();
      if (!this.stopping) this.timer = setTimeout(tick, this.intervalMs);
    };
    return tick();
  }

  async checkOnce(): Promise<boolean> {
    const results = await Promise.all(
      this.dependencies.map(async (dependency) => {
        let problem: string | undefined;
        try {
          await withTimeout(dependency.check(), Math.max(this.intervalMs, 1000));
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        this.record(dependency.name, problem);
        return problem === undefined;
      }),
    );
    const healthy = results.every(Boolean);
    if (!this.stopping) this.setServing(healthy ? 'SERVING' : 'NOT_SERVING');
    return healthy;
  }

  /** Marks everything NOT_SERVING for good: the first step of a graceful shutdown. */
  stop(): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.setServing('NOT_SERVING');
  }

  private setServing(status: ServingStatus): void {
    this.implementation.setStatus('', status);
    for (const name of this.servedServices) this.implementation.setStatus(name, status);
  }

  private record(name: string, problem: string | undefined): void {
    this.implementation.setStatus(`dependency/${name}`, problem === undefined ? 'SERVING' : 'NOT_SERVING');
    const previous = this.lastProblem.get(name);
    if (!this.lastProblem.has(name) || previous !== problem) {
      if (problem === undefined) this.logger.info({ dependency: name }, 'dependency is reachable');
      else this.logger.warn({ dependency: name, problem }, 'dependency is not reachable');
    }
    this.lastProblem.set(name, problem);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
