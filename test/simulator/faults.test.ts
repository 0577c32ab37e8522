// Injected AWS failures as the agent's adapter meets them: throttling the SDK's adaptive
// retry absorbs, 5xx and throttling that outlast its attempts and surface as AwsError with
// the adapter's real mapping, and every attempt counted by the simulator.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsError } from '../../runtime/autoscaling.port.js';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { contractCredentials as credentials } from '../harness/autoscaling-contract.js';

const OD = 'my-ondemand-asg';
const test = suite<{ sim: Simulator; adapters: AwsAutoScaling[] }>('simulator fault injection through the AWS adapter');

test.before(async (ctx) => {
  ctx.sim = await startSimulator();
  ctx.adapters = [];
});
test.before.each(async ({ sim }) => {
  await sim.control.reset();
  await sim.control.createGroup({ name: OD, capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 1 });
});
test.after.each(({ adapters }) => {
  for (const a of adapters.splice(0)) a.destroy();
});
test.after(async ({ sim }) => {
  await sim?.stop();
});

/** A fresh adapter per case: the adaptive retry's rate limiter remembers earlier throttling. */
function adapter(ctx: { sim: Simulator; adapters: AwsAutoScaling[] }, outcomes: string[], maxAttempts?: number): AwsAutoScaling {
  const a = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.sim.endpoint, credentials, maxAttempts }, (action, outcome) => outcomes.push(`${action} ${outcome}`));
  ctx.adapters.push(a);
  return a;
}

async function failure(call: () => Promise<unknown>): Promise<AwsError> {
  try {
    await call();
  } catch (err) {
    assert.instance(err, AwsError);
    return err as AwsError;
  }
  throw new Error('the call did not fail');
}

test('throttling on every call of one action for 3 calls is retried by the SDK and the call succeeds', async (ctx) => {
  const outcomes: string[] = [];
  const aws = adapter(ctx, outcomes);
  await ctx.sim.control.injectFault({ action: 'DescribeAutoScalingGroups', error: 'Throttling', times: 3 });
  const [od] = await aws.describeGroups([OD]);
  assert.is(od?.desired, 1);
  assert.equal(outcomes, ['DescribeAutoScalingGroups ok'], 'the adapter saw one call, and it succeeded');
  assert.equal(await ctx.sim.control.calls(), { DescribeAutoScalingGroups: 4 }, 'three throttled attempts and the one that passed');
  assert.equal(await ctx.sim.control.injectedCalls(), { DescribeAutoScalingGroups: 3 });
  assert.equal(await ctx.sim.control.faults(), [], 'a rule for N calls is gone once spent');
});

test('5xx on more calls than the SDK attempts surfaces as AwsError Unavailable and changes nothing', async (ctx) => {
  const outcomes: string[] = [];
  const aws = adapter(ctx, outcomes, 3);
  await ctx.sim.control.injectFault({ action: 'SetDesiredCapacity', error: 'ServiceUnavailable', times: 10 });
  const err = await failure(() => aws.setDesiredCapacity(OD, 2));
  assert.is(err.code, 'Unavailable');
  assert.is(err.action, 'SetDesiredCapacity');
  assert.equal(outcomes, ['SetDesiredCapacity Unavailable']);
  assert.equal(await ctx.sim.control.calls(), { SetDesiredCapacity: 3 }, 'one call per SDK attempt');
  assert.is((await aws.describeGroups([OD]))[0]?.desired, 1, 'nothing changed');

  await ctx.sim.control.injectFault({ action: '*', error: 'InternalFailure', times: 10 });
  assert.is((await failure(() => aws.describeActivities(OD))).code, 'Unavailable');
  await ctx.sim.control.clearFaults();
  await aws.setDesiredCapacity(OD, 2);
  assert.is((await aws.describeGroups([OD]))[0]?.desired, 2, 'works again once the faults are cleared');
});

test('throttling that outlasts the SDK attempts surfaces as AwsError Throttled', async (ctx) => {
  const aws = adapter(ctx, [], 2);
  await ctx.sim.control.injectFault({ action: 'DescribeScalingActivities', error: 'Throttling', times: 5 });
  const err = await failure(() => aws.describeActivities(OD));
  assert.is(err.code, 'Throttled');
  assert.match(err.message, 'Rate exceeded');
  assert.equal(await ctx.sim.control.calls(), { DescribeScalingActivities: 2 });
  assert.equal(await ctx.sim.control.injectedCalls(), { DescribeScalingActivities: 2 });
});

test('a fraction of calls fails by a seeded draw: the counts add up and the same seed fails the same calls', async (ctx) => {
  const aws = adapter(ctx, [], 1);
  const run = async (): Promise<boolean[]> => {
    await ctx.sim.control.resetCalls();
    await ctx.sim.control.clearFaults();
    await ctx.sim.control.injectFault({ action: 'DescribeAutoScalingInstances', error: 'InternalFailure', rate: 0.5, seed: 42 });
    const failed: boolean[] = [];
    for (let n = 0; n < 20; n++) failed.push(await aws.describeInstance('i-0123456789abcdef0').then(() => false, () => true));
    return failed;
  };
  const first = await run();
  const failures = first.filter(Boolean).length;
  assert.ok(failures > 0 && failures < 20, `some but not all calls fail (${failures} of 20)`);
  assert.equal(await ctx.sim.control.calls(), { DescribeAutoScalingInstances: 20 });
  assert.equal(await ctx.sim.control.injectedCalls(), { DescribeAutoScalingInstances: failures });
  assert.is((await ctx.sim.control.faults())[0]?.injected, failures);
  assert.equal(await run(), first, 'replayed exactly');
});

test('the control API refuses a fault it cannot inject', async ({ sim }) => {
  for (const bad of [
    { action: 'SetDesiredCapacity', error: 'Throttling' },
    { action: 'SetDesiredCapacity', error: 'Throttling', times: 1, rate: 0.5 },
    { action: 'SetDesiredCapacity', error: 'NoSuchError', times: 1 },
    { action: 'SetDesiredCapacity', error: 'Throttling', rate: 2 },
  ]) {
    try {
      await sim.control.injectFault(bad as Parameters<typeof sim.control.injectFault>[0]);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.is((err as { status?: number }).status, 400, JSON.stringify(bad));
    }
  }
  assert.equal(await sim.control.faults(), []);
});

test.run();
