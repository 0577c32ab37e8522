// Pure readings of Node objects: what the agent needs from a node. Which pods a drain evicts is
// drain-policy.ts, shared with the safety checks.
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import { instanceIdOf } from './provider-id.js';
import type { NodeInfo } from './nodes.port.js';

export function toNodeInfo(node: V1Node): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    instanceId: instanceIdOf(node.spec?.providerID),
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: node.spec?.unschedulable === true,
    // Plain copies: NodeInfo travels in events and logs, where client classes only get in the way.
    taints: (node.spec?.taints ?? []).map(plainTaint),
    labels: { ...node.metadata?.labels },
  };
}

/**
 * A Node as the agent keeps it: without the parts it never reads that weigh the most (the
 * images the node has pulled, up to 50 entries of several names each on an EKS node, the
 * managedFields and the node's software versions). Every agent keeps every node, so at 1,000
 * nodes this is most of what the node watch costs in memory.
 */
export function slimNode(node: V1Node): V1Node {
  const { managedFields: _fields, ...metadata } = node.metadata ?? {};
  const { images: _images, nodeInfo: _info, ...status } = node.status ?? {};
  return { ...node, metadata, status };
}

function plainTaint(t: V1Taint): V1Taint {
  const taint: V1Taint = { key: t.key, effect: t.effect };
  if (t.value !== undefined) taint.value = t.value;
  if (t.timeAdded !== undefined) taint.timeAdded = t.timeAdded;
  return taint;
}

export const sameTaint = (a: V1Taint, b: V1Taint): boolean => a.key === b.key && a.effect === b.effect;
