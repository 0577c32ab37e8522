// The rebalance-response machine: guards, the two stories (spot arrives; spot does not and
// on-demand replaces it), and model-based paths covering every state and transition.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, type SnapshotFrom } from 'xstate';
import { createTestModel } from 'xstate/graph';
import * as g from '../../machines/rebalance-response.guards.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import type { RebalanceContext, RebalanceEvent, RebalanceInput, RebalanceIntent } from '../../machines/rebalance-response.types.js';
import { declared, measure, missed } from './coverage.js';
import { T0 } from './fixtures.js';
import { edgePaths, onlyOurEvents, shortestPaths } from './paths.js';

type Snapshot = SnapshotFrom<typeof rebalanceResponseMachine>;
const test = suite('rebalance-response machine');

const input: RebalanceInput = {
  nodeName: 'ip-10-0-1-50',
  instanceId: 'i-0123456789abcdef0',
  now: T0,
  config: {
    spotASGName: 'my-spot-asg',
    onDemandASGName: 'my-ondemand-asg',
    spotCapacityTimeoutMs: 120_000,
    onDemandTimeoutMs: 600_000,
    retryBackoffMs: 5_000,
    protectionWindowMs: 3_600_000,
    minimumWaitDuration: '10m',
  },
};

const spotNode = { instanceId: 'i-0aaaaaaaaaaaaaaa1', nodeName: 'ip-10-0-1-60' };
const odNode = { instanceId: 'i-0987654321fedcba0', nodeName: 'ip-10-0-2-100' };

function run(events: RebalanceEvent[]): { snapshot: Snapshot; intents: RebalanceIntent[] } {
  const intents: RebalanceIntent[] = [];
  const actor = createActor(rebalanceResponseMachine, { input });
  actor.on('*', (i) => intents.push(i));
  actor.start();
  for (const e of events) actor.send(e);
  const snapshot = actor.getSnapshot();
  actor.stop();
  return { snapshot, intents };
}

test('guards', () => {
  const c: RebalanceContext = { ...input, spotRequestedAt: T0, spotScaledAt: T0, onDemandScaledAt: T0, replacement: undefined, eventName: undefined, protectedAt: undefined, atMaxRefusals: 0, failedAt: T0, lastError: undefined };
  assert.ok(g.replacementReady({ ...spotNode, nodeReady: true }));
  assert.not.ok(g.replacementReady({ ...spotNode, nodeReady: false }));
  assert.not.ok(g.replacementReady({ nodeReady: true }));
  assert.ok(g.replacementRegistered({ ...odNode, nodeReady: false }));
  assert.not.ok(g.replacementRegistered({ instanceId: odNode.instanceId, nodeReady: false }), 'no node registered yet');
  assert.not.ok(g.spotTimedOut({ ...c, now: T0 + 119_999 }));
  assert.ok(g.spotTimedOut({ ...c, now: T0 + 120_000 }));
  assert.not.ok(g.spotTimedOut({ ...c, spotScaledAt: undefined, now: T0 + 1e9 }), 'no increment, no timeout');
  assert.ok(g.spotTimedOut({ ...c, spotScaledAt: T0 + 60_000, now: T0 + 120_000 }), 'counted from the first request, not from an increment that landed after retries');
  assert.not.ok(g.spotScaleUpTimedOut({ ...c, now: T0 + 119_999 }));
  assert.ok(g.spotScaleUpTimedOut({ ...c, now: T0 + 120_000 }));
  assert.not.ok(g.spotScaleUpTimedOut({ ...c, spotRequestedAt: undefined, now: T0 + 1e9 }), 'not asked, no timeout');
  assert.not.ok(g.protectionWindowPassed({ ...c, now: T0 + 1e9 }), 'not protected, no window');
  assert.not.ok(g.protectionWindowPassed({ ...c, protectedAt: T0, now: T0 + 3_599_999 }));
  assert.ok(g.protectionWindowPassed({ ...c, protectedAt: T0, now: T0 + 3_600_000 }));
  assert.ok(g.onDemandTimedOut({ ...c, now: T0 + 600_000 }));
  assert.not.ok(g.onDemandTimedOut({ ...c, now: T0 + 599_999 }));
  assert.ok(g.retryDue({ ...c, now: T0 + 5_000 }));
  assert.not.ok(g.retryDue({ ...c, now: T0 + 4_999 }));
  assert.not.ok(g.retryDue({ ...c, failedAt: undefined, now: T0 + 1e9 }));
  // At max size: 5 s, 10 s, 20 s, ... capped at 10 min.
  const backoffs = [1, 2, 3, 4, 10, 50].map((atMaxRefusals) => g.atMaxBackoffMs({ ...c, atMaxRefusals }));
  assert.equal(backoffs, [5_000, 10_000, 20_000, 40_000, 600_000, 600_000]);
  assert.equal(g.atMaxBackoffMs({ ...c, atMaxRefusals: 10, config: { ...c.config, maxRetryBackoffMs: 60_000 } }), 60_000);
  assert.not.ok(g.atMaxRetryDue({ ...c, atMaxRefusals: 3, now: T0 + 19_999 }));
  assert.ok(g.atMaxRetryDue({ ...c, atMaxRefusals: 3, now: T0 + 20_000 }));
});

test('spot arrives: scale spot, then taint and cordon only once the new spot node is Ready; nothing recorded', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'SPOT_OBSERVED', observation: { ...spotNode, nodeReady: false } },
    { type: 'SPOT_OBSERVED', observation: { ...spotNode, nodeReady: true } },
    { type: 'NODE_PROTECTED' },
  ]);
  assert.equal(snapshot.value, 'Protected');
  assert.equal(intents, [
    { type: 'scaleUp', asg: 'my-spot-asg' },
    { type: 'taintAndCordon', nodeName: 'ip-10-0-1-50' },
  ]);
});

test('spot does not arrive in time: withdraw the increment, scale on-demand, record, taint only when Ready', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'TICK', now: T0 + 60_000 },
    { type: 'TICK', now: T0 + 120_000 },
    { type: 'SPOT_WITHDRAWN' },
    { type: 'SCALED', asg: 'my-ondemand-asg' },
    { type: 'ON_DEMAND_OBSERVED', observation: { ...odNode, nodeReady: false } },
    { type: 'RECORDED', name: 'fallback-1736938845-abc123' },
  ]);
  assert.equal(snapshot.value, { Responding: 'AwaitingReady' });
  assert.equal(
    intents.map((i) => i.type),
    ['scaleUp', 'withdrawSpot', 'scaleUp', 'recordFallback'],
    'no taint before the replacement is Ready',
  );
  assert.equal(intents[3], {
    type: 'recordFallback',
    spotASGName: 'my-spot-asg',
    onDemandASGName: 'my-ondemand-asg',
    onDemandInstanceID: odNode.instanceId,
    onDemandNodeName: odNode.nodeName,
    minimumWaitDuration: '10m',
  });
});

test('a throttled or locked-out spot scale-up is asked for again on spot, not counted as spot capacity missing', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'SetDesiredCapacity: Rate exceeded', retryable: true },
    { type: 'TICK', now: T0 + 1_000 },
    { type: 'TICK', now: T0 + 5_000 },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'my-spot-asg: lease spot-guard-asg-my-spot-asg stayed held', retryable: true },
    { type: 'TICK', now: T0 + 10_000 },
    { type: 'SCALED', asg: 'my-spot-asg' },
  ]);
  assert.equal(snapshot.value, { Responding: 'AwaitingSpot' });
  assert.equal(intents, [
    { type: 'scaleUp', asg: 'my-spot-asg' },
    { type: 'scaleUp', asg: 'my-spot-asg' },
    { type: 'scaleUp', asg: 'my-spot-asg' },
  ]);
});

test('a spot scale-up failing on retryable errors until the spot capacity timeout falls back, withdrawing first', () => {
  const failed: RebalanceEvent = { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'SetDesiredCapacity: no reply from AWS within 10000 ms (timed out)', retryable: true };
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    failed,
    { type: 'TICK', now: T0 + 60_000 },
    failed,
    { type: 'TICK', now: T0 + 119_999 },
    failed,
    { type: 'TICK', now: T0 + 120_000 },
  ]);
  assert.equal(snapshot.value, { Responding: { FallingBack: 'Withdrawing' } });
  // The last timed-out call may have landed: withdrawing settles it under the lock.
  assert.equal(intents.map((i) => `${i.type} ${"asg" in i ? i.asg : ""}`), ['scaleUp my-spot-asg', 'scaleUp my-spot-asg', 'scaleUp my-spot-asg', 'withdrawSpot my-spot-asg']);
});

test('a spot scale-up refused for good (at max size) falls back to on-demand at once', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'asg my-spot-asg is at its max size 3', retryable: false, atMaxSize: true },
  ]);
  assert.equal(snapshot.value, { Responding: { FallingBack: 'ScalingOnDemand' } });
  assert.equal(intents.map((i) => `${i.type} ${"asg" in i ? i.asg : ""}`), ['scaleUp my-spot-asg', 'scaleUp my-ondemand-asg']);
});

test('an on-demand ASG at its max size is a state of its own, asked again after doubling pauses, left once it has room', () => {
  const atMax: RebalanceEvent = { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'asg my-ondemand-asg is at its max size 2', retryable: false, atMaxSize: true };
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'asg my-spot-asg is at its max size 3', retryable: false, atMaxSize: true },
    atMax, // refusal 1: next ask after 5 s
    { type: 'TICK', now: T0 + 4_999 },
    { type: 'TICK', now: T0 + 5_000 },
    { type: 'TICK', now: T0 + 5_000 },
    atMax, // refusal 2: next ask after 10 s
    { type: 'TICK', now: T0 + 14_999 },
    { type: 'TICK', now: T0 + 15_000 },
    atMax, // refusal 3: 20 s
  ]);
  assert.equal(snapshot.value, { Responding: 'OnDemandAtMaxSize' });
  assert.ok(snapshot.hasTag('on-demand-at-max-size'));
  assert.is(snapshot.context.atMaxRefusals, 3);
  assert.equal(intents.map((i) => `${i.type} ${'asg' in i ? i.asg : ''}`), ['scaleUp my-spot-asg', 'scaleUp my-ondemand-asg', 'scaleUp my-ondemand-asg', 'scaleUp my-ondemand-asg']);
  const after = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'asg my-spot-asg is at its max size 3', retryable: false, atMaxSize: true },
    atMax,
    { type: 'TICK', now: T0 + 5_000 },
    { type: 'SCALED', asg: 'my-ondemand-asg' },
  ]).snapshot;
  assert.equal(after.value, { Responding: 'AwaitingOnDemand' });
  assert.not.ok(after.hasTag('on-demand-at-max-size'));
  assert.is(after.context.atMaxRefusals, 0);
});

test('an on-demand scale-up refused for another reason (access denied) is retried, never reported as at max size', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'asg my-spot-asg is at its max size 3', retryable: false, atMaxSize: true },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'SetDesiredCapacity: AccessDenied', retryable: false },
  ]);
  assert.equal(snapshot.value, { Responding: { FallingBack: 'ScalingOnDemand' } });
  assert.not.ok(snapshot.hasTag('on-demand-at-max-size'));
  assert.is(snapshot.context.atMaxRefusals, 0);
  assert.match(snapshot.context.lastError ?? '', /AccessDenied/);
  assert.equal(intents.map((i) => `${i.type} ${'asg' in i ? i.asg : ''}`), ['scaleUp my-spot-asg', 'scaleUp my-ondemand-asg']);
});

test('a spot interruption at any point drains the node at once', () => {
  const { snapshot, intents } = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'INTERRUPTION_NOTICED', action: 'terminate', time: new Date(T0 + 120_000).toISOString() },
  ]);
  assert.equal(snapshot.value, 'Draining');
  assert.equal(intents.at(-1), { type: 'drain', nodeName: 'ip-10-0-1-50' });
});

test('a restarted agent takes up the recorded response at its step, and its timeouts count from the record, not from the restart', () => {
  const requested = T0 - input.config.spotCapacityTimeoutMs + 10_000;
  const { snapshot, intents } = run([
    { type: 'RESUMED', step: 'spot', spotRequestedAt: requested },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'TICK', now: T0 + 5_000 },
  ]);
  assert.equal(intents.map((i) => i.type), ['scaleUp'], 'the spot increment is asked for again (the ledger finds it made)');
  assert.equal(snapshot.value, { Responding: 'AwaitingSpot' }, 'not timed out yet');
  const later = run([
    { type: 'RESUMED', step: 'spot', spotRequestedAt: requested },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'TICK', now: T0 + 10_000 },
  ]);
  assert.equal(later.snapshot.value, { Responding: { FallingBack: 'Withdrawing' } }, 'the recorded request time ends the wait 10 s after the restart');

  const recorded = run([{ type: 'RESUMED', step: 'recorded', spotRequestedAt: requested, onDemandScaledAt: T0 - 1_000, eventName: 'fallback-1' }]);
  assert.equal(recorded.intents.map((i) => i.type), ['recordFallback'], 'the record is asked for again and finds its own event');
  assert.is(recorded.snapshot.context.eventName, 'fallback-1');
  const protectedAgain = run([{ type: 'RESUMED', step: 'protected', spotRequestedAt: requested }]);
  assert.equal(protectedAgain.intents, [{ type: 'taintAndCordon', nodeName: 'ip-10-0-1-50' }]);
});

test('no interruption within the window: after a spot replacement the at-risk node is retired, after an on-demand one it serves again', () => {
  const W = input.config.protectionWindowMs;
  const spot = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'SPOT_OBSERVED', observation: { ...spotNode, nodeReady: true } },
    { type: 'NODE_PROTECTED' },
    { type: 'TICK', now: T0 + W - 1 },
  ]);
  assert.equal(spot.snapshot.value, 'Protected', 'still within the window');
  const retired = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'SPOT_OBSERVED', observation: { ...spotNode, nodeReady: true } },
    { type: 'NODE_PROTECTED' },
    { type: 'TICK', now: T0 + W },
    { type: 'NODE_RETIRED' },
  ]);
  assert.equal(retired.intents.at(-1), { type: 'retire', nodeName: 'ip-10-0-1-50', instanceId: 'i-0123456789abcdef0' });
  assert.equal(retired.snapshot.value, 'Retired');

  const released = run([
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(T0).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'TICK', now: T0 + input.config.spotCapacityTimeoutMs },
    { type: 'SPOT_WITHDRAWN' },
    { type: 'SCALED', asg: 'my-ondemand-asg' },
    { type: 'ON_DEMAND_OBSERVED', observation: { ...odNode, nodeReady: true } },
    { type: 'RECORDED', name: 'fallback-1' },
    { type: 'ON_DEMAND_OBSERVED', observation: { ...odNode, nodeReady: true } },
    { type: 'NODE_PROTECTED' },
    { type: 'TICK', now: T0 + input.config.spotCapacityTimeoutMs + W },
    { type: 'NODE_RELEASED' },
    { type: 'INTERRUPTION_NOTICED', action: 'terminate', time: new Date(T0 + W + 200_000).toISOString() },
  ]);
  assert.ok(released.intents.some((i) => i.type === 'release'));
  assert.equal(released.snapshot.value, 'Draining', 'a released node still answers its interruption');
});

// ---- model-based ----

/** later: the resumptions and what follows the protection window, left out of the simple paths. */
function eventsFor(snapshot: Snapshot, later = true): RebalanceEvent[] {
  const { now } = snapshot.context;
  const effects: RebalanceIntent['type'][] = ['scaleUp', 'withdrawSpot', 'recordFallback', 'taintAndCordon', 'drain', 'release', 'retire'];
  return [
    { type: 'TICK', now: now + 1_000 },
    { type: 'TICK', now: now + input.config.retryBackoffMs },
    { type: 'TICK', now: now + input.config.spotCapacityTimeoutMs },
    { type: 'TICK', now: now + input.config.onDemandTimeoutMs },
    { type: 'REBALANCE_RECOMMENDED', noticeTime: new Date(now).toISOString() },
    { type: 'INTERRUPTION_NOTICED', action: 'terminate', time: new Date(now + 120_000).toISOString() },
    { type: 'SCALED', asg: 'my-spot-asg' },
    { type: 'SPOT_OBSERVED', observation: { nodeReady: false } },
    { type: 'SPOT_OBSERVED', observation: { ...spotNode, nodeReady: true } },
    { type: 'SPOT_OBSERVED', observation: { nodeReady: false, failedActivity: 'Could not launch Spot Instances. InsufficientInstanceCapacity' } },
    { type: 'SPOT_WITHDRAWN' },
    { type: 'ON_DEMAND_OBSERVED', observation: { nodeReady: false } },
    { type: 'ON_DEMAND_OBSERVED', observation: { ...odNode, nodeReady: false } },
    { type: 'ON_DEMAND_OBSERVED', observation: { ...odNode, nodeReady: true } },
    { type: 'RECORDED', name: 'fallback-1736938845-abc123' },
    { type: 'NODE_PROTECTED' },
    { type: 'NODE_DRAINED' },
    ...(later ? ([{ type: 'TICK', now: now + input.config.protectionWindowMs }, { type: 'NODE_RELEASED' }, { type: 'NODE_RETIRED' }] as const) : []),
    ...(later ? (['spot', 'on-demand', 'recorded', 'protected', 'retiring'] as const) : []).map((step) => ({
      type: 'RESUMED' as const,
      step,
      spotRequestedAt: now - 1_000,
      onDemandScaledAt: step === 'spot' ? undefined : now - 500,
      ...(step === 'protected' ? { protectedAt: now - 100, replacement: { ...spotNode, kind: 'spot' as const } } : {}),
    })),
    ...effects.filter((effect) => later || (effect !== 'release' && effect !== 'retire')).map((effect) => ({ type: 'EFFECT_FAILED' as const, effect, message: 'throttled', retryable: true })),
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'at max size', retryable: false, atMaxSize: true },
    { type: 'EFFECT_FAILED', effect: 'scaleUp', message: 'SetDesiredCapacity: AccessDenied', retryable: false },
  ];
}

function abstractState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([snapshot.value, c.failedAt !== undefined, g.retryDue(c), g.atMaxRetryDue(c), g.spotTimedOut(c), g.onDemandTimedOut(c), g.protectionWindowPassed(c), snapshot.matches('Protected') || snapshot.matches({ Responding: 'Protecting' }) ? c.replacement?.kind : undefined]);
}

const model = createTestModel(rebalanceResponseMachine, { input, ...onlyOurEvents(eventsFor), serializeState: (s) => abstractState(s) });
// Simple paths multiply with every shortcut out of Idle and every way on from Protected: the
// resumptions and the protection window are left to the shortest and edge paths.
const noResumes = createTestModel(rebalanceResponseMachine, { input, ...onlyOurEvents((s: Snapshot) => eventsFor(s, false)), serializeState: (s) => abstractState(s) });

test('model: shortest, edge and simple paths cover every declared state and transition', () => {
  const shortest = shortestPaths<RebalanceInput, RebalanceEvent, Snapshot>(model, input);
  const edges = edgePaths<RebalanceInput, RebalanceEvent, Snapshot>(model, input, abstractState);
  const simple = noResumes
    .getSimplePaths({ toState: (s) => (s).matches('Protected') })
    .map((p) => ({ input, events: p.steps.map((s) => s.event), final: p.state }));
  assert.ok(simple.length > 0);
  const { states, transitions } = declared(rebalanceResponseMachine);
  const all = [...shortest, ...edges, ...simple];
  console.log(`  rebalance-response machine: ${states.size} states, ${transitions.size} transitions; ${shortest.length} shortest, ${edges.length} edge, ${simple.length} simple paths`);
  assert.equal(missed(measure(rebalanceResponseMachine, all)), { states: [], transitions: [] });
  for (const path of all) {
    const { snapshot } = run(path.events);
    assert.equal(snapshot.value, path.final.value);
  }
});

// A response resumed at 'protected' was recorded so only after its replacement was Ready and
// the node tainted: taking it up taints again (idempotently), the one taint without a Ready observation.
test('model: no path taints the node before a replacement was observed Ready (or the record says it was)', () => {
  for (const path of edgePaths<RebalanceInput, RebalanceEvent, Snapshot>(model, input, abstractState)) {
    const { intents } = run(path.events);
    const taint = intents.findIndex((i) => i.type === 'taintAndCordon');
    if (taint === -1) continue;
    const readyEvent = path.events.findIndex(
      (e) => ((e.type === 'SPOT_OBSERVED' || e.type === 'ON_DEMAND_OBSERVED') && e.observation.nodeReady && !!e.observation.nodeName) || (e.type === 'RESUMED' && e.step === 'protected'),
    );
    assert.ok(readyEvent !== -1, `tainted without a Ready replacement: ${path.events.map((e) => e.type).join(' ')}`);
  }
});

test.run();
