// The live view's model of one event: the active states, the guard that holds the next
// transition and why, and the timeline.
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

test('Pending waits on the minimum wait, with the time left', () => {
  const view = eventView(seedEvent({ phase: 'Pending' }), { settings, now: T0 + 5 * MIN + 48_000 });
  assert.equal(view.waiting, { guard: 'minimumWaitElapsed', why: 'minimum wait: 4m12s left' });
  assert.is(view.onDemandNode, 'ip-10-0-2-100');
});

test('Monitoring says what spot looks like and how long it must stay stable', () => {
  const short = eventView(seedEvent({ phase: 'Monitoring', spotHealth: { inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, healthy: false, observedAt: iso(T0) } }), { settings, now: T0 });
  assert.equal(short.waiting, { guard: 'stableLongEnough', why: 'spot 2/3 InService, nodes Ready 2/2, 1 scaling activities in progress: not healthy' });
  const stable = eventView(
    seedEvent({ phase: 'Monitoring', spotHealthySince: iso(T0), spotHealth: { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, healthy: true, observedAt: iso(T0) } }),
    { settings, now: T0 + 50_000 },
  );
  assert.equal(stable.waiting?.why, 'spot 3/3 InService, nodes Ready 3/3: stable for 1m10s more');
  assert.equal(eventView(seedEvent({ phase: 'Monitoring' }), { settings, now: T0 }).waiting?.why, 'no spot observation yet');
});

test('ReadyForScaleDown shows why the safety checks refuse', () => {
  const view = eventView(
    seedEvent({ phase: 'ReadyForScaleDown', conditions: [{ type: 'SafetyChecksPassed', status: 'False', reason: 'Blocked', message: 'PDB web allows 0 disruptions', lastTransitionTime: iso(T0) }] }),
    { settings, now: T0 },
  );
  assert.equal(view.waiting, { guard: 'checksPassed', why: 'safety checks blocked: PDB web allows 0 disruptions' });
});

test('ScalingDown names the step, its attempt and message; Completed counts down the TTL', () => {
  const view = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { taint: { completedAt: iso(T0), by: 'b' }, cordon: { completedAt: iso(T0), by: 'b' }, drain: { attempts: 1, message: 'PDB web refused' } } }), { settings, now: T0 });
  assert.equal(view.waiting, { guard: 'stepIs', why: 'step 3/5: drain, attempt 2 (PDB web refused)' });
  assert.equal(view.active, ['ScalingDown', 'ScalingDown.drain']);
  const done = eventView(seedEvent({ phase: 'Completed', completionTime: iso(T0) }), { settings, now: T0 + 60 * MIN });
  assert.equal(done.waiting, { guard: 'mayDelete', why: 'deleted after the TTL: 23h left' });
});

test('a step waiting out its backoff says when it is tried again; a rollback says what it undoes and why', () => {
  const retrying = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { terminate: { attempts: 6, nextAttemptAt: iso(T0 + 4 * MIN), message: 'AWS unavailable' } } }), { settings, now: T0 });
  assert.equal(retrying.waiting, { guard: 'stepIs', why: 'step 1/5: taint' }, 'the first step not done is the one shown');
  const terminate = Object.fromEntries(['taint', 'cordon', 'drain', 'waitForReschedule'].map((s) => [s, { completedAt: iso(T0) }]));
  const due = eventView(seedEvent({ phase: 'ScalingDown', scaleDown: { ...terminate, terminate: { attempts: 6, nextAttemptAt: iso(T0 + 4 * MIN), message: 'AWS unavailable' } } }), { settings, now: T0 });
  assert.equal(due.waiting, { guard: 'stepIs', why: 'step 5/5: terminate, attempt 7 in 4m (AWS unavailable)' });
  const rolling = seedEvent({ phase: 'ScalingDown', scaleDown: { ...terminate, rollback: { reason: 'instance moved to ASG other', requestedAt: iso(T0), attempts: 1, nextAttemptAt: iso(T0 + 10_000) } } });
  const view = eventView(rolling, { settings, now: T0 });
  assert.equal(view.waiting, { guard: 'stepDue', why: 'undoing the scale-down of node ip-10-0-2-100, attempt 2 in 10s (instance moved to ASG other)' });
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
