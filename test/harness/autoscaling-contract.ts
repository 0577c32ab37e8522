// The contract of the AWS Auto Scaling adapter, as cases that run unchanged against any
// backend speaking the Auto Scaling Query API (moto, the project's simulator): the calls the
// agent makes, the exact instance terminated with the desired capacity lowered, and failures
// translated into AwsError and observed. A backend only knows how to start, how to give each
// case a fresh pair of groups, and where it is known to differ from AWS.
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsError, type AwsErrorCode } from '../../runtime/autoscaling.port.js';

export const contractCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const CONTRACT_REGION = 'us-east-1';

/** The world every case starts from: min 0, max 5, in `<region>a`. */
export const CONTRACT_GROUPS = [
  { name: 'my-spot-asg', capacityType: 'spot', desired: 3 },
  { name: 'my-ondemand-asg', capacityType: 'on-demand', desired: 0 },
] as const;
export const CONTRACT_SIZES = { minSize: 0, maxSize: 5 } as const;

export interface ContractBackend {
  readonly endpoint: string;
  /** Forgets everything and creates CONTRACT_GROUPS, their instances InService by the time it resolves. */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The AwsError code a SetDesiredCapacity on an unknown group becomes. AWS answers a
   * ValidationError ("AutoScalingGroup name not found"), which maps to NotFound; moto fails
   * with HTTP 500 instead, which maps to Unavailable.
   */
  readonly unknownGroupCode: AwsErrorCode;
}

interface Context {
  backend: ContractBackend;
  asg: AwsAutoScaling;
  calls: string[];
}

/** The contract as a uvu suite over the backend `start` gives; call `.run()` on it. */
export function autoScalingContract(title: string, start: () => Promise<ContractBackend>): Test<Context> {
  const test = suite<Context>(title);

  test.before(async (ctx) => {
    ctx.backend = await start();
    ctx.calls = [];
    ctx.asg = new AwsAutoScaling({ region: CONTRACT_REGION, endpoint: ctx.backend.endpoint, credentials: contractCredentials }, (action, outcome) => ctx.calls.push(`${action} ${outcome}`));
  });
  test.before.each(async (ctx) => {
    await ctx.backend.reset();
    ctx.calls.length = 0;
  });
  test.after(async (ctx) => {
    ctx.asg?.destroy();
    await ctx.backend?.stop();
  });

  test('describeGroups returns sizes and instances; an unknown group is simply absent', async ({ asg }) => {
    const groups = await asg.describeGroups(['my-spot-asg', 'my-ondemand-asg', 'no-such-asg']);
    assert.equal(groups.map((g) => [g.name, g.minSize, g.maxSize, g.desired, g.instances.length]).sort(), [
      ['my-ondemand-asg', 0, 5, 0, 0],
      ['my-spot-asg', 0, 5, 3, 3],
    ]);
    assert.ok(groups.every((g) => g.instances.every((i) => /^i-[0-9a-f]+$/.test(i.instanceId) && i.lifecycleState === 'InService' && i.availabilityZone === `${CONTRACT_REGION}a`)));
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

  test('a failed call becomes AwsError, changes nothing, and is observed with its outcome', async ({ asg, calls, backend }) => {
    try {
      await asg.setDesiredCapacity('no-such-asg', 1);
      assert.unreachable('must fail');
    } catch (err) {
      assert.instance(err, AwsError);
      assert.is((err as AwsError).code, backend.unknownGroupCode);
      assert.is((err as AwsError).action, 'SetDesiredCapacity');
    }
    assert.equal(calls, [`SetDesiredCapacity ${backend.unknownGroupCode}`]);
    const [spot] = await asg.describeGroups(['my-spot-asg']);
    assert.is(spot?.desired, 3, 'nothing changed');
  });

  return test;
}
