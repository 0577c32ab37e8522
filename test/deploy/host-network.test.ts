// Where and how the DaemonSet runs on EKS, in the plain manifests and in the chart alike: on
// the host network (an IMDSv2 hop limit of 1 keeps the token from a pod on the pod network),
// with cluster DNS, its HTTP port declared as the host port it then is, on Linux nodes only
// and never on Fargate. The chart's hostNetwork=false is the pod network with plain
// ClusterFirst DNS and no host port.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments } from 'yaml';
import { resolveBinaries } from '../../dev/sandbox/binaries.js';
import { loadConfig } from '../../runtime/config.js';

const CHART = fileURLToPath(new URL('../../deploy/helm/spot-guard', import.meta.url));
const file = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const REQUIRED = ['--set', 'asgPairs=my-spot-asg=my-ondemand-asg', '--set', 'awsRegion=us-east-1'];

interface Port {
  name?: string;
  containerPort: number;
  hostPort?: number;
}
interface PodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[] } } };
  tolerations?: unknown[];
  containers: { name: string; ports?: Port[]; livenessProbe?: { httpGet?: { port: string | number } }; readinessProbe?: { httpGet?: { port: string | number } } }[];
}
interface DaemonSet {
  kind: 'DaemonSet';
  spec: { template: { spec: PodSpec } };
}

const test = suite<{ helm: string }>('DaemonSet on EKS nodes');

async function renderChart(helm: string, args: string[] = []): Promise<{ pod: PodSpec; config: Record<string, string> }> {
  const { stdout } = await promisify(execFile)(helm, ['template', 'spot-guard', CHART, '-n', 'kube-system', ...REQUIRED, ...args], {
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/spot-guard-helm', HELM_CONFIG_HOME: '/tmp/spot-guard-helm' },
  });
  const objects = parseAllDocuments(stdout).map((d) => d.toJSON() as { kind: string; data?: Record<string, string> } | null);
  const ds = objects.find((o) => o?.kind === 'DaemonSet') as unknown as DaemonSet | undefined;
  const cm = objects.find((o) => o?.kind === 'ConfigMap');
  assert.ok(ds && cm?.data, stdout);
  return { pod: ds.spec.template.spec, config: cm.data };
}

const manifests = (): { pod: PodSpec; config: Record<string, string> } => ({
  pod: (parse(file('deploy/manifests/daemonset.yaml')) as DaemonSet).spec.template.spec,
  config: (parse(file('deploy/manifests/configmap.yaml')) as { data: Record<string, string> }).data,
});

function keepsOffFargate(pod: PodSpec): boolean {
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // Terms are ORed: every one of them must exclude Fargate.
  return terms.length > 0 && terms.every((t) => t.matchExpressions?.some((e) => e.key === 'eks.amazonaws.com/compute-type' && e.operator === 'NotIn' && e.values?.includes('fargate')));
}

function assertOnHostNetwork(pod: PodSpec, config: Record<string, string>, where: string): void {
  assert.is(pod.hostNetwork, true, where);
  assert.is(pod.dnsPolicy, 'ClusterFirstWithHostNet', where);
  assert.is(pod.nodeSelector?.['kubernetes.io/os'], 'linux', where);
  assert.ok(keepsOffFargate(pod), `${where}: Fargate excluded`);
  assert.equal(pod.tolerations, [{ operator: 'Exists' }], `${where}: still every node otherwise`);
  const agent = pod.containers[0];
  const loaded = loadConfig(config);
  assert.ok(agent && loaded.ok, where);
  if (!agent || !loaded.ok) return;
  // On the host network every declared port is the node's: the API server requires hostPort
  // to equal containerPort, and the scheduler then keeps the pod off a node where it is taken.
  for (const port of agent.ports ?? []) assert.is(port.hostPort, port.containerPort, `${where}: ${port.name}`);
  const http = agent.ports?.find((p) => p.name === 'http');
  assert.is(http?.containerPort, loaded.config.httpPort, `${where}: the declared port is the one the agent listens on`);
  assert.is(agent.livenessProbe?.httpGet?.port, 'http', where);
  assert.is(agent.readinessProbe?.httpGet?.port, 'http', where);
  // The live view stays on the node's loopback: on the host network 0.0.0.0 would be every
  // address of the node.
  assert.is(loaded.config.viewAddress.host, '127.0.0.1', where);
}

test.before(async (ctx) => {
  ctx.helm = (await resolveBinaries(['helm'])).helm;
});

test('the plain manifests run on the host network, with cluster DNS and a host port, on Linux and never on Fargate', () => {
  const { pod, config } = manifests();
  assertOnHostNetwork(pod, config, 'deploy/manifests');
});

test('the chart does the same by default', async ({ helm }) => {
  const { pod, config } = await renderChart(helm);
  assertOnHostNetwork(pod, config, 'chart');
});

test('hostNetwork=false: the pod network, ClusterFirst DNS, no host port; placement unchanged', async ({ helm }) => {
  const { pod } = await renderChart(helm, ['--set', 'hostNetwork=false']);
  assert.is(pod.hostNetwork, false);
  assert.is(pod.dnsPolicy, 'ClusterFirst');
  const ports = pod.containers[0]?.ports ?? [];
  assert.ok(ports.length > 0);
  for (const port of ports) assert.is(port.hostPort, undefined, JSON.stringify(port));
  assert.is(pod.nodeSelector?.['kubernetes.io/os'], 'linux');
  assert.ok(keepsOffFargate(pod));
});

test('another httpPort moves the container port, the host port and the setting together', async ({ helm }) => {
  const { pod, config } = await renderChart(helm, ['--set', 'httpPort=19180']);
  assert.equal(pod.containers[0]?.ports?.find((p) => p.name === 'http'), { name: 'http', containerPort: 19180, hostPort: 19180 });
  assert.is(config.SPOT_GUARD_HTTP_PORT, '19180');
});

test('an extra nodeSelector key is added to the Linux one, not in its place', async ({ helm }) => {
  const { pod } = await renderChart(helm, ['--set', 'nodeSelector.karpenter\\.sh/capacity-type=spot']);
  assert.equal(pod.nodeSelector, { 'kubernetes.io/os': 'linux', 'karpenter.sh/capacity-type': 'spot' });
});

test('the shipped ports stay clear of the ports other node agents hold (deploy/README.md lists them)', () => {
  const loaded = loadConfig(manifests().config);
  assert.ok(loaded.ok);
  if (!loaded.ok) return;
  const taken = [
    10248, 10249, 10250, 10255, 10256, 10257, 10259, // kubelet, kube-proxy, control-plane components
    8080, 9092, // aws-node-termination-handler probes and metrics
    61678, 61679, 8162, 8163, 50051, // VPC CNI (aws-node) and its network policy agent
    2703, 2705, 80, // EKS Pod Identity agent
    9100, 9808, 9809, 9810, 53, 9153, // node-exporter, CSI node plugins, CoreDNS
  ];
  for (const port of [loaded.config.httpPort, loaded.config.viewAddress.port]) {
    assert.not.ok(taken.includes(port), `${port} is taken by another node agent`);
    assert.ok(port >= 1024 && port < 30000, `${port}: unprivileged, below the NodePort range (30000-32767) and the ephemeral range (32768-60999)`);
  }
});

test.run();
