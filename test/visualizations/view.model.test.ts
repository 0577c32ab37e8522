// The live view's model of one event: the active states, what it waits for (the guard, in
// words, why, the time left and how long it has been where it is), the claim, and the timeline.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { activePaths, eventView, restingPaths, TimelineBook, type ViewSettings } from '../../visualizations/view.model.js';
import { iso, MIN, seedEvent, T0 } from '../machines/fixtures.js';

const test = suite('live view model');
const settings: ViewSettings = { minimumWaitMs: 10 * MIN, stabilityWindowMs: 2 * MIN, ttlMs: 24 * 60 * MIN };

test('active paths list every active state node, outermost first', () => {
  assert.equal(activePaths('Pending'), ['Pending']);
  assert.equal(activePaths({ ScalingDown: { drain: 'running' } }), ['ScalingDown', 'ScalingDown.drain', 'ScalingDown.drain.running']);
  assert.equal(restingPaths(seedEvent({ phase: 'ScalingDown', scaleDown: { taint: { completedAt: iso(T0) } } })), ['ScalingDown', 'ScalingDown.cordon']);
  assert.equal(restingPaths(seedEvent({ phase: 'Monitoring' })), ['Monitoring']);
});

test('Pending waits for the minimum wait to end: the time left, and since when it waits', () => {
  const object = seedEvent({ phase: 'Pending' });
  const view = eventView(object, { settings, now: T0 + 5 * MIN + 48_000 });
  assert.equal(view.waiting, {
    guard: 'minimumWaitElapsed',
    what: 'the minimum wait to end',
    why: 'minimum wait: 4m12s left',
    left: '4m12s',
    since: object.spec.timestamp,
    sinceAgo: '5m48s',
  });
  assert.is(view.onDemandNode, 'ip-10-0-2-100');
  assert.is(view.claim, undefined, 'nobody holds it yet');
});

test('the claim: its holder and node, how long ago it was renewed, and when it lapses (or since when it has)', () => {
  const claim = { holder: 'spot-guard-b', holderNode: 'ip-10-0-1-10', acquiredAt: iso(T0), renewedAt: iso(T0 + 10_000), leaseSeconds: 30 };
  const held = eventView(seedEvent({ phase: 'Pending', claim }), { settings, now: T0 + 22_000 });
  assert.equal(held.claim, { holder: 'spot-guard-b', node: 'ip-10-0-1-10', renewedAgo: '12s', expiresIn: '18s' });
  const lapsed = eventView(seedEvent({ phase: 'Pending', claim }), { settings, now: T0 + 55_000, lease: { holder: undefined, renewedAt: undefined, readAt: T0 + 50_000 } });
  assert.equal(lapsed.claim, { holder: 'spot-guard-b', node: 'ip-10-0-1-10', renewedAgo: '45s', expiredAgo: '15s' });
  // The holder renews in its claim Lease: the view knows it only through its actor.
  const unread = eventView(seedEvent({ phase: 'Pending', claim }), { settings, now: T0 + 55_000 });
  assert.equal(unread.claim, { holder: 'spot-guard-b', node: 'ip-10-0-1-10', renewedAgo: '45s', renewsInLease: true }, 'not known to have lapsed');
  const renewed = eventView(seedEvent({ phase: 'Pending', claim }), { settings, now: T0 + 55_000, lease: { holder: 'spot-guard-b', renewedAt: T0 + 50_000, readAt: T0 + 50_000 } });
  assert.equal(renewed.claim, { holder: 'spot-guard-b', node: 'ip-10-0-1-10', renewedAgo: '5s', expiresIn: '25s' });
  const released = eventView(seedEvent({ phase: 'Pending', claim: { ...claim, releasedAt: iso(T0 + 20_000) } }), { settings, now: T0 + 25_000 });
  assert.equal(released.claim, { holder: 'spot-guard-b', node: 'ip-10-0-1-10', renewedAgo: '15s', expiredAgo: '5s', released: true });
});

test('Monitoring says what spot looks like and how long it must stay stable', () => {
  const short = eventView(seedEvent({ phase: 'Monitoring', spotHealth: { inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, healthy: false, observedAt: iso(T0) } }), { settings, now: T0 });
  assert.equal(short.waiting, { guard: 'stableLongEnough', what: 'spot to be healthy', why: 'spot 2/3 InService, nodes Ready 2/2, 1 scaling activities in progress: not healthy' });
  const stable = eventView(
    seedEvent({ phase: 'Monitoring', spotHealthySince: iso(T0), spotHealth: { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, healthy: true, observedAt: iso(T0) } }),
    { settings, now: T0 + 50_000 },
  );
  assert.equal(stable.waiting?.why, 'spot 3/3 InService, nodes Ready 3/3: stable for 1m10s more');
  assert.equal([stable.waiting?.what, stable.waiting?.left], ['spot to stay healthy through the stability window', '1m10s']);
  assert.equal(eventView(seedEvent({ phase: 'Monitoring' }), { settings, now: T0 }).waiting?.why, 'no spot observation yet');
});

test('how long an event has been in Monitoring comes from the timeline the view saw', () => {
  const book = new TimelineBook();
  book.saw(seedEvent({ phase: 'Pending' }), T0);
  const observed = book.saw(seedEvent({ phase: 'Monitoring' }), T0 + 10 * MIN);
  const view = eventView(seedEvent({ phase: 'Monitoring' }), { settings, now: T0 + 13 * MIN, observed });
  assert.equal([view.waiting?.since, view.waiting?.sinceAgo], [iso(T0 + 10 * MIN), '3m']);
  book.saw(seedEvent({ phase: 'ReadyForScaleDown' }), T0 + 14 * MIN);
  const again = book.saw(seedEvent({ phase: 'Monitoring' }), T0 + 15 * MIN);
  assert.equal(again.map((e) => e.what), ['minimum wait elapsed: Monitoring', 'spot unhealthy again: Monitoring']);
  assert.is(eventView(seedEvent({ phase: 'Monitoring' }), { settings, now: T0 + 16 * MIN, observed: again }).waiting?.sinceAgo, '1m', 'the latest entry into Monitoring');
});

test('ReadyForScaleDown shows why the safety checks refuse', () => {
  const view = eventView(
    seedEvent({ phase: 'ReadyForScaleDown', conditions: [{ type: 'SafetyChecksPassed', status: 'False', reason: 'Blocked', message: 'PDB web allows 0 disruptions', lastTransitionTime: iso(T0) }] }),
    { settings, now: T0 },
  );
  assert.equal(view.waiting, { guard: 'checksPassed', what: 'the safety checks to pass', why: 'safety checks blocked: PDB web allows 0 disruptions' });
});

test('ScalingDown names the step, its attempt and message, since the step before it ended; Completed counts down the TTL', () => {
  const scaleDown = { startedAt: iso(T0 - MIN), taint: { completedAt: iso(T0 - 30_000), by: 'b' }, cordon: { completedAt: iso(T0), by: 'b' }, drain: { attempts: 1, message: 'PDB web refused' } };
  const view = eventView(seedEvent({ phase: 'ScalingDown', scaleDown }), { settings, now: T0 + 20_000 });
  assert.equal(view.waiting, { guard: 'stepIs', what: 'step drain to finish', why: 'step 3/5: drain, attempt 2 (PDB web refused)', since: iso(T0), sinceAgo: '20s' });
  assert.equal(view.active, ['ScalingDown', 'ScalingDown.drain']);
  const first = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { startedAt: iso(T0 - MIN) } }), { settings, now: T0 });
  assert.equal([first.waiting?.what, first.waiting?.sinceAgo], ['step taint to finish', '1m'], 'the first step counts from the scale-down start');
  const done = eventView(seedEvent({ phase: 'Completed', completionTime: iso(T0) }), { settings, now: T0 + 60 * MIN });
  assert.equal(done.waiting, { guard: 'mayDelete', what: 'the TTL to end, then deletion', why: 'deleted after the TTL: 23h left', left: '23h', since: iso(T0), sinceAgo: '1h' });
});

test('a step waiting out its backoff says when it is tried again; a rollback says what it undoes and why', () => {
  const retrying = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { terminate: { attempts: 6, nextAttemptAt: iso(T0 + 4 * MIN), message: 'AWS unavailable' } } }), { settings, now: T0 });
  assert.equal(retrying.waiting, { guard: 'stepIs', what: 'step taint to finish', why: 'step 1/5: taint' }, 'the first step not done is the one shown');
  const terminate = Object.fromEntries(['taint', 'cordon', 'drain', 'waitForReschedule'].map((s) => [s, { completedAt: iso(T0) }]));
  const due = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { ...terminate, terminate: { attempts: 6, nextAttemptAt: iso(T0 + 4 * MIN), message: 'AWS unavailable' } } }), { settings, now: T0 });
  assert.equal(due.waiting, { guard: 'stepIs', what: 'step terminate to be tried again', why: 'step 5/5: terminate, attempt 7 in 4m (AWS unavailable)', left: '4m', since: iso(T0), sinceAgo: '0s' });
  const rolling = seedEvent({ phase: 'ScalingDown', scaleDown: { ...terminate, rollback: { reason: 'instance moved to ASG other', requestedAt: iso(T0), attempts: 1, nextAttemptAt: iso(T0 + 10_000) } } });
  const view = eventView(rolling, { settings, now: T0 });
  assert.equal(view.waiting, {
    guard: 'stepDue',
    what: 'the rollback to be tried again',
    why: 'undoing the scale-down of node ip-10-0-2-100, attempt 2 in 10s (instance moved to ASG other)',
    left: '10s',
    since: iso(T0),
    sinceAgo: '0s',
  });
  assert.equal(view.active, ['ScalingDown', 'ScalingDown.rollback']);
  assert.ok(view.timeline.some((e) => e.what === 'scale-down failed for good, rolling back: instance moved to ASG other'));
});

test('the timeline merges what the object records with what the view saw, in time order, with who did it', () => {
  const book = new TimelineBook();
  book.saw(seedEvent({ phase: 'Pending' }), T0);
  const observed = book.saw(seedEvent({ phase: 'Monitoring', claim: { holder: 'spot-guard-b', acquiredAt: iso(T0), renewedAt: iso(T0), leaseSeconds: 30 } }), T0 + 10 * MIN);
  const object = seedEvent({
    phase: 'Completed',
    completionTime: iso(T0 + 17 * MIN),
    conditions: [{ type: 'SpotRestored', status: 'True', reason: 'Stable', lastTransitionTime: iso(T0 + 12 * MIN) }],
    spotHealth: { inService: 3, desired: 3, activitiesInProgress: 0, observedAt: iso(T0 + 12 * MIN), observedBy: 'spot-guard-b' },
    scaleDown: { startedAt: iso(T0 + 12 * MIN + 10_000), taint: { completedAt: iso(T0 + 12 * MIN + 15_000), by: 'spot-guard-c' }, terminate: { completedAt: iso(T0 + 17 * MIN), by: 'spot-guard-c' } },
  });
  const view = eventView(object, { settings, now: T0 + 18 * MIN, observed });
  assert.equal(
    view.timeline.map((e) => `${e.at} ${e.what} ${e.by ?? '-'}`),
    [
      `${object.spec.timestamp} fell back to on-demand node ip-10-0-2-100: Pending -`,
      `${iso(T0 + 10 * MIN)} minimum wait elapsed: Monitoring spot-guard-b`,
      `${iso(T0 + 12 * MIN)} spot restored and stable: ReadyForScaleDown spot-guard-b`,
      `${iso(T0 + 12 * MIN + 10_000)} safety checks passed: ScalingDown spot-guard-c`,
      `${iso(T0 + 12 * MIN + 15_000)} step taint done spot-guard-c`,
      `${iso(T0 + 17 * MIN)} step terminate done spot-guard-c`,
      `${iso(T0 + 17 * MIN)} Completed spot-guard-c`,
    ],
  );
});

test.run();
