// Plays kubelet and node lifecycle controller for the simulated instances: a Node appears in
// the API server once its instance is InService (providerID, the labels EKS puts on nodes,
// capacity), reports Ready when the instance's node-ready delay has passed, loses the
// not-ready taint the API server put on it, and is deleted once the instance is gone.
// It converges towards the model on every sync, so a failed call is simply tried again on
// the next one.
import { CoreV1Api, type KubeConfig, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';
import { isNotFound, toKubeError } from '../../runtime/kube/kube-errors.js';
import type { Logger } from '../../runtime/log.js';
import type { Group, Instance } from './cloud.types.js';

export const ASG_NAME_LABEL = 'spot-guard.aws.amazon.com/asg-name';
export const CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/** What the registrar needs to know about one instance, copied out of the model. */
export interface NodeSource {
  instance: Instance;
  group: Group;
}

interface Registered {
  name: string;
  ready: boolean;
}

export function nodeFor(source: NodeSource, region: string): V1Node {
  const { instance: i, group: g } = source;
  const now = new Date();
  return {
    metadata: {
      name: i.nodeName,
      labels: {
        'kubernetes.io/hostname': i.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': i.instanceType,
        'topology.kubernetes.io/region': region,
        'topology.kubernetes.io/zone': i.availabilityZone,
        [CAPACITY_TYPE_LABEL]: i.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
        [ASG_NAME_LABEL]: g.name,
      },
    },
    spec: { providerID: `aws:///${i.availabilityZone}/${i.instanceId}` },
    status: {
      capacity: { ...g.nodeResources.capacity },
      allocatable: { ...g.nodeResources.allocatable },
      addresses: [
        { type: 'InternalIP', address: i.privateIpAddress },
        { type: 'Hostname', address: i.nodeName },
      ],
      // A kubelet registers before its runtime and network are up: not Ready yet.
      conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
}

export class NodeRegistrar {
  private readonly core: CoreV1Api;
  private readonly registered = new Map<string, Registered>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly region: string,
    private readonly log: Logger,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** The Node state of an instance as far as this registrar made it. */
  stateOf(instanceId: string): { registered: boolean; ready: boolean } {
    const r = this.registered.get(instanceId);
    return { registered: r !== undefined, ready: r?.ready ?? false };
  }

  /** One pass towards the model's picture at time `now`; never throws. */
  async sync(sources: readonly NodeSource[], now: number): Promise<void> {
    const present = new Set(sources.map((s) => s.instance.instanceId));
    for (const source of sources) {
      const { instance } = source;
      try {
        // An instance terminated before its Node was made never gets one.
        if (!this.registered.has(instance.instanceId) && instance.lifecycleState === 'InService') await this.register(source);
        const r = this.registered.get(instance.instanceId);
        if (r && !r.ready && instance.nodeReadyAt !== undefined && now >= instance.nodeReadyAt) await this.markReady(instance.instanceId, r);
      } catch (err) {
        this.log.warn({ instance: instance.instanceId, node: instance.nodeName, err: toKubeError(err, 'node').message }, 'could not update node');
      }
    }
    for (const [instanceId, r] of [...this.registered]) {
      if (present.has(instanceId)) continue;
      try {
        await this.core.deleteNode({ name: r.name });
        this.log.debug({ instance: instanceId, node: r.name }, 'deleted node');
      } catch (err) {
        if (!isNotFound(toKubeError(err, 'delete node'))) {
          this.log.warn({ instance: instanceId, node: r.name, err: toKubeError(err, 'delete node').message }, 'could not delete node');
          continue;
        }
      }
      this.registered.delete(instanceId);
    }
  }

  private async register(source: NodeSource): Promise<void> {
    const body = nodeFor(source, this.region);
    try {
      await this.core.createNode({ body });
    } catch (err) {
      // Already there (a previous pass timed out after the API server took it): adopt it.
      if (toKubeError(err, 'create node').code !== 'AlreadyExists') throw err;
    }
    this.registered.set(source.instance.instanceId, { name: body.metadata?.name ?? '', ready: false });
    this.log.debug({ instance: source.instance.instanceId, node: body.metadata?.name }, 'registered node');
  }

  /**
   * What the kubelet and the node lifecycle controller do once the node is up. Both writes
   * carry the resourceVersion they were computed from; a 409 leaves the node not ready and
   * the next sync tries again.
   */
  private async markReady(instanceId: string, r: Registered): Promise<void> {
    const node = await this.core.readNode({ name: r.name });
    const now = new Date();
    const ready: V1NodeCondition = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now };
    const conditions = [...(node.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), ready];
    const updated = await this.core.replaceNodeStatus({ name: r.name, body: { ...node, status: { ...node.status, conditions } } });
    const taints = updated.spec?.taints ?? [];
    if (taints.some((t) => t.key === NOT_READY_TAINT)) {
      await this.core.replaceNode({ name: r.name, body: { ...updated, spec: { ...updated.spec, taints: taints.filter((t) => t.key !== NOT_READY_TAINT) } } });
    }
    r.ready = true;
    this.log.debug({ instance: instanceId, node: r.name }, 'marked node ready');
  }
}
