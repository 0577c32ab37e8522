// Rebalance recommendations and spot interruption notices, polled from IMDS. One event per
// distinct notice; a failed poll becomes an IMDS_ERROR event and the stream goes on.
import { asyncScheduler, catchError, defer, exhaustMap, filter, from, map, merge, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { ImdsPort } from '../runtime/imds.port.js';

export type ImdsEvent =
  | { type: 'REBALANCE_RECOMMENDED'; noticeTime: string }
  | { type: 'INTERRUPTION_NOTICED'; action: string; time: string }
  | { type: 'IMDS_ERROR'; status: number; message: string };

export interface ImdsStreamOptions {
  /** Poll interval; NTH polls every 2 s. */
  intervalMs?: number;
  scheduler?: SchedulerLike;
}

function errorEvent(err: unknown): Observable<ImdsEvent> {
  const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 0;
  return of({ type: 'IMDS_ERROR', status, message: err instanceof Error ? err.message : String(err) });
}

const present = <T>(value: T | undefined): value is T => value !== undefined;

function poll(port: ImdsPort): Observable<ImdsEvent> {
  return merge(
    defer(() => from(port.rebalanceRecommendation())).pipe(
      filter(present),
      map((n): ImdsEvent => ({ type: 'REBALANCE_RECOMMENDED', noticeTime: n.noticeTime })),
      catchError(errorEvent),
    ),
    defer(() => from(port.instanceAction())).pipe(
      filter(present),
      map((n): ImdsEvent => ({ type: 'INTERRUPTION_NOTICED', action: n.action, time: n.time })),
      catchError(errorEvent),
    ),
  );
}

export function imdsNotices(port: ImdsPort, options: ImdsStreamOptions = {}): Observable<ImdsEvent> {
  return defer(() => {
    // Notices repeat on every poll while they stand: each is reported once. An instance gets
    // one rebalance recommendation and one interruption per action, so they are told apart
    // by kind and action, not by time (amazon-ec2-metadata-mock stamps every answer anew).
    // Errors are always reported; only notices are remembered, so this set stays tiny.
    const reported = new Set<string>();
    return timer(0, options.intervalMs ?? 2000, options.scheduler ?? asyncScheduler).pipe(
      // A slow IMDS answer is not overtaken by the next poll.
      exhaustMap(() => poll(port)),
      filter((e) => {
        if (e.type === 'IMDS_ERROR') return true;
        const key = e.type === 'INTERRUPTION_NOTICED' ? `${e.type}:${e.action}` : e.type;
        if (reported.has(key)) return false;
        reported.add(key);
        return true;
      }),
    );
  });
}
