// Rebalance recommendations and spot interruption notices, polled from IMDS. One event per
// distinct notice; a failed poll becomes an IMDS_ERROR event and the stream goes on, and the
// first whole poll after failed ones is an IMDS_RECOVERED event (a poll that finds no notice
// is otherwise silent, so without it nobody could tell that IMDS answers again).
import { asyncScheduler, catchError, concat, defer, EMPTY, exhaustMap, filter, from, map, merge, of, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { isImdsError, type ImdsErrorCode, type ImdsPort } from '../runtime/imds.port.js';

export type ImdsEvent =
  | { type: 'REBALANCE_RECOMMENDED'; noticeTime: string }
  | { type: 'INTERRUPTION_NOTICED'; action: string; time: string }
  /** `Unexpected`: something other than the port's ImdsError (an unparsable answer, say). */
  | { type: 'IMDS_ERROR'; status: number; code: ImdsErrorCode | 'Unexpected'; message: string }
  | { type: 'IMDS_RECOVERED' };

export interface ImdsStreamOptions {
  /** Poll interval; NTH polls every 2 s. */
  intervalMs?: number;
  scheduler?: SchedulerLike;
}

function errorEvent(err: unknown): Observable<ImdsEvent> {
  const message = err instanceof Error ? err.message : String(err);
  return of(isImdsError(err) ? { type: 'IMDS_ERROR', status: err.status, code: err.code, message } : { type: 'IMDS_ERROR', status: 0, code: 'Unexpected', message });
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
    let failing = false;
    return timer(0, options.intervalMs ?? 2000, options.scheduler ?? asyncScheduler).pipe(
      // A slow IMDS answer is not overtaken by the next poll.
      exhaustMap(() => {
        let failed = false;
        return concat(
          poll(port).pipe(tap((e) => (failed ||= e.type === 'IMDS_ERROR'))),
          defer(() => {
            const recovered = failing && !failed;
            failing = failed;
            return recovered ? of<ImdsEvent>({ type: 'IMDS_RECOVERED' }) : EMPTY;
          }),
        );
      }),
      filter((e) => {
        if (e.type === 'IMDS_ERROR' || e.type === 'IMDS_RECOVERED') return true;
        const key = e.type === 'INTERRUPTION_NOTICED' ? `${e.type}:${e.action}` : e.type;
        if (reported.has(key)) return false;
        reported.add(key);
        return true;
      }),
    );
  });
}
