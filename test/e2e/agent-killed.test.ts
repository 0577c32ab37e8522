// The at-risk node's agent dies in the middle of its rebalance response (SIGKILL: nothing
// released, nothing cleaned up) and the kubelet restarts it in the same pod. The response lives
// in the API server, not in the dead agent: the restarted agent takes it up where it stood,
// nothing is raised twice, and after the node's interruption both ASGs are where the record
// says they should be.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REQUEST_ANNOTATION } from '../../runtime/agent/fallback-record.js';
import { RESPONSE_ANNOTATION, responseLeaseName } from '../../runtime/kube/response-lease.js';
import { waitFor } from '../harness/agent-world.js';
import { startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('the at-risk agent killed mid-response');

test.before(async (ctx) => {
  // A restarted agent waits out the lock lease its dead predecessor held (30 s, not scaled), and
  // the on-demand timeout counts from before the kill: scaled to 30 s, it could run out first.
  ctx.s = await startScenario({ settings: { SPOT_GUARD_ON_DEMAND_TIMEOUT: '2m' } });
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('killed while spot is awaited: restarted in its pod, it falls back once; after the interruption spot is back where it started and the on-demand node is on record', async ({ s }) => {
  const [nodeA] = await s.spotNodes();
  const a = nodeA?.metadata?.name ?? '';
  const instanceA = s.instanceOf(nodeA);
  assert.equal(await s.desired(), { spot: 3, onDemand: 0 });
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  const leases = s.sandbox.admin.makeApiClient(CoordinationV1Api);
  const record = async () => leases.readNamespacedLease({ name: responseLeaseName(instanceA), namespace: 'kube-system' }).catch(() => undefined);
  await s.sandbox.scenario.rebalance(a);
  // Killed as soon as the response is on record: the spot increment is in flight or just failed.
  const step = await waitFor('the response on record', async () => /"step":"(\w[\w-]*)"/.exec((await record())?.metadata?.annotations?.[RESPONSE_ANNOTATION] ?? '')?.[1], 60_000);

  const before = s.sandbox.agents.get(a)?.process.pid;
  await s.sandbox.scenario.kill(a);
  assert.is.not(s.sandbox.agents.get(a)?.process.pid, before, 'a new process in the same pod');
  console.log(`  killed at step ${step}`);

  const mine = async () => (await s.events()).filter((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION]?.startsWith(`${a}@`));
  const [event] = await waitFor('the fallback recorded by the restarted agent', async () => ((await mine()).length > 0 ? await mine() : undefined), 120_000);
  await waitFor(`${a} tainted and cordoned`, () => s.isProtected(a), 120_000);
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 }, 'the spot increment taken back once, one on-demand instance');
  assert.is((await mine()).length, 1, 'one event for one response');
  assert.is(event?.spec.onDemandInstanceID, (await s.inService(s.onDemand))[0]);

  await s.sandbox.scenario.interrupt(a);
  await waitFor(`node ${a} gone`, async () => !(await s.spotNodes()).some((n) => n.metadata?.name === a), 120_000);
  await waitFor('the response record finished (or gone with its node)', async () => {
    const lease = await record();
    return !lease || lease.metadata?.annotations?.[RESPONSE_ANNOTATION] === '';
  }, 60_000);
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 }, 'spot where it started; the on-demand node waits for its scale-down');
  assert.equal((await s.terminations(s.spot)).filter((id) => id !== instanceA), [], 'no spot instance but the interrupted one went');
});

test.run();
