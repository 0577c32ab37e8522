// Registers the simulated instances as Nodes, as their kubelets would: a Node appears in the
// API server once its instance is InService (providerID, the labels EKS puts on nodes,
// capacity), and is deleted once the instance is gone. From then on KWOK is its kubelet
// (dev/sandbox/kwok.ts): the Node carries KWOK's annotation and the moment its instance's
// node-ready delay ends, when KWOK reports it Ready; the node lifecycle controller of the
// control plane then lifts the not-ready taint. So the simulator needs a control plane with
// controllers and KWOK for its Nodes to become Ready.
// It converges towards the model on every sync, so a failed call is simply tried again on
// the next one.
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION, NODE_READY_AT_ANNOTATION } from '../sandbox/kwok.js';
import { isNotFound, toKubeError } from '../../runtime/kube/kube-errors.js';
import type { Logger } from '../../runtime/log.js';
import type { Group, Instance } from './cloud.types.js';

export const ASG_NAME_LABEL = 'spot-guard.aws.amazon.com/asg-name';
export const CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';

/** What the registrar needs to know about one instance, copied out of the model. */
export interface NodeSource {
  instance: Instance;
  group: Group;
}

interface Registered {
  name: string;
  /** When KWOK reports the node Ready. */
  readyAt: number;
}

export function nodeFor(source: NodeSource, region: string): V1Node {
  const { instance: i, group: g } = source;
  const now = new Date();
  // KWOK reads it against the wall clock, the simulator's own whenever it registers Nodes.
  const readyAt = new Date(i.nodeReadyAt ?? now.getTime()).toISOString();
  return {
    metadata: {
      name: i.nodeName,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, [NODE_READY_AT_ANNOTATION]: readyAt },
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

  /** The Node state of an instance as far as this registrar made it: ready once its kubelet says so. */
  stateOf(instanceId: string, now: number): { registered: boolean; ready: boolean } {
    const r = this.registered.get(instanceId);
    return { registered: r !== undefined, ready: r !== undefined && now >= r.readyAt };
  }

  /** One pass towards the model's picture at time `now`; never throws. */
  async sync(sources: readonly NodeSource[], now: number): Promise<void> {
    const present = new Set(sources.map((s) => s.instance.instanceId));
    for (const source of sources) {
      const { instance } = source;
      try {
        // An instance terminated before its Node was made never gets one.
        if (!this.registered.has(instance.instanceId) && instance.lifecycleState === 'InService') await this.register(source, now);
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

  private async register(source: NodeSource, now: number): Promise<void> {
    const body = nodeFor(source, this.region);
    try {
      await this.core.createNode({ body });
    } catch (err) {
      // Already there (a previous pass timed out after the API server took it): adopt it.
      if (toKubeError(err, 'create node').code !== 'AlreadyExists') throw err;
    }
    this.registered.set(source.instance.instanceId, { name: body.metadata?.name ?? '', readyAt: source.instance.nodeReadyAt ?? now });
    this.log.debug({ instance: source.instance.instanceId, node: body.metadata?.name }, 'registered node');
  }
}
