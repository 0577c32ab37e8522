// Small builders for the objects the safety checks read, shaped as the API server returns them,
// so that a table row reads like the cluster it describes.
import type { V1Affinity, V1Container, V1Node, V1Pod, V1PodDisruptionBudget, V1Taint, V1Toleration, V1LabelSelector, V1NodeSelectorTerm } from '@kubernetes/client-node';

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  ready?: boolean;
  unschedulable?: boolean;
}

export function node(name: string, o: NodeSpec = {}): V1Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110' },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export interface PodSpec {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  initContainers?: V1Container[];
  overhead?: Record<string, string>;
  daemonSet?: boolean;
  /** No controller at all, as a pod created by hand (kubectl drain wants --force for it). */
  bare?: boolean;
  /** An emptyDir volume (kubectl drain wants --delete-emptydir-data for it). */
  emptyDir?: boolean;
  phase?: string;
  terminating?: boolean;
}

/** The ReplicaSet every pod belongs to unless it is a DaemonSet's or bare, as most pods do. */
export const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d4f8', uid: '0f5b9c3e-0000-4000-8000-00000000a001', controller: true };
const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: '0f5b9c3e-0000-4000-8000-00000000d001', controller: true };

export function pod(name: string, nodeName: string | undefined, o: PodSpec = {}): V1Pod {
  const requests: Record<string, string> = { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) };
  return {
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      labels: o.labels ?? { app: name },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.bare ? {} : { ownerReferences: [o.daemonSet ? DAEMON_SET : REPLICA_SET] }),
      ...(o.terminating ? { deletionTimestamp: new Date('2025-01-15T10:00:00Z') } : {}),
    },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'main', image: 'nginx', resources: { requests } }],
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.overhead ? { overhead: o.overhead } : {}),
      ...(o.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
    status: { phase: o.phase ?? 'Running' },
  };
}

export function pdb(name: string, selector: V1LabelSelector | undefined, disruptionsAllowed: number | undefined, namespace = 'default'): V1PodDisruptionBudget {
  return {
    metadata: { name, namespace },
    spec: { ...(selector ? { selector } : {}), minAvailable: 1 },
    ...(disruptionsAllowed === undefined ? {} : { status: { disruptionsAllowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } }),
  };
}

/** Required node affinity with the given terms (ORed). */
export const requiredAffinity = (...nodeSelectorTerms: V1NodeSelectorTerm[]): V1Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } },
});
