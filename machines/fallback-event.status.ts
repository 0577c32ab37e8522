// Pure builders of the next status to commit. Each starts from the latest object's status,
// so a commit never drops what another agent recorded, and renews the holder's claim.
import { formatDuration } from '../crds/duration.js';
import { fitMessage } from '../crds/message.js';
import { ConditionType, SCALE_DOWN_STEPS, type SafetyCheck, type ScaleDownStepName } from '../crds/phases.js';
import type { Condition, EvictedPods, FallbackEventStatus } from '../crds/spotguardfallbackevent.types.js';
import { blockedReason, isHealthy, minimumWaitMs, needsAttention, retryDelayMs } from './fallback-event.guards.js';
import type { FallbackEventContext, SpotObservation } from './fallback-event.types.js';

const iso = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const STEP_TITLES: Record<ScaleDownStepName, string> = {
  taint: 'tainted',
  cordon: 'cordoned',
  drain: 'drained',
  waitForReschedule: 'pods rescheduled from',
  terminate: 'terminated the instance of',
};

export function withCondition(
  status: FallbackEventStatus,
  type: ConditionType,
  value: Condition['status'],
  reason: string,
  message: string,
  now: number,
): FallbackEventStatus {
  const existing = status.conditions ?? [];
  const previous = existing.find((c) => c.type === type);
  const condition: Condition = {
    type,
    status: value,
    reason,
    message: fitMessage(message),
    // Only a change of status is a transition.
    lastTransitionTime: previous && previous.status === value ? previous.lastTransitionTime : iso(now),
  };
  return { ...status, conditions: [...existing.filter((c) => c.type !== type), condition] };
}

/**
 * The current status with this agent's claim taken or renewed. While spot is watched, the
 * holder's latest observation goes with it, so every agent and `kubectl describe` see what
 * the holder saw (invariant 8: the others never ask AWS themselves).
 */
export function claimed(context: FallbackEventContext): FallbackEventStatus {
  const status = context.object.status ?? {};
  // A claim this agent released and takes again is a new one.
  const mine = status.claim?.holder === context.agent.id && !status.claim.releasedAt;
  const o = context.observation;
  const watching = status.phase === 'Monitoring' || status.phase === 'ReadyForScaleDown';
  const newer = o !== undefined && watching && !(Date.parse(status.spotHealth?.observedAt ?? '') >= o.observedAt);
  return {
    ...status,
    ...(newer ? { spotHealth: healthRecord(context, o, isHealthy(o)) } : {}),
    claim: {
      holder: context.agent.id,
      holderNode: context.agent.nodeName,
      acquiredAt: mine && status.claim ? status.claim.acquiredAt : iso(context.now),
      renewedAt: iso(context.now),
      leaseSeconds: context.config.claimLeaseSeconds,
    },
  };
}

/** The holder's first look at spot since it took the claim, recorded for people and the other agents (invariant 8). */
export function firstLook(context: FallbackEventContext, o: SpotObservation): FallbackEventStatus {
  return { ...claimed(context), spotHealth: healthRecord(context, o, isHealthy(o)) };
}

function healthRecord(context: FallbackEventContext, o: SpotObservation, healthy: boolean): FallbackEventStatus['spotHealth'] {
  return {
    inService: o.inService,
    desired: o.desired,
    activitiesInProgress: o.activitiesInProgress,
    nodesReady: o.nodesReady,
    nodesTotal: o.nodesTotal,
    healthy,
    observedAt: iso(o.observedAt),
    observedBy: context.agent.id,
  };
}

function describe(context: FallbackEventContext, o: SpotObservation): string {
  return `spot ASG ${context.object.spec.spotASGName} (InService: ${o.inService}, Desired: ${o.desired}, activities in progress: ${o.activitiesInProgress}, nodes Ready: ${o.nodesReady}/${o.nodesTotal})`;
}

/** What a Monitoring event waits for while spot is not healthy, as `kubectl describe` shows it. */
function waitingForHealth(context: FallbackEventContext): string {
  return `waiting for every instance InService, none launching and every node Ready, then ${formatDuration(context.config.stabilityWindowMs)} of it`;
}

/**
 * Monitoring, with the claim and what this agent saw of spot just before (its first look): when
 * spot is already healthy the stability window starts with it.
 */
export function toMonitoring(context: FallbackEventContext): FallbackEventStatus {
  const o = context.observation;
  const waited = `Minimum wait time (${formatDuration(minimumWaitMs(context))}) elapsed`;
  const status: FallbackEventStatus = { ...claimed(context), phase: 'Monitoring', message: `${waited}; ${waitingForHealth(context)}` };
  if (!o) return status;
  const healthy = isHealthy(o);
  return {
    ...status,
    spotHealth: healthRecord(context, o, healthy),
    ...(healthy ? { spotHealthySince: iso(o.observedAt) } : {}),
    message: healthy
      ? `${waited}; healthy: ${describe(context, o)}; waiting ${formatDuration(context.config.stabilityWindowMs)} for it to stay stable`
      : `${waited}; not healthy: ${describe(context, o)}; ${waitingForHealth(context)}`,
  };
}

export function healthStarted(context: FallbackEventContext, o: SpotObservation): FallbackEventStatus {
  return {
    ...claimed(context),
    spotHealthySince: iso(o.observedAt),
    spotHealth: healthRecord(context, o, true),
    message: `Healthy: ${describe(context, o)}; waiting ${formatDuration(context.config.stabilityWindowMs)} for it to stay stable`,
  };
}

export function healthLostStatus(context: FallbackEventContext, o: SpotObservation): FallbackEventStatus {
  const { spotHealthySince: _dropped, ...rest } = claimed(context);
  return {
    ...rest,
    phase: 'Monitoring',
    spotCapacityRestored: false,
    spotHealth: healthRecord(context, o, false),
    message: `Not healthy: ${describe(context, o)}; stability window restarted, ${waitingForHealth(context)}`,
  };
}

/** SafetyChecksPassed's reason while the checks of this ReadyForScaleDown have not run yet. */
export const NOT_CHECKED = 'NotChecked';

export function toReadyForScaleDown(context: FallbackEventContext): FallbackEventStatus {
  const restored = withCondition(
    claimed(context),
    ConditionType.SpotRestored,
    'True',
    'StableForWindow',
    `spot ASG healthy for at least ${formatDuration(context.config.stabilityWindowMs)}`,
    context.now,
  );
  // What an earlier round's checks found no longer holds: the checks run again from here.
  const status = withCondition(restored, ConditionType.SafetyChecksPassed, 'Unknown', NOT_CHECKED, 'the safety checks have not run since spot was restored', context.now);
  return { ...status, phase: 'ReadyForScaleDown', spotCapacityRestored: true, message: 'Spot capacity restored and stable, ready for scale-down' };
}

/** The event's message while the safety checks block it, for people; the condition carries the facts. */
export function blockedMessage(reason: string): string {
  return fitMessage(`Scale-down waits: ${reason}`);
}

/**
 * SafetyChecksPassed=False: its reason names the check that blocked (BlockedReason; 'Blocked'
 * when it is not known), its message the checks' words. guards.blockRecorded reads it back.
 */
export function checksBlocked(context: FallbackEventContext, reason: string, check?: SafetyCheck): FallbackEventStatus {
  const status = withCondition(claimed(context), ConditionType.SafetyChecksPassed, 'False', blockedReason(check), reason, context.now);
  return { ...status, message: blockedMessage(reason) };
}

export function toScalingDown(context: FallbackEventContext): FallbackEventStatus {
  const status = withCondition(claimed(context), ConditionType.SafetyChecksPassed, 'True', 'Passed', 'pods fit elsewhere, PDBs allow, capacity buffer kept', context.now);
  return {
    ...status,
    phase: 'ScalingDown',
    scaleDownInitiated: true,
    scaleDown: { ...status.scaleDown, startedAt: iso(context.now) },
    message: 'Safety checks passed, scaling down on-demand node',
  };
}

/** The schema's cap on status.scaleDown.evicted. */
export const MAX_EVICTED_RECORDS = 256;

/**
 * status.scaleDown.evicted with what one drain attempt evicted added: a controller seen before
 * adds its count and keeps the earliest start, so that a drain retried after a timeout still
 * waits for the replacements of what its first attempt evicted.
 */
export function withReplaced(status: FallbackEventStatus, replaced: readonly EvictedPods[] | undefined): FallbackEventStatus {
  if (!replaced || replaced.length === 0) return status;
  const merged = new Map((status.scaleDown?.evicted ?? []).map((r) => [r.uid, { ...r }]));
  for (const r of replaced) {
    const known = merged.get(r.uid);
    if (!known) merged.set(r.uid, { ...r });
    else merged.set(r.uid, { ...known, pods: known.pods + r.pods, since: Date.parse(r.since) < Date.parse(known.since) ? r.since : known.since });
  }
  // Beyond the cap (hundreds of controllers on one node) the rest would make the write invalid.
  return { ...status, scaleDown: { ...status.scaleDown, evicted: [...merged.values()].slice(0, MAX_EVICTED_RECORDS) } };
}

/**
 * `step` done. `dryRun`: it was only logged (SPOT_GUARD_DRY_RUN); the record says so in its
 * `dryRun` field, and a dry-run terminate completes the event with ScaledDown=False (DryRun).
 */
export function stepCompleted(context: FallbackEventContext, step: ScaleDownStepName, detail?: string, replaced?: readonly EvictedPods[], dryRun = false): FallbackEventStatus {
  const recorded = context.object.status?.scaleDown?.[step]?.attempts ?? 0;
  const status = retryEnded(withReplaced(claimed(context), replaced), `${step} succeeded after ${recorded + 1} attempts`, context.now);
  const index = SCALE_DOWN_STEPS.indexOf(step) + 1;
  const { nextAttemptAt: _due, ...previous } = status.scaleDown?.[step] ?? {};
  const next: FallbackEventStatus = {
    ...status,
    scaleDown: {
      ...status.scaleDown,
      [step]: {
        ...previous,
        startedAt: previous.startedAt ?? iso(context.stepStartedAt ?? context.now),
        completedAt: iso(context.now),
        attempts: (previous.attempts ?? 0) + 1,
        by: context.agent.id,
        message: detail === undefined ? previous.message : fitMessage(detail),
        ...(dryRun ? { dryRun: true } : {}),
      },
    },
    message: fitMessage(`Step ${index}/${SCALE_DOWN_STEPS.length}: ${STEP_TITLES[step]} node ${context.object.spec.onDemandNodeName}${detail ? ` (${detail})` : ''}`),
  };
  if (step !== 'terminate') return next;
  // A dry-run agent reports every step as done without doing it: say so where people look.
  const { claim: _released, ...done } = withCondition(
    next,
    ConditionType.ScaledDown,
    dryRun ? 'False' : 'True',
    dryRun ? 'DryRun' : 'InstanceTerminated',
    dryRun ? `dry run: instance ${context.object.spec.onDemandInstanceID} left running` : `instance ${context.object.spec.onDemandInstanceID} terminated`,
    context.now,
  );
  const message = dryRun ? 'Dry run complete: every scale-down step was logged, nothing was changed' : 'On-demand node successfully scaled down';
  return { ...done, phase: 'Completed', completionTime: iso(context.now), message };
}

/** A condition reason from a failure code: the schema allows letters, digits, `_`, `,` and `:` only. */
export function reasonOf(code: string): string {
  const reason = code.replace(/[^A-Za-z0-9_,:]/g, '').replace(/^[^A-Za-z]+/, '').replace(/[,:]+$/, '').slice(0, 128);
  return reason || 'Failed';
}

/** StepRetrying, if it says a retry is under way, turned False: what it was about succeeded (or gave up). */
function retryEnded(status: FallbackEventStatus, message: string, now: number, reason = 'Succeeded'): FallbackEventStatus {
  const retrying = status.conditions?.find((c) => c.type === ConditionType.StepRetrying);
  return retrying?.status === 'True' ? withCondition(status, ConditionType.StepRetrying, 'False', reason, message, now) : status;
}

/** StepRetrying=True: what failed, how often, and when it is tried again; a person is asked to look once it keeps failing. */
function retrying(status: FallbackEventStatus, context: FallbackEventContext, what: string, attempts: number, nextAt: number, code: string, message: string): FallbackEventStatus {
  const attention = needsAttention(context.config, attempts) ? '; needs attention: it keeps failing (it is still retried)' : '';
  const text = `${what} failed ${attempts} ${attempts === 1 ? 'time' : 'times'} in a row (${code}), next attempt at ${iso(nextAt)}${attention}: ${message}`;
  return withCondition(status, ConditionType.StepRetrying, 'True', reasonOf(code), text, context.now);
}

/**
 * A failure of `step` that retrying can fix: the attempt is recorded with the time of the next
 * one (capped exponential backoff), which any holder waits for, and StepRetrying says so.
 */
export function stepFailed(context: FallbackEventContext, step: ScaleDownStepName, code: string, message: string, replaced?: readonly EvictedPods[]): FallbackEventStatus {
  const status = withReplaced(claimed(context), replaced);
  const previous = status.scaleDown?.[step] ?? {};
  const attempts = (previous.attempts ?? 0) + 1;
  const delay = retryDelayMs(context.config, attempts);
  const record = {
    ...previous,
    startedAt: previous.startedAt ?? iso(context.stepStartedAt ?? context.now),
    attempts,
    nextAttemptAt: iso(context.now + delay),
    by: context.agent.id,
    message: fitMessage(message),
  };
  return {
    ...retrying(status, context, `step ${step}`, attempts, context.now + delay, code, message),
    scaleDown: { ...status.scaleDown, [step]: record },
    message: fitMessage(`Step ${SCALE_DOWN_STEPS.indexOf(step) + 1}/${SCALE_DOWN_STEPS.length} (${step}) failed, retrying in ${formatDuration(delay)}: ${message}`),
  };
}

/** Failed, with the reason, the claim released and the TTL clock started. */
export function toFailed(context: FallbackEventContext, reason: string, conditionType: ConditionType = ConditionType.Trusted): FallbackEventStatus {
  return failed(context.object.status ?? {}, reason, conditionType, 'Failed', context.now);
}

function failed(from: FallbackEventStatus, reason: string, conditionType: ConditionType, conditionReason: string, now: number, message = reason): FallbackEventStatus {
  const { claim: _released, ...status } = withCondition(from, conditionType, 'False', conditionReason, reason, now);
  return { ...status, phase: 'Failed', completionTime: iso(now), message: fitMessage(message) };
}

/**
 * An ASG of the event no longer exists: Failed, touching nothing (in Monitoring and
 * ReadyForScaleDown nothing has been done to the on-demand node yet).
 */
export function asgNotFound(context: FallbackEventContext, asgs: readonly string[]): FallbackEventStatus {
  const { spec } = context.object;
  const named = asgs.map((asg) => `${asg === spec.spotASGName ? 'spot' : asg === spec.onDemandASGName ? 'on-demand' : ''} ASG ${asg}`.trim()).join(' and ');
  const n = context.config.asgMissingObservations;
  const reason = `${named} no longer ${asgs.length > 1 ? 'exist' : 'exists'}: DescribeAutoScalingGroups returned no such group ${n} ${n === 1 ? 'time' : 'times'} in a row; nothing was changed, on-demand node ${spec.onDemandNodeName} is left as it is`;
  return failed(context.object.status ?? {}, reason, ConditionType.AsgFound, 'AsgNotFound', context.now);
}

/**
 * A failure of the scale-down that retrying cannot fix (untrusted, the instance in another
 * group, refused for good): before the event is committed Failed, what this event did to the
 * node is undone. The request is recorded first, so the agent that holds the claim when it
 * runs, whichever it is, finishes it. `step` is the step whose attempt failed, if one did.
 */
export function rollbackRequested(context: FallbackEventContext, reason: string, step?: ScaleDownStepName): FallbackEventStatus {
  let status = retryEnded(claimed(context), `given up: ${reason}`, context.now, 'NotRetryable');
  if (step) {
    const previous = status.scaleDown?.[step] ?? {};
    const { nextAttemptAt: _due, ...kept } = previous;
    const record = { ...kept, startedAt: previous.startedAt ?? iso(context.stepStartedAt ?? context.now), attempts: (previous.attempts ?? 0) + 1, by: context.agent.id, message: fitMessage(reason) };
    status = { ...status, scaleDown: { ...status.scaleDown, [step]: record } };
  }
  return {
    ...status,
    scaleDown: { ...status.scaleDown, rollback: { reason: fitMessage(reason), requestedAt: iso(context.now) } },
    message: fitMessage(`Scale-down failed, undoing what it did to node ${context.object.spec.onDemandNodeName}: ${reason}`),
  };
}

/** A rollback attempt failed in a way that retrying can fix: tried again after the same backoff as a step. */
export function rollbackFailed(context: FallbackEventContext, code: string, message: string, untainted = false): FallbackEventStatus {
  const status = claimed(context);
  const previous = status.scaleDown?.rollback ?? { reason: 'scale-down failed', requestedAt: iso(context.now) };
  const attempts = (previous.attempts ?? 0) + 1;
  const delay = retryDelayMs(context.config, attempts);
  const node = context.object.spec.onDemandNodeName;
  return {
    ...retrying(status, context, `undoing the scale-down of node ${node}`, attempts, context.now + delay, code, message),
    scaleDown: {
      ...status.scaleDown,
      rollback: { ...previous, attempts, nextAttemptAt: iso(context.now + delay), by: context.agent.id, message: fitMessage(message), ...(untainted || previous.untainted ? { untainted: true } : {}) },
    },
    message: fitMessage(`Undoing the scale-down of node ${node} failed, retrying in ${formatDuration(delay)}: ${message}`),
  };
}

/** The rollback is done (or found nothing of this event's to undo): Failed, with what was undone. */
export function rolledBack(context: FallbackEventContext, untainted: boolean, uncordoned: boolean, detail: string): FallbackEventStatus {
  const status = retryEnded(context.object.status ?? {}, `rollback succeeded: ${detail}`, context.now);
  const previous = status.scaleDown?.rollback ?? { reason: 'scale-down failed', requestedAt: iso(context.now) };
  const { nextAttemptAt: _due, ...kept } = previous;
  // A taint removed by an earlier attempt that then failed counts: the record says what was undone.
  const wasUntainted = untainted || previous.untainted === true;
  const rollback = { ...kept, completedAt: iso(context.now), attempts: (previous.attempts ?? 0) + 1, by: context.agent.id, untainted: wasUntainted, uncordoned, message: fitMessage(detail) };
  const withRecord = withCondition(
    { ...status, scaleDown: { ...status.scaleDown, rollback } },
    ConditionType.RolledBack,
    'True',
    wasUntainted || uncordoned ? 'NodeRestored' : 'NothingToUndo',
    detail,
    context.now,
  );
  return failed(withRecord, previous.reason, ConditionType.ScaledDown, 'Failed', context.now, `${previous.reason}; ${detail}`);
}

/** The rollback itself failed for good (refused): Failed, saying plainly what may be left on the node. */
export function rollbackGaveUp(context: FallbackEventContext, code: string, message: string): FallbackEventStatus {
  const status = retryEnded(context.object.status ?? {}, `rollback refused: ${message}`, context.now, 'NotRetryable');
  const previous = status.scaleDown?.rollback ?? { reason: 'scale-down failed', requestedAt: iso(context.now) };
  const node = context.object.spec.onDemandNodeName;
  const left = `node ${node} may still carry Spot Guard's scale-down taint or cordon, remove them by hand (kubectl uncordon ${node}): ${message}`;
  const rollback = { ...previous, attempts: (previous.attempts ?? 0) + 1, by: context.agent.id, message: fitMessage(message) };
  const withRecord = withCondition({ ...status, scaleDown: { ...status.scaleDown, rollback } }, ConditionType.RolledBack, 'False', 'RollbackFailed', `${code}: ${left}`, context.now);
  return failed(withRecord, previous.reason, ConditionType.ScaledDown, 'Failed', context.now, `${previous.reason}; ${left}`);
}

/** Why a Failed event failed, for a metric's label: its ASG was gone, its scale-down failed (and was rolled back), or it was not trusted. */
export function failureCause(status: FallbackEventStatus | undefined): 'AsgNotFound' | 'ScaleDownFailed' | 'Untrusted' {
  if (status?.conditions?.some((c) => c.type === ConditionType.AsgFound && c.status === 'False')) return 'AsgNotFound';
  if (status?.scaleDown?.rollback) return 'ScaleDownFailed';
  return 'Untrusted';
}
