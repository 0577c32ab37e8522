// The scale bench's cluster: the sandbox itself (dev/sandbox/sandbox.ts: kube-apiserver, etcd,
// kube-controller-manager and kube-scheduler, KWOK as every node's kubelet, the shipped CRD,
// RBAC and DaemonSet, the AWS capacity simulator with the ConfigMap's ASG pair, durations
// divided by the scale) started without any agent process, whose spot ASG is then scaled to
// the bench's node count: the simulator launches the instances and registers each as a Node
// that KWOK reports Ready and keeps alive with its Lease. The agents run elsewhere, all in one
// process (scale-host.ts); they share one AEMM as their IMDS.
//
// Kubelets also post their node's status every five minutes when nothing changed
// (nodeStatusReportFrequency); KWOK, with the sandbox's stages, only posts it when the node
// turns Ready. So the bench plays that report for every node, spread evenly over the period:
// each is a Node update that every node watch receives.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { SANDBOX_REGION, startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { listAllPages } from '../../runtime/kube/paged-list.js';
import type { Counts } from './apiserver-writes.js';
import { CountingKubeConfig, QUIET_IMDS } from './scale-host.js';

const DAEMON_SET = fileURLToPath(new URL('../../deploy/manifests/daemonset.yaml', import.meta.url));

export interface ScaleClusterOptions {
  nodes: number;
  scale: number;
  /** Seconds between two status reports of the same node (0: none). */
  statusReportSeconds: number;
  /** Every agent polls one AEMM over HTTP (`aemm`), or an IMDS in its own process that never has a notice (`quiet`). */
  imds: 'aemm' | 'quiet';
  say: (line: string) => void;
}

export interface ScaleCluster {
  sandbox: Sandbox;
  /** Admin access for the bench's own reads and watch, every request tallied in `benchRequests`. */
  admin: KubeConfig;
  benchRequests: Counts;
  /** The shipped ServiceAccount's kubeconfig, what every agent runs with. */
  agentKubeconfigPath: string;
  /** The IMDS every agent polls (no notices), until the bench moves one to an AEMM of its own. */
  imdsUrl: string;
  /** The AEMM behind it, with `imds: 'aemm'`. */
  sharedImds?: Aemm;
  /** The DaemonSet pod on each node, by node. */
  daemonSetPods(): Promise<Map<string, string>>;
  /** Status reports posted so far. */
  statusReports(): number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startScaleCluster(o: ScaleClusterOptions): Promise<ScaleCluster> {
  o.say(`starting the sandbox without agents (durations divided by ${o.scale})`);
  const sandbox = await startSandbox({
    scale: o.scale,
    spotNodes: 0,
    asgMaxSize: 2 * o.nodes + 10,
    agentsOn: () => false,
    // No agent process is ever started, so nothing needs building.
    agentArgs: [],
    settings: { SPOT_GUARD_EVENT_TTL: '5s' },
  });
  let sharedImds: Aemm | undefined;
  let reporter: NodeJS.Timeout | undefined;
  try {
    const { plane, sim, pair } = sandbox;
    const benchRequests: Counts = {};
    const admin = new CountingKubeConfig((key) => (benchRequests[key] = (benchRequests[key] ?? 0) + 1));
    admin.loadFromFile(plane.kubeconfigPath);
    const core = admin.makeApiClient(CoreV1Api);
    const token = (await core.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } } })).status?.token;
    if (!token) throw new Error('the API server issued no token for the spot-guard ServiceAccount');
    const agentKubeconfigPath = `${plane.dir}/scale-agent.kubeconfig`;
    await plane.writeKubeconfig(agentKubeconfigPath, token, 'system:serviceaccount:kube-system:spot-guard');

    const started = Date.now();
    const aws = new AwsAutoScaling({ region: SANDBOX_REGION, endpoint: sim.endpoint, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
    await aws.setDesiredCapacity(pair.spot, o.nodes).finally(() => aws.destroy());
    for (let last = 0; ; ) {
      const ready = (await sim.control.nodes()).filter((n) => n.groupName === pair.spot && n.registered && n.ready).length;
      if (ready >= o.nodes) break;
      if (Date.now() - last > 15_000) {
        o.say(`${ready} of ${o.nodes} nodes registered and Ready`);
        last = Date.now();
      }
      if (Date.now() - started > 20 * 60_000) throw new Error(`only ${ready} of ${o.nodes} nodes Ready after 20 minutes`);
      await sleep(1000);
    }
    // The simulator's word is its own bookkeeping; what the agents see is the API server's.
    const nodes = await listAllPages('list nodes', (page) => core.listNode(page));
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    o.say(`${nodes.items.length} nodes in the API server, ${ready} Ready, after ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const ds = parse(readFileSync(DAEMON_SET, 'utf8')) as { metadata: { namespace: string }; spec: { selector: { matchLabels: Record<string, string> } } };
    const labelSelector = Object.entries(ds.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const daemonSetPods = async (): Promise<Map<string, string>> => {
      const pods = await listAllPages('list pods', (page) => core.listNamespacedPod({ namespace: ds.metadata.namespace, labelSelector, ...page }));
      return new Map(pods.items.filter((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp).map((p) => [p.spec?.nodeName ?? '', p.metadata?.name ?? '']));
    };
    for (const deadline = Date.now() + 5 * 60_000; ; ) {
      const bound = (await daemonSetPods()).size;
      if (bound >= o.nodes) break;
      if (Date.now() > deadline) {
        o.say(`only ${bound} DaemonSet pods bound after 5 minutes; agents on the other nodes are named spot-guard-<node>`);
        break;
      }
      await sleep(3000);
    }

    if (o.imds === 'aemm') sharedImds = await startAemm({});
    let reports = 0;
    if (o.statusReportSeconds > 0) reporter = startStatusReports(plane.kubeConfig(), sandbox, o.statusReportSeconds, () => reports++);
    const shared = sharedImds;
    return {
      sandbox,
      admin,
      benchRequests,
      agentKubeconfigPath,
      imdsUrl: shared?.url ?? QUIET_IMDS,
      sharedImds: shared,
      daemonSetPods,
      statusReports: () => reports,
      async stop() {
        clearInterval(reporter);
        await shared?.stop();
        await sandbox.stop();
      },
    };
  } catch (err) {
    clearInterval(reporter);
    await sharedImds?.stop();
    await sandbox.stop();
    throw err;
  }
}

/**
 * Each node's kubelet status report, one node at a time in turn, every node once per period:
 * the heartbeat times of its conditions, as a strategic merge patch of nodes/status.
 */
function startStatusReports(kubeConfig: KubeConfig, sandbox: Sandbox, periodSeconds: number, counted: () => void): NodeJS.Timeout {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const patch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  let names: string[] = [];
  let refreshedAt = 0;
  let turn = 0;
  let busy = false;
  let gap = 1000;
  const tick = async () => {
    if (Date.now() - refreshedAt > 30_000) {
      names = (await sandbox.sim.control.nodes()).filter((n) => n.registered && n.lifecycleState === 'InService').map((n) => n.nodeName).sort();
      refreshedAt = Date.now();
      gap = (periodSeconds * 1000) / Math.max(1, names.length);
    }
    const name = names[turn++ % Math.max(1, names.length)];
    if (!name) return;
    const now = new Date();
    const conditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, lastHeartbeatTime: now }));
    await core.patchNodeStatus({ name, body: { status: { conditions } } }, patch);
    counted();
  };
  // One report in flight at most; the interval follows the node count.
  let next = Date.now();
  return setInterval(() => {
    if (busy || Date.now() < next) return;
    busy = true;
    next += gap;
    if (next < Date.now() - 5000) next = Date.now();
    tick()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 20);
}
