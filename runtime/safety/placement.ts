// First-fit-decreasing packing of the pods a drain would evict onto the nodes that remain, against
// what is already requested there. Not the scheduler's scoring, only its hard limits (resources,
// scheduling.ts's node rules, pod-rules.ts's pod and volume rules): a pod that fits here has at
// least one node that would take it, given the pods placed before it.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { formatCpu, formatMemory } from './quantity.js';
import { add, podRequests, shortfall, subtract, type Resources } from './resources.js';
import { antiAffinityHolders, podRuleRefusal, type PodWorld } from './pod-rules.js';
import { predicateRefusal } from './scheduling.js';

export interface Candidate {
  node: V1Node;
  name: string;
  allocatable: Resources;
  /** Requests of the non-terminal pods already bound to the node. */
  used: Resources;
}

export type Placement =
  | { ok: true; placements: Record<string, string>; moved: Resources }
  | { ok: false; reason: string };

/** How many refused nodes a message names before it says "and N more". */
const NAMED_NODES = 5;

export const podKey = (pod: V1Pod): string => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`;

function needs(r: Resources): string {
  const parts = [...(r.cpu > 0n ? [`${formatCpu(r.cpu)} cpu`] : []), ...(r.memory > 0n ? [`${formatMemory(r.memory)} memory`] : [])];
  return parts.length > 0 ? parts.join(', ') : 'a pod slot';
}

function free(r: Resources, resource: keyof Resources): string {
  const amount = r[resource] > 0n ? r[resource] : 0n;
  if (resource === 'cpu') return `${formatCpu(amount)} cpu free`;
  if (resource === 'memory') return `${formatMemory(amount)} memory free`;
  return `${amount} pod slots free`;
}

/**
 * Largest first by dominant share: the larger of the pod's cpu and memory as fractions of the
 * remaining cluster's totals, compared exactly by cross-multiplying.
 */
function largestFirst(pods: V1Pod[], total: Resources): { pod: V1Pod; key: string; request: Resources }[] {
  const entries = pods.map((pod) => {
    const request = podRequests(pod);
    const cpuShare = request.cpu * total.memory;
    const memoryShare = request.memory * total.cpu;
    return { pod, key: podKey(pod), request, dominant: cpuShare > memoryShare ? cpuShare : memoryShare };
  });
  const order = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);
  entries.sort((a, b) => order(a.dominant, b.dominant) || order(a.request.cpu, b.request.cpu) || order(a.request.memory, b.request.memory) || a.key.localeCompare(b.key));
  return entries;
}

/** What the pod rules need besides the candidates: every node, the pods that stay, volumes. */
export type Surroundings = Omit<PodWorld, 'podsOn' | 'holders'> & { podsOn: ReadonlyMap<string, V1Pod[]> };

const NOTHING_AROUND: Surroundings = { nodes: [], podsOn: new Map(), claims: [], volumes: [] };

/**
 * Places every pod on the first candidate (in the given order) that accepts it and has room.
 * `excluded` names the other nodes that were not candidates and why, for the refusal message.
 * `around` holds the pods that stay where they are (not the ones being placed), and volumes.
 */
export function placePods(pods: V1Pod[], candidates: Candidate[], excluded: [string, string][], around: Surroundings = NOTHING_AROUND): Placement {
  // Each placed pod joins its node, for the host ports, affinity and spread of the next ones.
  const nodes = around.nodes.length > 0 ? around.nodes : candidates.map((c) => c.node);
  const podsOn = new Map([...around.podsOn].map(([n, list]) => [n, [...list]]));
  const world: PodWorld = { ...around, nodes, podsOn, holders: antiAffinityHolders(nodes, podsOn) };
  const remaining = new Map(candidates.map((c) => [c.name, subtract(c.allocatable, c.used)]));
  const total = candidates.reduce((sum, c) => add(sum, c.allocatable), { cpu: 0n, memory: 0n, pods: 0n });
  const placements: Record<string, string> = {};
  let moved: Resources = { cpu: 0n, memory: 0n, pods: 0n };
  for (const { pod, key, request } of largestFirst(pods, total)) {
    const tooSmall: [string, string][] = [];
    const refusing: [string, string][] = [];
    const target = candidates.find((c) => {
      const refusal = predicateRefusal(pod, c.node) ?? podRuleRefusal(pod, c.node, world);
      if (refusal) {
        refusing.push([c.name, refusal]);
        return false;
      }
      const room = remaining.get(c.name) ?? c.allocatable;
      const short = shortfall(request, room);
      if (short.length > 0) tooSmall.push([c.name, short.map((r) => free(room, r)).join(', ')]);
      return short.length === 0;
    });
    if (!target) {
      // Nodes that only lacked room come first: they are the closest to taking the pod.
      const refused = [...tooSmall, ...refusing, ...excluded];
      const named = refused.slice(0, NAMED_NODES).map(([node, why]) => `${node}: ${why}`);
      if (refused.length > NAMED_NODES) named.push(`and ${refused.length - NAMED_NODES} more`);
      const where = refused.length > 0 ? `no Ready schedulable node has room (${named.join('; ')})` : 'no other node in the cluster';
      return { ok: false, reason: `pod ${key} needs ${needs(request)}; ${where}` };
    }
    remaining.set(target.name, subtract(remaining.get(target.name) ?? target.allocatable, request));
    placements[key] = target.name;
    world.podsOn.set(target.name, [...(world.podsOn.get(target.name) ?? []), pod]);
    world.holders.push(...antiAffinityHolders([target.node], new Map([[target.name, [pod]]])));
    moved = add(moved, request);
  }
  return { ok: true, placements, moved };
}
