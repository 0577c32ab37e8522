// The Helm chart renders the same objects as the plain manifests, passes helm lint, refuses
// to render without ASG pairs, and its output is accepted by a real API server.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { CHART_CRD_PATH } from '../../crds/generate.js';
import { CRD_PATH } from '../../crds/schema.js';
import { resolveBinaries } from '../../dev/sandbox/binaries.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { installCrd } from '../harness/crd.js';

const CHART = fileURLToPath(new URL('../../deploy/helm/spot-guard', import.meta.url));
const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const test = suite<{ helm: string; plane: ControlPlane }>('Helm chart');
// The manifests' placeholders for the two values the chart requires.
const REQUIRED = ['--set', 'asgPairs=my-spot-asg=my-ondemand-asg', '--set', 'awsRegion=us-east-1'];

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
}

const parse = (text: string): K8sObject[] => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject).filter(Boolean);
const byKey = (objects: K8sObject[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

async function helm(binary: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, args, { env: { ...process.env, HELM_CACHE_HOME: '/tmp/spot-guard-helm', HELM_CONFIG_HOME: '/tmp/spot-guard-helm' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test.before(async (ctx) => {
  ctx.helm = (await resolveBinaries(['helm'])).helm;
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test('the chart carries the CRD byte for byte (npm run generate copies it)', () => {
  assert.fixture(readFileSync(CHART_CRD_PATH, 'utf8'), readFileSync(CRD_PATH, 'utf8'));
});

test('helm lint passes', async ({ helm: bin }) => {
  const res = await helm(bin, ['lint', CHART, ...REQUIRED]);
  assert.is(res.code, 0, res.stdout + res.stderr);
});

test('helm template renders exactly the objects of deploy/manifests', async ({ helm: bin }) => {
  const res = await helm(bin, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED]);
  assert.is(res.code, 0, res.stderr);
  const rendered = byKey(parse(res.stdout));
  const plain = byKey(readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml')).flatMap((f) => parse(readFileSync(join(MANIFESTS, f), 'utf8'))));
  assert.equal([...rendered.keys()].sort(), [...plain.keys()].sort());
  for (const [key, object] of plain) assert.equal(rendered.get(key), object, key);
});

test('values reach the objects', async ({ helm: bin }) => {
  const res = await helm(bin, [
    'template', 'x', CHART, '-n', 'ops', '--set', 'asgPairs=a=b', '--set', 'minimumWait=30m', '--set', 'image.tag=9.9.9', '--set', 'awsRegion=eu-west-1',
    '--set', 'onDemandTimeout=15m', '--set', 'tickInterval=2s', '--set', 'recheckInterval=1m', '--set', 'maxStepAttempts=7', '--set', 'stepRetryMaxBackoff=20m',
    '--set-string', 'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/spot-guard',
  ]);
  assert.is(res.code, 0, res.stderr);
  const objects = byKey(parse(res.stdout));
  const cm = objects.get('ConfigMap/ops/spot-guard-config') as unknown as { data: Record<string, string> };
  assert.is(cm.data.SPOT_GUARD_MINIMUM_WAIT, '30m');
  assert.is(cm.data.SPOT_GUARD_NAMESPACE, 'ops');
  assert.is(cm.data.SPOT_GUARD_AWS_REGION, 'eu-west-1');
  assert.is(cm.data.SPOT_GUARD_ON_DEMAND_TIMEOUT, '15m');
  assert.is(cm.data.SPOT_GUARD_TICK_INTERVAL, '2s');
  assert.is(cm.data.SPOT_GUARD_RECHECK_INTERVAL, '1m');
  assert.is(cm.data.SPOT_GUARD_MAX_STEP_ATTEMPTS, '7');
  assert.is(cm.data.SPOT_GUARD_STEP_RETRY_MAX_BACKOFF, '20m');
  const sa = objects.get('ServiceAccount/ops/spot-guard') as unknown as { metadata: { annotations?: Record<string, string> } };
  assert.equal(sa.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/spot-guard' });
  assert.match(res.stdout, 'image: "ghcr.io/spot-guard/spot-guard:9.9.9"');
});

interface Container {
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
const agentContainer = (objects: Map<string, K8sObject>, namespace: string): Container =>
  (objects.get(`DaemonSet/${namespace}/spot-guard`) as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0] as Container;

test('webhook.urlSecret renders SPOT_GUARD_WEBHOOK_URL from the Secret, overriding the ConfigMap\'s empty URL; the server accepts it', async ({ helm: bin, plane }) => {
  const res = await helm(bin, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED, '--set', 'webhook.urlSecret.name=team-slack', '--set', 'webhook.urlSecret.key=webhook-url', '--set', 'webhook.format=slack', '--set', 'webhook.stuckAfter=2h']);
  assert.is(res.code, 0, res.stderr);
  const objects = byKey(parse(res.stdout));
  const url = agentContainer(objects, 'kube-system').env.filter((v) => v.name === 'SPOT_GUARD_WEBHOOK_URL');
  assert.equal(url, [{ name: 'SPOT_GUARD_WEBHOOK_URL', valueFrom: { secretKeyRef: { name: 'team-slack', key: 'webhook-url' } } }]);
  const cm = objects.get('ConfigMap/kube-system/spot-guard-config') as unknown as { data: Record<string, string> };
  // Kubernetes gives an env entry precedence over envFrom: the Secret's URL is the one the agent reads.
  assert.is(cm.data.SPOT_GUARD_WEBHOOK_URL, '');
  assert.is(cm.data.SPOT_GUARD_WEBHOOK_FORMAT, 'slack');
  assert.is(cm.data.SPOT_GUARD_WEBHOOK_STUCK_AFTER, '2h');
  assert.not.match(res.stdout, 'hooks.slack.com');
  const applied = await plane.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: res.stdout });
  assert.is(applied.code, 0, applied.stderr);
  // Without the value, no Secret is referenced (the manifests' test above: exactly the plain objects).
  const plain = await helm(bin, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED]);
  assert.not.match(plain.stdout, 'secretKeyRef');
});

test('webhook values refused when contradictory or incomplete', async ({ helm: bin }) => {
  const both = await helm(bin, ['template', 'x', CHART, ...REQUIRED, '--set', 'webhook.url=https://example.com/h', '--set', 'webhook.urlSecret.name=s', '--set', 'webhook.urlSecret.key=k']);
  assert.is.not(both.code, 0);
  assert.match(both.stderr, 'webhook.url and webhook.urlSecret are both set');
  const keyless = await helm(bin, ['template', 'x', CHART, ...REQUIRED, '--set', 'webhook.urlSecret.name=s']);
  assert.is.not(keyless.code, 0);
  assert.match(keyless.stderr, 'webhook.urlSecret.key is required');
});

test('rendering without asgPairs fails with a clear message', async ({ helm: bin }) => {
  const res = await helm(bin, ['template', 'x', CHART, '--set', 'awsRegion=us-east-1']);
  assert.is.not(res.code, 0);
  assert.match(res.stderr, 'asgPairs is required');
});

test('rendering without awsRegion fails with a clear message', async ({ helm: bin }) => {
  const res = await helm(bin, ['template', 'x', CHART, '--set', 'asgPairs=a=b']);
  assert.is.not(res.code, 0);
  assert.match(res.stderr, 'awsRegion is required');
});

test('the rendered chart is accepted by the real API server', async ({ helm: bin, plane }) => {
  const res = await helm(bin, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED]);
  const applied = await plane.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: res.stdout });
  assert.is(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, 'daemonset.apps/spot-guard created (server dry run)');
});

test.run();
