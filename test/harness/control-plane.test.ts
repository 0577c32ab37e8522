import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, ApiException, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';

const test = suite<{ plane: ControlPlane }>('control plane');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test('kubectl version reaches the real kube-apiserver v1.32', async ({ plane }) => {
  const res = await plane.kubectl(['version', '-o', 'json']);
  assert.is(res.code, 0, res.stderr);
  const version = JSON.parse(res.stdout) as { serverVersion: { gitVersion: string; major: string; minor: string } };
  assert.match(version.serverVersion.gitVersion, /^v1\.32\.\d+$/);
  assert.is(version.serverVersion.minor, '32');
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
