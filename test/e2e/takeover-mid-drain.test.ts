// The winning agent is killed mid-drain (SIGKILL: no chance to release its claim). Another
// agent takes the event over once the claim's lease has run out and finishes it; the
// on-demand instance is terminated once.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { fallBack, startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario }>('the winning agent killed mid-drain');

test.before(async (ctx) => {
  // The pods below declare no controller (none runs in the sandbox to recreate them): the
  // drain takes them as kubectl drain --force would.
  ctx.s = await startScenario({ settings: { SPOT_GUARD_DRAIN_FORCE: 'true' } });
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

test('another agent finishes the scale-down', async ({ s }) => {
  const [nodeA] = await s.spotNodes();
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  const event = await fallBack(s, nodeA?.metadata?.name ?? '');
  const name = event.metadata?.name ?? '';
  const odNode = event.spec.onDemandNodeName;
  // Workload on the on-demand node whose pods take a while to stop: the drain has a middle.
  const core = s.sandbox.admin.makeApiClient(CoreV1Api);
  for (const i of [1, 2]) {
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: `web-${i}`, labels: { app: 'web' } }, spec: { nodeName: odNode, terminationGracePeriodSeconds: 10, containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    });
  }
  await s.sandbox.sim.control.restoreSpotPool(s.spot);

  const draining = await waitFor('the drain under way', async () => {
    const e = await s.store.get(name);
    if (e?.status?.phase === 'Failed') throw new Error(`Failed: ${e.status.message ?? ''}`);
    return e?.status?.scaleDown?.drain?.completedAt && !e.status.scaleDown.waitForReschedule?.completedAt ? e : undefined;
  }, 180_000, 100);
  const holder = draining.status?.claim?.holder ?? '';
  const victim = s.sandbox.agents.list().find((a) => a.pod === holder);
  assert.ok(victim, `the holder ${holder} is one of the sandbox's agents`);
  victim.process.signal('SIGKILL');

  const done = await s.waitPhase(name, 'Completed');
  const steps = done.status?.scaleDown ?? {};
  assert.is(steps.drain?.by, holder, 'the killed agent drained');
  assert.is.not(steps.waitForReschedule?.by, holder, 'another agent took over');
  assert.is(steps.terminate?.by, steps.waitForReschedule?.by);
  assert.equal(await s.terminations(s.onDemand), [event.spec.onDemandInstanceID], 'terminated once');
  const pods = await core.listNamespacedPod({ namespace: 'default', fieldSelector: `spec.nodeName=${odNode}` });
  assert.is(pods.items.length, 0, 'the pods left the node before it went');
});

test.run();
