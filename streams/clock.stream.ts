// TICK { now } at a fixed interval, from the scheduler's clock, so tests drive time.
import { asyncScheduler, map, timer, type Observable, type SchedulerLike } from 'rxjs';

export interface Tick {
  type: 'TICK';
  now: number;
}

export function clock(intervalMs = 1000, scheduler: SchedulerLike = asyncScheduler): Observable<Tick> {
  return timer(0, intervalMs, scheduler).pipe(map(() => ({ type: 'TICK' as const, now: scheduler.now() })));
}
