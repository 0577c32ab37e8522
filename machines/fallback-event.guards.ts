// Pure decisions of the fallback-event machine, each a function of the context (and event
// data). No logging, no clock: "now" is the time of the last TICK.
import { parseDuration } from '../crds/duration.js';
import { fitMessage } from '../crds/message.js';
import { BlockedReason, ConditionType, SCALE_DOWN_STEPS, TERMINAL_PHASES, type Phase, type SafetyCheck, type ScaleDownStepName } from '../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../crds/spotguardfallbackevent.types.js';
import type { FallbackEventConfig, FallbackEventContext, SpotObservation } from './fallback-event.types.js';

const ms = (timestamp: string | undefined): number | undefined => {
  if (!timestamp) return undefined;
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? undefined : t;
};

export function phaseOf(object: SpotGuardFallbackEvent): Phase {
  return object.status?.phase ?? 'Pending';
}

/** The first scale-down step not yet recorded as completed; undefined when all are. */
export function currentStep(object: SpotGuardFallbackEvent): ScaleDownStepName | undefined {
  return SCALE_DOWN_STEPS.find((step) => !object.status?.scaleDown?.[step]?.completedAt);
}

/**
 * Whether `object` is newer than the one the actor holds. Kubernetes calls resourceVersion
 * opaque; etcd-backed versions are increasing integers, and a watch that lags behind our own
 * commit must not roll the actor back. Non-numeric versions are taken as newer.
 */
export function isNewer(context: FallbackEventContext, object: SpotGuardFallbackEvent): boolean {
  const mine = Number(context.object.metadata?.resourceVersion);
  const theirs = Number(object.metadata?.resourceVersion);
  if (!Number.isFinite(mine) || !Number.isFinite(theirs)) return true;
  return theirs > mine;
}

/** How many agents, the first in an event's ranking, read its claim's Lease (FallbackEventConfig.claimStandbys). */
export const DEFAULT_CLAIM_STANDBYS = 3;

/**
 * When the current claim stops counting (epoch ms): its last sign of life, in status or in its
 * Lease, plus the lease; a released claim ends when it was released. undefined: no claim.
 */
export function claimEndsAt(context: FallbackEventContext): number | undefined {
  const claim = context.object.status?.claim;
  if (!claim) return undefined;
  const released = ms(claim.releasedAt);
  if (released !== undefined) return released;
  let renewed = ms(claim.renewedAt) ?? 0;
  const lease = context.lease;
  // The Lease counts only for the holder status names: a new holder may not have written it yet.
  if (lease?.holder === claim.holder && lease.renewedAt !== undefined && lease.renewedAt > renewed) renewed = lease.renewedAt;
  return renewed + claim.leaseSeconds * 1000;
}

/**
 * The claim is known to have lapsed: there is none, it was released, or a read of its Lease at
 * or after its end found no later renewal. Nobody watches the Lease, so an agent that has not
 * read it cannot tell a dead holder from a live one: for it the claim still counts.
 */
export function claimLapsed(context: FallbackEventContext): boolean {
  const end = claimEndsAt(context);
  if (end === undefined) return true;
  if (end > context.now) return false;
  if (context.object.status?.claim?.releasedAt) return true;
  return (context.lease?.readAt ?? -Infinity) >= end;
}

export function claimValid(context: FallbackEventContext): boolean {
  return !claimLapsed(context);
}

export function isHolder(context: FallbackEventContext): boolean {
  const end = claimEndsAt(context);
  return context.object.status?.claim?.holder === context.agent.id && end !== undefined && end > context.now;
}

/** The agent on the on-demand node being scaled down never holds the claim (it would drain itself). */
export function eligible(context: FallbackEventContext): boolean {
  return context.agent.nodeName !== context.object.spec.onDemandNodeName;
}

/**
 * The holder renews its claim's Lease every third of the lease (never the event itself, which
 * every agent watches: KEP-589's node heartbeats for the same reason), one write at a time.
 */
export function renewalDue(context: FallbackEventContext): boolean {
  const claim = context.object.status?.claim;
  const end = claimEndsAt(context);
  if (!claim || end === undefined || !isHolder(context) || context.leaseBusy) return false;
  return context.now - (end - claim.leaseSeconds * 1000) >= (context.config.claimLeaseSeconds * 1000) / 3;
}

/**
 * When this agent reads the claim's Lease once the claim, as it knows it, has ended (epoch ms):
 * the first stand-bys of the event's ranking at once (the k-th k turns later), every further one
 * a lease later than the one before it, so a holder whose first stand-bys are gone too (a node
 * Ready without a running agent) is still replaced, while the reads stay few however many agents
 * there are (about ln N per lease). An agent restarted in the holder's pod reads at once.
 */
export function leaseCheckAt(context: FallbackEventContext): number | undefined {
  const claim = context.object.status?.claim;
  const end = claimEndsAt(context);
  if (!claim || claim.releasedAt || end === undefined || !eligible(context)) return undefined;
  if (claim.holder === context.agent.id) return end;
  const rank = claimRank(context);
  const deeper = Math.max(0, rank - (context.config.claimStandbys ?? DEFAULT_CLAIM_STANDBYS) + 1);
  return end + rank * (context.config.claimTurnMs ?? 0) + deeper * claim.leaseSeconds * 1000;
}

/** The claim's Lease is to be read now: its time has come and it has not been read since the claim (as known) ended. */
export function leaseCheckDue(context: FallbackEventContext): boolean {
  const at = leaseCheckAt(context);
  const end = claimEndsAt(context);
  if (at === undefined || end === undefined || context.leaseBusy || isHolder(context)) return false;
  if ((context.lease?.readAt ?? -Infinity) >= end) return false;
  return context.now >= at;
}

/**
 * A free claim is tried by one agent first: this agent's place among the peers for this event
 * (rendezvous hashing: each peer's score is a hash of the event's name and the peer's node, the
 * highest first). The node of the event's on-demand instance is no candidate, nor is the node of
 * the holder being replaced; this agent's own node always is, so an agent on a node the peers do
 * not list yet comes last, not never.
 */
export function claimRank(context: FallbackEventContext): number {
  const peers = context.peers;
  if (!peers?.length) return 0;
  const event = context.object.metadata?.name ?? '';
  const own = context.agent.nodeName;
  const holderNode = context.object.status?.claim?.holderNode;
  const candidates = new Set(peers.filter((p) => p !== context.object.spec.onDemandNodeName && p !== holderNode));
  candidates.add(own);
  const mine = score(event, own);
  let rank = 0;
  for (const peer of candidates) {
    const theirs = score(event, peer);
    if (theirs > mine || (theirs === mine && peer < own)) rank++;
  }
  return rank;
}

/**
 * FNV-1a, 32 bits, then MurmurHash3's finaliser: a stable spread of names, nothing secret.
 * FNV-1a alone mixes its last characters too little, so nodes named in sequence
 * (ip-10-0-1-17, ip-10-0-1-18) ranked close together: with agents on only some of those nodes,
 * the first of them could come dozens of turns down the line.
 */
function score(event: string, node: string): number {
  let h = 0x811c9dc5;
  for (const c of `${event}\n${node}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * This agent's turn has come: its rank's share of turns has passed since `since`, or since the
 * actor was created if that is later (a restart finds every deadline past, yet no herd follows).
 */
function turnCome(context: FallbackEventContext, since: number | undefined): boolean {
  const turn = context.config.claimTurnMs ?? 0;
  if (turn <= 0 || since === undefined) return true;
  return context.now >= Math.max(since, context.seenAt ?? -Infinity) + claimRank(context) * turn;
}

/** When the claim became free: when the last one ended, else when the event was created. */
function claimFreeSince(context: FallbackEventContext): number | undefined {
  return claimEndsAt(context) ?? ms(context.object.metadata?.creationTimestamp?.toString());
}

export function canClaim(context: FallbackEventContext): boolean {
  return eligible(context) && claimLapsed(context) && turnCome(context, claimFreeSince(context));
}

/**
 * Nobody holds a Pending event: there is nothing to do until its deadline. Whoever's turn it is
 * acts then (the holder of a claim an older agent took, else the first in the ranking, the
 * others a turn later each), and the commit that moves it on takes the claim with it.
 */
function pendingTurn(context: FallbackEventContext, since: number | undefined): boolean {
  if (isHolder(context)) return true;
  const free = claimFreeSince(context);
  const from = context.object.status?.claim && free !== undefined && since !== undefined ? Math.max(since, free) : since;
  return eligible(context) && claimLapsed(context) && turnCome(context, from);
}

/**
 * The minimum wait is over and it is this agent's turn to start monitoring (taking the claim):
 * it observes spot (a trusted spec only), so that the commit of Monitoring carries what it saw.
 */
export function monitoringTurn(context: FallbackEventContext): boolean {
  return phaseOf(context.object) === 'Pending' && minimumWaitElapsed(context) && untrustedReason(context) === undefined && pendingTurn(context, minimumWaitEndsAt(context));
}

/** This agent's own observation of spot is fresh enough to record. */
export function observationFresh(context: FallbackEventContext): boolean {
  const o = context.observation;
  return !!o && context.now - o.observedAt <= context.config.healthStaleAfterMs;
}

/** Its turn has come and it has seen spot: Monitoring, the claim and its first look go in one write. */
export function monitoringDue(context: FallbackEventContext): boolean {
  return monitoringTurn(context) && observationFresh(context);
}

/** The spec is untrusted and this agent is the one to fail the event: its holder, or in Pending the agent whose turn it is. */
export function failDue(context: FallbackEventContext): boolean {
  if (untrustedReason(context) === undefined) return false;
  if (isHolder(context)) return true;
  return phaseOf(context.object) === 'Pending' && pendingTurn(context, ms(context.object.metadata?.creationTimestamp?.toString()));
}

/**
 * Why the event must not be acted on, judged from its spec and our configuration alone
 * (the node and instance checks need I/O and run with the safety checks). undefined: trusted.
 */
export function untrustedReason(context: FallbackEventContext): string | undefined {
  const { spec } = context.object;
  const pair = context.config.asgPairs.find((p) => p.spot === spec.spotASGName);
  if (!pair) return `spot ASG ${spec.spotASGName} is not in the configured ASG pairs`;
  if (pair.onDemand !== spec.onDemandASGName) {
    return `on-demand ASG ${spec.onDemandASGName} is not the configured pair of ${spec.spotASGName} (${pair.onDemand})`;
  }
  if (!spec.onDemandInstanceID) return 'spec.onDemandInstanceID is missing: the instance to terminate is unknown';
  if (spec.minimumWaitDuration !== undefined && parseDuration(spec.minimumWaitDuration) === undefined) {
    return `spec.minimumWaitDuration ${spec.minimumWaitDuration} is not a duration`;
  }
  if (ms(spec.timestamp) === undefined) return `spec.timestamp ${spec.timestamp} is not a time`;
  return undefined;
}

export function minimumWaitMs(context: FallbackEventContext): number {
  const text = context.object.spec.minimumWaitDuration;
  return (text !== undefined ? parseDuration(text) : undefined) ?? context.config.minimumWaitMs;
}

/** When the minimum wait ends (epoch ms); undefined when spec.timestamp is not a time. */
export function minimumWaitEndsAt(context: FallbackEventContext): number | undefined {
  const start = ms(context.object.spec.timestamp);
  return start === undefined ? undefined : start + minimumWaitMs(context);
}

export function minimumWaitElapsed(context: FallbackEventContext): boolean {
  const end = minimumWaitEndsAt(context);
  return end !== undefined && context.now >= end;
}

/**
 * Spot is restored when the ASG has all it wants InService, nothing is scaling, and every
 * spot node Kubernetes knows is Ready (a node still registered but NotReady, such as the
 * interrupted one, keeps it unhealthy). An ASG that wants nothing has not restored anything.
 */
export function isHealthy(o: SpotObservation): boolean {
  return (
    o.desired >= 1 &&
    o.inService === o.desired &&
    o.activitiesInProgress === 0 &&
    o.nodesReady === o.nodesTotal &&
    o.nodesTotal >= o.inService
  );
}

/** The freshest observation: the actor's own, else the one the last holder recorded. */
export function latestObservation(context: FallbackEventContext): SpotObservation | undefined {
  if (context.observation) return context.observation;
  const h = context.object.status?.spotHealth;
  const observedAt = ms(h?.observedAt);
  if (!h || observedAt === undefined) return undefined;
  return {
    inService: h.inService,
    desired: h.desired,
    activitiesInProgress: h.activitiesInProgress,
    nodesReady: h.nodesReady ?? 0,
    nodesTotal: h.nodesTotal ?? 0,
    observedAt,
  };
}

export function freshlyHealthy(context: FallbackEventContext): boolean {
  const o = latestObservation(context);
  return !!o && context.now - o.observedAt <= context.config.healthStaleAfterMs && isHealthy(o);
}

/** Healthy now, but the window has not been started. */
export function healthBegan(context: FallbackEventContext, o: SpotObservation): boolean {
  return isHealthy(o) && !context.object.status?.spotHealthySince;
}

/**
 * The holder has not recorded what it sees of spot since it took the claim. Later observations
 * are recorded only when health begins or is lost: the figures of a spot ASG in a shortage move
 * with every launch it retries, and each write would reach every agent.
 */
export function firstLookDue(context: FallbackEventContext): boolean {
  const status = context.object.status;
  const acquired = ms(status?.claim?.acquiredAt);
  const seen = status?.spotHealth;
  if (!seen || seen.observedBy !== context.agent.id) return true;
  const observed = ms(seen.observedAt);
  // The commit that takes the claim carries an observation made just before it.
  return acquired !== undefined && observed !== undefined && observed < acquired - context.config.healthStaleAfterMs;
}

/** Unhealthy now while a window was running: it restarts. */
export function healthLost(context: FallbackEventContext, o: SpotObservation): boolean {
  return !isHealthy(o) && !!context.object.status?.spotHealthySince;
}

export function stableLongEnough(context: FallbackEventContext): boolean {
  const since = ms(context.object.status?.spotHealthySince);
  return since !== undefined && freshlyHealthy(context) && context.now - since >= context.config.stabilityWindowMs;
}

export function checksDue(context: FallbackEventContext): boolean {
  return context.lastCheckAt === undefined || context.now - context.lastCheckAt >= context.config.recheckIntervalMs;
}

/** The reason of SafetyChecksPassed=False: the check that blocked (BlockedReason), 'Blocked' when it is not known. */
export function blockedReason(check: SafetyCheck | undefined): string {
  return check ? BlockedReason[check] : 'Blocked';
}

/**
 * Whether the event already records this block: SafetyChecksPassed=False with the blocking
 * check as its reason and the checks' words as its message. Read from the condition, never
 * from status.message, so a repeated block costs no write (invariant 10) and a new one is
 * recorded. Reaching ReadyForScaleDown sets the condition to Unknown, so the first block of
 * each round is recorded even when it is the same as an earlier round's.
 */
export function blockRecorded(object: SpotGuardFallbackEvent, reason: string, check?: SafetyCheck): boolean {
  const condition = object.status?.conditions?.find((c) => c.type === ConditionType.SafetyChecksPassed);
  return condition?.status === 'False' && condition.reason === blockedReason(check) && condition.message === fitMessage(reason);
}

/**
 * The pause after the `failures`-th failure in a row of a step: the retry backoff, doubled with
 * each further failure, never more than the cap. Capped exponential, as client-go's workqueue
 * and Karpenter back off: an outage of hours costs a few attempts an hour, not one every 30 s.
 */
export function retryDelayMs(config: FallbackEventConfig, failures: number): number {
  const doublings = Math.min(Math.max(0, failures - 1), 30);
  return Math.min(config.stepRetryMaxBackoffMs, config.stepRetryBackoffMs * 2 ** doublings);
}

/**
 * Whether `step` (or the rollback) may be tried now: not before the next attempt's time its last
 * failure recorded in status (so an agent that takes the claim over keeps the same backoff), nor
 * within one backoff of a failure this actor saw but could not record.
 */
export function stepRetryDue(context: FallbackEventContext, step: ScaleDownStepName | 'rollback'): boolean {
  const next = ms(context.object.status?.scaleDown?.[step]?.nextAttemptAt);
  const recorded = next === undefined || context.now >= next;
  const mine = context.lastStepFailureAt === undefined || context.now - context.lastStepFailureAt >= context.config.stepRetryBackoffMs;
  return recorded && mine;
}

/** Whether a step that failed `attempts` times in a row should be looked at by a person (it is retried all the same). */
export function needsAttention(config: FallbackEventConfig, attempts: number): boolean {
  return attempts >= config.maxStepAttempts;
}

/** A rollback was asked for (a final failure in ScalingDown) and is not done yet. */
export function rollbackPending(object: SpotGuardFallbackEvent): boolean {
  const rollback = object.status?.scaleDown?.rollback;
  return !!rollback && !rollback.completedAt;
}

/** The step (or the rollback) of an event in ScalingDown that failed and waits for its next attempt, with its attempts so far. */
export function retryingStep(object: SpotGuardFallbackEvent): { step: ScaleDownStepName | 'rollback'; attempts: number; nextAttemptAt: string } | undefined {
  if (phaseOf(object) !== 'ScalingDown') return undefined;
  const step = rollbackPending(object) ? 'rollback' : currentStep(object);
  const record = step ? object.status?.scaleDown?.[step] : undefined;
  return step && record?.nextAttemptAt ? { step, attempts: record.attempts ?? 0, nextAttemptAt: record.nextAttemptAt } : undefined;
}

/**
 * An ASG of the event is gone: the holder's observations found it missing `asgMissingObservations`
 * times in a row, this one included. A single empty answer is not enough (an eventually
 * consistent read, a proxy answering for AWS); an ASG that is really deleted stays missing.
 */
export function asgGone(context: FallbackEventContext, o: SpotObservation): boolean {
  return (o.asgsNotFound?.length ?? 0) > 0 && context.asgMissingCount + 1 >= context.config.asgMissingObservations;
}

export function isTerminal(object: SpotGuardFallbackEvent): boolean {
  return TERMINAL_PHASES.includes(phaseOf(object));
}

/** A Completed or Failed event past its TTL, counted from completionTime (else creation). */
export function expired(context: FallbackEventContext): boolean {
  const end = expiresAt(context);
  return isTerminal(context.object) && end !== undefined && context.now >= end;
}

function expiresAt(context: FallbackEventContext): number | undefined {
  const { object } = context;
  const end = ms(object.status?.completionTime) ?? ms(object.metadata?.creationTimestamp?.toString());
  return end === undefined ? undefined : end + context.config.ttlMs;
}

/** Deleting is left to the holder while its claim is valid, and open to any agent after, in turn. */
export function mayDelete(context: FallbackEventContext): boolean {
  if (!expired(context)) return false;
  return isHolder(context) || (!claimValid(context) && turnCome(context, expiresAt(context)));
}
