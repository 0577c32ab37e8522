// Events stuck without progress, reported once across all agents (webhooks only). An event is
// stuck once it has made no progress for SPOT_GUARD_WEBHOOK_STUCK_AFTER: its last progress is
// read from what its status records (the minimum wait's end, spot healthy, spot restored, the
// safety checks' verdict changing, each scale-down step done, a rollback), so every agent judges
// alike and a restart forgets nothing. One agent reports: the claim holder, else the first in
// the event's ranking (the rendezvous ranking of the claim turns), the others a turn later each,
// and a claim held by another agent gives that holder a lease's head start. The reporter first
// commits the StuckReported condition with the optimistic update every status write uses; only
// the agent whose write lands sends, so a race is settled by resourceVersion, not by timing.
// The condition is written only for a stuck event: a normal lifecycle never pays for it.
import { formatDuration } from '../../crds/duration.js';
import { fitMessage } from '../../crds/message.js';
import { ConditionType } from '../../crds/phases.js';
import type { Condition, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { claimRank, eligible, isHolder, isTerminal, minimumWaitEndsAt, phaseOf } from '../../machines/fallback-event.guards.js';
import type { FallbackEventContext } from '../../machines/fallback-event.types.js';
import type { FallbackEventStore } from '../kube/fallback-event.store.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/notification.js';
import type { FallbackActors } from './fallback-actors.js';

/** Between two agents' turns to report: far longer than a commit takes to reach every watch. */
export const REPORT_TURN_MS = 5000;
/** After a failed write (not a conflict), the next try. */
const RETRY_AFTER_MS = 30_000;

/** Conditions whose transitions are progress; StepRetrying (a retry is not progress), Trusted and AsgFound are not. */
const PROGRESS_CONDITIONS: readonly string[] = [ConditionType.SpotRestored, ConditionType.SafetyChecksPassed, ConditionType.ScaledDown, ConditionType.RolledBack];

const ms = (text: string | undefined): number | undefined => {
  const t = Date.parse(text ?? '');
  return Number.isNaN(t) ? undefined : t;
};
const iso = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** When the event last made progress (epoch ms), by what its spec and status record. */
export function lastProgressAt(context: Pick<FallbackEventContext, 'object' | 'config'>): number | undefined {
  const { spec, status, metadata } = context.object;
  const scaleDown = status?.scaleDown;
  const times = [
    ms(spec.timestamp) ?? ms(metadata?.creationTimestamp === undefined ? undefined : String(metadata.creationTimestamp)),
    // A Pending event is not late before its minimum wait ends.
    minimumWaitEndsAt(context as FallbackEventContext),
    ms(status?.spotHealthySince),
    ...(status?.conditions ?? []).filter((c) => PROGRESS_CONDITIONS.includes(c.type)).map((c) => ms(c.lastTransitionTime)),
    ms(scaleDown?.startedAt),
    ms(scaleDown?.taint?.completedAt),
    ms(scaleDown?.cordon?.completedAt),
    ms(scaleDown?.drain?.completedAt),
    ms(scaleDown?.waitForReschedule?.completedAt),
    ms(scaleDown?.terminate?.completedAt),
    ms(scaleDown?.rollback?.requestedAt),
    ms(scaleDown?.rollback?.completedAt),
  ].filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The stall since `since` has been reported already: StuckReported was written after it. */
export function stallReported(object: SpotGuardFallbackEvent, since: number): boolean {
  const reported = object.status?.conditions?.find((c) => c.type === ConditionType.StuckReported);
  return (ms(reported?.lastTransitionTime) ?? -Infinity) >= since;
}

/**
 * When this agent reports the event stuck at `stuckAt` (epoch ms): its holder at once; another
 * agent, while the claim may be alive, a lease later; then by rank, one turn apart. The agent
 * on the on-demand node comes last, as for claims.
 */
export function reportAt(context: FallbackEventContext, stuckAt: number): number {
  if (isHolder(context)) return stuckAt;
  // Another agent cannot tell a live holder from a dead one without reading its Lease: a lease
  // after the holder's time, the holder's report has long reached every watch if it was made.
  const claim = context.object.status?.claim;
  const headStart = claim && !claim.releasedAt ? claim.leaseSeconds * 1000 : 0;
  const rank = eligible(context) ? claimRank(context) : (context.peers?.length ?? 0);
  return stuckAt + headStart + rank * REPORT_TURN_MS;
}

/** The stuck event's marker: StuckReported=True, written at `now` (a new report gets a new time). */
export function withStallReported(object: SpotGuardFallbackEvent, since: number, now: number, reporter: string): NonNullable<SpotGuardFallbackEvent['status']> {
  const status = object.status ?? {};
  const condition: Condition = {
    type: ConditionType.StuckReported,
    status: 'True',
    reason: 'NoProgress',
    message: fitMessage(`no progress in ${phaseOf(object)} since ${iso(since)} (${formatDuration(now - since)}); ${reporter} sends the webhook notification`),
    lastTransitionTime: iso(now),
  };
  return { ...status, conditions: [...(status.conditions ?? []).filter((c) => c.type !== ConditionType.StuckReported), condition] };
}

export interface StuckEventsDeps {
  /** This agent (its pod name). */
  agentId: string;
  stuckAfterMs: number;
  store: Pick<FallbackEventStore, 'commitStatus'>;
  actors: Pick<FallbackActors, 'names' | 'snapshot' | 'upsert'>;
  notifier: Notifier;
  log: Logger;
}

export class StuckEvents {
  private readonly writing = new Set<string>();
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly deps: StuckEventsDeps) {}

  /** Every clock tick: reports the events whose report is this agent's to make now. */
  tick(now: number, peers: readonly string[]): void {
    const names = this.deps.actors.names();
    for (const name of this.retryAt.keys()) if (!names.includes(name)) this.retryAt.delete(name);
    for (const name of names) {
      const snapshot = this.deps.actors.snapshot(name);
      if (!snapshot || this.writing.has(name) || (this.retryAt.get(name) ?? -Infinity) > now) continue;
      const context: FallbackEventContext = { ...snapshot.context, now, peers };
      const { object } = context;
      if (isTerminal(object)) continue;
      const since = lastProgressAt(context);
      if (since === undefined || stallReported(object, since)) continue;
      if (now < reportAt(context, since + this.deps.stuckAfterMs)) continue;
      void this.report(name, object, since, now);
    }
  }

  private async report(name: string, object: SpotGuardFallbackEvent, since: number, now: number): Promise<void> {
    const { store, actors, notifier, log, agentId } = this.deps;
    this.writing.add(name);
    try {
      const result = await store.commitStatus(object, withStallReported(object, since, now, agentId));
      if (result.outcome !== 'committed') return;
      this.retryAt.delete(name);
      // The actor's next commit starts from this version rather than meeting a 409.
      actors.upsert(result.event);
      log.warn({ event: name, node: object.spec.onDemandNodeName, phase: phaseOf(object), since: iso(since) }, 'reported event stuck without progress');
      notifier.notify('EventStuck', result.event, { stuckSince: since });
    } catch (err) {
      this.retryAt.set(name, now + RETRY_AFTER_MS);
      log.warn({ event: name, err: err instanceof Error ? err.message : String(err) }, 'could not record stuck event');
    } finally {
      this.writing.delete(name);
    }
  }
}
