// What one ASG looks like, polled from the Auto Scaling API by one shared poller per ASG per
// process (DESIGN.md invariant 8: Describe calls must not grow with the number of watchers).
// Polling runs only while someone subscribes, so an agent that holds no claim makes no calls.
import { asyncScheduler, catchError, defer, exhaustMap, finalize, from, map, mergeMap, of, share, startWith, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { AwsError, type AsgDescription, type AutoScalingPort, type ScalingActivity } from '../runtime/autoscaling.port.js';

export interface AsgSnapshot {
  asgName: string;
  /** undefined: the API knows no such group. */
  group: AsgDescription | undefined;
  /** The most recent activities, newest first (as the API answers). */
  activities: ScalingActivity[];
  /** The companions asked about in the same call (see observe) that the API knows no group of. */
  companionsNotFound?: string[];
  /** Epoch milliseconds, from the scheduler, when the answer arrived. */
  observedAt: number;
}

export type AsgObservedEvent = { type: 'ASG_OBSERVED'; snapshot: AsgSnapshot };
export type AsgErrorEvent = { type: 'ASG_ERROR'; asgName: string; code: string; message: string; at: number };
export type AsgObservationEvent = AsgObservedEvent | AsgErrorEvent;

export interface AsgObserverOptions {
  /** Poll interval per ASG; default 15 s. */
  intervalMs?: number;
  scheduler?: SchedulerLike;
  /** How many recent scaling activities to ask for; default 10. */
  activityRecords?: number;
}

export class AsgObserver {
  private readonly intervalMs: number;
  private readonly scheduler: SchedulerLike;
  private readonly activityRecords: number;
  // One entry per ASG name ever asked for: the configured pairs, so a handful at most. An
  // entry without subscribers is cold and costs nothing.
  private readonly streams = new Map<string, Observable<AsgObservationEvent>>();

  constructor(
    private readonly port: AutoScalingPort,
    options: AsgObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 15_000;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.activityRecords = options.activityRecords ?? 10;
  }

  /**
   * Snapshots of one ASG every interval, shared by all subscribers of that name (and
   * companions). A subscriber that comes while polling runs gets the latest snapshot at once.
   * Failed polls are ASG_ERROR events; the stream never errors. `companions` are other groups
   * whose existence is checked in the same DescribeAutoScalingGroups call, at no extra call
   * (the on-demand ASG of an event whose spot ASG is watched).
   */
  observe(asgName: string, companions: readonly string[] = []): Observable<AsgObservationEvent> {
    const others = [...new Set(companions)].filter((c) => c !== asgName).sort();
    const key = JSON.stringify([asgName, ...others]);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = this.shared(asgName, others);
      this.streams.set(key, stream);
    }
    return stream;
  }

  private shared(asgName: string, companions: readonly string[]): Observable<AsgObservationEvent> {
    // Only a snapshot is replayed, not a later error: a newcomer wants the last known state
    // of the group, and an error says nothing about it. Forgotten when polling stops, so a
    // snapshot never outlives the poller that keeps it fresh.
    let latest: AsgObservedEvent | undefined;
    const polls = timer(0, this.intervalMs, this.scheduler).pipe(
      // A slow answer is not overtaken by the next poll (which would only add load).
      exhaustMap(() => this.poll(asgName, companions)),
      tap((event) => {
        if (event.type === 'ASG_OBSERVED') latest = event;
      }),
      finalize(() => {
        latest = undefined;
      }),
      // refCount: the timer stops with the last subscriber and restarts with the next.
      share({ resetOnRefCountZero: true }),
    );
    return defer(() => (latest ? polls.pipe(startWith(latest)) : polls));
  }

  private poll(asgName: string, companions: readonly string[]): Observable<AsgObservationEvent> {
    return defer(() => from(this.port.describeGroups([asgName, ...companions]))).pipe(
      map((groups) => ({ group: groups.find((g) => g.name === asgName), missing: companions.filter((c) => !groups.some((g) => g.name === c)) })),
      // A group that does not exist has no activities worth a second call.
      mergeMap(({ group, missing }) =>
        group
          ? from(this.port.describeActivities(asgName, this.activityRecords)).pipe(map((activities) => ({ group, missing, activities })))
          : of({ group, missing, activities: [] }),
      ),
      map(({ group, missing, activities }): AsgObservationEvent => ({
        type: 'ASG_OBSERVED',
        snapshot: { asgName, group, activities, observedAt: this.scheduler.now(), ...(companions.length > 0 ? { companionsNotFound: missing } : {}) },
      })),
      catchError((err: unknown) => of(this.errorEvent(asgName, err))),
    );
  }

  private errorEvent(asgName: string, err: unknown): AsgErrorEvent {
    // The port promises AwsError only; anything else is still reported rather than allowed
    // to end the shared stream for every subscriber.
    const code = err instanceof AwsError ? err.code : 'Unknown';
    const message = err instanceof Error ? err.message : String(err);
    return { type: 'ASG_ERROR', asgName, code, message, at: this.scheduler.now() };
  }
}
