// The checks before a drain (DESIGN.md invariant 6), as a pure function of one snapshot of the
// cluster: no I/O, so every refusal can be shown with a table of fixtures.
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { SafetyCheck } from '../../crds/phases.js';
import { describeRefusals, isFinished, nodeOptOut, planDrain, scaleDownRules, type DrainSettings } from '../kube/drain-policy.js';
import { labelSelectorMatches } from './label-selector.js';
import { placePods, podKey, type Candidate } from './placement.js';
import { add, nodeAllocatable, podRequests, ZERO, type Resources } from './resources.js';
import { describeTaint } from './scheduling.js';

export interface ClusterSnapshot {
  nodes: V1Node[];
  pods: V1Pod[];
  pdbs: V1PodDisruptionBudget[];
  /** For the volumes of the pods that move: where each bound volume can be attached. */
  claims?: V1PersistentVolumeClaim[];
  volumes?: V1PersistentVolume[];
}

export interface SafetyOptions {
  maxUtilizationPercent: number;
  /** taint keys that mark a node as going away */
  leavingTaintKeys: string[];
  /** What the drain may evict beyond kubectl's defaults: the same settings the drain itself gets. */
  drain: DrainSettings;
}

export type SafetyVerdict =
  | { ok: true; utilizationPercent: number; placements: Record<string /*ns/pod*/, string /*node*/>; summary: string }
  | { ok: false; check: Exclude<SafetyCheck, 'error'>; reason: string };

/** The first PDB the drain would break, and how many PDBs cover the node's evictable pods. */
function pdbCheck(pdbs: V1PodDisruptionBudget[], evictable: V1Pod[]): { refusal?: string; covering: number } {
  const coveredBy = new Map<string, string[]>();
  let covering = 0;
  for (const pdb of pdbs) {
    const namespace = pdb.metadata?.namespace ?? 'default';
    const name = `${namespace}/${pdb.metadata?.name ?? '?'}`;
    const covered = evictable.filter((p) => (p.metadata?.namespace ?? 'default') === namespace && labelSelectorMatches(pdb.spec?.selector, p.metadata?.labels));
    if (covered.length === 0) continue;
    for (const pod of covered) coveredBy.set(podKey(pod), [...(coveredBy.get(podKey(pod)) ?? []), name]);
    // The eviction API refuses while the disruption controller has not seen the latest spec.
    const generation = pdb.metadata?.generation;
    const stale = generation !== undefined && (pdb.status?.observedGeneration ?? 0) < generation;
    const allowed = stale ? 0 : (pdb.status?.disruptionsAllowed ?? 0);
    if (covered.length > allowed) {
      return { refusal: `PDB ${name} allows ${allowed} disruptions${stale ? ' (its status is stale)' : ''}, the node has ${covered.length} of its pods`, covering: 0 };
    }
    covering += 1;
  }
  // The eviction API refuses a pod that more than one PDB selects, so the drain would stall on it.
  const multiple = [...coveredBy].find(([, names]) => names.length > 1);
  if (multiple) return { refusal: `pod ${multiple[0]} is covered by more than one PDB (${multiple[1].join(', ')}), which the eviction API refuses`, covering };
  return { covering };
}

const isReady = (node: V1Node): boolean => (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

function exclusion(node: V1Node, leavingTaintKeys: string[]): string | undefined {
  if (!isReady(node)) return 'NotReady';
  if (node.spec?.unschedulable) return 'cordoned';
  const leaving = (node.spec?.taints ?? []).find((t) => leavingTaintKeys.includes(t.key));
  return leaving ? `taint ${describeTaint(leaving)} marks it leaving` : undefined;
}

/** Percent rounded up to a tenth, so a value over the limit never prints as equal to it. */
function percent(used: bigint, allocatable: bigint): number {
  if (allocatable <= 0n) return used > 0n ? Number.POSITIVE_INFINITY : 0;
  return Number((used * 1000n + allocatable - 1n) / allocatable) / 10;
}

export function checkSafety(snapshot: ClusterSnapshot, nodeName: string, options: SafetyOptions): SafetyVerdict {
  const node = snapshot.nodes.find((n) => n.metadata?.name === nodeName);
  if (!node) return { ok: false, check: 'node', reason: `node ${nodeName} not found` };
  // The drain's own rules, so that a go-ahead here is a drain that will not be refused.
  const rules = scaleDownRules(options.drain);
  const optedOut = nodeOptOut(node, rules);
  if (optedOut) return { ok: false, check: 'scaleDownDisabled', reason: optedOut };
  const plan = planDrain(snapshot.pods.filter((p) => p.spec?.nodeName === nodeName), rules);
  if (plan.refused.length > 0) return { ok: false, check: 'drain', reason: `the drain would be refused: ${describeRefusals(plan.refused)}` };
  // Finished pods are removed too, but need no room and no PDB allowance.
  const evictable = plan.moving;

  const pdb = pdbCheck(snapshot.pdbs, evictable);
  if (pdb.refusal) return { ok: false, check: 'pdb', reason: pdb.refusal };

  const usedOn = new Map<string, Resources>();
  for (const pod of snapshot.pods) {
    const bound = pod.spec?.nodeName;
    if (bound && !isFinished(pod)) usedOn.set(bound, add(usedOn.get(bound) ?? ZERO, podRequests(pod)));
  }
  const candidates: Candidate[] = [];
  const excluded: [string, string][] = [];
  for (const node of [...snapshot.nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = node.metadata?.name ?? '';
    if (name === nodeName) continue;
    const why = exclusion(node, options.leavingTaintKeys);
    if (why) excluded.push([name, why]);
    else candidates.push({ node, name, allocatable: nodeAllocatable(node), used: usedOn.get(name) ?? ZERO });
  }
  // The pods that stay where they are, for host ports, pod (anti-)affinity and topology spread;
  // the drained node's pods all leave with it.
  const podsOn = new Map<string, V1Pod[]>();
  for (const pod of snapshot.pods) {
    const bound = pod.spec?.nodeName;
    if (bound && bound !== nodeName && !isFinished(pod)) podsOn.set(bound, [...(podsOn.get(bound) ?? []), pod]);
  }
  const placement = placePods(evictable, candidates, excluded, { nodes: snapshot.nodes, podsOn, claims: snapshot.claims ?? [], volumes: snapshot.volumes ?? [] });
  if (!placement.ok) return { ok: false, check: 'pods', reason: placement.reason };

  if (candidates.length === 0) return { ok: false, check: 'capacity', reason: `no Ready schedulable node would remain after removing ${nodeName}` };
  const allocatable = candidates.reduce((sum, c) => add(sum, c.allocatable), ZERO);
  const used = add(candidates.reduce((sum, c) => add(sum, c.used), ZERO), placement.moved);
  // Exact: used/allocatable <= limit/100, with the limit scaled to allow a fractional setting.
  const limit = BigInt(Math.round(options.maxUtilizationPercent * 1000));
  const over = (['cpu', 'memory'] as const).filter((r) => used[r] * 100_000n > limit * allocatable[r]);
  const shares = { cpu: percent(used.cpu, allocatable.cpu), memory: percent(used.memory, allocatable.memory) };
  const utilizationPercent = Math.max(shares.cpu, shares.memory);
  if (over.length > 0) {
    // Rounding can tie the two shares; the exact comparison decides when only one is over.
    const worst = over.length === 1 ? over[0] : shares.cpu >= shares.memory ? 'cpu' : 'memory';
    const value = shares[worst ?? 'cpu'];
    const shown = Number.isFinite(value) ? `${value}%` : 'unbounded (none allocatable)';
    return { ok: false, check: 'capacity', reason: `utilisation after removal would be ${shown} ${worst}, over the ${options.maxUtilizationPercent}% limit` };
  }

  const moved = Object.keys(placement.placements).length;
  const targets = new Set(Object.values(placement.placements)).size;
  const pods = moved === 0 ? 'no pods to move' : `${moved} ${moved === 1 ? 'pod fits' : 'pods fit'} on ${targets} ${targets === 1 ? 'node' : 'nodes'}`;
  const pdbs = pdb.covering > 0 ? 'PDBs allow' : 'no PDB covers them';
  const summary = `${pods}, ${moved === 0 ? '' : `${pdbs}, `}utilisation after removal ${utilizationPercent}% (limit ${options.maxUtilizationPercent}%)`;
  return { ok: true, utilizationPercent, placements: placement.placements, summary };
}
