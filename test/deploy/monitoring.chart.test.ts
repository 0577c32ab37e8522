// The chart's monitoring objects: none by default; when enabled, the Service and ServiceMonitor
// of deploy/monitoring/servicemonitor.yaml and the PrometheusRule of
// deploy/monitoring/prometheus-rules.yaml (the same groups with the default values), with the
// thresholds and labels given as values, checked by promtool.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments, stringify } from 'yaml';
import { resolveBinaries } from '../../dev/sandbox/binaries.js';
import { promtool } from '../harness/prometheus.js';

const CHART = fileURLToPath(new URL('../../deploy/helm/spot-guard', import.meta.url));
const file = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const REQUIRED = ['--set', 'asgPairs=my-spot-asg=my-ondemand-asg', '--set', 'awsRegion=us-east-1'];
const ENABLED = ['--set', 'monitoring.serviceMonitor.enabled=true', '--set', 'monitoring.prometheusRule.enabled=true'];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations: Record<string, string>;
}
type RuleSpec = { groups: { name: string; rules: Rule[] }[] };

const parseDocs = (text: string): K8sObject[] => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject).filter(Boolean);
const find = (objects: K8sObject[], kind: string): K8sObject | undefined => objects.find((o) => o.kind === kind);

const test = suite<{ helm: string; promtool: string; dir: string }>('Helm chart: monitoring');

async function render(helm: string, args: string[]): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)(helm, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED, ...args], {
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/spot-guard-helm', HELM_CONFIG_HOME: '/tmp/spot-guard-helm' },
  });
  return parseDocs(stdout);
}

test.before(async (ctx) => {
  const binaries = await resolveBinaries(['helm', 'promtool']);
  ctx.helm = binaries.helm;
  ctx.promtool = binaries.promtool;
  ctx.dir = await mkdtemp(join(tmpdir(), 'spot-guard-chart-rules-'));
});
test.after(async (ctx) => {
  if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true });
});

test('by default the chart renders no monitoring objects (the Prometheus Operator\'s CRDs may be absent)', async ({ helm }) => {
  const objects = await render(helm, []);
  assert.equal(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/') || o.kind === 'Service'), []);
});

test('helm lint passes with monitoring enabled', async ({ helm }) => {
  const { stdout } = await promisify(execFile)(helm, ['lint', CHART, ...REQUIRED, ...ENABLED], {
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/spot-guard-helm', HELM_CONFIG_HOME: '/tmp/spot-guard-helm' },
  });
  assert.match(stdout, '0 chart(s) failed');
});

test('enabled, the Service and ServiceMonitor are those of deploy/monitoring/servicemonitor.yaml', async ({ helm }) => {
  const objects = await render(helm, ENABLED);
  const plain = parseDocs(file('deploy/monitoring/servicemonitor.yaml'));
  for (const kind of ['Service', 'ServiceMonitor']) assert.equal(find(objects, kind), find(plain, kind), kind);
});

test('the Service selects the DaemonSet\'s pods on their http port, wherever httpPort puts it', async ({ helm }) => {
  const objects = await render(helm, [...ENABLED, '--set', 'httpPort=29080']);
  type Pod = { metadata: { labels: Record<string, string> }; spec: { containers: { ports: { name: string; containerPort: number }[] }[] } };
  const pod = (find(objects, 'DaemonSet')?.spec as { template: Pod }).template;
  const service = find(objects, 'Service')?.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
  for (const [k, v] of Object.entries(service.selector)) assert.is(pod.metadata.labels[k], v, `the pods carry ${k}=${v}`);
  const [port] = service.ports;
  const container = pod.spec.containers[0]?.ports.find((p) => p.name === port?.targetPort);
  assert.is(container?.containerPort, 29080);
  assert.is(port?.port, 29080);
  const monitor = find(objects, 'ServiceMonitor')?.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
  const serviceLabels = find(objects, 'Service')?.metadata.labels ?? {};
  for (const [k, v] of Object.entries(monitor.selector.matchLabels)) assert.is(serviceLabels[k], v, `the Service carries ${k}=${v}`);
  assert.is(monitor.endpoints[0]?.port, port?.name);
});

test('the chart\'s PrometheusRule has the groups of deploy/monitoring/prometheus-rules.yaml', async ({ helm }) => {
  const rendered = find(await render(helm, ENABLED), 'PrometheusRule');
  const plain = find(parseDocs(file('deploy/monitoring/prometheus-rules.yaml')), 'PrometheusRule');
  assert.ok(rendered, 'a PrometheusRule is rendered');
  assert.equal(rendered?.spec, plain?.spec);
  assert.equal(rendered?.metadata, plain?.metadata);
});

test('thresholds and labels set as values reach the rules, and promtool accepts them', async ({ helm, promtool: bin, dir }) => {
  const objects = await render(helm, [
    ...ENABLED,
    '--set', 'monitoring.prometheusRule.labels.release=kube-prometheus-stack',
    '--set', 'monitoring.serviceMonitor.labels.release=kube-prometheus-stack',
    '--set', 'monitoring.serviceMonitor.interval=1m',
    '--set', 'monitoring.prometheusRule.stuckFor.pending=45m',
    '--set', 'monitoring.prometheusRule.stuckFor.scalingDown=2h',
    '--set', 'monitoring.prometheusRule.onDemandNodeHoursPerDay=100',
    '--set', 'monitoring.prometheusRule.imdsFailedPollsPerMinute=6',
    '--set', 'monitoring.prometheusRule.awsErrorRatio=0.25',
    '--set', 'monitoring.prometheusRule.claimTakeoversPerHour=5',
    '--set', 'monitoring.prometheusRule.onDemandAtMaxSizeFor=15m',
    '--set', 'monitoring.prometheusRule.incrementKeptFor=3h',
  ]);
  const prometheusRule = find(objects, 'PrometheusRule');
  assert.is(prometheusRule?.metadata.labels?.release, 'kube-prometheus-stack');
  assert.is(find(objects, 'ServiceMonitor')?.metadata.labels?.release, 'kube-prometheus-stack');
  assert.is((find(objects, 'ServiceMonitor')?.spec as { endpoints: { interval: string }[] }).endpoints[0]?.interval, '1m');
  const rules = (prometheusRule?.spec as RuleSpec).groups.flatMap((g) => g.rules);
  const rule = (alert: string): Rule => rules.find((r) => r.alert === alert) as Rule;
  assert.is(rule('SpotGuardEventStuckPending').for, '45m');
  assert.match(rule('SpotGuardEventStuckPending').annotations.summary ?? '', 'for more than 45m');
  assert.is(rule('SpotGuardEventStuckScalingDown').for, '2h');
  assert.match(rule('SpotGuardOnDemandNodeHoursHigh').expr, /\* 24 > 100$/);
  assert.match(rule('SpotGuardOnDemandNodeHoursHigh').annotations.description ?? '', '(threshold 100)');
  assert.match(rule('SpotGuardImdsErrors').expr, /\* 60 > 6$/);
  assert.match(rule('SpotGuardAwsErrors').expr, /> 0\.25$/);
  assert.match(rule('SpotGuardAwsErrors').annotations.description ?? '', '(threshold 25%)');
  assert.match(rule('SpotGuardClaimTakeovers').expr, /> 5$/);
  assert.is(rule('SpotGuardOnDemandAsgAtMaxSize').for, '15m');
  assert.match(rule('SpotGuardOnDemandAsgAtMaxSize').annotations.description ?? '', 'have waited 15m because');
  assert.is(rule('SpotGuardResponseIncrementKept').for, '3h');
  assert.match(rule('SpotGuardResponseIncrementKept').annotations.summary ?? '', 'for 3h.');
  assert.match(rule('SpotGuardResponseIncrementKept').annotations.description ?? '', 'could not be taken back for 3h:');
  await writeFile(join(dir, 'rules.yaml'), stringify(prometheusRule?.spec));
  const res = await promtool(bin, ['check', 'rules', join(dir, 'rules.yaml')]);
  assert.is(res.code, 0, res.output);
});

test.run();
