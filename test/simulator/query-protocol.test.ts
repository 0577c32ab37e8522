// The simulator's wire format, read raw: what any AWS Query client (not only the JS SDK)
// gets back: the 2011-01-01 namespace, <ActionResponse><ActionResult>, lists as <member>,
// and errors as <ErrorResponse> with Type, Code, Message, RequestId and the HTTP status.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { contractCredentials as credentials } from '../harness/autoscaling-contract.js';

const NS = 'xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"';
const test = suite<{ sim: Simulator }>('simulator Query protocol on the wire');

test.before(async (ctx) => {
  ctx.sim = await startSimulator();
});
test.before.each(async ({ sim }) => {
  await sim.control.reset();
  await sim.control.createGroup({ name: 'my-spot-asg', capacityType: 'spot', minSize: 0, maxSize: 5, desiredCapacity: 2 });
});
test.after(async ({ sim }) => {
  await sim?.stop();
});

async function post(sim: Simulator, form: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(sim.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Version: '2011-01-01', ...form }).toString() });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

const errorShape = (code: string, type: 'Sender' | 'Receiver') =>
  new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<ErrorResponse ${NS}><Error><Type>${type}</Type><Code>${code}</Code><Message>[^<]+</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>\\n$`);

test('a describe answers in the 2011-01-01 namespace, wrapped in Response and Result, with lists as member', async ({ sim }) => {
  const { status, type, body } = await post(sim, { Action: 'DescribeAutoScalingGroups', 'AutoScalingGroupNames.member.1': 'my-spot-asg', 'AutoScalingGroupNames.member.2': 'no-such-asg' });
  assert.is(status, 200);
  assert.is(type, 'text/xml');
  assert.match(body, `<DescribeAutoScalingGroupsResponse ${NS}><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>my-spot-asg</AutoScalingGroupName>`);
  assert.is(body.match(/<AutoScalingGroupName>/g)?.length, 1, 'the unknown group is simply absent');
  assert.match(body, /<Instances><member><InstanceId>i-[0-9a-f]{17}<\/InstanceId>.*<\/member><member>.*<\/member><\/Instances>/);
  assert.match(body, '<AvailabilityZones><member>us-east-1a</member></AvailabilityZones>');
  assert.match(body, /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeAutoScalingGroupsResponse>/);
});

test('an action with no result answers with the request id only', async ({ sim }) => {
  const { status, body } = await post(sim, { Action: 'SetDesiredCapacity', AutoScalingGroupName: 'my-spot-asg', DesiredCapacity: '3' });
  assert.is(status, 200);
  assert.match(body, new RegExp(`<SetDesiredCapacityResponse ${NS}><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></SetDesiredCapacityResponse>`));
});

test('errors are ErrorResponse documents with the status that goes with the code', async ({ sim }) => {
  const unknown = await post(sim, { Action: 'SetDesiredCapacity', AutoScalingGroupName: 'no-such-asg', DesiredCapacity: '1' });
  assert.is(unknown.status, 400);
  assert.match(unknown.body, errorShape('ValidationError', 'Sender'));
  assert.match(unknown.body, '<Message>AutoScalingGroup name not found - ');

  const missing = await post(sim, { Action: 'TerminateInstanceInAutoScalingGroup', InstanceId: 'i-0123456789abcdef0' });
  assert.is(missing.status, 400);
  assert.match(missing.body, "Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null");

  const bogus = await post(sim, { Action: 'LaunchEverything' });
  assert.is(bogus.status, 400);
  assert.match(bogus.body, errorShape('InvalidAction', 'Sender'));

  for (const [error, status, type, message] of [
    ['Throttling', 400, 'Sender', 'Rate exceeded'],
    ['InternalFailure', 500, 'Receiver', 'The request processing has failed because of an unknown error, exception or failure.'],
    ['ServiceUnavailable', 503, 'Receiver', 'The request has failed due to a temporary failure of the server.'],
  ] as const) {
    await sim.control.injectFault({ action: 'DescribeScalingActivities', error, times: 1 });
    const injected = await post(sim, { Action: 'DescribeScalingActivities', AutoScalingGroupName: 'my-spot-asg' });
    assert.is(injected.status, status, error);
    assert.match(injected.body, errorShape(error, type));
    assert.match(injected.body, `<Message>${message}</Message>`);
  }
});

test('activities page with MaxRecords and NextToken, newest first, and MaxRecords above 100 is refused', async ({ sim }) => {
  const first = await post(sim, { Action: 'DescribeScalingActivities', AutoScalingGroupName: 'my-spot-asg', MaxRecords: '1' });
  assert.is(first.body.match(/<ActivityId>/g)?.length, 1);
  const token = /<NextToken>([^<]+)<\/NextToken>/.exec(first.body)?.[1];
  assert.ok(token, 'a second page is announced');
  const second = await post(sim, { Action: 'DescribeScalingActivities', AutoScalingGroupName: 'my-spot-asg', MaxRecords: '1', NextToken: token });
  assert.is(second.body.match(/<ActivityId>/g)?.length, 1);
  assert.not.match(second.body, '<NextToken>');
  assert.is.not(/<ActivityId>([^<]+)/.exec(first.body)?.[1], /<ActivityId>([^<]+)/.exec(second.body)?.[1]);
  const tooMany = await post(sim, { Action: 'DescribeScalingActivities', MaxRecords: '101' });
  assert.is(tooMany.status, 400);
  assert.match(tooMany.body, 'Member must have value less than or equal to 100');
});

test('text is escaped: a group name with markup characters survives the round trip through the SDK', async ({ sim }) => {
  const name = 'team <a> & "b"';
  await sim.control.createGroup({ name, capacityType: 'on-demand', minSize: 0, maxSize: 1, desiredCapacity: 1 });
  const aws = new AwsAutoScaling({ region: 'us-east-1', endpoint: sim.endpoint, credentials });
  try {
    const [g] = await aws.describeGroups([name]);
    assert.is(g?.name, name);
    assert.is(g?.instances.length, 1);
  } finally {
    aws.destroy();
  }
});

test('the control API answers JSON and refuses what it cannot do with a reason', async ({ sim }) => {
  const state = await sim.control.state();
  assert.equal(state.groups.map((g) => [g.name, g.capacityType, g.desiredCapacity, g.instances.length, g.spotPool]), [['my-spot-asg', 'spot', 2, 2, null]]);
  const refused = async (call: () => Promise<unknown>): Promise<number> => call().then(() => 0, (err: { status?: number }) => err.status ?? -1);
  assert.is(await refused(() => sim.control.createGroup({ name: 'my-spot-asg', capacityType: 'spot', minSize: 0, maxSize: 1, desiredCapacity: 0 })), 409);
  assert.is(await refused(() => sim.control.createGroup({ name: 'x', capacityType: 'spot', minSize: 2, maxSize: 1, desiredCapacity: 0 })), 400);
  assert.is(await refused(() => sim.control.createGroup({ name: 'x', capacityType: 'spot', minSize: 0, maxSize: 1, desiredCapacity: 0, instanceType: 'z9.huge' })), 400);
  assert.is(await refused(() => sim.control.interrupt('i-0123456789abcdef0')), 404);
  assert.is(await refused(() => sim.control.exhaustSpotPool('no-such-asg')), 404);
  assert.is(await refused(() => sim.control.setDelays({ launchMs: -1 })), 400);
  const res = await fetch(`${sim.endpoint}/control/nothing-here`);
  assert.is(res.status, 404);
  assert.match(((await res.json()) as { error: string }).error, 'no control route');
});

test.run();
