// What one ASG looks like, polled from the Auto Scaling API by one shared poller per ASG per
// process, whatever companions its subscribers ask about (DESIGN.md invariant 8: Describe calls must not grow with the number of watchers).
// Polling runs only while someone subscribes, so an agent that holds no claim makes no calls.
import { asyncScheduler, catchError, concatMap, defer, EMPTY, exhaustMap, finalize, from, map, mergeMap, of, share, startWith, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
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

/** A poll's answer as the poller keeps it: which companions it asked about, and which of them the API did not know. */
type Polled = { type: 'ASG_OBSERVED'; snapshot: AsgSnapshot; asked: readonly string[]; missing: readonly string[] };

/** One ASG's poller, shared by every subscriber of that ASG whatever companions each asks about. */
interface Poller {
  events: Observable<Polled | AsgErrorEvent>;
  /** The companions current subscribers ask about, with how many ask: the next poll asks about all of them. */
  companions: Map<string, number>;
  /** The last answer while polling runs (see shared). */
  latest: Polled | undefined;
}

export class AsgObserver {
  /** Poll interval per ASG, in milliseconds of the scheduler's clock. */
  readonly intervalMs: number;
  private readonly scheduler: SchedulerLike;
  private readonly activityRecords: number;
  // One entry per ASG name ever asked for: the configured pairs, so a handful at most. An
  // entry without subscribers is cold and costs nothing.
  private readonly pollers = new Map<string, Poller>();

  constructor(
    private readonly port: AutoScalingPort,
    options: AsgObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 15_000;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.activityRecords = options.activityRecords ?? 10;
  }

  /**
   * Snapshots of one ASG every interval, from one poller per ASG shared by all its subscribers.
   * A subscriber that comes while polling runs gets the latest snapshot at once. Failed polls
   * are ASG_ERROR events; the stream never errors. `companions` are other groups whose
   * existence is checked in the same DescribeAutoScalingGroups call, at no extra call (the
   * on-demand ASG of an event whose spot ASG is watched); only a subscriber that asks for
   * companions gets `companionsNotFound`, naming only its own.
   */
  observe(asgName: string, companions: readonly string[] = []): Observable<AsgObservationEvent> {
    const wanted = [...new Set(companions)].filter((c) => c !== asgName).sort();
    let poller = this.pollers.get(asgName);
    if (!poller) {
      poller = this.shared(asgName);
      this.pollers.set(asgName, poller);
    }
    const p = poller;
    return defer(() => {
      // Counted before subscribing, so that a poll this subscription starts asks about them.
      for (const c of wanted) p.companions.set(c, (p.companions.get(c) ?? 0) + 1);
      const events = p.latest ? p.events.pipe(startWith(p.latest)) : p.events;
      return events.pipe(
        concatMap((e) => this.answer(p, e, wanted)),
        finalize(() => {
          for (const c of wanted) {
            const left = (p.companions.get(c) ?? 1) - 1;
            if (left > 0) p.companions.set(c, left);
            else p.companions.delete(c);
          }
        }),
      );
    });
  }

  private shared(asgName: string): Poller {
    const poller: Poller = { companions: new Map(), latest: undefined, events: EMPTY };
    // Only a snapshot is replayed, not a later error: a newcomer wants the last known state
    // of the group, and an error says nothing about it. Forgotten when polling stops, so a
    // snapshot never outlives the poller that keeps it fresh.
    poller.events = timer(0, this.intervalMs, this.scheduler).pipe(
      // A slow answer is not overtaken by the next poll (which would only add load).
      exhaustMap(() => this.poll(asgName, [...poller.companions.keys()].sort())),
      tap((event) => {
        if (event.type === 'ASG_OBSERVED') poller.latest = event;
      }),
      finalize(() => {
        poller.latest = undefined;
      }),
      // refCount: the timer stops with the last subscriber and restarts with the next.
      share({ resetOnRefCountZero: true }),
    );
    return poller;
  }

  /**
   * What one subscriber receives of a poll: companions it asks about that the poll did not (it
   * came after the poll began, or got the replayed snapshot) are described on their own, once,
   * never with a second describe of the polled group.
   */
  private answer(poller: Poller, e: Polled | AsgErrorEvent, wanted: readonly string[]): Observable<AsgObservationEvent> {
    if (e.type === 'ASG_ERROR') return of(e);
    if (wanted.length === 0) return of({ type: 'ASG_OBSERVED', snapshot: e.snapshot });
    const unasked = wanted.filter((c) => !e.asked.includes(c));
    const judged = (polled: Polled): AsgObservedEvent => ({
      type: 'ASG_OBSERVED',
      snapshot: { ...polled.snapshot, companionsNotFound: wanted.filter((c) => polled.missing.includes(c)) },
    });
    if (unasked.length === 0) return of(judged(e));
    return defer(() => from(this.port.describeGroups(unasked))).pipe(
      map((groups) => {
        const completed: Polled = { ...e, asked: [...e.asked, ...unasked], missing: [...e.missing, ...unasked.filter((c) => !groups.some((g) => g.name === c))] };
        // The next newcomer with the same companions is answered from this.
        if (poller.latest === e) poller.latest = completed;
        return judged(completed);
      }),
      catchError((err: unknown) => of(this.errorEvent(e.snapshot.asgName, err))),
    );
  }

  private poll(asgName: string, companions: readonly string[]): Observable<Polled | AsgErrorEvent> {
    return defer(() => from(this.port.describeGroups([asgName, ...companions]))).pipe(
      map((groups) => ({ group: groups.find((g) => g.name === asgName), missing: companions.filter((c) => !groups.some((g) => g.name === c)) })),
      // A group that does not exist has no activities worth a second call.
      mergeMap(({ group, missing }) =>
        group
          ? from(this.port.describeActivities(asgName, this.activityRecords)).pipe(map((activities) => ({ group, missing, activities })))
          : of({ group, missing, activities: [] }),
      ),
      map(({ group, missing, activities }): Polled => ({
        type: 'ASG_OBSERVED',
        snapshot: { asgName, group, activities, observedAt: this.scheduler.now() },
        asked: companions,
        missing,
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
