// Contract tests of the AWS Auto Scaling adapter against moto: the calls the agent makes,
// the exact instance terminated with the desired capacity lowered, and errors translated.
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling, toAwsError } from '../../runtime/autoscaling.aws.js';
import { AwsError } from '../../runtime/autoscaling.port.js';
import { startMoto, type Moto } from '../harness/moto.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const test = suite<{ moto: Moto; asg: AwsAutoScaling; calls: string[] }>('AWS Auto Scaling adapter (moto)');

test.before(async (ctx) => {
  ctx.moto = await startMoto();
  ctx.calls = [];
  ctx.asg = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.moto.endpoint, credentials }, (action, outcome) => ctx.calls.push(`${action} ${outcome}`));
});
test.before.each(async (ctx) => {
  await ctx.moto.reset();
  ctx.calls.length = 0;
  const admin = new AutoScalingClient({ region: 'us-east-1', endpoint: ctx.moto.endpoint, credentials });
  await admin.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
  for (const [name, desired] of [['my-spot-asg', 3], ['my-ondemand-asg', 0]] as const) {
    await admin.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 5, DesiredCapacity: desired, AvailabilityZones: ['us-east-1a'] }));
  }
  admin.destroy();
});
test.after(async (ctx) => {
  ctx.asg?.destroy();
  await ctx.moto?.stop();
});

test('describeGroups returns sizes and instances; an unknown group is simply absent', async ({ asg }) => {
  const groups = await asg.describeGroups(['my-spot-asg', 'my-ondemand-asg', 'no-such-asg']);
  assert.equal(groups.map((g) => [g.name, g.minSize, g.maxSize, g.desired, g.instances.length]).sort(), [
    ['my-ondemand-asg', 0, 5, 0, 0],
    ['my-spot-asg', 0, 5, 3, 3],
  ]);
  assert.ok(groups.every((g) => g.instances.every((i) => /^i-[0-9a-f]+$/.test(i.instanceId) && i.lifecycleState === 'InService')));
});

test('setDesiredCapacity scales the on-demand group up', async ({ asg }) => {
  await asg.setDesiredCapacity('my-ondemand-asg', 1);
  const [od] = await asg.describeGroups(['my-ondemand-asg']);
  assert.is(od?.desired, 1);
  assert.is(od?.instances.length, 1);
});

test('describeInstance tells which group an instance belongs to; an unknown instance is undefined', async ({ asg }) => {
  const [spot] = await asg.describeGroups(['my-spot-asg']);
  const id = spot?.instances[0]?.instanceId ?? '';
  assert.equal(await asg.describeInstance(id), { instanceId: id, asgName: 'my-spot-asg', lifecycleState: 'InService' });
  assert.is(await asg.describeInstance('i-0123456789abcdef0'), undefined);
});

test('terminateInstance terminates exactly that instance and lowers the desired capacity by one', async ({ asg }) => {
  await asg.setDesiredCapacity('my-ondemand-asg', 2);
  const [before] = await asg.describeGroups(['my-ondemand-asg']);
  const [victim, survivor] = before?.instances.map((i) => i.instanceId) ?? [];
  assert.ok(victim && survivor);
  await asg.terminateInstance(victim);
  const [after] = await asg.describeGroups(['my-ondemand-asg']);
  assert.is(after?.desired, 1);
  const remaining = after?.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId);
  assert.equal(remaining, [survivor], 'the other instance is untouched');
});

test('describeActivities answers with a list', async ({ asg }) => {
  assert.ok(Array.isArray(await asg.describeActivities('my-spot-asg')));
});

test('a failed call becomes AwsError, changes nothing, and is observed with its outcome', async ({ asg, calls }) => {
  // moto answers an unknown group with HTTP 500 (AWS answers a ValidationError, mapped below).
  try {
    await asg.setDesiredCapacity('no-such-asg', 1);
    assert.unreachable('must fail');
  } catch (err) {
    assert.instance(err, AwsError);
    assert.is((err as AwsError).code, 'Unavailable');
    assert.is((err as AwsError).action, 'SetDesiredCapacity');
  }
  assert.equal(calls, ['SetDesiredCapacity Unavailable']);
  const [spot] = await asg.describeGroups(['my-spot-asg']);
  assert.is(spot?.desired, 3, 'nothing changed');
});

test('SDK errors as AWS sends them map to the port\'s codes', () => {
  const sdk = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  const cases: [Error, string][] = [
    [sdk('Throttling', 'Rate exceeded', 400), 'Throttled'],
    [sdk('ValidationError', 'AutoScalingGroup name not found - no such group: x', 400), 'NotFound'],
    [sdk('ValidationError', 'New SetDesiredCapacity value 50 is above max value 5 for the AutoScalingGroup.', 400), 'Invalid'],
    [sdk('ScalingActivityInProgressFault', 'Scaling activity in progress', 400), 'Conflict'],
    [sdk('ResourceContentionFault', 'You already have a pending update', 500), 'Conflict'],
    [sdk('AccessDenied', 'User is not authorized to perform: autoscaling:SetDesiredCapacity', 403), 'AccessDenied'],
    [sdk('InternalFailure', 'We encountered an internal error', 500), 'Unavailable'],
    [new Error('connect ECONNREFUSED 127.0.0.1:1'), 'Unavailable'],
  ];
  for (const [err, code] of cases) assert.is(toAwsError(err, 'SetDesiredCapacity').code, code, err.message);
});

test('an unreachable endpoint is AwsError Unavailable', async () => {
  const dead = new AwsAutoScaling({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials, maxAttempts: 1 });
  try {
    await dead.describeGroups(['my-spot-asg']);
    assert.unreachable('must fail');
  } catch (err) {
    assert.instance(err, AwsError);
    assert.is((err as AwsError).code, 'Unavailable');
  } finally {
    dead.destroy();
  }
});

test.run();
