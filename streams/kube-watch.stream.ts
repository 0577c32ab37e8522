// Kubernetes objects as a stream of changes that survives the API server: a failed watch is
// restarted with exponential backoff, every (re)start delivers the full list (SYNCED) and the
// deletions missed meanwhile, and a periodic resync restarts even a watch that went silent.
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { WatchSource } from '../runtime/kube/watch.port.js';

export type WatchEvent<T> =
  | { type: 'SYNCED'; objects: T[] }
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'WATCH_ERROR'; message: string; attempt: number };

export interface WatchStreamOptions<T> {
  keyOf: (object: T) => string;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Restart the watch this often even when nothing failed (a stall watchdog). */
  resyncMs?: number;
  scheduler?: SchedulerLike;
}

export function watchResource<T>(newSource: () => WatchSource<T>, options: WatchStreamOptions<T>): Observable<WatchEvent<T>> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const initial = options.backoffInitialMs ?? 500;
  const max = options.backoffMaxMs ?? 30_000;
  const resyncMs = options.resyncMs ?? 10 * 60_000;

  return new Observable<WatchEvent<T>>((subscriber) => {
    const known = new Map<string, T>();
    let source: WatchSource<T> | undefined;
    let attempt = 0;
    let pending: Subscription | undefined;
    let closed = false;

    const schedule = (work: () => void, delay: number): void => {
      pending?.unsubscribe();
      pending = scheduler.schedule(work, delay);
    };

    const restart = (failure: unknown): void => {
      const previous = source;
      source = undefined;
      void previous?.stop().catch(() => undefined);
      if (closed) return;
      let delay = 0;
      if (failure !== undefined) {
        attempt++;
        subscriber.next({ type: 'WATCH_ERROR', message: failure instanceof Error ? failure.message : JSON.stringify(failure), attempt });
        delay = Math.min(max, initial * 2 ** (attempt - 1));
      }
      schedule(connect, delay);
    };

    const connect = (): void => {
      if (closed) return;
      const mine = newSource();
      source = mine;
      const live = (): boolean => source === mine && !closed;
      mine
        .start({
          added: (o) => {
            if (!live()) return;
            const key = options.keyOf(o);
            const type = known.has(key) ? 'MODIFIED' : 'ADDED';
            known.set(key, o);
            subscriber.next({ type, object: o });
          },
          modified: (o) => {
            if (!live()) return;
            known.set(options.keyOf(o), o);
            subscriber.next({ type: 'MODIFIED', object: o });
          },
          deleted: (o) => {
            if (!live()) return;
            known.delete(options.keyOf(o));
            subscriber.next({ type: 'DELETED', object: o });
          },
          failed: (err) => {
            if (live()) restart(err ?? new Error('watch ended'));
          },
        })
        .then((objects) => {
          if (!live()) return;
          attempt = 0;
          // What vanished while we were not watching is reported as deleted.
          const present = new Set(objects.map(options.keyOf));
          for (const [key, object] of known) {
            if (present.has(key)) continue;
            known.delete(key);
            subscriber.next({ type: 'DELETED', object });
          }
          for (const o of objects) known.set(options.keyOf(o), o);
          subscriber.next({ type: 'SYNCED', objects });
          schedule(() => restart(undefined), resyncMs);
        })
        .catch((err: unknown) => {
          if (live()) restart(err);
        });
    };

    connect();
    return () => {
      closed = true;
      pending?.unsubscribe();
      void source?.stop().catch(() => undefined);
    };
  });
}
