// The ASG observation stream: marble tests of the shared poller (one Describe per ASG per
// interval however many subscribe, whatever companions they ask about; none without subscribers), and the real adapter
// against moto.
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { filter, firstValueFrom, timeout, type SchedulerLike } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsError, type AsgDescription, type AutoScalingPort, type InstanceMembership, type ScalingActivity } from '../../runtime/autoscaling.port.js';
import { AsgObserver, type AsgObservationEvent, type AsgSnapshot } from '../../streams/asg-observation.stream.js';
import { spotObservation } from '../../streams/spot-health.js';
import { startMoto } from '../harness/moto.js';

const test = suite('ASG observation stream');

const testScheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));

/**
 * scheduler.run with the flush bounded: a poller that never stopped would keep its virtual
 * timer going forever and hang the test; bounded, it fails the test's call assertions.
 */
function runBounded(scheduler: TestScheduler, callback: (helpers: RunHelpers) => void): void {
  scheduler.run((helpers) => {
    scheduler.maxFrames = 1000;
    callback(helpers);
  });
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A thenable that settles at a virtual time. The port speaks Promises, and real Promises
 * settle in microtasks that TestScheduler.run never waits for; RxJS takes any thenable, so
 * this one lets the fake cloud answer inside virtual time (after `latency` frames).
 */
class VirtualAnswer<T> {
  private outcome: Outcome<T> | undefined;
  private readonly waiting: (() => void)[] = [];

  settle(outcome: Outcome<T>): void {
    this.outcome = outcome;
    for (const run of this.waiting.splice(0)) run();
  }

  then<A = T, B = never>(onFulfilled?: ((value: T) => A) | null, onRejected?: ((error: unknown) => B) | null): VirtualAnswer<A | B> {
    const next = new VirtualAnswer<A | B>();
    const run = (): void => {
      const o = this.outcome as Outcome<T>;
      try {
        if (o.ok) next.settle(onFulfilled ? { ok: true, value: onFulfilled(o.value) } : { ok: true, value: o.value as unknown as A });
        else if (onRejected) next.settle({ ok: true, value: onRejected(o.error) });
        else next.settle(o);
      } catch (error) {
        next.settle({ ok: false, error });
      }
    };
    if (this.outcome) run();
    else this.waiting.push(run);
    return next;
  }
}

/** The fake cloud: records every call with its virtual time and can be told to fail N times. */
class RecordingPort implements AutoScalingPort {
  readonly calls: string[] = [];
  readonly groups = new Map<string, AsgDescription>();
  readonly activities = new Map<string, ScalingActivity[]>();
  latency = 0;
  private failures = 0;

  constructor(private readonly scheduler: SchedulerLike) {}

  failNext(times: number): void {
    this.failures = times;
  }

  private answer<T>(call: string, produce: () => T): Promise<T> {
    this.calls.push(`${this.scheduler.now()} ${call}`);
    const answer = new VirtualAnswer<T>();
    const failing = this.failures > 0;
    if (failing) this.failures--;
    const settle = (): void =>
      answer.settle(failing ? { ok: false, error: new AwsError('Throttled', call.split(' ')[0] ?? '', 'Rate exceeded') } : { ok: true, value: produce() });
    if (this.latency === 0) settle();
    else this.scheduler.schedule(settle, this.latency);
    // Only ever consumed through RxJS's from(), which needs nothing but then().
    return answer as unknown as Promise<T>;
  }

  describeGroups(names: readonly string[]): Promise<AsgDescription[]> {
    return this.answer(`DescribeAutoScalingGroups ${names.join(',')}`, () => names.flatMap((n) => this.groups.get(n) ?? []));
  }
  describeActivities(asgName: string, maxRecords?: number): Promise<ScalingActivity[]> {
    return this.answer(`DescribeScalingActivities ${asgName} ${maxRecords}`, () => this.activities.get(asgName) ?? []);
  }
  describeInstance(instanceId: string): Promise<InstanceMembership | undefined> {
    return this.answer(`DescribeAutoScalingInstances ${instanceId}`, () => undefined);
  }
  setDesiredCapacity(asgName: string, desired: number): Promise<void> {
    return this.answer(`SetDesiredCapacity ${asgName} ${desired}`, () => undefined);
  }
  terminateInstance(instanceId: string): Promise<ScalingActivity | undefined> {
    return this.answer(`TerminateInstanceInAutoScalingGroup ${instanceId}`, () => undefined);
  }
}

const group = (name: string, desired: number): AsgDescription => ({
  name,
  minSize: 0,
  maxSize: 10,
  desired,
  instances: Array.from({ length: desired }, (_, i) => ({ instanceId: `i-${name}-${i}`, lifecycleState: 'InService', healthStatus: 'Healthy', availabilityZone: 'us-east-1a' })),
});

const spotActivity: ScalingActivity = {
  activityId: 'a-1',
  asgName: 'spot',
  statusCode: 'Successful',
  statusMessage: '',
  description: 'Launching a new EC2 instance',
  startTime: '2024-01-01T00:00:00.000Z',
};

function fixture(scheduler: TestScheduler): { port: RecordingPort; observer: AsgObserver } {
  const port = new RecordingPort(scheduler);
  port.groups.set('spot', group('spot', 2));
  port.groups.set('od', group('od', 1));
  port.activities.set('spot', [spotActivity]);
  return { port, observer: new AsgObserver(port, { intervalMs: 10, scheduler }) };
}

const observed = (asgName: string, g: AsgDescription | undefined, activities: ScalingActivity[], observedAt: number): AsgObservationEvent => ({
  type: 'ASG_OBSERVED',
  snapshot: { asgName, group: g, activities, observedAt },
});

const pollsAt = (asgName: string, ...frames: number[]) =>
  frames.flatMap((t) => [`${t} DescribeAutoScalingGroups ${asgName}`, `${t} DescribeScalingActivities ${asgName} 10`]);

test('twenty subscribers to one ASG share one poll per interval', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    const expected = { a: observed('spot', group('spot', 2), [spotActivity], 0), b: observed('spot', group('spot', 2), [spotActivity], 10), c: observed('spot', group('spot', 2), [spotActivity], 20), d: observed('spot', group('spot', 2), [spotActivity], 30) };
    for (let i = 0; i < 20; i++) expectObservable(observer.observe('spot'), '^ 35ms !').toBe('a 9ms b 9ms c 9ms d', expected);
  });
  assert.equal(port.calls, pollsAt('spot', 0, 10, 20, 30));
});

test('two ASGs are polled once each per interval', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    for (let i = 0; i < 5; i++) {
      expectObservable(observer.observe('spot'), '^ 15ms !').toBe('a 9ms b', { a: observed('spot', group('spot', 2), [spotActivity], 0), b: observed('spot', group('spot', 2), [spotActivity], 10) });
      expectObservable(observer.observe('od'), '^ 15ms !').toBe('a 9ms b', { a: observed('od', group('od', 1), [], 0), b: observed('od', group('od', 1), [], 10) });
    }
  });
  assert.equal(port.calls.filter((c) => c.includes(' spot')), pollsAt('spot', 0, 10));
  assert.equal(port.calls.filter((c) => c.includes(' od')), pollsAt('od', 0, 10));
});

test('polling stops when the last subscriber leaves, and a new subscriber restarts it with a fresh poll', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    expectObservable(observer.observe('spot'), '^ 15ms !');
    expectObservable(observer.observe('spot'), '^ 25ms !');
    // The newcomer after the gap gets a poll of its own at once, not the stale snapshot of 20.
    expectObservable(observer.observe('spot'), '100ms ^ 15ms !').toBe('100ms a 9ms b', {
      a: observed('spot', group('spot', 2), [spotActivity], 100),
      b: observed('spot', group('spot', 2), [spotActivity], 110),
    });
  });
  assert.equal(port.calls, pollsAt('spot', 0, 10, 20, 100, 110));
});

test('a failed poll is an ASG_ERROR event and the next poll recovers', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  port.failNext(1);
  runBounded(scheduler, ({ expectObservable }) => {
    expectObservable(observer.observe('spot'), '^ 25ms !').toBe('e 9ms a 9ms b', {
      e: { type: 'ASG_ERROR', asgName: 'spot', code: 'Throttled', message: 'DescribeAutoScalingGroups: Rate exceeded', at: 0 },
      a: observed('spot', group('spot', 2), [spotActivity], 10),
      b: observed('spot', group('spot', 2), [spotActivity], 20),
    });
  });
  // The failed describe did not go on to ask for activities.
  assert.equal(port.calls, [`0 DescribeAutoScalingGroups spot`, ...pollsAt('spot', 10, 20)]);
});

test('a late subscriber gets the latest snapshot at once, even after a failed poll', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    expectObservable(observer.observe('spot'), '^ 35ms !');
    scheduler.schedule(() => port.failNext(1), 15);
    expectObservable(observer.observe('spot'), '5ms ^ 10ms !').toBe('5ms a 4ms b', {
      a: observed('spot', group('spot', 2), [spotActivity], 0),
      b: observed('spot', group('spot', 2), [spotActivity], 10),
    });
    // Poll 20 failed; the newcomer at 25 gets the snapshot of 10, then the poll of 30.
    expectObservable(observer.observe('spot'), '25ms ^ 10ms !').toBe('25ms a 4ms b', {
      a: observed('spot', group('spot', 2), [spotActivity], 10),
      b: observed('spot', group('spot', 2), [spotActivity], 30),
    });
  });
  assert.equal(port.calls.filter((c) => c.includes('DescribeAutoScalingGroups')).length, 4, 'late subscribers add no calls');
});

test('a slow answer is not overtaken by the next poll', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  // Each call takes 12 frames: a poll (two calls) ends at 24, after two ticks went by.
  port.latency = 12;
  runBounded(scheduler, ({ expectObservable }) => {
    expectObservable(observer.observe('spot'), '^ 45ms !').toBe('24ms a', { a: observed('spot', group('spot', 2), [spotActivity], 24) });
  });
  assert.equal(port.calls, ['0 DescribeAutoScalingGroups spot', '12 DescribeScalingActivities spot 10', '30 DescribeAutoScalingGroups spot', '42 DescribeScalingActivities spot 10']);
});

test('an absent group is a snapshot without group, and its activities are not asked for', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    expectObservable(observer.observe('gone'), '^ 5ms !').toBe('a', { a: observed('gone', undefined, [], 0) });
  });
  assert.equal(port.calls, ['0 DescribeAutoScalingGroups gone']);
});

const withCompanions = (companionsNotFound: string[], observedAt: number): AsgObservationEvent => ({
  type: 'ASG_OBSERVED',
  snapshot: { asgName: 'spot', group: group('spot', 2), activities: [spotActivity], observedAt, companionsNotFound },
});

test('companions are asked about in the same describe call, and each subscriber hears only of its own', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    for (let i = 0; i < 3; i++) expectObservable(observer.observe('spot', ['od']), '^ 15ms !').toBe('a 9ms b', { a: withCompanions([], 0), b: withCompanions([], 10) });
    expectObservable(observer.observe('spot', ['deleted-od']), '^ 5ms !').toBe('a', { a: withCompanions(['deleted-od'], 0) });
  });
  // One poller for the spot ASG: its first poll asks about every companion wanted then.
  assert.equal(port.calls.filter((c) => c.includes('DescribeAutoScalingGroups')), ['0 DescribeAutoScalingGroups spot,deleted-od,od', '10 DescribeAutoScalingGroups spot,od']);
});

test('one poller per ASG: a plain watcher and a watcher with a companion share each poll', () => {
  const scheduler = testScheduler();
  const { port, observer } = fixture(scheduler);
  runBounded(scheduler, ({ expectObservable }) => {
    // The rebalance responder's observe(spot) and an event actor's observe(spot, [od]).
    expectObservable(observer.observe('spot'), '^ 35ms !').toBe('a 9ms b 9ms c 9ms d', {
      a: observed('spot', group('spot', 2), [spotActivity], 0),
      b: observed('spot', group('spot', 2), [spotActivity], 10),
      c: observed('spot', group('spot', 2), [spotActivity], 20),
      d: observed('spot', group('spot', 2), [spotActivity], 30),
    });
    expectObservable(observer.observe('spot', ['od']), '^ 35ms !').toBe('a 9ms b 9ms c 9ms d', { a: withCompanions([], 0), b: withCompanions([], 10), c: withCompanions([], 20), d: withCompanions([], 30) });
    // A newcomer with a companion the running poller does not ask about gets the latest
    // snapshot at once, with only its companion described (alone, not the spot ASG again).
    expectObservable(observer.observe('spot', ['other-od']), '15ms ^ 10ms !').toBe('15ms a 4ms b', { a: withCompanions(['other-od'], 10), b: withCompanions(['other-od'], 20) });
  });
  assert.equal(port.calls, [
    '0 DescribeAutoScalingGroups spot,od',
    '0 DescribeScalingActivities spot 10',
    '10 DescribeAutoScalingGroups spot,od',
    '10 DescribeScalingActivities spot 10',
    '15 DescribeAutoScalingGroups other-od',
    '20 DescribeAutoScalingGroups spot,od,other-od',
    '20 DescribeScalingActivities spot 10',
    '30 DescribeAutoScalingGroups spot,od',
    '30 DescribeScalingActivities spot 10',
  ]);
});

test('against moto with the real adapter: a snapshot carries the group\'s desired capacity and instances, and polling stops after', async () => {
  const moto = await startMoto();
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const calls: string[] = [];
  const asg = new AwsAutoScaling({ region: 'us-east-1', endpoint: moto.endpoint, credentials }, (action, outcome) => calls.push(`${action} ${outcome}`));
  try {
    const admin = new AutoScalingClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
    await admin.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
    await admin.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'my-spot-asg', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 5, DesiredCapacity: 2, AvailabilityZones: ['us-east-1a'] }));
    admin.destroy();

    const observer = new AsgObserver(asg, { intervalMs: 200 });
    const before = Date.now();
    const event = await firstValueFrom(
      observer.observe('my-spot-asg').pipe(
        filter((e) => e.type === 'ASG_OBSERVED'),
        timeout({ first: 60_000 }),
      ),
    );
    const snapshot: AsgSnapshot = event.snapshot;
    assert.is(snapshot.asgName, 'my-spot-asg');
    assert.is(snapshot.group?.desired, 2);
    assert.is(snapshot.group?.instances.length, 2);
    assert.ok(snapshot.group?.instances.every((i) => /^i-[0-9a-f]+$/.test(i.instanceId) && i.lifecycleState === 'InService'));
    assert.ok(Array.isArray(snapshot.activities));
    assert.ok(snapshot.observedAt >= before && snapshot.observedAt <= Date.now(), 'observedAt comes from the (default) scheduler clock');
    assert.equal(calls, ['DescribeAutoScalingGroups ok', 'DescribeScalingActivities ok'], 'one poll, no errors');

    const nodes = (snapshot.group?.instances ?? []).map((i) => ({ name: `node-${i.instanceId}`, instanceId: i.instanceId, ready: true }));
    assert.equal(spotObservation(snapshot, nodes), { inService: 2, desired: 2, activitiesInProgress: 0, nodesReady: 2, nodesTotal: 2, observedAt: snapshot.observedAt });

    // Nothing is subscribed any more: five intervals go by without a call.
    await new Promise((r) => setTimeout(r, 1000));
    assert.is(calls.length, 2, 'no calls without subscribers');
  } finally {
    asg.destroy();
    await moto.stop();
  }
});

test.run();
