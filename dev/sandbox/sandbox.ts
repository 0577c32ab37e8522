// The embedded default environment: a real control plane (with kube-scheduler and
// kube-controller-manager) with the CRD and the shipped manifests applied, KWOK as the kubelet
// of every node, the AWS capacity simulator with the ConfigMap's ASG pair, and, on every node
// the simulator registers, that node's AEMM and a real `spot-guard agent` process under the
// shipped ServiceAccount, named as the DaemonSet's pod on that node. Durations are the shipped
// ones divided by `scale`.
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { formatDuration, parseDuration } from '../../crds/duration.js';
import { CRD_PATH } from '../../crds/schema.js';
import { startSimulator, type Simulator } from '../simulator/simulator.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { NodeAgents, type NodeAgent } from './node-agents.js';
import { startKwok, type Kwok } from './kwok.js';
import { watchResource } from '../../streams/kube-watch.stream.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { GROUP, PLURAL, VERSION } from '../../crds/schema.js';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { informerSource } from '../../runtime/kube/informer.watch.js';
import { LiveViews } from '../../runtime/view/live-views.js';
import { startViewServer, type ViewServer } from '../../runtime/view/view.server.js';
import { HarnessError } from './supervisor.js';
import { NANO, parseQuantity } from '../../runtime/safety/quantity.js';
import { ensureAgentBuilt } from '../build/agent.build.js';
import { openMemoryCgroups, type MemoryCgroups } from './memory-cgroup.js';
import { loadConfig, unknownSettings } from '../../runtime/config.js';
import { startScenarioControl, type ScenarioControl } from './scenario-control.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const CONFIG_MAP = fileURLToPath(new URL('../../deploy/manifests/configmap.yaml', import.meta.url));
const DAEMON_SET = fileURLToPath(new URL('../../deploy/manifests/daemonset.yaml', import.meta.url));
export const SANDBOX_REGION = 'us-east-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox' };

export interface SandboxOptions {
  kubeconfigPath?: string;
  /** The shipped durations are divided by this (1: as shipped). */
  scale?: number;
  /** Spot nodes to start with. */
  spotNodes?: number;
  /** Settings for every agent on top of the scaled ConfigMap (e.g. SPOT_GUARD_EVENT_TTL). */
  settings?: Record<string, string>;
  /** Where agent logs go, one file per node. */
  logDir?: string;
  /** Max size of each ASG (default 20): more spot nodes need more. */
  asgMaxSize?: number;
  /** How long to wait for `spotNodes` agents to answer /readyz (default 180 s). */
  readyTimeoutMs?: number;
  /** Least time between two agent starts (default 0: all at once), to spread a large start. */
  agentStartGapMs?: number;
  /** Picks the ports of each node's AEMM and agent (default: ones the kernel picks; see NodeAgentsOptions.pickPort). */
  pickNodePort?: () => Promise<number>;
  onAgentChange?: (change: { node: string; what: string; detail?: string }) => void;
  /** Port of the sandbox's live view on 127.0.0.1 (default: any free port). */
  viewPort?: number;
  /**
   * Each agent's memory limit: the DaemonSet's (`shipped`, the default), a number of bytes, or
   * `none`. Enforced by a memory cgroup per agent where the machine lets the sandbox make one.
   */
  agentMemoryLimit?: 'shipped' | 'none' | number;
  /** Only these nodes get an agent (default: every node). */
  agentsOn?: (node: string) => boolean;
  /** What node runs for each agent (default: the bundle `npm run build` makes, built afresh). */
  agentArgs?: string[];
  /** The Node.js binary the agents run on (default: this process's). */
  agentNodeBinary?: string;
  /** V8 flags for the agents instead of the DaemonSet's NODE_OPTIONS. */
  agentNodeOptions?: string;
}

export interface Sandbox {
  plane: ControlPlane;
  admin: KubeConfig;
  sim: Simulator;
  agents: NodeAgents;
  /** The spot/on-demand pair of the shipped ConfigMap. */
  pair: { spot: string; onDemand: string };
  /** The settings every agent runs with (NODE_OPTIONS among them, where there are V8 flags). */
  settings: Record<string, string>;
  /** What a scenario can do to the sandbox's nodes: EC2 notices (also served to `spot-guard scenario`). */
  scenario: ScenarioControl;
  /** The live statechart view of every event, served by the sandbox itself. */
  view: SandboxView;
  /** How the agents' memory is limited, in words (the limit and how it is enforced, or why it is not). */
  agentMemory: string;
  stop(): Promise<void>;
}

/** The ConfigMap's durations divided by `scale`, in whole seconds and within each setting's floor. */
export function scaledSettings(shipped: Record<string, string>, scale: number): Record<string, string> {
  const floors: Record<string, number> = {
    SPOT_GUARD_MINIMUM_WAIT: 1000,
    SPOT_GUARD_SPOT_STABILITY_WINDOW: 1000,
    SPOT_GUARD_SPOT_CAPACITY_TIMEOUT: 1000,
    SPOT_GUARD_ASG_POLL_INTERVAL: 1000,
    SPOT_GUARD_EVICTION_TIMEOUT: 5000,
    SPOT_GUARD_CLAIM_LEASE: 5000,
    SPOT_GUARD_ON_DEMAND_TIMEOUT: 5000,
    SPOT_GUARD_PROTECTION_WINDOW: 5000,
    SPOT_GUARD_RECHECK_INTERVAL: 1000,
    SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: 1000,
  };
  const out = { ...shipped };
  for (const [name, floor] of Object.entries(floors)) {
    const ms = parseDuration(shipped[name] ?? '');
    if (ms !== undefined) out[name] = formatDuration(Math.max(floor, ms / scale));
  }
  return out;
}

async function shippedSettings(): Promise<Record<string, string>> {
  const doc = parse(await readFile(CONFIG_MAP, 'utf8')) as { data: Record<string, string> };
  return doc.data;
}

/**
 * What the shipped DaemonSet gives its agent container: the memory limit, and the environment
 * variables it sets to plain values (NODE_OPTIONS among them), which every sandbox agent gets.
 */
export async function shippedAgentContainer(): Promise<{ memoryLimit: string | undefined; memoryLimitBytes: number | undefined; env: Record<string, string> }> {
  type Container = { name: string; env?: { name: string; value?: string }[]; resources?: { limits?: Record<string, string> } };
  const doc = parse(await readFile(DAEMON_SET, 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
  const container = doc.spec.template.spec.containers.find((c) => c.name === 'agent');
  const memoryLimit = container?.resources?.limits?.memory;
  return {
    memoryLimit,
    memoryLimitBytes: memoryLimit === undefined ? undefined : Number(parseQuantity(memoryLimit) / NANO),
    env: Object.fromEntries((container?.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]]))),
  };
}

/** Where the shipped DaemonSet's pods are: its namespace and its selector. */
async function shippedDaemonSetPods(): Promise<{ namespace: string; labelSelector: string }> {
  const doc = parse(await readFile(DAEMON_SET, 'utf8')) as { metadata: { namespace: string }; spec: { selector: { matchLabels: Record<string, string> } } };
  const labelSelector = Object.entries(doc.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  return { namespace: doc.metadata.namespace, labelSelector };
}

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** Settings a sandbox gives each agent itself (its own ports and IMDS), so nobody else may. */
const PER_AGENT = ['SPOT_GUARD_IMDS_ENDPOINT', 'SPOT_GUARD_HTTP_PORT', 'SPOT_GUARD_VIEW_ADDRESS'];

/** Settings the agent would refuse: each problem in the agent's own words, one a line. */
export class SettingsRefused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * What every agent of the sandbox runs with: the shipped ConfigMap scaled, the DaemonSet's
 * container env, then `options.settings`. Refused (SettingsRefused) where the agent would
 * refuse them or where a name is no setting of the agent's, before anything starts.
 */
export async function sandboxSettings(options: Pick<SandboxOptions, 'scale' | 'settings' | 'agentNodeOptions'> = {}): Promise<{ settings: Record<string, string>; pair: { spot: string; onDemand: string } }> {
  const [shipped, container] = await Promise.all([shippedSettings(), shippedAgentContainer()]);
  const nodeOptions = options.agentNodeOptions ?? container.env.NODE_OPTIONS;
  const { NODE_OPTIONS: _shipped, ...containerEnv } = container.env;
  const settings = {
    ...scaledSettings(shipped, options.scale ?? 1),
    SPOT_GUARD_AWS_REGION: SANDBOX_REGION,
    ...containerEnv,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...options.settings,
  };
  const given = Object.keys(options.settings ?? {});
  const problems = [
    ...given.filter((name) => PER_AGENT.includes(name)).map((name) => `${name}: the sandbox sets it for each agent (its own port or IMDS)`),
    ...unknownSettings(settings).filter((name) => given.includes(name)).map((name) => `${name}: not a setting of the agent (see deploy/README.md)`),
  ];
  const loaded = loadConfig(settings);
  if (!loaded.ok) problems.push(...loaded.problems);
  if (problems.length > 0 || !loaded.ok) throw new SettingsRefused(problems);
  // The simulator makes the first pair's groups; the agents act on every pair.
  const [pair] = loaded.config.asgPairs;
  return { settings, pair: { spot: pair?.spot ?? '', onDemand: pair?.onDemand ?? '' } };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const scale = options.scale ?? 1;
  const { settings, pair } = await sandboxSettings(options);
  // The agents run the artifact the image runs, built from the sources as they are now.
  const built = options.agentArgs ? Promise.resolve(undefined) : ensureAgentBuilt().then(() => undefined, (err: unknown) => err);
  const plane = await startControlPlane({ kubeconfigPath: options.kubeconfigPath, controllers: true });
  let sim: Simulator | undefined;
  let agents: NodeAgents | undefined;
  let kwok: Kwok | undefined;
  let cgroups: MemoryCgroups | undefined;
  try {
    cgroups = await openMemoryCgroups();
    kwok = await startKwok({ kubeconfigPath: plane.kubeconfigPath, logFile: `${plane.dir}/logs/kwok.log` });
    const buildError = await built;
    if (buildError) throw new HarnessError('npm run build', `could not build the agent: ${buildError instanceof Error ? buildError.message : JSON.stringify(buildError)}`);
    const container = await shippedAgentContainer();
    const limit = options.agentMemoryLimit ?? 'shipped';
    const limitBytes = limit === 'none' ? undefined : limit === 'shipped' ? container.memoryLimitBytes : limit;
    const agentMemory =
      limitBytes === undefined
        ? 'agents run without a memory limit'
        : cgroups.ok
          ? `agents run under a ${limit === 'shipped' ? `shipped ${container.memoryLimit} ` : ''}memory limit of ${mib(limitBytes)} each, in memory cgroups of their own`
          : `agents run WITHOUT their ${mib(limitBytes)} memory limit: ${cgroups.reason}`;
    const applied = await plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
    if (applied.code !== 0) throw new HarnessError('sandbox', `kubectl apply of deploy/manifests failed: ${applied.stderr}`);
    const established = await plane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/spotguardfallbackevents.aws.amazon.com']);
    if (established.code !== 0) throw new HarnessError('sandbox', established.stderr);
    const admin = plane.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const token = (await core.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } } })).status?.token;
    if (!token) throw new HarnessError('sandbox', 'the API server issued no token for the spot-guard ServiceAccount');
    const agentKubeconfigPath = `${plane.dir}/agent.kubeconfig`;
    await plane.writeKubeconfig(agentKubeconfigPath, token, 'system:serviceaccount:kube-system:spot-guard');

    const { spot, onDemand } = pair;
    // Launches take half a minute and kubelets twenty seconds to report Ready, scaled like the rest.
    sim = await startSimulator({
      kubeConfig: admin,
      region: SANDBOX_REGION,
      delays: { launchMs: 30_000 / scale, nodeReadyMs: 20_000 / scale, terminateMs: 20_000 / scale, launchRetryMs: Math.max(1000, 30_000 / scale) },
    });
    const spotNodes = options.spotNodes ?? 3;
    const maxSize = options.asgMaxSize ?? 20;
    await sim.control.createGroup({ name: spot, capacityType: 'spot', minSize: 0, maxSize, desiredCapacity: spotNodes });
    await sim.control.createGroup({ name: onDemand, capacityType: 'on-demand', minSize: 0, maxSize, desiredCapacity: 0 });

    if (options.logDir) await mkdir(options.logDir, { recursive: true });
    agents = new NodeAgents({
      adminKubeConfig: admin,
      agentKubeconfigPath,
      env: { ...settings, ...CREDENTIALS, AWS_ENDPOINT_URL_AUTO_SCALING: sim.endpoint, AWS_REGION: SANDBOX_REGION },
      logDir: options.logDir,
      startGapMs: options.agentStartGapMs,
      pickPort: options.pickNodePort,
      onChange: options.onAgentChange,
      agentsOn: options.agentsOn,
      agentArgs: options.agentArgs,
      nodeBinary: options.agentNodeBinary,
      memory: cgroups.ok && limitBytes !== undefined ? { cgroups, limitBytes } : undefined,
      daemonSetPods: await shippedDaemonSetPods(),
    });
    agents.start();
    const running = agents;
    const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
    const deadline = Date.now() + readyTimeoutMs;
    while ((await agentsReady(running)) < spotNodes) {
      // An agent that died will never be ready: say why now rather than at the deadline.
      const dead = (await Promise.all(running.list().map((a) => agentDeath(a)))).find((e) => e !== undefined);
      if (dead) throw dead;
      if (Date.now() > deadline) throw new HarnessError('sandbox', `fewer than ${spotNodes} agents ready after ${Math.round(readyTimeoutMs / 1000)} s: ${running.list().map((a) => a.node).join(', ') || 'none started'}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const view = await startSandboxView(admin, settings, options.viewPort ?? 0);
    const scenario = await startScenarioControl({ admin, agents: running, sim, pair, scale, onProblem: (m) => process.stderr.write(`sandbox: ${m}\n`) }).catch(async (err: unknown) => {
      await view.close();
      throw err;
    });
    const s = sim;
    const groups = cgroups;
    return {
      plane,
      admin,
      sim: s,
      agents: running,
      pair,
      scenario,
      settings,
      view,
      agentMemory,
      async stop() {
        await scenario.close();
        await view.close();
        await running.stop();
        if (groups.ok) await groups.removeAll();
        await s.stop();
        await kwok?.stop();
        await plane.stop();
      },
    };
  } catch (err) {
    await agents?.stop().catch(() => undefined);
    if (cgroups?.ok) await cgroups.removeAll();
    await sim?.stop().catch(() => undefined);
    await kwok?.stop();
    await plane.stop();
    throw err;
  }
}

/**
 * Why an agent is gone, or undefined while it runs: the memory cgroup says whether the kernel
 * killed it for outgrowing its limit (what a node's log would show as OOMKilled, exit 137).
 */
export async function agentDeath(agent: NodeAgent): Promise<HarnessError | undefined> {
  const dead = agent.process.deathError();
  if (!dead || !agent.memory) return dead;
  const kills = await agent.memory.oomKills();
  if (kills === 0) return dead;
  const peak = await agent.memory.peakBytes();
  return new HarnessError(agent.process.name, `OOMKilled: outgrew its memory limit of ${mib(agent.memory.limitBytes)}${peak ? ` (peak ${mib(peak)})` : ''}`, agent.process.logTail());
}

/** How many agents answer /readyz with 200. */
export async function agentsReady(agents: NodeAgents): Promise<number> {
  const answers = await Promise.all(agents.list().map(async (a) => (await fetch(`${a.httpUrl}/readyz`).catch(() => undefined))?.status === 200));
  return answers.filter(Boolean).length;
}

export interface SandboxView extends ViewServer {
  /** Whether the page shows this event now. */
  shows(name: string): boolean;
}

/**
 * The sandbox's own live view: it follows the objects (no actor of its own), so it shows each
 * event in the state an agent's actor would rebuild from it.
 */
async function startSandboxView(admin: KubeConfig, settings: Record<string, string>, port: number): Promise<SandboxView> {
  const ms = (name: string) => parseDuration(settings[name] ?? '') ?? 0;
  const views = new LiveViews({ minimumWaitMs: ms('SPOT_GUARD_MINIMUM_WAIT'), stabilityWindowMs: ms('SPOT_GUARD_SPOT_STABILITY_WINDOW'), ttlMs: ms('SPOT_GUARD_EVENT_TTL') }, 'the sandbox');
  const namespace = settings.SPOT_GUARD_NAMESPACE ?? 'kube-system';
  const custom = admin.makeApiClient(CustomObjectsApi);
  const subscription = watchResource<SpotGuardFallbackEvent>(
    informerSource<SpotGuardFallbackEvent & { metadata: object }>(admin, `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, async (page) => (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, ...page })) as never),
    { keyOf: (o) => o.metadata?.name ?? '' },
  ).subscribe((e) => {
    if (e.type === 'SYNCED') for (const o of e.objects) views.update(o);
    else if (e.type === 'ADDED' || e.type === 'MODIFIED') views.update(e.object);
    else if (e.type === 'DELETED') views.remove(e.object.metadata?.name ?? '');
  });
  const server = await startViewServer({ host: '127.0.0.1', port, views, title: 'Spot Guard sandbox: fallback events' });
  return {
    url: server.url,
    shows: (name) => views.views().some((v) => v.name === name),
    close: async () => {
      subscription.unsubscribe();
      await server.close();
    },
  };
}
