// A statechart collapsed to its top-level states (the fallback-event machine's CRD phases), for
// the chart a person reads first: one box per phase, one arrow per way of going from one phase
// to another. The sub-states (idle, committing, the scale-down steps) stay in the full chart.
import { ROOT, type StatechartEdge, type StatechartGraph, type StatechartNode } from './statechart.graph.js';

/**
 * The phase-level graph of `graph`. A transition declared inside a phase is drawn from that
 * phase when it ends in another one: its target, or the state its `leadsTo` names (a commit
 * whose result then moves the actor). Left out: what stays inside a phase (sub-state moves,
 * self-loops, targetless bookkeeping), the root's transitions and eventless ones, which follow
 * the phase an object records rather than decide it (see `PHASES_NOTE`).
 */
export function phaseGraph(graph: StatechartGraph): StatechartGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const root = byId.get(ROOT) as StatechartNode;
  const phaseOf = (id: string): string | undefined => {
    let node = byId.get(id);
    while (node?.parent !== undefined && node.parent !== ROOT) node = byId.get(node.parent);
    return node?.parent === ROOT ? node.id : undefined;
  };
  const hasFinal = (node: StatechartNode): boolean => node.final || node.children.some((c) => hasFinal(byId.get(c) as StatechartNode));

  const phases: StatechartNode[] = root.children.map((id) => {
    const node = byId.get(id) as StatechartNode;
    return { ...node, type: 'atomic', children: [], final: hasFinal(node) };
  });
  const edges: StatechartEdge[] = graph.edges.flatMap((e) => {
    const from = phaseOf(e.source);
    if (from === undefined || e.eventless) return [];
    const to = [...new Set((e.leadsTo !== undefined ? [e.leadsTo] : e.targets).map(phaseOf))].filter((p): p is string => p !== undefined && p !== from);
    return to.length ? [{ ...e, source: from, targets: to, kind: 'external' as const, reenter: false }] : [];
  });
  return {
    id: `${graph.id}-phases`,
    nodes: [{ ...root, label: `${root.label}: phases`, entry: [], exit: [] }, ...phases],
    edges,
  };
}

/** What the phase-level chart shows and leaves out, said under it. */
export const PHASES_NOTE = [
  'arrows: the transitions whose commit moves the event to another phase;',
  'in any phase, an observed object moves it to the phase that object records.',
  'The sub-states (idle, committing, the scale-down steps) are in the full chart.',
];
