// The typed store against the real API server: names, create-then-status, optimistic
// commits, preconditioned deletes, and API errors translated into KubeError codes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeError, isForbidden, isInvalid } from '../../runtime/kube/kube-errors.js';
import { installCrd } from '../harness/crd.js';
import { MESSAGE_MAX_LENGTH } from '../../crds/message.js';
import { stepFailed } from '../../machines/fallback-event.status.js';
import type { FallbackEventContext } from '../../machines/fallback-event.types.js';
import { config, seedEvent } from '../machines/fixtures.js';

const test = suite<{ plane: ControlPlane; store: FallbackEventStore }>('fallback-event store');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  ctx.store = new FallbackEventStore(ctx.plane.kubeConfig(), { random: () => new Uint8Array([0, 1, 2, 3, 4, 5]) });
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test('create names the event fallback-<unix seconds>-<suffix>, labels it, and writes its first status', async ({ store }) => {
  const event = await store.create(seedEvent().spec, { phase: 'Pending', message: 'Fallback to on-demand completed, waiting 10m before monitoring' });
  assert.is(event.metadata?.name, 'fallback-1736935245-abcdef');
  assert.is(event.metadata?.namespace, 'kube-system');
  assert.is(event.metadata?.labels?.component, 'spot-guard');
  assert.is(event.status?.message, 'Fallback to on-demand completed, waiting 10m before monitoring');
  const read = await store.get('fallback-1736935245-abcdef');
  assert.is(read?.status?.phase, 'Pending');
  assert.is(await store.get('fallback-0-nothere'), undefined);
});

test('a create with bad input is refused with the API server\'s message as KubeError Invalid', async ({ plane }) => {
  const store = new FallbackEventStore(plane.kubeConfig());
  try {
    await store.create({ ...seedEvent().spec, onDemandInstanceID: 'i-not-an-instance' });
    assert.unreachable('must be refused');
  } catch (err) {
    assert.instance(err, KubeError);
    assert.ok(isInvalid(err));
    assert.is((err as KubeError).status, 422);
    assert.match((err as KubeError).message, /spec\.onDemandInstanceID/);
  }
});

test('commitStatus: committed, then conflict with the latest object for a stale version, then gone', async ({ plane, store }) => {
  const event = await new FallbackEventStore(plane.kubeConfig()).create(seedEvent().spec);
  const first = await store.commitStatus(event, { phase: 'Monitoring' });
  assert.is(first.outcome, 'committed');
  const stale = await store.commitStatus(event, { phase: 'Failed', message: 'stale writer' });
  assert.is(stale.outcome, 'conflict');
  if (stale.outcome === 'conflict') assert.is(stale.latest.status?.phase, 'Monitoring');
  const name = event.metadata?.name ?? '';
  assert.is(await store.delete(name), 'deleted');
  assert.is((await store.commitStatus(event, { phase: 'Monitoring' })).outcome, 'gone');
  assert.is(await store.delete(name), 'gone');
});

test('a drain refused for 40 pods: the failed attempt is committed (the API server takes it) and the message keeps its beginning', async ({ plane, store }) => {
  const event = await new FallbackEventStore(plane.kubeConfig()).create(seedEvent().spec);
  const scaling = await store.commitStatus(event, { phase: 'ScalingDown', scaleDown: { startedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } });
  assert.is(scaling.outcome, 'committed');
  if (scaling.outcome !== 'committed') return;
  const refusal = `cannot evict ${Array.from({ length: 40 }, (_, i) => `default/web-7d9c8b6f5-${String(i).padStart(5, 'x')} (PodDisruptionBudget web allows 0 disruptions)`).join(', ')}`;
  const context: FallbackEventContext = { object: scaling.event, agent: { id: 'spot-guard-a', nodeName: 'node-a' }, config, now: Date.now(), observation: undefined, pending: undefined, lastCheckAt: undefined, lastStepFailureAt: undefined, stepStartedAt: undefined, asgMissingCount: 0, lease: undefined, leaseBusy: false };
  const failed = await store.commitStatus(scaling.event, stepFailed(context, 'drain', 'DrainRefused', refusal));
  assert.is(failed.outcome, 'committed', 'a status the API server would refuse whole (422) would leave the attempt unrecorded');
  const drain = (await store.get(event.metadata?.name ?? ''))?.status?.scaleDown?.drain;
  assert.is(drain?.attempts, 1, 'the attempt is recorded');
  assert.ok((drain?.message ?? '').startsWith('cannot evict default/web-7d9c8b6f5-xxxx0 '), 'with the beginning of the reason');
  assert.ok((drain?.message ?? '').length <= MESSAGE_MAX_LENGTH);
});

test('delete with a stale resourceVersion precondition is a conflict and deletes nothing', async ({ plane, store }) => {
  const event = await new FallbackEventStore(plane.kubeConfig()).create(seedEvent().spec);
  const name = event.metadata?.name ?? '';
  const moved = await store.commitStatus(event, { phase: 'Monitoring' });
  assert.is(moved.outcome, 'committed');
  assert.is(await store.delete(name, event.metadata?.resourceVersion), 'conflict');
  assert.ok(await store.get(name), 'still there');
  if (moved.outcome === 'committed') assert.is(await store.delete(name, moved.event.metadata?.resourceVersion), 'deleted');
});

test('list filters by label; watch delivers ADDED, MODIFIED and DELETED; listExpired uses completionTime', async ({ plane }) => {
  const store = new FallbackEventStore(plane.kubeConfig(), { namespace: 'default' });
  const { resourceVersion } = await store.list();
  const seen: string[] = [];
  let ended: unknown = 'not yet';
  const handle = await store.watch({ resourceVersion, labelSelector: 'component=spot-guard' }, (type, e) => seen.push(`${type} ${e.status?.phase ?? '-'}`), (err) => (ended = err));

  const event = await store.create(seedEvent().spec);
  const done = await store.commitStatus(event, { phase: 'Completed', completionTime: '2025-01-15T10:17:00Z' });
  assert.is(done.outcome, 'committed');
  const listed = await store.list({ labelSelector: 'component=spot-guard' });
  assert.equal(listed.items.map((e) => e.metadata?.name), [event.metadata?.name]);
  assert.equal((await store.list({ labelSelector: 'component=someone-else' })).items, []);

  const day = 24 * 3600_000;
  assert.equal(await store.listExpired(day, new Date('2025-01-16T10:16:59Z')), [], 'not yet a day after completion');
  assert.equal((await store.listExpired(day, new Date('2025-01-16T10:17:00Z'))).map((e) => e.metadata?.name), [event.metadata?.name]);

  assert.is(await store.delete(event.metadata?.name ?? ''), 'deleted');
  const deadline = Date.now() + 30_000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  handle.stop();
  assert.equal(seen, ['ADDED Pending', 'MODIFIED Completed', 'DELETED Completed']);
  assert.is(ended, 'not yet', 'the watch did not end by itself');
});

test('a client without RBAC gets KubeError Forbidden', async ({ plane }) => {
  const core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'kube-system', body: { metadata: { name: 'no-rights' } } });
  const token = (await core.createNamespacedServiceAccountToken({ name: 'no-rights', namespace: 'kube-system', body: { spec: { audiences: [] } } })).status?.token ?? '';
  const path = `${plane.dir}/no-rights.kubeconfig`;
  await plane.writeKubeconfig(path, token);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  try {
    await new FallbackEventStore(kc).get('anything');
    assert.unreachable('must be forbidden');
  } catch (err) {
    assert.ok(isForbidden(err), String(err));
    assert.is((err as KubeError).status, 403);
  }
});

test('an unreachable API server is KubeError Unavailable', async ({ plane }) => {
  const kc = plane.kubeConfig();
  const cluster = kc.getCurrentCluster();
  assert.ok(cluster);
  const dead = new KubeConfig();
  dead.loadFromOptions({
    clusters: [{ ...cluster, server: 'https://127.0.0.1:1' }],
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  try {
    await new FallbackEventStore(dead).get('anything');
    assert.unreachable('must fail');
  } catch (err) {
    assert.instance(err, KubeError);
    assert.is((err as KubeError).code, 'Unavailable');
  }
});

test.run();
