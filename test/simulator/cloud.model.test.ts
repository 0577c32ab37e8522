// The simulator's cloud model stepped by hand with an injected clock: lifecycle delays,
// retries during a shortage, the scale-in order, AWS's refusals, and the spot pool. No
// server and no waiting: every instant is chosen by the test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QueryError } from '../../dev/simulator/aws.wording.js';
import { CloudModel } from '../../dev/simulator/cloud.model.js';

const T0 = Date.parse('2025-01-15T10:00:00Z');

function world(delays: { launchMs?: number; terminateMs?: number; nodeReadyMs?: number; launchRetryMs?: number } = {}) {
  let n = 0;
  const model = new CloudModel({ start: T0, delays, ids: { instance: () => `i-${(++n).toString(16).padStart(17, '0')}`, activity: () => `act-${++n}` } });
  model.createGroup({ name: 'spot', capacityType: 'spot', minSize: 0, maxSize: 10, desiredCapacity: 0 });
  model.createGroup({ name: 'od', capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 0 });
  const states = (g: string) => model.instancesOf(g).map((i) => i.lifecycleState);
  const failed = (g: string) => model.listActivities(g).filter((a) => a.statusCode === 'Failed');
  return { model, states, failed };
}

const test = suite('simulator cloud model (injected clock)');

test('an instance is Pending for the launch delay, then InService, and its node is Ready after the node-ready delay', () => {
  const { model, states } = world({ launchMs: 1000, nodeReadyMs: 500 });
  model.setDesiredCapacity('od', 1);
  assert.equal(states('od'), ['Pending']);
  const [launch] = model.listActivities('od');
  assert.is(launch?.statusCode, 'InProgress');
  assert.match(launch?.cause ?? '', /a user request explicitly set group desired capacity changing the desired capacity from 0 to 1\..*increasing the capacity from 0 to 1\./);
  model.advance(T0 + 999);
  assert.equal(states('od'), ['Pending']);
  model.advance(T0 + 5000);
  assert.equal(states('od'), ['InService']);
  const inst = model.instancesOf('od')[0];
  assert.is(inst?.inServiceAt, T0 + 1000, 'InService at the instant it fell due, not when the clock was read');
  assert.is(inst?.nodeReadyAt, T0 + 1500);
  assert.is(model.listActivities('od')[0]?.statusCode, 'Successful');
  assert.is(model.listActivities('od')[0]?.endTime, T0 + 1000);
});

test('an exhausted pool fails each attempt as AWS words it, retries every interval, and launches once restored', () => {
  const { model, states, failed } = world({ launchRetryMs: 1000 });
  model.exhaustSpotPool('spot');
  model.setDesiredCapacity('spot', 1);
  assert.equal(states('spot'), []);
  assert.is(failed('spot').length, 1);
  assert.match(
    failed('spot')[0]?.statusMessage ?? '',
    'InsufficientInstanceCapacity - We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1a).',
  );
  assert.match(failed('spot')[0]?.description ?? '', /^Launching a new EC2 instance\. {2}Status Reason: /);
  model.advance(T0 + 999);
  assert.is(failed('spot').length, 1, 'no attempt before the retry interval');
  // One jump over five intervals makes the same five attempts as five small steps would.
  model.advance(T0 + 5000);
  assert.is(failed('spot').length, 6);
  model.restoreSpotPool('spot');
  assert.equal(states('spot'), [], 'a restored pool is noticed at the next retry, not at once');
  model.advance(T0 + 6000);
  assert.equal(states('spot'), ['InService']);
  assert.is(failed('spot').length, 6);
});

test('a pool of N grants exactly N spot launches; an interruption does not give its capacity back', () => {
  const { model, states, failed } = world();
  model.restoreSpotPool('spot', 2);
  model.setDesiredCapacity('spot', 3);
  assert.equal(states('spot'), ['InService', 'InService']);
  assert.is(failed('spot').length, 1);
  assert.is(model.group('spot')?.spotPool, 0);
  const [first] = model.instancesOf('spot');
  model.interrupt(first?.instanceId ?? '');
  model.advance(T0 + 60_000);
  assert.equal(states('spot'), ['InService'], 'the interrupted instance is gone and not replaced');
  assert.ok(failed('spot').length > 1);
});

test('a moved instance keeps running in its new group, and neither group launches or terminates for it', () => {
  const { model, states } = world();
  model.createGroup({ name: 'other', capacityType: 'on-demand', minSize: 0, maxSize: 1, desiredCapacity: 0 });
  model.setDesiredCapacity('od', 2);
  const [first, second] = model.instancesOf('od');
  model.moveInstance(first?.instanceId ?? '', 'other');
  model.advance(T0 + 60_000);
  assert.equal([model.group('od')?.desiredCapacity, model.group('other')?.desiredCapacity], [1, 1]);
  assert.equal(states('od'), ['InService']);
  assert.equal(model.instancesOf('other').map((i) => [i.instanceId, i.lifecycleState]), [[first?.instanceId, 'InService']]);
  assert.throws(() => model.moveInstance(second?.instanceId ?? '', 'other'), /at its max size/);
  assert.throws(() => model.moveInstance(second?.instanceId ?? '', 'nowhere'), /no group nowhere/);
});

test('scale-in takes pending instances first, then the newest InService ones', () => {
  const { model } = world({ launchMs: 1000, terminateMs: 1000 });
  model.setDesiredCapacity('od', 2);
  model.advance(T0 + 1000);
  const [oldest, older] = model.instancesOf('od').map((i) => i.instanceId);
  model.advance(T0 + 2000);
  model.setDesiredCapacity('od', 3);
  model.advance(T0 + 3000);
  const newest = model.instancesOf('od').find((i) => i.instanceId !== oldest && i.instanceId !== older)?.instanceId;
  model.setDesiredCapacity('od', 4);
  const pending = model.instancesOf('od').find((i) => i.lifecycleState === 'Pending')?.instanceId;
  model.setDesiredCapacity('od', 2);
  const terminating = model.instancesOf('od').filter((i) => i.lifecycleState === 'Terminating').map((i) => i.instanceId);
  assert.equal(terminating.sort(), [pending, newest].sort());
  const cancelled = model.listActivities('od').find((a) => a.description.endsWith(pending ?? '?') && a.description.startsWith('Launching'));
  assert.is(cancelled?.statusCode, 'Cancelled');
});

test('terminating with decrement at the minimum is refused; terminating twice lowers the desired capacity once', () => {
  const { model } = world({ terminateMs: 1000 });
  model.createGroup({ name: 'pinned', capacityType: 'on-demand', minSize: 1, maxSize: 3, desiredCapacity: 1 });
  const only = model.instancesOf('pinned')[0]?.instanceId ?? '';
  try {
    model.terminateInstanceInGroup(only, true);
    assert.unreachable('must be refused');
  } catch (err) {
    assert.instance(err, QueryError);
    assert.is((err as QueryError).code, 'ValidationError');
    assert.match((err as QueryError).message, "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint.");
  }
  assert.is(model.group('pinned')?.desiredCapacity, 1);

  model.setDesiredCapacity('od', 2);
  const victim = model.instancesOf('od')[0]?.instanceId ?? '';
  const first = model.terminateInstanceInGroup(victim, true);
  const again = model.terminateInstanceInGroup(victim, true);
  assert.is(again.activityId, first.activityId);
  assert.is(first.statusCode, 'InProgress');
  assert.is(model.group('od')?.desiredCapacity, 1);
  model.advance(T0 + 1000);
  assert.is(model.instance(victim), undefined);
  assert.throws(() => model.terminateInstanceInGroup(victim, true), (e: QueryError) => e.message === `Instance Id not found - No managed instance found for instance ID: ${victim}`);
});

test('SetDesiredCapacity outside min..max or on an unknown group is refused in AWS words', () => {
  const { model } = world();
  const refused = (f: () => void): string => {
    try {
      f();
    } catch (err) {
      return (err as QueryError).message;
    }
    return 'not refused';
  };
  assert.is(refused(() => model.setDesiredCapacity('od', 11)), 'New SetDesiredCapacity value 11 is above max value 10 for the AutoScalingGroup.');
  model.createGroup({ name: 'floor', capacityType: 'on-demand', minSize: 2, maxSize: 3, desiredCapacity: 2 });
  assert.is(refused(() => model.setDesiredCapacity('floor', 1)), 'New SetDesiredCapacity value 1 is below min value 2 for the AutoScalingGroup.');
  assert.match(refused(() => model.setDesiredCapacity('nope', 1)), /^AutoScalingGroup name not found - /);
});

test('a clock that goes backwards changes nothing', () => {
  const { model, states } = world({ launchMs: 1000 });
  model.setDesiredCapacity('od', 1);
  model.advance(T0 - 60_000);
  assert.is(model.now, T0);
  assert.equal(states('od'), ['Pending']);
});

test.run();
