// A world for agent tests: a real kube-apiserver with the CRD and the shipped manifests
// applied, a kubeconfig for the shipped ServiceAccount (the agents never run as admin), moto
// with a spot/on-demand ASG pair, and helpers to make the Nodes a kubelet would register.
// Calls to AWS and to nodes are counted by recording wrappers around the real adapters.
//
// A world `withKubelets` also runs kube-scheduler, kube-controller-manager and KWOK as the
// kubelet of its nodes, for tests whose evicted pods must really go (after their grace period)
// and whose PDBs need real status; the others stay lean and write node status themselves.
import { fileURLToPath } from 'node:url';
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { CRD_PATH } from '../../crds/schema.js';
import type { FallbackEventSpec, FallbackEventStatus, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import type { AutoScalingPort } from '../../runtime/autoscaling.port.js';
import { loadConfig, type Config } from '../../runtime/config.js';
import type { NodePort } from '../../runtime/kube/nodes.port.js';
import { createLogger, type Logger } from '../../runtime/log.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KWOK_NODE_ANNOTATION, NODE_READY_AT_ANNOTATION, startKwok, type Kwok } from '../../dev/sandbox/kwok.js';
import { HarnessError } from '../../dev/sandbox/supervisor.js';
import { installCrd } from './crd.js';
import { startMoto, type Moto } from './moto.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
export const REGION = 'us-east-1';
export const SPOT_ASG = 'my-spot-asg';
export const ON_DEMAND_ASG = 'my-ondemand-asg';
export const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface AgentWorld {
  plane: ControlPlane;
  /** KWOK, the kubelet of every node registerNode makes, in a world `withKubelets`. */
  kwok?: Kwok;
  moto: Moto;
  /** Admin access, for fixtures only. */
  admin: KubeConfig;
  /** The shipped ServiceAccount bound by the shipped RBAC: what every agent uses. */
  agentKubeConfig: () => KubeConfig;
  /** The same, as a kubeconfig file for agent processes. */
  agentKubeconfigPath: string;
  aws: AwsAutoScaling;
  stop(): Promise<void>;
}

/**
 * The environment of a `spot-guard agent` process in this world, as the DaemonSet would give
 * it: the shipped ServiceAccount, moto for AWS, the pair; `settings` adds or overrides.
 */
export function agentProcessEnv(world: AgentWorld, settings: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: world.agentKubeconfigPath,
    AWS_ENDPOINT_URL_AUTO_SCALING: world.moto.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    SPOT_GUARD_ASG_PAIRS: `${SPOT_ASG}=${ON_DEMAND_ASG}`,
    SPOT_GUARD_AWS_REGION: REGION,
    ...settings,
  };
}

/** A control plane with its controllers and KWOK: pods run, go after their grace period, PDBs get status. */
export async function startLiveControlPlane(): Promise<{ plane: ControlPlane; kwok: Kwok }> {
  const plane = await startControlPlane({ controllers: true });
  try {
    return { plane, kwok: await startKwok({ kubeconfigPath: plane.kubeconfigPath, logFile: `${plane.dir}/logs/kwok.log` }) };
  } catch (err) {
    await plane.stop();
    throw err;
  }
}

export async function startAgentWorld(options: { withKubelets?: boolean } = {}): Promise<AgentWorld> {
  const { plane, kwok } = options.withKubelets ? await startLiveControlPlane() : { plane: await startControlPlane(), kwok: undefined };
  let moto: Moto | undefined;
  try {
    await installCrd(plane);
    const applied = await plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
    if (applied.code !== 0) throw new HarnessError('kubectl apply', applied.stderr);
    const admin = plane.kubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const token = (await core.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 7200 } } })).status?.token;
    if (!token) throw new HarnessError('token', 'no ServiceAccount token');
    const path = `${plane.dir}/agent.kubeconfig`;
    await plane.writeKubeconfig(path, token, 'system:serviceaccount:kube-system:spot-guard');
    const deadline = Date.now() + 30_000;
    while ((await plane.kubectl(['get', 'sgfe', '-n', 'kube-system'], { kubeconfig: path })).code !== 0) {
      if (Date.now() > deadline) throw new HarnessError('rbac', 'the agent ServiceAccount was never allowed to list events');
      await new Promise((r) => setTimeout(r, 200));
    }
    moto = await startMoto();
    const aws = new AwsAutoScaling({ region: REGION, endpoint: moto.endpoint, credentials });
    const m = moto;
    return {
      plane,
      kwok,
      moto,
      admin,
      agentKubeConfig: () => {
        const kc = new KubeConfig();
        kc.loadFromFile(path);
        return kc;
      },
      agentKubeconfigPath: path,
      aws,
      async stop() {
        aws.destroy();
        await m.stop();
        await kwok?.stop();
        await plane.stop();
      },
    };
  } catch (err) {
    await moto?.stop();
    await kwok?.stop();
    await plane.stop();
    throw err;
  }
}

/** A fresh pair in moto: the spot ASG with `spot` instances, the on-demand one with `onDemand`. */
/**
 * The ASG pair (see createAsgPair), with the first `nodes` spot instances (all by default)
 * registered as Ready nodes `spot-node-<i>`, as most agent suites start.
 */
export async function createAsgPairWithSpotNodes(world: AgentWorld, spot = 3, onDemand = 0, nodes = spot): Promise<void> {
  await createAsgPair(world.moto, spot, onDemand);
  const [group] = await world.aws.describeGroups([SPOT_ASG]);
  for (const [i, instance] of (group?.instances ?? []).slice(0, nodes).entries()) await registerNode(world, `spot-node-${i}`, instance.instanceId);
}

export async function createAsgPair(moto: Moto, spot = 3, onDemand = 0): Promise<void> {
  await moto.reset();
  const admin = new AutoScalingClient({ region: REGION, endpoint: moto.endpoint, credentials });
  try {
    await admin.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
    for (const [name, desired] of [[SPOT_ASG, spot], [ON_DEMAND_ASG, onDemand]] as const) {
      await admin.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 50, DesiredCapacity: desired, AvailabilityZones: [`${REGION}a`] }));
    }
  } finally {
    admin.destroy();
  }
}

/** What registerNode needs of a world: admin access, and KWOK where it plays the kubelet. */
export type NodeWorld = Pick<AgentWorld, 'admin' | 'kwok'>;

const NODE_RESOURCES = { cpu: '4', memory: '16Gi', pods: '110' };
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
// A node registered not Ready waits for markReady; KWOK reads this as "not before then".
const NOT_YET = '2100-01-01T00:00:00Z';

/**
 * Registers a node for an instance as a kubelet would, with room for pods, and (unless `ready`
 * is false) returns once it is Ready without the not-ready taint. In a world `withKubelets`
 * KWOK is its kubelet and the node lifecycle controller lifts the taint; otherwise this writes
 * what they would.
 */
export async function registerNode(world: NodeWorld, name: string, instanceId: string, options: { ready?: boolean; labels?: Record<string, string> } = {}): Promise<void> {
  const core = world.admin.makeApiClient(CoreV1Api);
  const ready = options.ready ?? true;
  const now = new Date();
  const body: V1Node = {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...options.labels } },
    spec: { providerID: `aws:///${REGION}a/${instanceId}` },
  };
  if (world.kwok) {
    body.metadata = { ...body.metadata, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, ...(ready ? {} : { [NODE_READY_AT_ANNOTATION]: NOT_YET }) } };
    body.status = {
      allocatable: NODE_RESOURCES,
      capacity: NODE_RESOURCES,
      conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now }],
    };
  }
  await core.createNode({ body });
  if (ready) await markReady(world, name);
}

/** The node's kubelet reports Ready; returns once it is, and untainted, as the node lifecycle controller does. */
export async function markReady(world: NodeWorld, name: string): Promise<void> {
  const core = world.admin.makeApiClient(CoreV1Api);
  if (world.kwok) {
    // KWOK reports Ready from the moment this annotation names (now).
    const readyAt = { metadata: { annotations: { [NODE_READY_AT_ANNOTATION]: new Date().toISOString() } } };
    await core.patchNode({ name, body: readyAt }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(`node ${name} Ready and without the not-ready taint`, async () => {
      const node = await core.readNode({ name });
      const isReady = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return isReady && !(node.spec?.taints ?? []).some((t) => t.key === NOT_READY_TAINT);
    });
    return;
  }
  const now = new Date();
  await core.replaceNodeStatus({
    name,
    body: {
      metadata: { name },
      status: {
        allocatable: NODE_RESOURCES,
        capacity: NODE_RESOURCES,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    },
  });
  // The API server taints every new node not-ready; the node lifecycle controller, absent
  // here, lifts that taint once the node reports Ready.
  const node = await core.readNode({ name });
  const taints = (node.spec?.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT);
  await core.replaceNode({ name, body: { ...node, spec: { ...node.spec, taints } } });
}

/**
 * A pod bound to a node (as if scheduled there), with a small request and a grace period of a
 * second. In a world `withKubelets` it runs, and a real ReplicaSet adopts it: a drain's default
 * rules take it, and once it is evicted the ReplicaSet's replacement is scheduled elsewhere (on
 * nodes matching `replacementsOn`, when given). Otherwise it is a bare pod that nothing runs.
 */
export async function placePod(world: NodeWorld, name: string, nodeName: string, options: { labels?: Record<string, string>; replacementsOn?: Record<string, string> } = {}): Promise<void> {
  const core = world.admin.makeApiClient(CoreV1Api);
  const labels = { ...(options.labels ?? { app: 'web' }), ...(world.kwok ? { 'spot-guard.test/owner': name } : {}) };
  const spec = { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] };
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels }, spec: { ...spec, nodeName } } });
  if (!world.kwok) return;
  const replicaSet = await world.admin.makeApiClient(AppsV1Api).createNamespacedReplicaSet({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { 'spot-guard.test/owner': name } }, template: { metadata: { labels }, spec: { ...spec, nodeSelector: options.replacementsOn } } },
    },
  });
  await waitFor(`pod ${name} running and adopted by its ReplicaSet`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace: 'default' });
    return pod.status?.phase === 'Running' && pod.metadata?.ownerReferences?.some((o) => o.controller && o.uid === replicaSet.metadata?.uid);
  });
}

/** The agent's settings from an environment, as the DaemonSet would give them, with test overrides. */
export function agentConfig(overrides: Record<string, string> = {}, exact: Partial<Config> = {}): Config {
  const loaded = loadConfig({
    SPOT_GUARD_ASG_PAIRS: `${SPOT_ASG}=${ON_DEMAND_ASG}`,
    SPOT_GUARD_AWS_REGION: REGION,
    SPOT_GUARD_MINIMUM_WAIT: '0s',
    SPOT_GUARD_SPOT_STABILITY_WINDOW: '1s',
    SPOT_GUARD_ASG_POLL_INTERVAL: '1s',
    SPOT_GUARD_CLAIM_LEASE: '30s',
    SPOT_GUARD_RECHECK_INTERVAL: '1s',
    SPOT_GUARD_EVICTION_TIMEOUT: '30s',
    ...overrides,
  });
  if (!loaded.ok) throw new HarnessError('config', loaded.problems.join('; '));
  // Durations in the environment are whole seconds; the clock may tick faster in tests.
  return { ...loaded.config, tickIntervalMs: 250, ...exact };
}

export const quietLog = (): Logger => createLogger({ level: (process.env.SPOT_GUARD_TEST_LOG_LEVEL as 'debug' | undefined) ?? 'error' });

export type CallLog = { who: string; call: string; arg: string }[];

/** The real AutoScalingPort, with every call written to `calls` under `who`. */
export function recordingAutoScaling(port: AutoScalingPort, who: string, calls: CallLog): AutoScalingPort {
  return {
    describeGroups: async (names) => {
      calls.push({ who, call: 'describeGroups', arg: names.join(',') });
      return port.describeGroups(names);
    },
    describeActivities: async (name, max) => {
      calls.push({ who, call: 'describeActivities', arg: name });
      return port.describeActivities(name, max);
    },
    describeInstance: async (id) => {
      calls.push({ who, call: 'describeInstance', arg: id });
      return port.describeInstance(id);
    },
    setDesiredCapacity: async (name, desired) => {
      calls.push({ who, call: 'setDesiredCapacity', arg: `${name}=${desired}` });
      return port.setDesiredCapacity(name, desired);
    },
    terminateInstance: async (id) => {
      calls.push({ who, call: 'terminateInstance', arg: id });
      return port.terminateInstance(id);
    },
  };
}

/** The real NodePort, with every mutating call written to `calls` under `who`. */
export function recordingNodes(port: NodePort, who: string, calls: CallLog): NodePort {
  return {
    getNode: (name) => port.getNode(name),
    listNodes: () => port.listNodes(),
    remainingPods: (name) => port.remainingPods(name),
    taint: async (name, taint, mark) => {
      calls.push({ who, call: 'taint', arg: `${name} ${taint.key}` });
      return port.taint(name, taint, mark);
    },
    untaint: async (name, taint, mark) => {
      calls.push({ who, call: 'untaint', arg: `${name} ${taint.key}` });
      return port.untaint(name, taint, mark);
    },
    cordon: async (name, mark) => {
      calls.push({ who, call: 'cordon', arg: name });
      return port.cordon(name, mark);
    },
    uncordon: async (name, mark) => {
      calls.push({ who, call: 'uncordon', arg: name });
      return port.uncordon(name, mark);
    },
    drain: async (name, options) => {
      calls.push({ who, call: 'drain', arg: name });
      return port.drain(name, options);
    },
  };
}

export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new HarnessError('wait', `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** uvu reports nothing when a hook throws: print the error before it is swallowed. */
export function loud<T>(hook: (ctx: T) => Promise<void>): (ctx: T) => Promise<void> {
  return async (ctx) => {
    try {
      await hook(ctx);
    } catch (err) {
      console.error('hook failed:', err);
      throw err;
    }
  };
}

/**
 * Creates an event and makes `status` its status even if a running agent wrote one first
 * (agents see the object before its first status lands and may claim it at once).
 */
export async function seedEventWithStatus(store: FallbackEventStore, spec: FallbackEventSpec, status: FallbackEventStatus): Promise<SpotGuardFallbackEvent> {
  let event = await store.create(spec, status);
  for (let attempt = 0; event.status?.phase !== status.phase || event.status?.claim; attempt++) {
    if (attempt > 20) throw new HarnessError('seed', `could not give ${event.metadata?.name} the status ${JSON.stringify(status)}`);
    const result = await store.commitStatus(event, status);
    if (result.outcome === 'gone') throw new HarnessError('seed', `${event.metadata?.name} was deleted`);
    event = result.outcome === 'committed' ? result.event : result.latest;
    if (result.outcome === 'committed') break;
  }
  return event;
}
