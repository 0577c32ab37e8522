// A statechart as a plain graph, read from an XState v5 machine definition (never drawn by
// hand): one node per state node, one edge per declared transition. The layout and the SVG
// are built from this graph; a snapshot's state value names nodes by the same dotted paths.
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** A state node. `id` is its path from the root joined by dots (`ScalingDown.drain`); the root's is ''. */
export interface StatechartNode {
  id: string;
  /** Its key in the parent (the machine id for the root). */
  key: string;
  label: string;
  /** The parent's id; undefined only for the root. */
  parent: string | undefined;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Children's ids in definition order. */
  children: string[];
  /** The parent enters this child first. */
  initial: boolean;
  final: boolean;
  /** Actions run on entering and on leaving the state. */
  entry: string[];
  exit: string[];
}

/**
 * How a transition is drawn: `external` as an arrow to its target(s), `self` as a loop back
 * to its own state, `targetless` (actions only, or nothing at all) not as an arrow but as a row
 * inside its state (UML's internal transitions), since it never leaves the state.
 */
export type TransitionKind = 'external' | 'self' | 'targetless';

/** One declared transition: one candidate of `on[event]` or of `always`, in priority order. */
export interface StatechartEdge {
  /**
   * Unique and free of whitespace (so lists of ids fit in one attribute): the source's XState
   * id, the event (`always` for eventless) and the candidate's index: `fallbackEvent.Pending.idle:TICK[2]`.
   */
  id: string;
  source: string;
  /** Target state ids; empty for a targetless transition. */
  targets: string[];
  /** The event type; '' for an eventless (`always`) transition. */
  event: string;
  eventless: boolean;
  /** Position among the candidates for the same event of the same state: the first whose guard passes is taken. */
  index: number;
  /** The guard's name (its `type`); 'inline' for an anonymous function; `and(a, b)` for combinators. */
  guard: string | undefined;
  actions: string[];
  reenter: boolean;
  kind: TransitionKind;
  /**
   * The state (its id) this transition leads to in the end, when it gets there by way of
   * something else, such as a commit whose result comes back as an event: the machine says so
   * in the transition's `meta.leadsTo`. The phase-level chart draws these.
   */
  leadsTo?: string;
}

export interface StatechartGraph {
  /** The machine id. */
  id: string;
  /** Every state node, the root ('') first, then depth-first in definition order. */
  nodes: StatechartNode[];
  edges: StatechartEdge[];
}

export const ROOT = '';
const INLINE = 'inline';

/** The graph of `machine`'s definition. */
export function statechartGraph(machine: AnyStateMachine): StatechartGraph {
  const nodes: StatechartNode[] = [];
  const edges: StatechartEdge[] = [];
  const seen = new Set<string>();
  const visit = (node: AnyStateNode): void => {
    const id = pathOf(node);
    const children = Object.values(node.states);
    const initialTargets = node.parent?.initial?.target ?? [];
    nodes.push({
      id,
      key: node.parent ? node.key : machine.id,
      label: node.parent ? node.key : machine.id,
      parent: node.parent ? pathOf(node.parent) : undefined,
      type: node.type,
      children: children.map(pathOf),
      initial: initialTargets.includes(node),
      final: node.type === 'final',
      entry: node.entry.map(actionName),
      exit: node.exit.map(actionName),
    });
    const add = (event: string, list: readonly Transition[]): void => {
      list.forEach((t, index) => {
        const edge = toEdge(node, event, index, t);
        if (seen.has(edge.id)) throw new Error(`two transitions share the id ${edge.id}`);
        seen.add(edge.id);
        edges.push(edge);
      });
    };
    for (const [event, list] of node.transitions) add(event, list);
    add('', node.always ?? []);
    children.forEach(visit);
  };
  visit(machine.root);
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (e.leadsTo !== undefined && !ids.has(e.leadsTo)) throw new Error(`${e.id} leads to ${e.leadsTo}, which is no state`);
  return { id: machine.id, nodes, edges };
}

type Transition = NonNullable<AnyStateNode['always']>[number];

function toEdge(node: AnyStateNode, event: string, index: number, t: Transition): StatechartEdge {
  const source = pathOf(node);
  const targets = (t.target ?? []).map(pathOf);
  const eventless = event === '';
  return {
    id: `${node.id}:${eventless ? 'always' : event}[${index}]`,
    source,
    targets,
    event,
    eventless,
    index,
    guard: t.guard === undefined ? undefined : guardName(t.guard),
    actions: t.actions.map(actionName),
    reenter: t.reenter,
    kind: targets.length === 0 ? 'targetless' : targets.every((x) => x === source) ? 'self' : 'external',
    ...leadsTo(t),
  };
}

function leadsTo(t: Transition): { leadsTo?: string } {
  const meta: unknown = (t as { meta?: unknown }).meta;
  return meta && typeof meta === 'object' && 'leadsTo' in meta && typeof meta.leadsTo === 'string' ? { leadsTo: meta.leadsTo } : {};
}

function pathOf(node: AnyStateNode): string {
  return node.path.join('.');
}

function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const nested = (guard as { guards?: unknown[] }).guards;
    if (Array.isArray(nested)) return `${guard.name}(${nested.map(guardName).join(', ')})`;
    // An arrow function written inline as `guard: (...) => ...` takes the property's name.
    return guard.name && guard.name !== 'guard' ? guard.name : INLINE;
  }
  if (guard && typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return INLINE;
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (action && (typeof action === 'object' || typeof action === 'function') && 'type' in action && typeof action.type === 'string') return action.type;
  if (typeof action === 'function' && action.name && action.name !== 'actions') return action.name;
  return INLINE;
}
