// What the live view shows of one SpotGuardFallbackEvent: where its actor stands in the
// fallback-event statechart, which guard holds the next transition and why, and what happened
// when and by whom. Pure: built from the object (and the actor's state value when there is a
// live actor), the settings and the time, so the agent and the sandbox show the same thing.
import { formatDuration, parseDuration } from '../crds/duration.js';
import { ConditionType, SCALE_DOWN_STEPS, type Phase } from '../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../crds/spotguardfallbackevent.types.js';

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
  holder?: string;
  message?: string;
  /** The guard that holds the next transition and why it does not pass yet. */
  waiting?: { guard: string; why: string };
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

function waiting(object: SpotGuardFallbackEvent, settings: ViewSettings, now: number): EventView['waiting'] {
  const status = object.status ?? {};
  switch (status.phase ?? 'Pending') {
    case 'Pending': {
      const wait = parseDuration(object.spec.minimumWaitDuration ?? '') ?? settings.minimumWaitMs;
      return { guard: 'minimumWaitElapsed', why: `minimum wait: ${left(Date.parse(object.spec.timestamp) + wait - now)} left` };
    }
    case 'Monitoring': {
      const h = status.spotHealth;
      if (!h) return { guard: 'stableLongEnough', why: 'no spot observation yet' };
      const counts = `spot ${h.inService}/${h.desired} InService, nodes Ready ${h.nodesReady ?? 0}/${h.nodesTotal ?? 0}${h.activitiesInProgress ? `, ${h.activitiesInProgress} scaling activities in progress` : ''}`;
      if (!status.spotHealthySince) return { guard: 'stableLongEnough', why: `${counts}: not healthy` };
      return { guard: 'stableLongEnough', why: `${counts}: stable for ${left(Date.parse(status.spotHealthySince) + settings.stabilityWindowMs - now)} more` };
    }
    case 'ReadyForScaleDown': {
      const checks = status.conditions?.find((c) => c.type === ConditionType.SafetyChecksPassed);
      return { guard: 'checksPassed', why: checks?.status === 'False' ? `safety checks blocked: ${checks.message ?? checks.reason ?? ''}` : 'safety checks running' };
    }
    case 'ScalingDown': {
      // A failed attempt is tried again at the time its record says, whichever agent holds the claim.
      const next = (at: string | undefined): string => {
        const t = Date.parse(at ?? '');
        return Number.isNaN(t) || t <= now ? '' : ` in ${left(t - now)}`;
      };
      const rollback = status.scaleDown?.rollback;
      if (rollback && !rollback.completedAt) {
        const attempts = rollback.attempts ? `, attempt ${rollback.attempts + 1}${next(rollback.nextAttemptAt)}` : '';
        return { guard: 'stepDue', why: `undoing the scale-down of node ${object.spec.onDemandNodeName}${attempts} (${rollback.reason})` };
      }
      const index = SCALE_DOWN_STEPS.findIndex((s) => !status.scaleDown?.[s]?.completedAt);
      const step = SCALE_DOWN_STEPS[index];
      if (!step) return undefined;
      const record = status.scaleDown?.[step];
      const attempts = record?.attempts ? `, attempt ${record.attempts + 1}${next(record.nextAttemptAt)}` : '';
      return { guard: 'stepIs', why: `step ${index + 1}/${SCALE_DOWN_STEPS.length}: ${step}${attempts}${record?.message ? ` (${record.message})` : ''}` };
    }
    default: {
      const end = Date.parse(status.completionTime ?? '');
      return Number.isNaN(end) ? undefined : { guard: 'mayDelete', why: `deleted after the TTL: ${left(end + settings.ttlMs - now)} left` };
    }
  }
}

/** What the object itself records of its history: durable, so a restarted view still shows it. */
function recorded(object: SpotGuardFallbackEvent): TimelineEntry[] {
  const s = object.status ?? {};
  const entries: TimelineEntry[] = [{ at: object.spec.timestamp, what: `fell back to on-demand node ${object.spec.onDemandNodeName}: Pending` }];
  const restored = s.conditions?.find((c) => c.type === ConditionType.SpotRestored && c.status === 'True');
  if (restored) entries.push({ at: restored.lastTransitionTime, what: 'spot restored and stable: ReadyForScaleDown', by: s.spotHealth?.observedBy });
  if (s.scaleDown?.startedAt) entries.push({ at: s.scaleDown.startedAt, what: 'safety checks passed: ScalingDown', by: s.scaleDown.taint?.by });
  for (const step of SCALE_DOWN_STEPS) {
    const r = s.scaleDown?.[step];
    if (r?.completedAt) entries.push({ at: r.completedAt, what: `step ${step} done`, by: r.by });
  }
  const rollback = s.scaleDown?.rollback;
  if (rollback) entries.push({ at: rollback.requestedAt, what: `scale-down failed for good, rolling back: ${rollback.reason}` });
  if (rollback?.completedAt) entries.push({ at: rollback.completedAt, what: `rolled back: ${rollback.message ?? ''}`, by: rollback.by });
  if (s.completionTime) entries.push({ at: s.completionTime, what: s.phase ?? 'ended', by: s.scaleDown?.terminate?.by });
  return entries;
}

export function eventView(object: SpotGuardFallbackEvent, options: { settings: ViewSettings; now: number; stateValue?: StateValue; observed?: TimelineEntry[] }): EventView {
  const status = object.status ?? {};
  const timeline = [...recorded(object), ...(options.observed ?? [])]
    // One entry per moment and kind: the durable record wins over what a view saw.
    .filter((e, i, all) => all.findIndex((o) => o.what === e.what) === i)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    name: object.metadata?.name ?? '',
    phase: status.phase ?? 'Pending',
    active: options.stateValue === undefined ? restingPaths(object) : activePaths(options.stateValue),
    spotASG: object.spec.spotASGName,
    onDemandASG: object.spec.onDemandASGName,
    onDemandNode: object.spec.onDemandNodeName,
    onDemandInstance: object.spec.onDemandInstanceID ?? '',
    holder: status.claim?.holder,
    message: status.message,
    waiting: waiting(object, options.settings, options.now),
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
      list.push({ at: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), what: 'minimum wait elapsed: Monitoring', by: object.status?.claim?.holder });
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
