import { status } from '@grpc/grpc-js';
import { GrpcError } from '@visitsarch/grpc-server';
import { defer, finalize, Observable } from 'rxjs';

/** The provider of Query's IdentityConcurrency. */
export const QUERIES_PER_IDENTITY = Symbol('QUERIES_PER_IDENTITY');

/**
 * At most `limit` calls of one identity at a time (QUERY_MAX_CONCURRENT_PER_IDENTITY for Query,
 * decision 0020), beside the process-wide limit: one person's queries cannot take every free-SQL
 * connection. Calls without an identity (the archive's own) are not counted here.
 */
export class IdentityConcurrency {
  private readonly running = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly what: string,
    private readonly setting: string,
  ) {}

  /**
   * `work`, run when subscribed if `identity` has fewer than `limit` calls running, and counted
   * until it ends (completes, fails or is cancelled); RESOURCE_EXHAUSTED naming the limit otherwise.
   */
  run<T>(identity: string | undefined, work: () => Observable<T>): Observable<T> {
    if (!identity) return work();
    return defer(() => {
      const running = this.running.get(identity) ?? 0;
      if (running >= this.limit) {
        throw new GrpcError(status.RESOURCE_EXHAUSTED, `${identity} already has ${running} ${this.what} running, the most one identity may (${this.setting}=${this.limit}); retry when one ends`, {
          reason: 'TOO_MANY_QUERIES_OF_IDENTITY',
          metadata: { limit: String(this.limit) },
        });
      }
      this.running.set(identity, running + 1);
      const release = () => {
        const left = (this.running.get(identity) ?? 1) - 1;
        if (left > 0) this.running.set(identity, left);
        else this.running.delete(identity);
      };
      try {
        return work().pipe(finalize(release));
      } catch (error) {
        release();
        throw error;
      }
    });
  }

  /** Calls of `identity` running now. */
  runningOf(identity: string): number {
    return this.running.get(identity) ?? 0;
  }
}
