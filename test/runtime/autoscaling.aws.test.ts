// Contract tests of the AWS Auto Scaling adapter against moto (the cases are shared with the
// simulator, test/harness/autoscaling-contract.ts), plus the error mapping and an unreachable
// endpoint, which need no backend.
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Socket } from 'node:net';
import { AWS_CALL_TIMEOUT_MS, AwsAutoScaling, toAwsError } from '../../runtime/autoscaling.aws.js';
import { DEFAULT_LEASE_SECONDS } from '../../runtime/capacity/asg-lock.kube.js';
import { AwsError, isRetryable } from '../../runtime/autoscaling.port.js';
import { autoScalingContract, CONTRACT_GROUPS, CONTRACT_REGION, CONTRACT_SIZES, contractCredentials as credentials, type ContractBackend } from '../harness/autoscaling-contract.js';
import { startMoto } from '../harness/moto.js';

async function motoBackend(): Promise<ContractBackend> {
  const moto = await startMoto();
  return {
    endpoint: moto.endpoint,
    // moto answers an unknown group with HTTP 500 (AWS answers a ValidationError).
    unknownGroupCode: 'Unavailable',
    async reset() {
      await moto.reset();
      const admin = new AutoScalingClient({ region: CONTRACT_REGION, endpoint: moto.endpoint, credentials });
      try {
        await admin.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
        for (const g of CONTRACT_GROUPS) {
          await admin.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: g.name, LaunchConfigurationName: 'lc', ...sizes(), DesiredCapacity: g.desired, AvailabilityZones: [`${CONTRACT_REGION}a`] }));
        }
      } finally {
        admin.destroy();
      }
    },
    stop: () => moto.stop(),
  };
}

const sizes = () => ({ MinSize: CONTRACT_SIZES.minSize, MaxSize: CONTRACT_SIZES.maxSize });

autoScalingContract('AWS Auto Scaling adapter (moto)', motoBackend).run();

const mapping = suite('AWS Auto Scaling adapter: error mapping');

mapping("SDK errors as AWS sends them map to the port's codes", () => {
  const sdk = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  const cases: [Error, string][] = [
    [sdk('Throttling', 'Rate exceeded', 400), 'Throttled'],
    [sdk('ValidationError', 'AutoScalingGroup name not found - no such group: x', 400), 'NotFound'],
    [sdk('ValidationError', 'New SetDesiredCapacity value 50 is above max value 5 for the AutoScalingGroup.', 400), 'Invalid'],
    [sdk('ScalingActivityInProgressFault', 'Scaling activity in progress', 400), 'Conflict'],
    [sdk('ResourceContentionFault', 'You already have a pending update', 500), 'Conflict'],
    [sdk('AccessDenied', 'User is not authorized to perform: autoscaling:SetDesiredCapacity', 403), 'AccessDenied'],
    [sdk('ExpiredToken', 'The security token included in the request is expired', 403), 'AccessDenied'],
    [sdk('UnrecognizedClientException', 'The security token included in the request is invalid.', 400), 'AccessDenied'],
    [sdk('CredentialsProviderError', 'Could not load credentials from any providers', 0), 'AccessDenied'],
    [sdk('InternalFailure', 'We encountered an internal error', 500), 'Unavailable'],
    [new Error('connect ECONNREFUSED 127.0.0.1:1'), 'Unavailable'],
  ];
  for (const [err, code] of cases) assert.is(toAwsError(err, 'SetDesiredCapacity').code, code, err.message);
});

mapping('an unreachable endpoint is AwsError Unavailable', async () => {
  const dead = new AwsAutoScaling({ region: CONTRACT_REGION, endpoint: 'http://127.0.0.1:1', credentials, maxAttempts: 1 });
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

mapping('an endpoint that accepts and never answers is a retryable AwsError after the call bound, well inside the lock lease', async () => {
  // Two calls can follow one lease renewal under an ASG lock (settle's describe, then the change).
  assert.ok(2 * AWS_CALL_TIMEOUT_MS < DEFAULT_LEASE_SECONDS * 1000, 'two AWS calls fit inside the ASG lock lease');
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  // The shipped bounds: default attempts and call timeout.
  const hung = new AwsAutoScaling({ region: CONTRACT_REGION, endpoint: `http://127.0.0.1:${port}`, credentials });
  const limit = new Promise<'no answer'>((resolve) => setTimeout(resolve, 6 * AWS_CALL_TIMEOUT_MS, 'no answer').unref());
  try {
    const outcome = await Promise.race([hung.setDesiredCapacity('my-spot-asg', 4).then(() => 'answered', (err: unknown) => err), limit]);
    assert.instance(outcome, AwsError, `the call must end with an AwsError, got ${String(outcome)}`);
    const err = outcome as AwsError;
    assert.is(err.code, 'Unavailable');
    assert.ok(isRetryable(err));
    assert.match(err.message, /^SetDesiredCapacity: no reply from AWS within \d+ ms/);
    assert.ok(sockets.length >= 1, 'the request reached the silent server');
  } finally {
    hung.destroy();
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

mapping.run();
