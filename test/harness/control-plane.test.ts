import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AppsV1Api, CoreV1Api, ApiException, PolicyV1Api, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { kubernetesVersions } from '../../dev/sandbox/binaries.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KWOK_NODE_ANNOTATION, startKwok, type Kwok } from '../../dev/sandbox/kwok.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';

const test = suite<{ plane: ControlPlane }>('control plane');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

// The version asked for (K8S_VERSION, as test/run.js sets it for the other supported versions),
// else the default of dev/sandbox/kubernetes-versions.txt.
const expected = process.env.K8S_VERSION || kubernetesVersions().find((v) => v.role === 'default')!.kubernetes;

test(`kubectl version reaches the real kube-apiserver ${expected}, with a kubectl of the same release`, async ({ plane }) => {
  const res = await plane.kubectl(['version', '-o', 'json']);
  assert.is(res.code, 0, res.stderr);
  const version = JSON.parse(res.stdout) as Record<'serverVersion' | 'clientVersion', { gitVersion: string; major: string; minor: string }>;
  assert.is(version.serverVersion.gitVersion, expected);
  assert.is(version.serverVersion.minor, expected.split('.')[1]);
  assert.is(version.clientVersion.gitVersion, expected);
});

test('kubectl get --raw /readyz answers ok', async ({ plane }) => {
  const res = await plane.kubectl(['get', '--raw', '/readyz']);
  assert.is(res.code, 0, res.stderr);
  assert.is(res.stdout.trim(), 'ok');
});

test('an object created with @kubernetes/client-node is read back with kubectl', async ({ plane }) => {
  const core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'written-by-client-node' }, data: { spot: 'guard' } },
  });
  const res = await plane.kubectl(['get', 'configmap', 'written-by-client-node', '-n', 'default', '-o', 'jsonpath={.data.spot}']);
  assert.is(res.code, 0, res.stderr);
  assert.is(res.stdout, 'guard');
});

test('RBAC is enforced: a service-account token with no binding gets 403 listing nodes', async ({ plane }) => {
  const kc = plane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'nobody' } } });
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    name: 'nobody',
    namespace: 'default',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tokenRequest.status?.token;
  assert.ok(token, 'TokenRequest returned a token');
  const path = `${plane.dir}/nobody.kubeconfig`;
  await plane.writeKubeconfig(path, token);

  const denied = await plane.kubectl(['get', 'nodes'], { kubeconfig: path });
  assert.is.not(denied.code, 0);
  assert.match(denied.stderr, /Forbidden/);
  assert.match(denied.stderr, /system:serviceaccount:default:nobody/);

  const { KubeConfig } = await import('@kubernetes/client-node');
  const asNobody = new KubeConfig();
  asNobody.loadFromFile(path);
  try {
    await asNobody.makeApiClient(CoreV1Api).listNode();
    assert.unreachable('listing nodes without a binding must fail');
  } catch (err) {
    assert.instance(err, ApiException);
    assert.is((err as ApiException<unknown>).code, 403);
  }

  // The same token works once a binding allows it: the 403 was authorization, not a bad token.
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: { metadata: { name: 'node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'nobody-reads-nodes' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: 'default' }],
    },
  });
  let allowed = await plane.kubectl(['get', 'nodes'], { kubeconfig: path });
  for (let i = 0; i < 50 && allowed.code !== 0; i++) {
    // the authorizer's cache catches up with the new binding within moments
    await new Promise((r) => setTimeout(r, 200));
    allowed = await plane.kubectl(['get', 'nodes'], { kubeconfig: path });
  }
  assert.is(allowed.code, 0, allowed.stderr);
});

test.run();

// With the scheduler, the controller-manager and KWOK as the kubelet, pods really move.
const live = suite<{ plane: ControlPlane; kwok: Kwok; core: CoreV1Api; apps: AppsV1Api; policy: PolicyV1Api }>('control plane with controllers and KWOK');
const NODE = 'kwok-node-1';
const GRACE_SECONDS = 5;

live.before(async (ctx) => {
  ctx.plane = await startControlPlane({ controllers: true });
  ctx.kwok = await startKwok({ kubeconfigPath: ctx.plane.kubeconfigPath, logFile: `${ctx.plane.dir}/logs/kwok.log` });
  const kc = ctx.plane.kubeConfig();
  ctx.core = kc.makeApiClient(CoreV1Api);
  ctx.apps = kc.makeApiClient(AppsV1Api);
  ctx.policy = kc.makeApiClient(PolicyV1Api);
});
live.after(async (ctx) => {
  await ctx.kwok?.stop();
  await ctx.plane?.stop();
});

const webPods = async (core: CoreV1Api): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
const runningReady = (p: V1Pod): boolean => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

live('the scheduler and the controller-manager run the API server\'s version, each as its own user', async ({ plane }) => {
  assert.ok(plane.processes.scheduler?.running && plane.processes.controllerManager?.running);
  // Every controller acts under its own ServiceAccount (--use-service-account-credentials).
  const accounts = await plane.kubectl(['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name']);
  assert.match(accounts.stdout, /serviceaccount\/disruption-controller/);
  assert.match(accounts.stdout, /serviceaccount\/replicaset-controller/);
});

live('a Deployment\'s pods are scheduled onto a KWOK node, which the node lifecycle controller untaints once Ready, and run', async ({ core, apps }) => {
  await core.createNode({
    body: {
      metadata: { name: NODE, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': NODE }, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } },
      status: { allocatable: { cpu: '2', memory: '8Gi', pods: '110' }, capacity: { cpu: '2', memory: '8Gi', pods: '110' } },
    },
  });
  await waitUntil(
    async () => {
      const node = await core.readNode({ name: NODE });
      const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return !!ready && !(node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
    },
    { what: `${NODE} Ready and without the not-ready taint`, timeoutMs: 60_000 },
  );
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: GRACE_SECONDS, containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
        },
      },
    },
  });
  await waitUntil(async () => (await webPods(core)).filter(runningReady).length === 2, { what: 'two web pods Running and Ready', timeoutMs: 60_000 });
  const pods = await webPods(core);
  assert.equal(pods.map((p) => p.spec?.nodeName), [NODE, NODE], 'bound by the scheduler');
  assert.ok(pods.every((p) => p.status?.podIP), 'KWOK gave each pod an IP');
});

live('the disruption controller computes the PDB\'s status from the running pods', async ({ policy }) => {
  await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } } });
  let status: unknown;
  await waitUntil(
    async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
      status = pdb.status;
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.expectedPods === 2 && pdb.status.currentHealthy === 2;
    },
    { what: `the PDB's status computed (last ${JSON.stringify(status)})`, timeoutMs: 60_000 },
  );
  const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' });
  assert.is(pdb.status?.desiredHealthy, 1);
  assert.is(pdb.status?.disruptionsAllowed, 1);
});

live('an evicted pod stays Terminating for its grace period, is then gone, and its ReplicaSet replaces it', async ({ core }) => {
  const [victim] = await webPods(core);
  const name = victim?.metadata?.name ?? '';
  await core.createNamespacedPodEviction({ name, namespace: 'default', body: { metadata: { name, namespace: 'default' } } });
  const terminating = await core.readNamespacedPod({ name, namespace: 'default' });
  assert.ok(terminating.metadata?.deletionTimestamp, 'Terminating right after the eviction');
  assert.is(terminating.metadata?.deletionGracePeriodSeconds, GRACE_SECONDS);
  const graceEnds = new Date(terminating.metadata?.deletionTimestamp ?? 0).getTime();
  await waitUntil(async () => !(await webPods(core)).some((p) => p.metadata?.name === name), { what: `${name} gone`, timeoutMs: 60_000 });
  // Kubernetes keeps timestamps to the second: the pod went no earlier than that second.
  assert.ok(Date.now() >= graceEnds, 'not removed before its grace period was over');
  await waitUntil(async () => (await webPods(core)).filter(runningReady).length === 2, { what: 'a replacement Running', timeoutMs: 60_000 });
});

live.run();
