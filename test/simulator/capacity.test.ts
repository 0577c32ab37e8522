// The simulator's capacity behaviour as the agent sees it: through the real AWS SDK adapter
// against the simulator's server, with scenarios driven by the typed control client.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsError, type AsgDescription } from '../../runtime/autoscaling.port.js';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { waitFor } from '../harness/agent-world.js';
import { contractCredentials as credentials } from '../harness/autoscaling-contract.js';

const SPOT = 'my-spot-asg';
const OD = 'my-ondemand-asg';
const SHORTAGE = 'InsufficientInstanceCapacity - We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1a).';

const test = suite<{ sim: Simulator; aws: AwsAutoScaling }>('simulator capacity through the AWS adapter');

test.before(async (ctx) => {
  ctx.sim = await startSimulator();
  ctx.aws = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.sim.endpoint, credentials });
});
test.before.each(async ({ sim }) => {
  await sim.control.reset();
  await sim.control.createGroup({ name: SPOT, capacityType: 'spot', minSize: 0, maxSize: 10, desiredCapacity: 2 });
  await sim.control.createGroup({ name: OD, capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 0 });
});
test.after(async (ctx) => {
  ctx.aws?.destroy();
  await ctx.sim?.stop();
});

const inService = (g: AsgDescription | undefined): string[] => (g?.instances ?? []).filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);
const group = async (aws: AwsAutoScaling, name: string): Promise<AsgDescription | undefined> => (await aws.describeGroups([name]))[0];

test('an exhausted spot pool fails the launch as AWS reports it; the group keeps retrying and the instance arrives once the pool is restored', async ({ sim, aws }) => {
  await sim.control.setDelays({ launchRetryMs: 200 });
  await sim.control.exhaustSpotPool(SPOT);
  await aws.setDesiredCapacity(SPOT, 3);

  const failures = await waitFor('two failed launch activities', async () => {
    const failed = (await aws.describeActivities(SPOT)).filter((a) => a.statusCode === 'Failed');
    return failed.length >= 2 && failed;
  });
  for (const a of failures) {
    assert.ok(a.statusMessage.includes(SHORTAGE), a.statusMessage);
    assert.ok(a.description.startsWith('Launching a new EC2 instance.  Status Reason: '), a.description);
    assert.is(a.asgName, SPOT);
  }
  const short = await group(aws, SPOT);
  assert.is(short?.desired, 3);
  assert.is(inService(short).length, 2, 'InService stays below desired during the shortage');

  await sim.control.restoreSpotPool(SPOT);
  const healed = await waitFor('the third spot instance InService', async () => {
    const g = await group(aws, SPOT);
    return inService(g).length === 3 && g;
  });
  assert.is(healed.desired, 3);
  const [newest] = await aws.describeActivities(SPOT, 1);
  assert.match(newest?.description ?? '', /^Launching a new EC2 instance: i-[0-9a-f]{17}$/);
  assert.is(newest?.statusCode, 'Successful');
});

test('with a launch delay a new instance is Pending, with its activity in progress, before it is InService', async ({ sim, aws }) => {
  await sim.control.setDelays({ launchMs: 2000 });
  await aws.setDesiredCapacity(OD, 1);
  const pending = await group(aws, OD);
  assert.equal(pending?.instances.map((i) => i.lifecycleState), ['Pending']);
  const id = pending?.instances[0]?.instanceId ?? '';
  assert.equal(await aws.describeInstance(id), { instanceId: id, asgName: OD, lifecycleState: 'Pending' });
  const [launch] = await aws.describeActivities(OD, 1);
  assert.is(launch?.statusCode, 'InProgress');
  assert.is(launch?.description, `Launching a new EC2 instance: ${id}`);

  await waitFor('the instance InService', async () => inService(await group(aws, OD)).includes(id), 20_000);
  assert.is((await aws.describeActivities(OD, 1))[0]?.statusCode, 'Successful');
});

test('terminateInstance terminates exactly that instance, lowers desired, and answers with its activity', async ({ sim, aws }) => {
  await aws.setDesiredCapacity(OD, 3);
  const ids = inService(await group(aws, OD));
  assert.is(ids.length, 3);
  const [keep1, victim, keep2] = ids as [string, string, string];
  await sim.control.setDelays({ terminateMs: 1000 });

  const activity = await aws.terminateInstance(victim);
  assert.is(activity?.description, `Terminating EC2 instance: ${victim}`);
  assert.is(activity?.statusCode, 'InProgress');
  assert.is(activity?.asgName, OD);

  const during = await group(aws, OD);
  assert.is(during?.desired, 2);
  assert.equal(inService(during).sort(), [keep1, keep2].sort(), 'the others are untouched');
  assert.is((await aws.describeInstance(victim))?.lifecycleState, 'Terminating');

  await waitFor('the instance gone', async () => (await aws.describeInstance(victim)) === undefined, 20_000);
  const after = await group(aws, OD);
  assert.equal(after?.instances.map((i) => i.instanceId).sort(), [keep1, keep2].sort(), 'no replacement launched');
});

test("AWS's refusals become the adapter's codes: unknown group and instance NotFound, outside min..max and below min Invalid", async ({ sim, aws }) => {
  await sim.control.createGroup({ name: 'pinned', capacityType: 'on-demand', minSize: 1, maxSize: 2, desiredCapacity: 1 });
  const only = inService(await group(aws, 'pinned'))[0] ?? '';
  const refusal = async (call: () => Promise<unknown>): Promise<[string, string]> => {
    try {
      await call();
    } catch (err) {
      assert.instance(err, AwsError);
      return [(err as AwsError).code, (err as AwsError).message];
    }
    return ['none', 'not refused'];
  };
  const [unknownGroup] = await refusal(() => aws.setDesiredCapacity('no-such-asg', 1));
  assert.is(unknownGroup, 'NotFound');
  const [unknownInstance, unknownInstanceMessage] = await refusal(() => aws.terminateInstance('i-0123456789abcdef0'));
  assert.is(unknownInstance, 'NotFound');
  assert.match(unknownInstanceMessage, 'Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0');
  assert.equal(await refusal(() => aws.setDesiredCapacity('pinned', 3)), ['Invalid', 'SetDesiredCapacity: New SetDesiredCapacity value 3 is above max value 2 for the AutoScalingGroup.']);
  assert.equal(await refusal(() => aws.setDesiredCapacity('pinned', 0)), ['Invalid', 'SetDesiredCapacity: New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.']);
  const [belowMin, belowMinMessage] = await refusal(() => aws.terminateInstance(only));
  assert.is(belowMin, 'Invalid');
  assert.match(belowMinMessage, "Terminating instance without replacement will violate group's min size constraint.");
  const pinned = await group(aws, 'pinned');
  assert.is(pinned?.desired, 1, 'nothing changed');
  assert.equal(inService(pinned), [only]);
});

test('a spot interruption terminates the instance as EC2 would, and the group replaces it once the pool allows', async ({ sim, aws }) => {
  const [victim, survivor] = inService(await group(aws, SPOT)) as [string, string];
  await sim.control.setDelays({ launchRetryMs: 200 });
  await sim.control.exhaustSpotPool(SPOT);
  const activity = await sim.control.interrupt(victim);
  assert.match(activity.cause, 'in response to an EC2 health check indicating it has been terminated or stopped');

  await waitFor('the interrupted instance gone and its replacement refused', async () => {
    const gone = (await aws.describeInstance(victim)) === undefined;
    const failed = (await aws.describeActivities(SPOT)).some((a) => a.statusCode === 'Failed');
    return gone && failed;
  });
  const short = await group(aws, SPOT);
  assert.is(short?.desired, 2, 'an interruption does not change the desired capacity');
  assert.equal(inService(short), [survivor]);

  await sim.control.restoreSpotPool(SPOT);
  const replaced = await waitFor('a replacement InService', async () => {
    const ids = inService(await group(aws, SPOT));
    return ids.length === 2 && ids;
  });
  assert.ok(replaced.includes(survivor));
  assert.not.ok(replaced.includes(victim));
});

test('every Auto Scaling call is counted by action', async ({ sim, aws }) => {
  await sim.control.resetCalls();
  await aws.describeGroups([SPOT]);
  await aws.describeGroups([OD]);
  await aws.describeActivities(SPOT);
  await aws.describeInstance('i-0123456789abcdef0');
  await aws.setDesiredCapacity(OD, 1);
  await aws.setDesiredCapacity('no-such-asg', 1).catch(() => undefined);
  assert.equal(await sim.control.calls(), {
    DescribeAutoScalingGroups: 2,
    DescribeScalingActivities: 1,
    DescribeAutoScalingInstances: 1,
    SetDesiredCapacity: 2,
  });
  assert.equal(await sim.control.injectedCalls(), {});
});

test.run();
