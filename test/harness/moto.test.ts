import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { startMoto, type Moto } from './moto.js';

const test = suite<{ moto: Moto; client: AutoScalingClient }>('moto Auto Scaling');

test.before(async (ctx) => {
  ctx.moto = await startMoto();
  ctx.client = new AutoScalingClient({
    endpoint: ctx.moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
test.after(async (ctx) => {
  ctx.client?.destroy();
  await ctx.moto?.stop();
});

test('creates an ASG, sets its desired capacity, and DescribeAutoScalingGroups lists the instances', async ({ client }) => {
  await client.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'spot-lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
  await client.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'my-spot-asg',
      LaunchConfigurationName: 'spot-lc',
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: 1,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'my-spot-asg', DesiredCapacity: 3 }));

  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['my-spot-asg'] }));
  const group = out.AutoScalingGroups?.[0];
  assert.ok(group, 'the group is described');
  assert.is(group.DesiredCapacity, 3);
  assert.is(group.Instances?.length, 3);
  for (const instance of group.Instances ?? []) {
    assert.match(instance.InstanceId ?? '', /^i-[0-9a-f]{8,17}$/);
    assert.is(instance.LifecycleState, 'InService');
  }
});

test('reset forgets every group', async ({ moto, client }) => {
  await moto.reset();
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['my-spot-asg'] }));
  assert.is(out.AutoScalingGroups?.length, 0);
});

test.run();
