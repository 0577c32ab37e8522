// The specification's whole timeline on the sandbox, with an assertion at every step, ending
// with capacity conservation: both ASGs back at their starting desired capacity. On the way,
// `kubectl describe sgfe` is read as an operator would, and a real webhook receiver gets each
// notification once from the agent processes.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { WebhookReceiver } from '../harness/webhook-receiver.js';
import { fallBack, startScenario, type Scenario } from './scenario.js';

const test = suite<{ s: Scenario; receiver: WebhookReceiver }>('the whole story, end to end');

test.before(async (ctx) => {
  // A webhook receiver: every agent of the sandbox is given its URL (--set reaches them all).
  ctx.receiver = new WebhookReceiver();
  ctx.s = await startScenario({ settings: { SPOT_GUARD_WEBHOOK_URL: await ctx.receiver.start() } });
});
test.after(async (ctx) => {
  await ctx.s?.stop();
  await ctx.receiver?.stop();
});

test('rebalance, fallback, interruption, monitoring, spot back, one scale-down, completed, deleted', async ({ s, receiver }) => {
  const start = await s.desired();
  assert.equal(start, { spot: 3, onDemand: 0 });
  const [nodeA] = await s.spotNodes();
  const nodeAName = nodeA?.metadata?.name ?? '';
  const instanceA = s.instanceOf(nodeA);

  // Spot runs dry; A gets its rebalance recommendation. Spot is tried first, then on-demand.
  await s.sandbox.sim.control.exhaustSpotPool(s.spot);
  const event = await fallBack(s, nodeAName);
  const name = event.metadata?.name ?? '';
  const failedSpot = (await s.aws.describeActivities(s.spot, 50)).filter((a) => a.statusCode === 'Failed');
  assert.ok(failedSpot.length >= 1, 'the spot scale-up was tried and failed for lack of capacity');
  assert.match(failedSpot[0]?.statusMessage ?? '', /InsufficientInstanceCapacity/);
  assert.equal(await s.desired(), { spot: 3, onDemand: 1 }, 'the unfulfilled spot increment was withdrawn; one on-demand instance');
  const [odInstance] = await s.inService(s.onDemand);
  assert.is(event.spec.onDemandInstanceID, odInstance, 'the event records the on-demand instance');
  assert.is(event.spec.spotASGName, s.spot);
  assert.is(event.status?.phase, 'Pending');
  const odNode = event.spec.onDemandNodeName;
  assert.ok((await s.core.readNode({ name: odNode })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 'the replacement was Ready before A was tainted');

  // A's spot interruption: A drains and is reclaimed; its agent goes; the event survives.
  await s.sandbox.agents.interrupt(nodeAName);
  await s.sandbox.sim.control.interrupt(instanceA);
  await waitFor(`node ${nodeAName} gone`, async () => !(await s.spotNodes()).some((n) => n.metadata?.name === nodeAName), 60_000);
  await waitFor(`the agent of ${nodeAName} stopped`, () => s.sandbox.agents.get(nodeAName) === undefined, 60_000);
  assert.ok(await s.store.get(name), 'the event survives its creator');

  // The minimum wait, measured from spec.timestamp, then Monitoring; spot stays short meanwhile.
  const monitoring = await s.waitPhase(name, 'Monitoring');
  const minimumWait = s.setting('SPOT_GUARD_MINIMUM_WAIT');
  const enteredMonitoring = await s.seenAt(name, 'Monitoring');
  assert.ok(enteredMonitoring - Date.parse(event.spec.timestamp) >= minimumWait - 1000, 'not Monitoring before the minimum wait');
  assert.ok(monitoring.status?.claim?.holder, 'an agent holds the claim');
  assert.is.not(monitoring.status?.claim?.holder, `spot-guard-${nodeAName}`, 'not the departed agent');
  assert.is.not(monitoring.status?.claim?.holderNode, odNode, 'never the agent on the on-demand node');
  assert.is(monitoring.status?.spotCapacityRestored, false);
  // kubectl describe reads as the operator's record: who holds the event, what it waits for,
  // and who did what, in its Events (the Monitoring one is recorded just after the commit).
  const holder = monitoring.status?.claim?.holder ?? '';
  const holderNode = monitoring.status?.claim?.holderNode ?? '';
  const asMonitoring = await waitFor('kubectl describe with the Monitoring Event', async () => {
    const text = await s.describe(name);
    return / Monitoring +\S+ +spot-guard /.test(text) ? text : undefined;
  });
  assert.match(asMonitoring, new RegExp(`Holder: +${holder}\n +Holder Node: +${holderNode}\n`));
  assert.match(asMonitoring, /Message: +Minimum wait time \(\S+\) elapsed; not healthy: .*; waiting for every instance InService, none launching and every node Ready, then \S+ of it/);
  assert.match(asMonitoring, new RegExp(`FellBackToOnDemand +\\S+ +spot-guard +spot capacity for ${s.spot} did not arrive; .* replaces ${nodeAName} \\(by \\S+ on ${nodeAName}\\)`));
  assert.match(asMonitoring, new RegExp(`Monitoring +\\S+ +spot-guard +.* \\(by ${holder} on ${holderNode}\\)`));

  // Spot comes back; the ASG replaces A; stable for the window → ReadyForScaleDown → one scale-down.
  await s.sandbox.sim.control.restoreSpotPool(s.spot);
  const ready = await s.waitPhase(name, 'ReadyForScaleDown');
  assert.is(ready.status?.spotCapacityRestored, true);
  assert.is(ready.status?.spotHealth?.inService, 3);
  const done = await s.waitPhase(name, 'Completed');
  const by = done.status?.scaleDown?.terminate?.by ?? '';
  const asCompleted = await waitFor('kubectl describe with the Completed Event', async () => {
    const text = await s.describe(name);
    return / Completed +\S+ +spot-guard /.test(text) ? text : undefined;
  });
  assert.match(asCompleted, /Reason: +InstanceTerminated\n +Status: +True\n +Type: +ScaledDown\n/);
  assert.is(asCompleted.match(new RegExp(`\n +By: +${by}\n`, 'g'))?.length, 5, `each of the five steps names ${by}:\n${asCompleted}`);
  assert.ok((asCompleted.match(/\n +Completed At: +\S+Z\n/g)?.length ?? 0) >= 5, 'and when it was done');
  for (const phase of ['ReadyForScaleDown', 'ScalingDown', 'Completed']) {
    assert.match(asCompleted, new RegExp(`\n +Normal +${phase} +\\S+ +spot-guard +.* \\(by spot-guard-\\S+ on \\S+\\)\n`), `${phase} Event names its agent`);
  }
  await s.seenAt(name, 'Completed');
  assert.equal(s.phases(name).filter((p) => p !== 'Pending'), ['Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed']);
  const steps = done.status?.scaleDown ?? {};
  for (const step of ['taint', 'cordon', 'drain', 'waitForReschedule', 'terminate'] as const) assert.ok(steps[step]?.completedAt, `step ${step} recorded`);
  assert.equal(await s.terminations(s.onDemand), [odInstance], 'exactly the recorded on-demand instance was terminated, once');
  await waitFor(`node ${odNode} gone`, async () => !(await s.core.listNode()).items.some((n) => n.metadata?.name === odNode), 60_000);

  // Capacity conservation, and the event deleted after its TTL.
  assert.equal(await s.desired(), start, 'both ASGs back at their starting desired capacity');
  await waitFor(`${name} deleted after its TTL`, async () => (await s.store.get(name)) === undefined, 60_000);

  // The webhook: the fallback told once, by the at-risk node's agent (its create made the
  // event), and the scale-down once, by the agent that terminated the instance.
  const about = (kind: string) => receiver.delivered(kind, name);
  await waitFor('the ScaleDownCompleted notification', () => about('ScaleDownCompleted').length > 0, 60_000);
  const [recorded, ...moreRecorded] = about('FallbackRecorded');
  assert.equal(moreRecorded, [], 'FallbackRecorded sent once');
  assert.match(asMonitoring, new RegExp(`FellBackToOnDemand .* \\(by ${recorded?.sentBy} on ${nodeAName}\\)`), `sent by the agent that recorded the fallback: ${recorded?.sentBy}`);
  assert.equal(about('ScaleDownCompleted').map((n) => n.sentBy), [by], 'ScaleDownCompleted sent once, by the agent whose commit completed the event');
  assert.equal(about('EventFailed'), []);
});

test('every agent ran the built bundle under the shipped memory limit, and none outgrew it', async ({ s }) => {
  assert.match(s.sandbox.agentMemory, /under a shipped \S+ memory limit of \d+ MiB each/);
  const agents = s.sandbox.agents.list();
  assert.ok(agents.length >= 3, `${agents.length} agents`);
  for (const a of agents) {
    assert.ok(a.process.running, `${a.node}'s agent is alive`);
    assert.ok(a.memory, `${a.node}'s agent is in a memory cgroup`);
    assert.match(readFileSync(`/proc/${a.process.pid}/cmdline`, 'utf8'), /dist\/spot-guard-agent\.mjs\0agent/);
  }
  assert.equal(await s.sandbox.agents.oomKilled(), [], 'no agent was OOM-killed, the ones whose node went included');
});

test.run();
