// The at-risk node's agent dies in the middle of its rebalance response (SIGKILL: nothing
// released, nothing cleaned up), at each of its steps, and the kubelet restarts it in the same
// pod each time. The response lives
// in the API server, not in the dead agent: the restarted agent takes it up where it stood,
// nothing is raised twice, and after the node's interruption both ASGs are where the record
// says they should be.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REQUEST_ANNOTATION } from '../../runtime/agent/fallback-record.js';
import { parseRecord } from '../../runtime/agent/response-record.js';
import { RESPONSE_ANNOTATION, responseLeaseName } from '../../runtime/kube/response-lease.js';
import { waitFor } from '../harness/agent-world.js';
import { startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('the at-risk agent killed mid-response');

test.before(async (ctx) => {
  ctx.s = await startScenario();
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('killed at each step of its response (spot asked for, on-demand asked for, fallback recorded before the taint, protected): each restart takes the response up; one fallback, and after the interruption both ASGs are where the record says', async ({ s }) => {
  const [nodeA] = await s.spotNodes();
  const a = nodeA?.metadata?.name ?? '';
  const instanceA = s.instanceOf(nodeA);
  assert.equal(await s.desired(), { spot: 3, onDemand: 0 });
  const original = await s.inService(s.spot);
  // Slow launches hold each step long enough to kill the agent in it: the spot launch is still
  // Pending when the spot capacity timeout (6 s here) passes, and the on-demand one takes as long.
  await s.sandbox.sim.control.setDelays({ launchMs: 8000, nodeReadyMs: 8000 });
  const leases = s.sandbox.admin.makeApiClient(CoordinationV1Api);
  const record = async () => {
    const lease = await leases.readNamespacedLease({ name: responseLeaseName(instanceA), namespace: 'kube-system' }).catch(() => undefined);
    return parseRecord(lease?.metadata?.annotations?.[RESPONSE_ANNOTATION]);
  };
  const requests = new Set<string>();
  const killAt = async (steps: readonly string[]) => {
    const at = await waitFor(`the response at ${steps.join(' or ')}`, async () => {
      const r = await record();
      return r && steps.includes(r.step) ? r : undefined;
    }, 120_000);
    requests.add(at.requestId);
    const before = s.sandbox.agents.get(a)?.process.pid;
    await s.sandbox.scenario.kill(a);
    assert.is.not(s.sandbox.agents.get(a)?.process.pid, before, 'a new process in the same pod');
    console.log(`  killed at step ${at.step}`);
    return at.step;
  };

  await s.sandbox.scenario.rebalance(a);
  // Killed as soon as the response is on record: the spot increment is in flight or its launch Pending.
  await killAt(['spot']);
  // The on-demand step is recorded before its increment: that increment is in flight or made.
  await killAt(['on-demand']);
  // After the fallback is recorded and before (or just after) the taint.
  const third = await killAt(['recorded', 'protected']);
  if (third === 'recorded') await killAt(['protected']);

  await waitFor(`${a} tainted and cordoned`, () => s.isProtected(a), 120_000);
  const mine = async () => (await s.events()).filter((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION]?.startsWith(`${a}@`));
  const [event] = await waitFor('the fallback recorded', async () => ((await mine()).length > 0 ? await mine() : undefined), 120_000);
  assert.is(requests.size, 1, 'every restart carried on the same response');
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 }, 'the spot increment taken back once, one on-demand instance');
  assert.is((await mine()).length, 1, 'one event for one response');
  assert.is(event?.spec.onDemandInstanceID, (await s.inService(s.onDemand))[0]);

  await s.sandbox.scenario.interrupt(a);
  await waitFor(`node ${a} gone`, async () => !(await s.spotNodes()).some((n) => n.metadata?.name === a), 120_000);
  await waitFor('the response record finished (or gone with its node)', async () => (await record()) === undefined, 60_000);
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 }, 'spot where it started; the on-demand node waits for its scale-down');
  const terminated = (await s.terminations(s.spot)).filter((id) => id !== instanceA);
  assert.ok(terminated.length <= 1, 'at most the spot launch that was still Pending was withdrawn');
  assert.equal(terminated.filter((id) => original.includes(id)), [], 'no serving spot instance went but the interrupted one');
});

test.run();
