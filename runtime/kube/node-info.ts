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

function plainTaint(t: V1Taint): V1Taint {
  const taint: V1Taint = { key: t.key, effect: t.effect };
  if (t.value !== undefined) taint.value = t.value;
  if (t.timeAdded !== undefined) taint.timeAdded = t.timeAdded;
  return taint;
}

export const sameTaint = (a: V1Taint, b: V1Taint): boolean => a.key === b.key && a.effect === b.effect;
