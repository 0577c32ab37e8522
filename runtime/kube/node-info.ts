// Pure readings of Node and Pod objects: what the agent needs from a node, and which pods a
// drain leaves alone. Kept apart from the adapter so the safety checks can use the same rules.
import type { V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { instanceIdOf } from './provider-id.js';
import { OPT_OUT_ANNOTATION, type NodeInfo, type SkipReason } from './nodes.port.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function toNodeInfo(node: V1Node): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    instanceId: instanceIdOf(node.spec?.providerID),
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: node.spec?.unschedulable === true,
    // Plain copies: NodeInfo travels in events and logs, where client classes only get in the way.
    taints: (node.spec?.taints ?? []).map(plainTaint),
    labels: { ...node.metadata?.labels },
  };
}

function plainTaint(t: V1Taint): V1Taint {
  const taint: V1Taint = { key: t.key, effect: t.effect };
  if (t.value !== undefined) taint.value = t.value;
  if (t.timeAdded !== undefined) taint.timeAdded = t.timeAdded;
  return taint;
}

export const sameTaint = (a: V1Taint, b: V1Taint): boolean => a.key === b.key && a.effect === b.effect;

/** `namespace/name`, the way pods are named in drain results and errors. */
export const podRef = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

/** Why a drain leaves this pod alone, or undefined if the drain evicts it. */
export function skipReason(pod: V1Pod): SkipReason | undefined {
  // A DaemonSet tolerates the drain taints and would put the pod straight back.
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller !== false)) return 'DaemonSet';
  // Mirror pods belong to the kubelet's static manifests; the API server cannot evict them.
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return 'Mirror';
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'Finished';
  return undefined;
}

export const isTerminating = (pod: V1Pod): boolean => pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;

export const optsOut = (pod: V1Pod): boolean => pod.metadata?.annotations?.[OPT_OUT_ANNOTATION] === 'true';
