// The shipped manifests, applied for real, and the agent's ServiceAccount bound by the shipped
// RBAC: every call the agent makes succeeds, and a sample of what it must not do is refused.
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { CRD_PATH } from '../../crds/schema.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { installCrd } from '../harness/crd.js';
import { seedEvent } from '../machines/fixtures.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const test = suite<{ plane: ControlPlane; agent: KubeConfig; agentKubeconfig: string }>('shipped RBAC');

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  const applied = await ctx.plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
  assert.is(applied.code, 0, applied.stderr);
  const admin = ctx.plane.kubeConfig().makeApiClient(CoreV1Api);
  const token = (await admin.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
  assert.ok(token);
  ctx.agentKubeconfig = `${ctx.plane.dir}/agent.kubeconfig`;
  await ctx.plane.writeKubeconfig(ctx.agentKubeconfig, token, 'system:serviceaccount:kube-system:spot-guard');
  ctx.agent = new KubeConfig();
  ctx.agent.loadFromFile(ctx.agentKubeconfig);
  // Fixtures the agent acts on, made as admin: a node and a pod on it.
  await admin.createNode({ body: { metadata: { name: 'ip-10-0-2-100' }, spec: { providerID: 'aws:///us-east-1a/i-0987654321fedcba0' } } });
  await admin.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web-1' }, spec: { nodeName: 'ip-10-0-2-100', containers: [{ name: 'web', image: 'nginx' }] } } });
  // The authorizer sees new bindings within moments; wait for the first allowed call.
  const deadline = Date.now() + 30_000;
  while ((await ctx.plane.kubectl(['get', 'nodes'], { kubeconfig: ctx.agentKubeconfig })).code !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test('the manifests apply to a real API server', async ({ plane }) => {
  const ds = await plane.kubectl(['get', 'daemonset', 'spot-guard', '-n', 'kube-system', '-o', 'jsonpath={.spec.template.spec.serviceAccountName}']);
  assert.is(ds.stdout, 'spot-guard');
  const cm = await plane.kubectl(['get', 'configmap', 'spot-guard-config', '-n', 'kube-system', '-o', 'jsonpath={.data.SPOT_GUARD_MINIMUM_WAIT}']);
  assert.is(cm.stdout, '10m');
});

test('the agent can do every SpotGuardFallbackEvent call in its namespace', async ({ agent, plane, agentKubeconfig }) => {
  const store = new FallbackEventStore(agent);
  const created = await store.create(seedEvent().spec, { phase: 'Pending' });
  const name = created.metadata?.name ?? '';
  assert.ok(await store.get(name));
  assert.is((await store.list({ labelSelector: 'component=spot-guard' })).items.length, 1);
  const committed = await store.commitStatus(created, { phase: 'Monitoring' });
  assert.is(committed.outcome, 'committed');
  const handle = await store.watch({}, () => undefined, () => undefined);
  handle.stop();
  const patched = await plane.kubectl(['label', 'sgfe', name, '-n', 'kube-system', 'checked=yes'], { kubeconfig: agentKubeconfig });
  assert.is(patched.code, 0, patched.stderr);
  const statusPatch = await plane.kubectl(['patch', 'sgfe', name, '-n', 'kube-system', '--subresource=status', '--type=merge', '-p', '{"status":{"message":"patched by the agent"}}'], { kubeconfig: agentKubeconfig });
  assert.is(statusPatch.code, 0, statusPatch.stderr);
  assert.is(await store.delete(name), 'deleted');
});

test('the agent can read, taint and cordon nodes, list pods and PDBs, evict, and record events', async ({ agent, plane, agentKubeconfig }) => {
  const core = agent.makeApiClient(CoreV1Api);
  assert.is(await status(core.readNode({ name: 'ip-10-0-2-100' })), 200);
  assert.is(await status(core.listNode()), 200);
  const cordon = await plane.kubectl(['cordon', 'ip-10-0-2-100'], { kubeconfig: agentKubeconfig });
  assert.is(cordon.code, 0, cordon.stderr);
  const taint = await plane.kubectl(['taint', 'nodes', 'ip-10-0-2-100', 'spot-guard.aws.amazon.com/scale-down=true:NoSchedule'], { kubeconfig: agentKubeconfig });
  assert.is(taint.code, 0, taint.stderr);
  assert.is(await status(core.listPodForAllNamespaces()), 200);
  const pdbs = await plane.kubectl(['get', 'pdb', '-A'], { kubeconfig: agentKubeconfig });
  assert.is(pdbs.code, 0, pdbs.stderr);
  assert.is(await status(core.createNamespacedPodEviction({ name: 'web-1', namespace: 'default', body: { metadata: { name: 'web-1', namespace: 'default' } } })), 200);
  const event = { metadata: { generateName: 'spot-guard-' }, involvedObject: { kind: 'Node', name: 'ip-10-0-2-100' }, reason: 'Cordoned', message: 'cordoned by spot-guard', type: 'Normal' };
  assert.is(await status(core.createNamespacedEvent({ namespace: 'default', body: event })), 200);
  // events.k8s.io wants microseconds in eventTime, which @kubernetes/client-node 1.4 does not
  // write (it sends milliseconds and gets a 400), so this one goes through kubectl.
  const micro = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const newEvent = await plane.kubectl(['create', '-f', '-'], {
    kubeconfig: agentKubeconfig,
    input: JSON.stringify({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { generateName: 'spot-guard-', namespace: 'default' },
      eventTime: micro,
      action: 'Cordon',
      reason: 'Cordoned',
      reportingController: 'spot-guard',
      reportingInstance: 'spot-guard-b',
      regarding: { kind: 'Node', name: 'ip-10-0-2-100' },
      type: 'Normal',
    }),
  });
  assert.is(newEvent.code, 0, newEvent.stderr);
});

// Lease times are MicroTime, which the API server parses with exactly six fractional digits;
// @kubernetes/client-node 1.4 sends a Date as toISOString() (three) and gets a 400, and hands
// the field back as the server's string. So the wire value is written as a string.
const microTime = (d: Date): Date => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;

// Desired-capacity changes are serialised through a Lease in the agent's namespace.
test('the agent can create, read, list and renew a Lease in its namespace', async ({ agent }) => {
  const leases = agent.makeApiClient(CoordinationV1Api);
  const now = microTime(new Date());
  const body: V1Lease = {
    metadata: { name: 'spot-guard-asg-my-spot-asg', namespace: 'kube-system' },
    spec: { holderIdentity: 'spot-guard-a', leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
  };
  const created = await leases.createNamespacedLease({ namespace: 'kube-system', body });
  assert.is(created.spec?.holderIdentity, 'spot-guard-a');
  const read = await leases.readNamespacedLease({ name: 'spot-guard-asg-my-spot-asg', namespace: 'kube-system' });
  assert.is(read.metadata?.resourceVersion, created.metadata?.resourceVersion);
  assert.ok((await leases.listNamespacedLease({ namespace: 'kube-system' })).items.some((l) => l.metadata?.name === 'spot-guard-asg-my-spot-asg'));
  const taken = { ...read, spec: { ...read.spec, holderIdentity: 'spot-guard-b', renewTime: microTime(new Date()), leaseTransitions: 1 } };
  const updated = await leases.replaceNamespacedLease({ name: 'spot-guard-asg-my-spot-asg', namespace: 'kube-system', body: taken });
  assert.is(updated.spec?.holderIdentity, 'spot-guard-b');
  assert.is.not(updated.metadata?.resourceVersion, read.metadata?.resourceVersion);
});

test('the agent may not create a Lease outside its namespace, nor delete one', async ({ agent, plane }) => {
  const leases = agent.makeApiClient(CoordinationV1Api);
  const elsewhere = { metadata: { name: 'spot-guard-elsewhere', namespace: 'default' }, spec: { holderIdentity: 'spot-guard-a', leaseDurationSeconds: 30 } };
  assert.is(await status(leases.createNamespacedLease({ namespace: 'default', body: elsewhere })), 403);
  const own = { metadata: { name: 'spot-guard-kept', namespace: 'kube-system' }, spec: { holderIdentity: 'spot-guard-a', leaseDurationSeconds: 30 } };
  await leases.createNamespacedLease({ namespace: 'kube-system', body: own });
  assert.is(await status(leases.deleteNamespacedLease({ name: 'spot-guard-kept', namespace: 'kube-system' })), 403);
  const still = await plane.kubectl(['get', 'lease', 'spot-guard-kept', '-n', 'kube-system', '-o', 'name']);
  assert.is(still.stdout.trim(), 'lease.coordination.k8s.io/spot-guard-kept');
});

const forbidden: [string, string[]][] = [
  ['read secrets', ['get', 'secrets', '-n', 'kube-system']],
  ['delete a node', ['delete', 'node', 'ip-10-0-2-100']],
  ['list SGFE objects outside its namespace', ['get', 'sgfe', '-n', 'default']],
  ['create pods', ['run', 'intruder', '--image=busybox', '-n', 'default']],
  ['update a DaemonSet', ['label', 'daemonset', 'spot-guard', '-n', 'kube-system', 'tampered=yes']],
  ['read configmaps', ['get', 'configmaps', '-n', 'kube-system']],
];
for (const [what, args] of forbidden) {
  test(`the agent may not ${what}`, async ({ plane, agentKubeconfig }) => {
    const res = await plane.kubectl(args, { kubeconfig: agentKubeconfig });
    assert.is.not(res.code, 0);
    assert.match(res.stderr, /Forbidden|forbidden/);
  });
}

test('the agent may not create SGFE objects outside its namespace', async ({ agent }) => {
  try {
    await new FallbackEventStore(agent, { namespace: 'default' }).create(seedEvent().spec);
    assert.unreachable('must be forbidden');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'Forbidden');
  }
});

test.run();
