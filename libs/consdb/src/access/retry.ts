import { ConsdbError } from './consdb-connection';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled for each later one. */
  initialDelayMs: number;
}

/** As ConsDB's own clients do: rubin_scheduler tries 3 times, rubin_nights' httpx retries twice. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 500 };

/** Runs `attempt` again after transient failures (ConsdbError `unavailable`), with backoff. */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const transient = error instanceof ConsdbError && error.failure === 'unavailable';
      if (!transient || tries >= policy.attempts || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}
