// Readiness reports AWS refusing the agent's credentials, the way it reports a failing IMDS:
// the real adapter against the simulator (which answers ExpiredToken and AccessDenied as AWS
// does), the agent's own readiness, and /readyz on a real socket; and it recovers once a call
// succeeds again. Throttling is AWS's trouble, not the agent's, and leaves readiness alone.
import { KubeConfig } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator, type Simulator } from '../../dev/simulator/simulator.js';
import { Agent } from '../../runtime/agent/agent.js';
import { AwsAuthHealth } from '../../runtime/aws-auth.health.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsError } from '../../runtime/autoscaling.port.js';
import { startHttpServer, type HttpServerHandle } from '../../runtime/http/http.server.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import { contractCredentials as credentials } from '../harness/autoscaling-contract.js';
import { agentConfig, quietLog } from '../harness/agent-world.js';

const OD = 'my-ondemand-asg';
interface Ctx {
  sim: Simulator;
  aws: AwsAutoScaling;
  server: HttpServerHandle;
}
const test = suite<Ctx>('readiness reports refused AWS credentials');

test.before(async (ctx) => {
  ctx.sim = await startSimulator();
  await ctx.sim.control.createGroup({ name: OD, capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 1 });
  const health = new AwsAuthHealth();
  ctx.aws = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.sim.endpoint, credentials, maxAttempts: 2 }, health.observe);
  // Never started: readiness() needs no API server, and its watch checks stay unsynced.
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const agent = new Agent({ identity: { podName: 'spot-guard-a', nodeName: 'node-a' }, config: agentConfig(), kubeConfig, autoscaling: ctx.aws, log: quietLog(), awsAuth: health });
  ctx.server = await startHttpServer({ host: '127.0.0.1', port: 0, metrics: new AgentMetrics(), readiness: () => agent.readiness() });
});
test.after(async (ctx) => {
  ctx.aws?.destroy();
  await ctx.server?.close();
  await ctx.sim?.stop();
});

async function readyz(ctx: Ctx): Promise<{ status: number; checks: Record<string, { ok: boolean; detail?: string }> }> {
  const res = await fetch(`${ctx.server.url}/readyz`);
  return { status: res.status, ...((await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }) };
}

async function refused(call: () => Promise<unknown>): Promise<AwsError> {
  try {
    await call();
  } catch (err) {
    assert.instance(err, AwsError);
    return err as AwsError;
  }
  throw new Error('the call did not fail');
}

test('no aws check until a call was refused; throttling is not a credentials failure', async (ctx) => {
  assert.is((await readyz(ctx)).checks.aws, undefined);
  await ctx.sim.control.injectFault({ action: 'DescribeAutoScalingGroups', error: 'Throttling', times: 5 });
  assert.is((await refused(() => ctx.aws.describeGroups([OD]))).code, 'Throttled');
  assert.is((await readyz(ctx)).checks.aws, undefined);
  await ctx.sim.control.reset();
  await ctx.sim.control.createGroup({ name: OD, capacityType: 'on-demand', minSize: 0, maxSize: 10, desiredCapacity: 1 });
});

for (const error of ['ExpiredToken', 'AccessDenied'] as const) {
  test(`${error}: /readyz fails with the reason, and is ready for AWS again once a call succeeds`, async (ctx) => {
    await ctx.sim.control.injectFault({ action: 'DescribeAutoScalingGroups', error, times: 1 });
    assert.is((await refused(() => ctx.aws.describeGroups([OD]))).code, 'AccessDenied');
    const failing = await readyz(ctx);
    assert.is(failing.status, 503);
    assert.is(failing.checks.aws?.ok, false);
    assert.match(failing.checks.aws?.detail ?? '', /^AWS refused the agent's credentials or permissions: DescribeAutoScalingGroups: /);
    await ctx.aws.describeGroups([OD]);
    assert.is((await readyz(ctx)).checks.aws, undefined, 'recovered with the next call that succeeded');
  });
}

test.run();
