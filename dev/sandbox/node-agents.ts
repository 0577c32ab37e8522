// What the kubelet would do in the sandbox: for every Node that registers, start that node's
// instance metadata service (its own amazon-ec2-metadata-mock) and a real `spot-guard agent`
// process with the pod identity the downward API would give it (the name of the pod the real
// DaemonSet controller made for the node, which KWOK shows Running); when the Node goes away,
// stop both. Notices are played by restarting the node's AEMM on the
// same port with the notice due at once: AEMM fixes its notice delays when it starts.
//
// Each agent is the built bundle (dist/, what the image runs), started with the V8 flags the
// DaemonSet gives it and, where the machine allows, inside a memory cgroup holding the shipped
// limit: an agent that outgrows it is OOM-killed here as on a node.
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Subscription } from 'rxjs';
import { watchResource } from '../../streams/kube-watch.stream.js';
import { informerSource } from '../../runtime/kube/informer.watch.js';
import { AGENT_BUNDLE } from '../build/agent.build.js';
import { startAemm, type Aemm } from './aemm.js';
import type { MemoryCgroup, MemoryCgroups } from './memory-cgroup.js';
import { freePort } from './ports.js';
import { HarnessError, Supervised } from './supervisor.js';

export interface NodeAgentsOptions {
  /** Admin access, to watch Nodes (what the DaemonSet controller sees). */
  adminKubeConfig: KubeConfig;
  /** The shipped ServiceAccount's kubeconfig file: what every agent process runs with. */
  agentKubeconfigPath: string;
  /** Settings and AWS endpoint for every agent, as the ConfigMap and the pod spec would give them. */
  env: Record<string, string>;
  /** Where each agent's JSON log lines go (one file per node), if anywhere. */
  logDir?: string;
  /** Least time between two agent starts (default 0: all at once), to spread a large start. */
  startGapMs?: number;
  /**
   * Picks the ports of each node's AEMM and agent (default freePort: one the kernel picks).
   * An agent binds its ports seconds after they are picked, once its modules are loaded; with
   * many agents, an outgoing connection's ephemeral port can take one meanwhile.
   */
  pickPort?: () => Promise<number>;
  /** Only nodes this accepts get an agent (default: every node), as a DaemonSet's node selector. */
  agentsOn?: (node: string) => boolean;
  /** What node runs for an agent (default: the built bundle with `agent`). */
  agentArgs?: string[];
  /** The Node.js binary the agents run on (default: this process's). */
  nodeBinary?: string;
  /** Every agent in a memory cgroup of its own holding this limit. */
  memory?: { cgroups: Extract<MemoryCgroups, { ok: true }>; limitBytes: number };
  /** Told about every start and stop. */
  onChange?: (change: { node: string; what: 'started' | 'stopped' | 'failed'; detail?: string }) => void;
  /**
   * Where the DaemonSet's pods are: each agent runs as the pod made for its node, waiting up to
   * `timeoutMs` (default 30 s) for one to be bound there; without one it runs as spot-guard-<node>.
   */
  daemonSetPods?: { namespace: string; labelSelector: string; timeoutMs?: number };
}

export interface NodeAgent {
  node: string;
  pod: string;
  /** The agent's /healthz, /readyz and /metrics. */
  httpUrl: string;
  /** The agent's live statechart view. */
  viewUrl: string;
  imdsUrl: string;
  process: Supervised;
  /** The agent's memory cgroup, where it has one. */
  memory?: MemoryCgroup;
}

interface Entry extends NodeAgent {
  aemm: Aemm;
  imdsPort: number;
  /** Starts the agent's process again in the same pod (same name, ports, IMDS and memory cgroup). */
  restart: () => Promise<Supervised>;
}

export class NodeAgents {
  private readonly entries = new Map<string, Entry>();
  private readonly starting = new Map<string, Promise<void>>();
  private subscription: Subscription | undefined;
  private nextStartAt = 0;
  private readonly killedForMemory: string[] = [];
  private stopping = false;

  constructor(private readonly options: NodeAgentsOptions) {}

  start(): void {
    const core = this.options.adminKubeConfig.makeApiClient(CoreV1Api);
    const nodes = watchResource<V1Node>(
      informerSource<V1Node & { metadata: object }>(this.options.adminKubeConfig, '/api/v1/nodes', (page) => core.listNode(page) as never),
      { keyOf: (n) => n.metadata?.name ?? '' },
    );
    this.subscription = nodes.subscribe((e) => {
      if (e.type === 'SYNCED') {
        const present = new Set(e.objects.map((n) => n.metadata?.name ?? ''));
        for (const name of [...this.entries.keys()]) if (!present.has(name)) void this.stopNode(name);
        for (const n of e.objects) this.startNode(n.metadata?.name ?? '');
      } else if (e.type === 'ADDED') this.startNode(e.object.metadata?.name ?? '');
      else if (e.type === 'DELETED') void this.stopNode(e.object.metadata?.name ?? '');
    });
  }

  list(): NodeAgent[] {
    return [...this.entries.values()].map(({ node, pod, httpUrl, viewUrl, imdsUrl, process, memory }) => ({ node, pod, httpUrl, viewUrl, imdsUrl, process, memory }));
  }

  /** Nodes whose agent the kernel killed for outgrowing its memory limit, the gone ones included. */
  async oomKilled(): Promise<string[]> {
    const live = await Promise.all([...this.entries.values()].map(async (e) => ((await e.memory?.oomKills()) ? e.node : undefined)));
    return [...this.killedForMemory, ...live.filter((n): n is string => n !== undefined)];
  }

  get(node: string): NodeAgent | undefined {
    return this.entries.get(node);
  }

  /** EC2 issues a rebalance recommendation for the node's instance. */
  async rebalance(node: string): Promise<void> {
    await this.replaceAemm(node, { rebalanceDelaySec: 0 });
  }

  /** EC2 issues a spot interruption notice (the rebalance recommendation stays served). */
  async interrupt(node: string): Promise<void> {
    await this.replaceAemm(node, { rebalanceDelaySec: 0, interruptionDelaySec: 0 });
  }

  /**
   * The agent dies where it stands (SIGKILL: nothing released, nothing cleaned up) and, as the
   * kubelet restarts a DaemonSet pod's container, starts again in the same pod on the same node.
   */
  async kill(node: string): Promise<void> {
    await this.starting.get(node);
    const entry = this.entries.get(node);
    if (!entry) throw new HarnessError('sandbox', `no agent runs on node ${node}`);
    entry.process.signal('SIGKILL');
    await entry.process.exited;
    this.options.onChange?.({ node, what: 'stopped', detail: 'killed (SIGKILL), restarting' });
    entry.process = await entry.restart();
    this.options.onChange?.({ node, what: 'started', detail: 'restarted after SIGKILL' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.subscription?.unsubscribe();
    await Promise.allSettled(this.starting.values());
    await Promise.all([...this.entries.keys()].map((n) => this.stopNode(n)));
  }

  private startNode(node: string): void {
    if (!node || this.entries.has(node) || this.starting.has(node)) return;
    if (this.options.agentsOn && !this.options.agentsOn(node)) return;
    const run = this.launch(node)
      .catch((err: unknown) => this.options.onChange?.({ node, what: 'failed', detail: err instanceof Error ? err.message : String(err) }))
      .finally(() => this.starting.delete(node));
    this.starting.set(node, run);
  }

  private async launch(node: string): Promise<void> {
    // Each start takes the next free slot, so N agents start over N gaps rather than at once.
    const gap = this.options.startGapMs ?? 0;
    if (gap > 0) {
      const slot = Math.max(Date.now(), this.nextStartAt);
      this.nextStartAt = slot + gap;
      if (slot > Date.now()) await new Promise((r) => setTimeout(r, slot - Date.now()));
      if (this.stopping) return;
    }
    const pickPort = this.options.pickPort ?? freePort;
    const imdsPort = await pickPort();
    const aemm = await startAemm({ port: imdsPort });
    const httpPort = await pickPort();
    const viewPort = await pickPort();
    const daemonSetPod = await this.daemonSetPod(node);
    const pod = daemonSetPod ?? `spot-guard-${node}`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...this.options.env,
      KUBECONFIG: this.options.agentKubeconfigPath,
      POD_NAME: pod,
      NODE_NAME: node,
      SPOT_GUARD_IMDS_ENDPOINT: aemm.url,
      SPOT_GUARD_HTTP_PORT: String(httpPort),
      SPOT_GUARD_VIEW_ADDRESS: `127.0.0.1:${viewPort}`,
    };
    let agent: Supervised;
    let memory: MemoryCgroup | undefined;
    let restart: () => Promise<Supervised>;
    try {
      memory = this.options.memory ? await this.options.memory.cgroups.create(node, this.options.memory.limitBytes) : undefined;
      const plain = { command: this.options.nodeBinary ?? process.execPath, args: this.options.agentArgs ?? [AGENT_BUNDLE, 'agent'] };
      const { command, args } = memory ? memory.wrap(plain.command, plain.args) : plain;
      restart = () => Supervised.start(`agent ${node}`, command, args, { env, logFile: this.options.logDir ? `${this.options.logDir}/${node}.log` : undefined });
      agent = await restart();
    } catch (err) {
      await memory?.remove();
      await aemm.stop();
      throw err;
    }
    this.entries.set(node, { node, pod, httpUrl: `http://127.0.0.1:${httpPort}`, viewUrl: `http://127.0.0.1:${viewPort}/`, imdsUrl: aemm.url, process: agent, memory, aemm, imdsPort, restart });
    const unmatched = this.options.daemonSetPods && !daemonSetPod ? `no DaemonSet pod on the node in time, runs as ${pod}` : undefined;
    this.options.onChange?.({ node, what: 'started', detail: unmatched });
  }

  /** The DaemonSet's pod bound to `node`, once there is one; undefined if none comes in time. */
  private async daemonSetPod(node: string): Promise<string | undefined> {
    const pods = this.options.daemonSetPods;
    if (!pods) return undefined;
    const core = this.options.adminKubeConfig.makeApiClient(CoreV1Api);
    const deadline = Date.now() + (pods.timeoutMs ?? 30_000);
    while (!this.stopping && Date.now() < deadline) {
      const list = await core.listNamespacedPod({ namespace: pods.namespace, labelSelector: pods.labelSelector, fieldSelector: `spec.nodeName=${node}` }).catch(() => undefined);
      const name = list?.items.find((p) => !p.metadata?.deletionTimestamp)?.metadata?.name;
      if (name) return name;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  }

  private async stopNode(node: string): Promise<void> {
    await this.starting.get(node);
    const entry = this.entries.get(node);
    if (!entry) return;
    this.entries.delete(node);
    // The kubelet sends SIGTERM and waits the grace period: the agent releases its claims.
    await entry.process.stop(10_000);
    if (await entry.memory?.oomKills()) this.killedForMemory.push(node);
    await entry.memory?.remove();
    await entry.aemm.stop();
    this.options.onChange?.({ node, what: 'stopped' });
  }

  private async replaceAemm(node: string, notices: { rebalanceDelaySec?: number; interruptionDelaySec?: number }): Promise<void> {
    await this.starting.get(node);
    const entry = this.entries.get(node);
    if (!entry) throw new HarnessError('sandbox', `no agent runs on node ${node}`);
    await entry.aemm.stop();
    entry.aemm = await startAemm({ port: entry.imdsPort, ...notices });
  }
}
