// The test model of the fallback-event machine: which events can happen in each state, and
// how a state is abstracted (so the graph is finite while time moves on). Shared by the pure
// model-based suite and by the replay against the real API server.
import { createTestModel } from 'xstate/graph';
import { getNextSnapshot, type SnapshotFrom } from 'xstate';
import { PHASES, SCALE_DOWN_STEPS, type Phase } from '../../crds/phases.js';
import type { FallbackEventStatus, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import * as g from '../../machines/fallback-event.guards.js';
import { fallbackEventMachine, placeOf } from '../../machines/fallback-event.machine.js';
import type { FallbackEventEvent, FallbackEventInput } from '../../machines/fallback-event.types.js';
import { agentC, config, iso, MIN, missing, observation } from './fixtures.js';
import { onlyOurEvents } from './paths.js';

export type Snapshot = SnapshotFrom<typeof fallbackEventMachine>;

/** What a store would return for a commit of `status` on `object`. */
export function committed(object: SpotGuardFallbackEvent, status: FallbackEventStatus): SpotGuardFallbackEvent {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(Number(object.metadata?.resourceVersion ?? 0) + 1) }, status };
}

/** Another agent's write: it holds a fresh claim (and, optionally, moved the phase on). */
function byOther(snapshot: Snapshot, status: Partial<FallbackEventStatus> = {}): SpotGuardFallbackEvent {
  const { object, now } = snapshot.context;
  return committed(object, {
    ...object.status,
    ...status,
    claim: { holder: agentC.id, holderNode: agentC.nodeName, acquiredAt: iso(now), renewedAt: iso(now), leaseSeconds: config.claimLeaseSeconds },
  });
}

/** A plausible status of an event in `phase`, as the agent that put it there wrote it. */
export function phaseStatus(phase: Phase, now: number): FallbackEventStatus {
  switch (phase) {
    case 'Pending':
      return { phase };
    case 'Monitoring':
      return { phase, message: 'Minimum wait time elapsed, monitoring spot ASG health' };
    case 'ReadyForScaleDown':
      return { phase, spotCapacityRestored: true, spotHealthySince: iso(now - 3 * MIN) };
    case 'ScalingDown':
      return { phase, spotCapacityRestored: true, scaleDownInitiated: true, scaleDown: { startedAt: iso(now) } };
    case 'Completed':
    case 'Failed':
      return { phase, completionTime: iso(now), message: `${phase} by another agent` };
  }
}

/**
 * Phases another writer can move the event to; the CRD's rules refuse the rest (terminal
 * phases stay, scaleDownInitiated stays set, which only the later phases carry).
 */
export function reachablePhases(object: SpotGuardFallbackEvent): Phase[] {
  const phase = g.phaseOf(object);
  if (g.isTerminal(object)) return [phase];
  if (object.status?.scaleDownInitiated) return ['ScalingDown', 'Completed', 'Failed'];
  return [...PHASES];
}

/** The events worth trying in a state; filterEvents keeps those the machine can take. */
export function eventsFor(snapshot: Snapshot): FallbackEventEvent[] {
  // Once deleted, the object is gone: nothing more arrives, and the runtime stops the actor.
  if (snapshot.matches({ Completed: 'deleted' }) || snapshot.matches({ Failed: 'deleted' })) return [];
  const { context } = snapshot;
  const { now, object, pending } = context;
  const events: FallbackEventEvent[] = [
    { type: 'TICK', now: now + 1_000 }, // a renewal that is due happens before the lease ends
    { type: 'TICK', now: now + 15_000 }, // renewal due, lease still valid
    { type: 'TICK', now: now + config.stabilityWindowMs }, // the stability window
    { type: 'TICK', now: now + 11 * MIN }, // past the minimum wait, the stability window and any lease
    { type: 'TICK', now: now + 25 * 60 * MIN }, // past the TTL
    { type: 'SPOT_OBSERVED', observation: observation(true, now) },
    { type: 'SPOT_OBSERVED', observation: observation(false, now) },
    // DescribeAutoScalingGroups found no spot ASG: once is not proof it is gone, in a row it is.
    { type: 'SPOT_OBSERVED', observation: missing([object.spec.spotASGName], now) },
    { type: 'OBSERVED', object: byOther(snapshot) },
    { type: 'OBSERVED', object }, // a lagging watch: same version, ignored
    { type: 'CHECKS_DONE', outcome: 'passed', reason: 'all checks passed' },
    { type: 'CHECKS_DONE', outcome: 'blocked', reason: 'PodDisruptionBudget web allows 0 disruptions' },
    { type: 'CHECKS_DONE', outcome: 'untrusted', reason: `node ${object.spec.onDemandNodeName} does not carry instance ${object.spec.onDemandInstanceID}` },
    { type: 'DELETED' },
  ];
  // Another agent (or an operator with kubectl) may have written any phase meanwhile: the
  // object is authoritative, whether it arrives by the watch or as the latest after a conflict.
  for (const other of reachablePhases(object)) {
    const moved = byOther(snapshot, phaseStatus(other, now));
    events.push({ type: 'OBSERVED', object: moved });
    // A conflict is the answer to a commit of ours: the latest object, written by another.
    if (pending) events.push({ type: 'CONFLICT', latest: moved });
  }
  const phase = g.phaseOf(object);
  const place = placeOf(object).step;
  if (place === 'rollback') {
    events.push(
      { type: 'ROLLBACK_DONE', untainted: true, uncordoned: true, message: `removed the scale-down taint and uncordoned node ${object.spec.onDemandNodeName}` },
      { type: 'ROLLBACK_FAILED', code: 'Unavailable', message: 'API server unavailable', retryable: true },
      { type: 'ROLLBACK_FAILED', code: 'Forbidden', message: 'nodes is forbidden', retryable: false },
    );
  } else if (phase === 'ScalingDown') {
    const step = place ?? 'terminate';
    events.push(
      { type: 'STEP_DONE', step, message: `${step} done` },
      { type: 'STEP_FAILED', step, code: 'Unavailable', message: 'API server unavailable', retryable: true },
      { type: 'STEP_FAILED', step, code: 'Untrusted', message: 'instance not in the on-demand ASG', retryable: false },
    );
    const index = SCALE_DOWN_STEPS.indexOf(step);
    const done = Object.fromEntries(SCALE_DOWN_STEPS.slice(0, index + 1).map((s) => [s, { completedAt: iso(now) }]));
    if (step !== 'terminate') events.push({ type: 'OBSERVED', object: byOther(snapshot, { scaleDown: { ...object.status?.scaleDown, ...done } }) });
    // Another holder met a final failure and asked for the rollback.
    events.push({ type: 'OBSERVED', object: byOther(snapshot, { scaleDown: { ...object.status?.scaleDown, rollback: { reason: 'instance moved to another ASG', requestedAt: iso(now) } } }) });
  }
  if (pending) events.push({ type: 'COMMITTED', object: committed(object, pending) }, { type: 'CONFLICT', latest: byOther(snapshot) });
  events.push({ type: 'COMMIT_FAILED', code: 'Unavailable', message: 'etcdserver: request timed out' });
  // The answer to a Lease renewal or read in flight: written by this holder, found renewed by
  // the holder status names, found lapsed (no renewal: absent), or no answer.
  if (context.leaseBusy) {
    const holder = object.status?.claim?.holder;
    events.push(
      { type: 'LEASE', lease: { holder: g.isHolder(context) ? context.agent.id : holder, renewedAt: now, readAt: now } },
      { type: 'LEASE', lease: { holder: undefined, renewedAt: undefined, readAt: now } },
      { type: 'LEASE_FAILED', code: 'Unavailable', message: 'API server unavailable' },
    );
  }
  return events;
}

/**
 * What a commit in flight would write, without its timestamps: two snapshots waiting on
 * different writes must not be taken for the same state, or the model's next events (the
 * COMMITTED object) would belong to the other one.
 */
function pendingFacts(pending: FallbackEventStatus | undefined): unknown {
  if (!pending) return undefined;
  // Attempts are counted up to the point where a person is asked to look: a failure is
  // retried for as long as it takes, and the model must stay finite.
  const attempts = (n: number | undefined) => Math.min(n ?? 0, config.maxStepAttempts);
  const rollback = pending.scaleDown?.rollback;
  return [
    pending.phase,
    !!pending.spotHealthySince,
    !!pending.claim,
    pending.scaleDownInitiated ?? false,
    SCALE_DOWN_STEPS.map((step) => `${pending.scaleDown?.[step]?.completedAt ? 'done' : ''}${attempts(pending.scaleDown?.[step]?.attempts)}`).join(','),
    rollback ? `rollback ${rollback.completedAt ? 'done' : ''}${attempts(rollback.attempts)}` : '',
    pending.message?.split(':')[0],
  ];
}

/**
 * A state, abstracted: where the actor is and, for that phase only, the facts its guards
 * look at, without the clock. Two snapshots with the same abstraction behave alike.
 */
export function abstractState(snapshot: Snapshot): string {
  const c = snapshot.context;
  const phase = g.phaseOf(c.object);
  const facts: Record<string, unknown> = {
    value: snapshot.value,
    holder: g.isHolder(c) ? 'me' : g.claimValid(c) ? 'other' : 'none',
    pending: pendingFacts(c.pending),
    renewalDue: g.renewalDue(c),
    leaseBusy: c.leaseBusy,
    leaseCheckDue: g.leaseCheckDue(c),
  };
  if (phase === 'Pending') {
    facts.wait = g.minimumWaitElapsed(c);
    // Monitoring starts with a fresh look at spot.
    facts.looked = g.observationFresh(c);
  }
  if (phase === 'Monitoring' || phase === 'ReadyForScaleDown') {
    facts.fresh = g.freshlyHealthy(c);
    // Past the threshold the count behaves the same (the next miss fails the event).
    facts.asgMissing = Math.min(c.asgMissingCount, c.config.asgMissingObservations);
  }
  if (phase === 'Monitoring') {
    facts.since = !!c.object.status?.spotHealthySince;
    facts.windowOver = c.now - Date.parse(c.object.status?.spotHealthySince ?? '') >= c.config.stabilityWindowMs;
  }
  if (phase === 'ReadyForScaleDown') {
    facts.checksDue = g.checksDue(c);
    // The model's checks block with one reason: whether the condition records it decides checksBlockedAnew.
    facts.blocked = c.object.status?.conditions?.some((x) => x.type === 'SafetyChecksPassed' && x.status === 'False') ?? false;
  }
  if (phase === 'ScalingDown') {
    const step = placeOf(c.object).step ?? 'terminate';
    facts.retryDue = g.stepRetryDue(c, step);
    facts.attention = g.needsAttention(c.config, c.object.status?.scaleDown?.[step]?.attempts ?? 0);
  }
  if (g.isTerminal(c.object)) facts.expired = g.expired(c);
  return JSON.stringify(facts);
}

export function fallbackEventModel(input: FallbackEventInput) {
  return createTestModel(fallbackEventMachine, {
    input,
    ...onlyOurEvents(eventsFor),
    serializeState: (snapshot) => abstractState(snapshot),
  });
}

/**
 * The events of one agent carrying the event through its story, without interference: of
 * the events that change the (coarse) state, one per distinct next state. Simple paths
 * multiply with every redundant edge, so only the distinct ones are kept.
 */
export function storyEventsFor(snapshot: Snapshot): FallbackEventEvent[] {
  const keep = new Set(['TICK', 'COMMITTED', 'SPOT_OBSERVED', 'CHECKS_DONE', 'STEP_DONE', 'STEP_FAILED', 'ROLLBACK_DONE', 'ROLLBACK_FAILED', 'DELETED']);
  const here = coarseState(snapshot);
  const seen = new Set<string>([here]);
  const phase = g.phaseOf(snapshot.context.object);
  return eventsFor(snapshot).filter((e) => {
    if (!keep.has(e.type)) return false;
    // Spot health matters in Monitoring (and a healthy one before the checks); elsewhere its
    // branches only multiply the paths.
    if (e.type === 'SPOT_OBSERVED' && phase !== 'Monitoring' && phase !== 'Pending' && !(phase === 'ReadyForScaleDown' && g.isHealthy(e.observation))) return false;
    // A deleted ASG is one story of its own (missing, then missing again: Failed), told from a
    // Monitoring that has seen no health yet; anywhere else it would multiply every path.
    const { context } = snapshot;
    const missingStory = g.isHolder(context) && !context.pending && !context.object.status?.spotHealthySince && (!context.observation || context.asgMissingCount > 0);
    if (e.type === 'SPOT_OBSERVED' && e.observation.asgsNotFound && !missingStory) return false;
    // One clock step per phase: the one its story waits for.
    if (e.type === 'TICK' && !STORY_TICKS[phase].includes(e.now - snapshot.context.now)) return false;
    const next = coarseState(getNextSnapshot(fallbackEventMachine, snapshot, e));
    if (seen.has(next)) return false;
    seen.add(next);
    return true;
  });
}

/** The clock steps each phase's story waits for (health needs fresh observations, hence 15 s). */
const STORY_TICKS: Record<Phase, number[]> = {
  Pending: [11 * MIN, 1_000],
  Monitoring: [15_000, config.stabilityWindowMs],
  ReadyForScaleDown: [15_000],
  ScalingDown: [15_000],
  Completed: [25 * 60 * MIN],
  Failed: [25 * 60 * MIN],
};

/** For simple paths: where the actor is, whether it holds the claim and waits on a commit. */
export function coarseState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([
    snapshot.value,
    g.isHolder(c),
    pendingFacts(c.pending),
    Math.min(c.asgMissingCount, c.config.asgMissingObservations),
    !!c.object.status?.spotHealthySince,
    g.minimumWaitElapsed(c),
    // Only Pending's move waits for a look of its own; elsewhere freshlyHealthy says enough.
    g.phaseOf(c.object) === 'Pending' && g.observationFresh(c),
    g.freshlyHealthy(c),
    c.now - Date.parse(c.object.status?.spotHealthySince ?? '') >= c.config.stabilityWindowMs,
  ]);
}

export function storyModel(input: FallbackEventInput) {
  return createTestModel(fallbackEventMachine, {
    input,
    ...onlyOurEvents(storyEventsFor),
    serializeState: (snapshot) => coarseState(snapshot),
  });
}
