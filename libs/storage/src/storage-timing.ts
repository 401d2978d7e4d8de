import * as diagnostics from 'node:diagnostics_channel';
import type { ObjectStore } from './object-store';

/**
 * The channel every object-store operation is published on once it settles, as
 * StorageOperationEvent: what a service's metrics (libs/grpc-server's metrics.ts, which subscribes
 * to this name) turn into `visitsarch_storage_operation_duration_seconds`. Nothing is measured
 * while nobody subscribes (the CLI).
 */
export const STORAGE_OPERATION_CHANNEL = 'visitsarch:storage:operation';

export interface StorageOperationEvent {
  backend: ObjectStore['kind'];
  /**
   * The method, in snake case: the store's (begin_write, read until its stream is open, snapshot,
   * stat, delete, list) and those of what they return (a write's write, flush, prepare, commit, abort; a
   * snapshot's release).
   */
  operation: string;
  seconds: number;
  /** Whether it failed (a missing object fails read and snapshot, not stat or delete). */
  error: boolean;
}

const channel = diagnostics.channel(STORAGE_OPERATION_CHANNEL);

/** What the store's methods return that has asynchronous methods of its own (a write, a snapshot). */
const TIMED_RESULTS = new Set(['beginWrite', 'snapshot']);

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

/**
 * The object (a store, or a write or snapshot of one) with each asynchronous method timed on
 * STORAGE_OPERATION_CHANNEL; everything else (properties, getters, synchronous methods) as it is.
 */
function timed<T extends object>(target: T, backend: ObjectStore['kind'], wrapResultsOf: ReadonlySet<string>): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      const operation = snakeCase(property);
      return (...args: unknown[]) => {
        const measuring = channel.hasSubscribers;
        const started = process.hrtime.bigint();
        const publish = (error: boolean) => {
          if (!measuring) return;
          const event: StorageOperationEvent = { backend, operation, seconds: Number(process.hrtime.bigint() - started) / 1e9, error };
          channel.publish(event);
        };
        let result: unknown;
        try {
          result = (value as (...parameters: unknown[]) => unknown).apply(object, args);
        } catch (error) {
          publish(true);
          throw error;
        }
        if (!isPromise(result)) return result;
        return result.then(
          (settled) => {
            publish(false);
            return wrapResultsOf.has(property) && settled !== null && typeof settled === 'object' ? timed(settled, backend, new Set()) : settled;
          },
          (error: unknown) => {
            publish(true);
            throw error;
          },
        );
      };
    },
  });
}

/** The same store, each of its operations (and those of the writes and snapshots it returns) timed on STORAGE_OPERATION_CHANNEL. */
export function timedStore<T extends ObjectStore>(store: T): T {
  return timed(store, store.kind, TIMED_RESULTS);
}
