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
 * How long after start-up a dependency that has never answered is only waited for (logged at
 * info) rather than warned about: the services of an archive start side by side, so in a normal
 * start each one finds some of the others not up yet.
 */
export const DEFAULT_STARTUP_GRACE_MS = 30_000;

interface DependencyState {
  /** The last check's problem (undefined: reachable); absent before the first check. */
  problem?: string;
  checked: boolean;
  /** Whether the dependency has answered at least once since start-up. */
  reachedOnce: boolean;
  /** The problem last logged as a warning, while the outage lasts. */
  warned?: string;
}

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
  private readonly states = new Map<string, DependencyState>();
  private readonly startedAt = Date.now();

  /**
   * @param startupGraceMs how long a dependency that has not answered yet is waited for without a
   *   warning (see DEFAULT_STARTUP_GRACE_MS); once it has answered, losing it warns at once.
   */
  constructor(
    private readonly servedServices: string[],
    private readonly dependencies: Dependency[],
    private readonly logger: Logger,
    private readonly intervalMs = 2000,
    private readonly startupGraceMs = DEFAULT_STARTUP_GRACE_MS,
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

  /**
   * Logs changes only. A dependency that has not answered since start-up is expected during the
   * grace period (info: the archive's services come up in any order); after it, or once the
   * dependency has answered, a failure is a warning, given once per outage and problem.
   */
  private record(name: string, problem: string | undefined): void {
    this.implementation.setStatus(`dependency/${name}`, problem === undefined ? 'SERVING' : 'NOT_SERVING');
    const state = this.states.get(name) ?? { checked: false, reachedOnce: false };
    const changed = !state.checked || state.problem !== problem;
    if (problem === undefined) {
      if (changed) this.logger.info({ dependency: name }, 'dependency is reachable');
      state.reachedOnce = true;
      state.warned = undefined;
    } else if (!state.reachedOnce && Date.now() - this.startedAt < this.startupGraceMs) {
      if (changed) this.logger.info({ dependency: name, problem }, 'waiting for dependency to start');
    } else if (state.warned !== problem) {
      const neverReached = state.reachedOnce ? {} : { waitedMs: Date.now() - this.startedAt };
      this.logger.warn({ dependency: name, problem, ...neverReached }, 'dependency is not reachable');
      state.warned = problem;
    }
    state.problem = problem;
    state.checked = true;
    this.states.set(name, state);
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
