// What the live view shows of one SpotGuardFallbackEvent, in the order an operator asks: its
// phase, what it waits for and for how long, who holds it, what happened when and by whom, and
// where its actor stands in the fallback-event statechart. Pure: built from the object (and the
// actor's state value when there is a live actor), the settings and the time, so the agent and
// the sandbox show the same thing.
import { formatDuration, parseDuration } from '../crds/duration.js';
import { ConditionType, SCALE_DOWN_STEPS, type Phase } from '../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../crds/spotguardfallbackevent.types.js';
import type { ClaimLease } from '../machines/fallback-event.types.js';

export interface ViewSettings {
  minimumWaitMs: number;
  stabilityWindowMs: number;
  ttlMs: number;
}

export interface TimelineEntry {
  /** ISO time. */
  at: string;
  what: string;
  /** The agent (pod name) that made it happen, when known. */
  by?: string;
  /** The phase the event entered at this moment, when it entered one. */
  phase?: Phase;
}

/** The guard that holds the next transition, and for how long the event has waited. */
export interface Waiting {
  /** The guard's name in the machine. */
  guard: string;
  /** What the event waits for, in words: "the minimum wait to end". */
  what: string;
  /** Why it does not pass yet: the facts the guard judges by. */
  why: string;
  /** Time left until what it waits for is due, where there is such a time ("4m12s"). */
  left?: string;
  /** When the event entered its phase (in ScalingDown: its step), from its record or the timeline. */
  since?: string;
  /** How long ago that was ("5m48s"). */
  sinceAgo?: string;
}

/** status.claim as a person reads it: who works on the event, and how fresh the claim is. */
export interface ClaimView {
  holder: string;
  /** The node the holder runs on. */
  node?: string;
  renewedAgo: string;
  /** Time until the claim lapses unless renewed; absent once it has lapsed. */
  expiresIn?: string;
  /** How long ago it lapsed, when no agent renewed it in time (or it was released). */
  expiredAgo?: string;
  /**
   * The holder renews in its claim Lease, which this view has not read since the claim's last
   * renewal it knows of: whether it still holds is not known here (neither expiresIn nor expiredAgo).
   */
  renewsInLease?: true;
  /** The holder gave the claim up (SIGTERM). */
  released?: true;
}

export interface EventView {
  name: string;
  phase: Phase;
  /** Active state paths in the fallback-event machine, outermost first: ["ScalingDown", "ScalingDown.drain"]. */
  active: string[];
  spotASG: string;
  onDemandASG: string;
  onDemandNode: string;
  onDemandInstance: string;
  claim?: ClaimView;
  message?: string;
  waiting?: Waiting;
  timeline: TimelineEntry[];
}

/** An XState state value: a string, or an object of child values. */
export type StateValue = string | { [key: string]: StateValue };

/** Full paths of every active state node of a state value, outermost first. */
export function activePaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...activePaths(child, `${prefix}${key}.`)]);
}

/** The state an actor rebuilt from this object alone would settle in (phase, then step). */
export function restingPaths(object: SpotGuardFallbackEvent): string[] {
  const phase = object.status?.phase ?? 'Pending';
  if (phase !== 'ScalingDown') return [phase];
  const rollback = object.status?.scaleDown?.rollback;
  if (rollback && !rollback.completedAt) return [phase, `${phase}.rollback`];
  const step = SCALE_DOWN_STEPS.find((s) => !object.status?.scaleDown?.[s]?.completedAt);
  return step ? [phase, `${phase}.${step}`] : [phase];
}

const left = (ms: number): string => formatDuration(Math.max(0, ms));
const time = (at: string | undefined): number => Date.parse(at ?? '');

/** What the guard of the event's phase waits for, without the times (they are added by `waiting`). */
type Hold = Omit<Waiting, 'since' | 'sinceAgo' | 'left'> & { due?: number };

function hold(object: SpotGuardFallbackEvent, settings: ViewSettings, now: number): Hold | undefined {
  const status = object.status ?? {};
  switch (status.phase ?? 'Pending') {
    case 'Pending': {
      const wait = parseDuration(object.spec.minimumWaitDuration ?? '') ?? settings.minimumWaitMs;
      const due = time(object.spec.timestamp) + wait;
      return { guard: 'minimumWaitElapsed', what: 'the minimum wait to end', why: `minimum wait: ${left(due - now)} left`, due };
    }
    case 'Monitoring': {
      const h = status.spotHealth;
      if (!h) return { guard: 'stableLongEnough', what: 'spot to be healthy', why: 'no spot observation yet' };
      const counts = `spot ${h.inService}/${h.desired} InService, nodes Ready ${h.nodesReady ?? 0}/${h.nodesTotal ?? 0}${h.activitiesInProgress ? `, ${h.activitiesInProgress} scaling activities in progress` : ''}`;
      if (!status.spotHealthySince) return { guard: 'stableLongEnough', what: 'spot to be healthy', why: `${counts}: not healthy` };
      const due = time(status.spotHealthySince) + settings.stabilityWindowMs;
      return { guard: 'stableLongEnough', what: 'spot to stay healthy through the stability window', why: `${counts}: stable for ${left(due - now)} more`, due };
    }
    case 'ReadyForScaleDown': {
      const checks = status.conditions?.find((c) => c.type === ConditionType.SafetyChecksPassed);
      const blocked = checks?.status === 'False';
      return { guard: 'checksPassed', what: 'the safety checks to pass', why: blocked ? `safety checks blocked: ${checks.message ?? checks.reason ?? ''}` : 'safety checks running' };
    }
    case 'ScalingDown': {
      // A failed attempt is tried again at the time its record says, whichever agent holds the claim.
      const retry = (at: string | undefined): number | undefined => (time(at) > now ? time(at) : undefined);
      const next = (due: number | undefined): string => (due === undefined ? '' : ` in ${left(due - now)}`);
      const rollback = status.scaleDown?.rollback;
      if (rollback && !rollback.completedAt) {
        const due = rollback.attempts ? retry(rollback.nextAttemptAt) : undefined;
        const attempts = rollback.attempts ? `, attempt ${rollback.attempts + 1}${next(due)}` : '';
        const what = due === undefined ? 'the rollback to finish' : 'the rollback to be tried again';
        return { guard: 'stepDue', what, why: `undoing the scale-down of node ${object.spec.onDemandNodeName}${attempts} (${rollback.reason})`, due };
      }
      const index = SCALE_DOWN_STEPS.findIndex((s) => !status.scaleDown?.[s]?.completedAt);
      const step = SCALE_DOWN_STEPS[index];
      if (!step) return undefined;
      const record = status.scaleDown?.[step];
      const due = record?.attempts ? retry(record.nextAttemptAt) : undefined;
      const attempts = record?.attempts ? `, attempt ${record.attempts + 1}${next(due)}` : '';
      const what = due === undefined ? `step ${step} to finish` : `step ${step} to be tried again`;
      return { guard: 'stepIs', what, why: `step ${index + 1}/${SCALE_DOWN_STEPS.length}: ${step}${attempts}${record?.message ? ` (${record.message})` : ''}`, due };
    }
    default: {
      const end = time(status.completionTime);
      if (Number.isNaN(end)) return undefined;
      const due = end + settings.ttlMs;
      return { guard: 'mayDelete', what: 'the TTL to end, then deletion', why: `deleted after the TTL: ${left(due - now)} left`, due };
    }
  }
}

/**
 * When the event entered where it is: its step's start in ScalingDown (the previous step's
 * end, the scale-down's start, the rollback's request), else the latest timeline entry that
 * put it in its phase.
 */
function enteredAt(object: SpotGuardFallbackEvent, timeline: readonly TimelineEntry[]): string | undefined {
  const status = object.status ?? {};
  const phase = status.phase ?? 'Pending';
  if (phase === 'ScalingDown') {
    const scaleDown = status.scaleDown;
    if (scaleDown?.rollback && !scaleDown.rollback.completedAt) return scaleDown.rollback.requestedAt;
    const index = SCALE_DOWN_STEPS.findIndex((s) => !scaleDown?.[s]?.completedAt);
    const previous = index > 0 ? SCALE_DOWN_STEPS[index - 1] : undefined;
    return (previous && scaleDown?.[previous]?.completedAt) ?? scaleDown?.startedAt;
  }
  return timeline.findLast((e) => e.phase === phase)?.at;
}

function waiting(object: SpotGuardFallbackEvent, settings: ViewSettings, now: number, timeline: readonly TimelineEntry[]): Waiting | undefined {
  const found = hold(object, settings, now);
  if (!found) return undefined;
  const { due, ...rest } = found;
  const since = enteredAt(object, timeline);
  return {
    ...rest,
    ...(due === undefined || Number.isNaN(due) ? {} : { left: left(due - now) }),
    ...(since === undefined || Number.isNaN(time(since)) ? {} : { since, sinceAgo: left(now - time(since)) }),
  };
}

/**
 * `lease`: the claim Lease as the showing agent's actor knows it (the holder's own renewals, or a
 * stand-by's read); without it the status alone shows when the holder last wrote the event.
 */
function claimView(object: SpotGuardFallbackEvent, now: number, lease?: ClaimLease): ClaimView | undefined {
  const claim = object.status?.claim;
  if (!claim) return undefined;
  const inLease = lease?.holder === claim.holder && lease.renewedAt !== undefined ? lease.renewedAt : -Infinity;
  const renewed = Math.max(time(claim.renewedAt), inLease);
  const released = claim.releasedAt ? time(claim.releasedAt) : undefined;
  const lapses = released ?? renewed + claim.leaseSeconds * 1000;
  const known = released !== undefined || (lease !== undefined && lease.readAt >= lapses);
  return {
    holder: claim.holder,
    ...(claim.holderNode ? { node: claim.holderNode } : {}),
    renewedAgo: left(now - renewed),
    ...(lapses > now ? { expiresIn: left(lapses - now) } : known ? { expiredAgo: left(now - lapses) } : { renewsInLease: true as const }),
    ...(released !== undefined ? { released: true as const } : {}),
  };
}

/** What the object itself records of its history: durable, so a restarted view still shows it. */
function recorded(object: SpotGuardFallbackEvent): TimelineEntry[] {
  const s = object.status ?? {};
  const entries: TimelineEntry[] = [{ at: object.spec.timestamp, what: `fell back to on-demand node ${object.spec.onDemandNodeName}: Pending`, phase: 'Pending' }];
  const restored = s.conditions?.find((c) => c.type === ConditionType.SpotRestored && c.status === 'True');
  if (restored) entries.push({ at: restored.lastTransitionTime, what: 'spot restored and stable: ReadyForScaleDown', by: s.spotHealth?.observedBy, phase: 'ReadyForScaleDown' });
  if (s.scaleDown?.startedAt) entries.push({ at: s.scaleDown.startedAt, what: 'safety checks passed: ScalingDown', by: s.scaleDown.taint?.by, phase: 'ScalingDown' });
  for (const step of SCALE_DOWN_STEPS) {
    const r = s.scaleDown?.[step];
    if (r?.completedAt) entries.push({ at: r.completedAt, what: `step ${step} done`, by: r.by });
  }
  const rollback = s.scaleDown?.rollback;
  if (rollback) entries.push({ at: rollback.requestedAt, what: `scale-down failed for good, rolling back: ${rollback.reason}` });
  if (rollback?.completedAt) entries.push({ at: rollback.completedAt, what: `rolled back: ${rollback.message ?? ''}`, by: rollback.by });
  if (s.completionTime) entries.push({ at: s.completionTime, what: s.phase ?? 'ended', by: s.scaleDown?.terminate?.by, phase: s.phase });
  return entries;
}

export function eventView(object: SpotGuardFallbackEvent, options: { settings: ViewSettings; now: number; stateValue?: StateValue; observed?: TimelineEntry[]; lease?: ClaimLease }): EventView {
  const status = object.status ?? {};
  const timeline = [...recorded(object), ...(options.observed ?? [])]
    // One entry per moment and kind: the durable record wins over what a view saw.
    .filter((e, i, all) => all.findIndex((o) => o.what === e.what && o.at === e.at) === i)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    name: object.metadata?.name ?? '',
    phase: status.phase ?? 'Pending',
    active: options.stateValue === undefined ? restingPaths(object) : activePaths(options.stateValue),
    spotASG: object.spec.spotASGName,
    onDemandASG: object.spec.onDemandASGName,
    onDemandNode: object.spec.onDemandNodeName,
    onDemandInstance: object.spec.onDemandInstanceID ?? '',
    claim: claimView(object, options.now, options.lease),
    message: status.message,
    waiting: waiting(object, options.settings, options.now, timeline),
    timeline,
  };
}

/**
 * Remembers the phase changes a view saw, with when and who held the claim: the phases the
 * object does not timestamp itself (Monitoring) come from here.
 */
export class TimelineBook {
  private readonly last = new Map<string, Phase>();
  private readonly entries = new Map<string, TimelineEntry[]>();

  saw(object: SpotGuardFallbackEvent, now: number): TimelineEntry[] {
    const name = object.metadata?.name ?? '';
    const phase = object.status?.phase ?? 'Pending';
    const list = this.entries.get(name) ?? [];
    const previous = this.last.get(name);
    if (previous !== undefined && previous !== phase && phase === 'Monitoring') {
      const what = previous === 'Pending' ? 'minimum wait elapsed: Monitoring' : 'spot unhealthy again: Monitoring';
      list.push({ at: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), what, by: object.status?.claim?.holder, phase: 'Monitoring' });
    }
    this.last.set(name, phase);
    this.entries.set(name, list);
    return list;
  }

  of(name: string): TimelineEntry[] {
    return this.entries.get(name) ?? [];
  }

  forget(name: string): void {
    this.last.delete(name);
    this.entries.delete(name);
  }
}
