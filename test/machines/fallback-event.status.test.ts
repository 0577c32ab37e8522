// Status builders: what a claim renewal carries.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import type { FallbackEventStatus } from '../../crds/spotguardfallbackevent.types.js';
import { MESSAGE_MAX_LENGTH, fitMessage } from '../../crds/message.js';
import { SCALE_DOWN_STEPS } from '../../crds/phases.js';
import { openApiSchema } from '../../crds/schema.js';
import { validateFallbackEvent } from '../../crds/validate.js';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { BlockedReason } from '../../crds/phases.js';
import type { EvictedPods } from '../../crds/spotguardfallbackevent.types.js';
import {
  asgNotFound,
  blockedMessage,
  checksBlocked,
  claimed,
  failureCause,
  MAX_EVICTED_RECORDS,
  NOT_CHECKED,
  reasonOf,
  rollbackFailed,
  rollbackGaveUp,
  rollbackRequested,
  rolledBack,
  stepCompleted,
  stepFailed,
  toFailed,
  toMonitoring,
  toReadyForScaleDown,
} from '../../machines/fallback-event.status.js';
import type { FallbackEventContext, SpotObservation } from '../../machines/fallback-event.types.js';
import { agentB, config, iso, observation, seedEvent, T0 } from './fixtures.js';

const test = suite('fallback-event status builders');

function ctx(status: FallbackEventStatus, o: SpotObservation | undefined): FallbackEventContext {
  return { object: seedEvent(status), agent: agentB, config, now: T0, observation: o, pending: undefined, lastCheckAt: undefined, lastStepFailureAt: undefined, stepStartedAt: undefined, asgMissingCount: 0, lease: undefined, leaseBusy: false };
}

test('Monitoring is committed with the claim and the first look at spot; a healthy look starts the stability window', () => {
  const unhealthy = toMonitoring(ctx({ phase: 'Pending' }, observation(false, T0 - 1000)));
  assert.is(unhealthy.phase, 'Monitoring');
  assert.is(unhealthy.claim?.holder, agentB.id);
  assert.is(unhealthy.spotHealth?.healthy, false);
  assert.is(unhealthy.spotHealth?.observedBy, agentB.id);
  assert.is(unhealthy.spotHealthySince, undefined);
  assert.match(unhealthy.message ?? '', 'not healthy');
  const healthy = toMonitoring(ctx({ phase: 'Pending' }, observation(true, T0 - 1000)));
  assert.is(healthy.spotHealthySince, iso(T0 - 1000), 'the window starts at the look');
  assert.is(healthy.spotHealth?.healthy, true);
  assert.is(validateFallbackEvent({ ...seedEvent(), status: healthy }).ok, true, 'valid against the CRD schema');
});

test('a renewal while spot is watched records the holder\'s latest observation, healthy or not', () => {
  const status = claimed(ctx({ phase: 'Monitoring' }, observation(false, T0 - 1000)));
  assert.equal(status.spotHealth, { inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, healthy: false, observedAt: iso(T0 - 1000), observedBy: agentB.id });
  assert.is(status.claim?.holder, agentB.id);
  assert.is(status.spotHealthySince, undefined, 'an unhealthy observation starts no window');
});

test('an observation no newer than the recorded one leaves spotHealth as it is', () => {
  const recorded = { inService: 3, desired: 3, activitiesInProgress: 0, healthy: true, observedAt: iso(T0), observedBy: 'spot-guard-c' };
  assert.equal(claimed(ctx({ phase: 'Monitoring', spotHealth: recorded }, observation(false, T0 - 5000))).spotHealth, recorded);
});

test('outside Monitoring and ReadyForScaleDown a renewal records no observation', () => {
  assert.is(claimed(ctx({ phase: 'Pending' }, observation(true, T0))).spotHealth, undefined);
  assert.is(claimed(ctx({ phase: 'ScalingDown' }, observation(true, T0))).spotHealth, undefined);
});

test('the terminate step completes the event; a dry run says that nothing was changed', () => {
  const real = stepCompleted(ctx({ phase: 'ScalingDown' }, undefined), 'terminate', 'instance i-0987654321fedcba0 terminated');
  assert.is(real.phase, 'Completed');
  assert.is(real.message, 'On-demand node successfully scaled down');
  assert.is(real.conditions?.find((c) => c.type === 'ScaledDown')?.status, 'True');
  assert.is(real.claim, undefined, 'the claim is released with the last step');
  assert.is(real.scaleDown?.terminate?.dryRun, undefined, 'a real step records no dryRun');
  const dry = stepCompleted(ctx({ phase: 'ScalingDown' }, undefined), 'terminate', 'dry run: would terminate instance i-0987654321fedcba0', undefined, true);
  assert.is(dry.phase, 'Completed');
  assert.match(dry.message ?? '', /^Dry run complete/);
  assert.equal(dry.conditions?.find((c) => c.type === 'ScaledDown')?.reason, 'DryRun');
  assert.is(dry.conditions?.find((c) => c.type === 'ScaledDown')?.status, 'False');
  assert.is(dry.scaleDown?.terminate?.dryRun, true);
});

test('dry run is a fact the step result carries, never read from the words of its message', () => {
  const scaling = ctx({ phase: 'ScalingDown' }, undefined);
  // Words that look like a dry run do not make one: the instance was terminated.
  const worded = stepCompleted(scaling, 'terminate', 'dry run: would terminate instance i-0987654321fedcba0');
  assert.equal(worded.conditions?.find((c) => c.type === 'ScaledDown')?.reason, 'InstanceTerminated');
  assert.is(worded.scaleDown?.terminate?.dryRun, undefined);
  // The flag alone makes one, whatever the message says; every step's record keeps it.
  const flagged = stepCompleted(scaling, 'terminate', undefined, undefined, true);
  assert.equal(flagged.conditions?.find((c) => c.type === 'ScaledDown')?.reason, 'DryRun');
  const taint = stepCompleted(scaling, 'taint', 'dry run: would taint node od-node', undefined, true);
  assert.is(taint.scaleDown?.taint?.dryRun, true);
  assert.is(taint.phase, 'ScalingDown');
  const checked = validateFallbackEvent(seedEvent(taint));
  assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
});

test('a dry-run STEP_DONE reaches the committed status as data: the record\'s dryRun and ScaledDown=False (DryRun)', () => {
  const status: FallbackEventStatus = {
    phase: 'ScalingDown',
    scaleDownInitiated: true,
    scaleDown: { startedAt: iso(T0), ...Object.fromEntries(SCALE_DOWN_STEPS.slice(0, 4).map((step) => [step, { completedAt: iso(T0) }])) },
    claim: { holder: agentB.id, holderNode: agentB.nodeName, acquiredAt: iso(T0), renewedAt: iso(T0), leaseSeconds: config.claimLeaseSeconds },
  };
  for (const dryRun of [true, false]) {
    const actor = createActor(fallbackEventMachine, { input: { object: seedEvent(status), agent: agentB, config, now: T0 } });
    const commits: FallbackEventStatus[] = [];
    actor.on('commit', (intent) => commits.push(intent.status));
    actor.start();
    actor.send({ type: 'TICK', now: T0 + 1000 });
    assert.equal(actor.getSnapshot().value, { ScalingDown: { terminate: 'running' } });
    // The same words either way: only the flag tells them apart.
    actor.send({ type: 'STEP_DONE', step: 'terminate', message: 'dry run: would terminate instance i-0987654321fedcba0', ...(dryRun ? { dryRun } : {}) });
    const committed = commits.at(-1);
    assert.is(actor.getSnapshot().context.pending, committed, 'the commit in flight is the one emitted');
    assert.is(committed?.scaleDown?.terminate?.dryRun, dryRun ? true : undefined);
    assert.is(committed?.conditions?.find((c) => c.type === 'ScaledDown')?.reason, dryRun ? 'DryRun' : 'InstanceTerminated');
    actor.stop();
  }
});

// A drain refused for a few dozen pods: each named with why, far past the schema's 1024 characters.
const refusal = `cannot evict ${Array.from({ length: 60 }, (_, i) => `default/web-7d9c8b6f5-${String(i).padStart(5, 'x')} (PodDisruptionBudget web allows 0 disruptions)`).join(', ')}`;

test('a status built around a reason longer than the schema allows still passes the schema (the API server would refuse it whole)', () => {
  assert.ok(refusal.length > 3 * MESSAGE_MAX_LENGTH);
  const scaling = ctx({ phase: 'ScalingDown', scaleDown: { startedAt: iso(T0) } }, undefined);
  const built: [string, FallbackEventStatus][] = [
    ['a failed step', stepFailed(scaling, 'drain', 'DrainTimeout', refusal)],
    ['a rollback asked for', rollbackRequested(scaling, refusal, 'drain')],
    ['a rollback retried', rollbackFailed(ctx(rollbackRequested(scaling, refusal), undefined), 'Unavailable', refusal)],
    ['rolled back', rolledBack(ctx(rollbackRequested(scaling, refusal), undefined), true, true, refusal)],
    ['a rollback refused', rollbackGaveUp(ctx(rollbackRequested(scaling, refusal), undefined), 'Forbidden', refusal)],
    ['a completed step', stepCompleted(scaling, 'drain', refusal)],
    ['blocked safety checks', checksBlocked(ctx({ phase: 'ReadyForScaleDown' }, undefined), refusal)],
    ['Failed', toFailed(scaling, refusal)],
  ];
  for (const [name, status] of built) {
    const checked = validateFallbackEvent(seedEvent(status));
    assert.ok(checked.ok, `${name}: ${checked.ok ? '' : checked.errors.join('; ')}`);
    const steps = SCALE_DOWN_STEPS.map((step) => status.scaleDown?.[step]?.message);
    const texts: (string | undefined)[] = [status.message, ...(status.conditions ?? []).map((c) => c.message), ...steps];
    assert.ok(texts.some((t) => t?.includes('cannot evict default/web-7d9c8b6f5-xxxx0 ')), `${name}: the beginning of the reason is kept`);
  }
});

const checksBlockedAnew = fallbackEventMachine.implementations.guards.checksBlockedAnew as (args: { context: FallbackEventContext; event: unknown }) => boolean;

test('the same long block is not committed again at every recheck', () => {
  const status = checksBlocked(ctx({ phase: 'ReadyForScaleDown' }, undefined), refusal);
  assert.is(status.message, blockedMessage(refusal));
  const event = { type: 'CHECKS_DONE', outcome: 'blocked', reason: refusal };
  assert.is(checksBlockedAnew({ context: ctx(status, undefined), event }), false);
  assert.is(checksBlockedAnew({ context: ctx(status, undefined), event: { ...event, reason: `${refusal}, and one more` } }), true);
});

test('whether a block is new is read from the SafetyChecksPassed condition, never from status.message', () => {
  const reason = 'PDB default/web allows 0 disruptions, the node has 2 of its pods';
  const event = { type: 'CHECKS_DONE', outcome: 'blocked', reason, check: 'pdb' };
  const blocked = checksBlocked(ctx({ phase: 'ReadyForScaleDown' }, undefined), reason, 'pdb');
  assert.is(checksBlockedAnew({ context: ctx(blocked, undefined), event }), false);
  // The message says something else (a person, an older agent): the condition still records this block.
  assert.is(checksBlockedAnew({ context: ctx({ ...blocked, message: 'Spot capacity restored and stable, ready for scale-down' }, undefined), event }), false);
  // The message says it, but no condition records it: new.
  assert.is(checksBlockedAnew({ context: ctx({ phase: 'ReadyForScaleDown', message: blockedMessage(reason) }, undefined), event }), true);
  // The same words from another check is another block.
  assert.is(checksBlockedAnew({ context: ctx(blocked, undefined), event: { ...event, check: 'pods' } }), true);
  // Spot restored again: the checks start over (Unknown, NotChecked), so the same block is recorded again.
  const again = toReadyForScaleDown(ctx({ ...blocked, phase: 'Monitoring' }, undefined));
  const condition = again.conditions?.find((c) => c.type === 'SafetyChecksPassed');
  assert.equal([condition?.status, condition?.reason], ['Unknown', NOT_CHECKED]);
  assert.is(checksBlockedAnew({ context: ctx(again, undefined), event }), true);
  const checked = validateFallbackEvent(seedEvent(again));
  assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
});

test('a blocked check is the condition\'s reason, one per check, each valid for the schema', () => {
  const context = ctx({ phase: 'ReadyForScaleDown' }, undefined);
  const reason = 'the drain would be refused: 1 pod without a controller to recreate it (SPOT_GUARD_DRAIN_FORCE=true allows it): default/debug';
  const condition = checksBlocked(context, reason, 'drain').conditions?.find((c) => c.type === 'SafetyChecksPassed');
  assert.equal([condition?.status, condition?.reason, condition?.message], ['False', 'DrainRefused', reason]);
  assert.is(checksBlocked(context, reason).conditions?.[0]?.reason, 'Blocked', 'a block of unknown origin');
  for (const check of Object.keys(BlockedReason) as (keyof typeof BlockedReason)[]) {
    const checked = validateFallbackEvent(seedEvent(checksBlocked(context, `blocked by ${check}`, check)));
    assert.ok(checked.ok, `${check}: ${checked.ok ? '' : checked.errors.join('; ')}`);
  }
});

const SINCE = '2025-01-15T10:00:46Z';
const record = (name: string, pods: number, since = SINCE): EvictedPods => ({ namespace: 'default', kind: 'ReplicaSet', name, uid: `uid-${name}`, pods, since });

test('what a drain evicted is recorded for the wait for the reschedule, across attempts, and passes the schema', () => {
  const scaling = ctx({ phase: 'ScalingDown', scaleDown: { startedAt: iso(T0) } }, undefined);
  // A first attempt times out having evicted one web pod; the second evicts another and an api pod.
  const failed = stepFailed(scaling, 'drain', 'DrainTimeout', 'drain of node ip-10-0-2-100 timed out', [record('web', 1, '2025-01-15T10:00:50Z')]);
  const done = stepCompleted(ctx(failed, undefined), 'drain', '3 pods evicted, 0 skipped', [record('web', 1), record('api', 1)]);
  assert.equal(done.scaleDown?.evicted, [record('web', 2, SINCE), record('api', 1)]);
  const checked = validateFallbackEvent(seedEvent(done));
  assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
  // Steps that report nothing evicted leave the record as it is.
  assert.equal(stepCompleted(ctx(done, undefined), 'waitForReschedule').scaleDown?.evicted, done.scaleDown?.evicted);
});

test('the record stays within the schema\'s cap however many controllers a node held', () => {
  const many = Array.from({ length: MAX_EVICTED_RECORDS + 10 }, (_, i) => record(`rs-${i}`, 1));
  const status = stepCompleted(ctx({ phase: 'ScalingDown' }, undefined), 'drain', 'many evicted', many);
  assert.is(status.scaleDown?.evicted?.length, MAX_EVICTED_RECORDS);
  const checked = validateFallbackEvent(seedEvent(status));
  assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
});

const conditionOf = (status: FallbackEventStatus, type: string) => status.conditions?.find((c) => c.type === type);
const valid = (name: string, status: FallbackEventStatus): void => {
  const checked = validateFallbackEvent(seedEvent(status));
  assert.ok(checked.ok, `${name}: ${checked.ok ? '' : checked.errors.join('; ')}`);
};

test('a retryable failure records when the step is tried again, doubling up to the cap, and says so in StepRetrying', () => {
  const claim = { holder: agentB.id, acquiredAt: iso(T0), renewedAt: iso(T0), leaseSeconds: 30 };
  let status: FallbackEventStatus = { phase: 'ScalingDown', claim, scaleDown: { startedAt: iso(T0) } };
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    status = stepFailed(ctx(status, undefined), 'terminate', 'Unavailable', 'TerminateInstanceInAutoScalingGroup: The request has failed due to a temporary failure of the server.');
    assert.is(status.phase, 'ScalingDown', 'a retryable failure is never final');
    assert.is(status.scaleDown?.terminate?.attempts, attempt);
    delays.push(Date.parse(status.scaleDown?.terminate?.nextAttemptAt ?? '') - T0);
    const retrying = conditionOf(status, 'StepRetrying');
    assert.equal([retrying?.status, retrying?.reason], ['True', 'Unavailable']);
    assert.match(retrying?.message ?? '', new RegExp(`^step terminate failed ${attempt} times? in a row \\(Unavailable\\), next attempt at `));
    assert.is(/needs attention/.test(retrying?.message ?? ''), attempt >= config.maxStepAttempts, `attempt ${attempt}: a person is asked to look from maxStepAttempts on`);
    valid(`attempt ${attempt}`, status);
  }
  assert.equal(delays, [10_000, 20_000, 40_000, 40_000, 40_000]);
  const done = stepCompleted(ctx(status, undefined), 'terminate', 'instance i-0987654321fedcba0 terminated');
  assert.is(done.phase, 'Completed');
  assert.equal([conditionOf(done, 'StepRetrying')?.status, conditionOf(done, 'StepRetrying')?.reason], ['False', 'Succeeded']);
  assert.is(done.scaleDown?.terminate?.nextAttemptAt, undefined);
  assert.is(done.scaleDown?.terminate?.attempts, 6);
  valid('completed', done);
});

test('condition reasons made of failure codes keep to the schema', () => {
  assert.is(reasonOf('DrainTimeout'), 'DrainTimeout');
  assert.is(reasonOf('Not Found!'), 'NotFound');
  assert.is(reasonOf('42-bad'), 'bad');
  assert.is(reasonOf(''), 'Failed');
  assert.is(reasonOf('::'), 'Failed');
});

test('a final failure asks for the rollback before anything is committed Failed', () => {
  const scaling = ctx({ phase: 'ScalingDown', scaleDownInitiated: true, scaleDown: { startedAt: iso(T0), taint: { completedAt: iso(T0) }, cordon: { completedAt: iso(T0) }, drain: { attempts: 1, nextAttemptAt: iso(T0), message: 'timed out' } }, conditions: [{ type: 'StepRetrying', status: 'True', reason: 'DrainTimeout', lastTransitionTime: iso(T0) }] }, undefined);
  const requested = rollbackRequested(scaling, 'scale-down step drain failed: nodes "ip-10-0-2-100" is forbidden', 'drain');
  assert.is(requested.phase, 'ScalingDown');
  assert.is(requested.claim?.holder, agentB.id, 'the holder keeps the claim to do the rollback');
  assert.equal(requested.scaleDown?.rollback, { reason: 'scale-down step drain failed: nodes "ip-10-0-2-100" is forbidden', requestedAt: iso(T0) });
  assert.is(requested.scaleDown?.drain?.attempts, 2, 'the failed attempt is recorded');
  assert.is(requested.scaleDown?.drain?.nextAttemptAt, undefined);
  assert.equal([conditionOf(requested, 'StepRetrying')?.status, conditionOf(requested, 'StepRetrying')?.reason], ['False', 'NotRetryable']);
  valid('requested', requested);

  const retried = rollbackFailed(ctx(requested, undefined), 'Unavailable', 'patch node ip-10-0-2-100: etcdserver: request timed out');
  assert.is(retried.phase, 'ScalingDown', 'a rollback that can be retried is not skipped');
  assert.is(retried.scaleDown?.rollback?.attempts, 1);
  assert.is(retried.scaleDown?.rollback?.nextAttemptAt, iso(T0 + 10_000));
  assert.equal([conditionOf(retried, 'StepRetrying')?.status, conditionOf(retried, 'StepRetrying')?.reason], ['True', 'Unavailable']);
  valid('retried', retried);

  const done = rolledBack(ctx(retried, undefined), true, true, 'removed the scale-down taint and uncordoned node ip-10-0-2-100');
  assert.is(done.phase, 'Failed');
  assert.is(done.claim, undefined);
  assert.is(done.completionTime, iso(T0));
  assert.match(done.message ?? '', /^scale-down step drain failed: .*; removed the scale-down taint and uncordoned node ip-10-0-2-100$/);
  assert.equal([done.scaleDown?.rollback?.completedAt, done.scaleDown?.rollback?.attempts, done.scaleDown?.rollback?.untainted, done.scaleDown?.rollback?.uncordoned], [iso(T0), 2, true, true]);
  assert.equal([conditionOf(done, 'RolledBack')?.status, conditionOf(done, 'RolledBack')?.reason], ['True', 'NodeRestored']);
  assert.equal([conditionOf(done, 'StepRetrying')?.status, conditionOf(done, 'StepRetrying')?.reason], ['False', 'Succeeded']);
  assert.is(failureCause(done), 'ScaleDownFailed');
  valid('rolled back', done);

  // The taint went before an attempt failed at the cordon: the next attempt finds no mark for it, and the record still says it was undone.
  const half = rollbackFailed(ctx(requested, undefined), 'Unavailable', 'uncordon node ip-10-0-2-100: etcdserver: request timed out', true);
  assert.is(half.scaleDown?.rollback?.untainted, true);
  const finished = rolledBack(ctx(half, undefined), false, true, 'uncordoned node ip-10-0-2-100');
  assert.equal([finished.scaleDown?.rollback?.untainted, finished.scaleDown?.rollback?.uncordoned], [true, true]);

  const nothing = rolledBack(ctx(requested, undefined), false, false, 'nothing of this event to undo on node ip-10-0-2-100');
  assert.equal([conditionOf(nothing, 'RolledBack')?.status, conditionOf(nothing, 'RolledBack')?.reason], ['True', 'NothingToUndo']);

  const refused = rollbackGaveUp(ctx(requested, undefined), 'Forbidden', 'nodes "ip-10-0-2-100" is forbidden');
  assert.is(refused.phase, 'Failed');
  assert.equal([conditionOf(refused, 'RolledBack')?.status, conditionOf(refused, 'RolledBack')?.reason], ['False', 'RollbackFailed']);
  assert.match(refused.message ?? '', /may still carry Spot Guard's scale-down taint or cordon/);
  valid('refused', refused);
});

test('a missing ASG fails the event naming it, with AsgFound=False', () => {
  const status = asgNotFound(ctx({ phase: 'Monitoring', claim: { holder: agentB.id, acquiredAt: iso(T0), renewedAt: iso(T0), leaseSeconds: 30 } }, undefined), ['my-spot-asg']);
  assert.is(status.phase, 'Failed');
  assert.is(status.claim, undefined);
  assert.match(status.message ?? '', /^spot ASG my-spot-asg no longer exists: DescribeAutoScalingGroups returned no such group 2 times in a row; nothing was changed/);
  assert.equal([conditionOf(status, 'AsgFound')?.status, conditionOf(status, 'AsgFound')?.reason], ['False', 'AsgNotFound']);
  assert.is(failureCause(status), 'AsgNotFound');
  assert.match(asgNotFound(ctx({ phase: 'Monitoring' }, undefined), ['my-spot-asg', 'my-ondemand-asg']).message ?? '', /^spot ASG my-spot-asg and on-demand ASG my-ondemand-asg no longer exist/);
  valid('asg gone', status);
  assert.is(failureCause(toFailed(ctx({ phase: 'Pending' }, undefined), 'spot ASG x is not in the configured ASG pairs')), 'Untrusted');
});

test('fitMessage keeps what fits, cuts the rest to the limit in characters, and says how much went', () => {
  assert.is(fitMessage('short'), 'short');
  const exact = 'x'.repeat(MESSAGE_MAX_LENGTH);
  assert.is(fitMessage(exact), exact);
  const cut = fitMessage(`${'y'.repeat(2000)}`);
  assert.is([...cut].length, MESSAGE_MAX_LENGTH);
  assert.match(cut, /^y+ … \(\d+ more characters\)$/);
  assert.is(Number(/\((\d+) more/.exec(cut)?.[1]) + cut.indexOf(' …'), 2000, 'kept + left out = the whole');
  // Characters beyond the BMP are counted once and never cut in half.
  const emoji = fitMessage('🙂'.repeat(1500));
  assert.is([...emoji].length, MESSAGE_MAX_LENGTH);
  assert.not.match(emoji, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
});

test('the limit is the schema\'s for every status message', () => {
  const status = openApiSchema.properties?.status?.properties ?? {};
  const step = status.scaleDown?.properties?.drain?.properties?.message;
  const condition = status.conditions?.items?.properties?.message;
  for (const [name, field] of [['status.message', status.message], ['scaleDown.<step>.message', step], ['conditions[].message', condition]] as const) {
    assert.is(field?.maxLength, MESSAGE_MAX_LENGTH, name);
  }
});

test.run();
