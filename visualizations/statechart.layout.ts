// Lays a statechart graph out with ELK's layered algorithm (elkjs, the bundled build: it runs
// in Node and in a page without a web worker). Compound states contain their children and
// edges may cross levels (hierarchyHandling INCLUDE_CHILDREN); every coordinate comes back
// absolute. ELK is deterministic for the same input (fixed random seed), and the input is
// built in definition order, so the same machine always gives the same drawing.
import elkjs from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode, LayoutOptions as ElkOptions } from 'elkjs/lib/elk-api.js';
import { ROOT, type StatechartEdge, type StatechartGraph, type StatechartNode } from './statechart.graph.js';
import { TITLE_SIZE, linkRows, rowsHeight, rowsWidth, stateRows, textWidth, type TextRow } from './statechart.labels.js';

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutState extends Box {
  id: string;
  label: string;
  parent: string | undefined;
  depth: number;
  compound: boolean;
  initial: boolean;
  final: boolean;
  /** Entry/exit actions and targetless transitions, drawn under the title. */
  rows: TextRow[];
}

/** An arrow: every drawn transition from one state to one target. */
export interface LaidOutLink {
  id: string;
  source: string;
  target: string;
  kind: 'external' | 'self';
  /** Every transition in it is eventless (`always`). */
  eventless: boolean;
  events: string[];
  transitions: string[];
  /** One line per transition with its guard, actions and reenter flag, for a tooltip. */
  detail: string[];
  points: Point[];
  label: (Box & { rows: TextRow[] }) | undefined;
}

/** The black dot and arrow marking the child a compound state enters first. */
export interface LaidOutInitial {
  parent: string;
  target: string;
  dot: Point & { r: number };
  points: Point[];
}

export interface StatechartLayout {
  machine: string;
  direction: Direction;
  width: number;
  height: number;
  /** Parents before their children. */
  states: LaidOutState[];
  links: LaidOutLink[];
  initials: LaidOutInitial[];
}

export type Direction = 'RIGHT' | 'DOWN';

export interface LayoutOptions {
  direction?: Direction | 'AUTO';
}

export const TITLE_HEIGHT = 22;
export const PAD = 10;
const DOT = 12;
const MIN_WIDTH = 72;

// The bundled build is CommonJS; its typings declare the constructor as `default`, which it
// also sets at run time, so `.default` is right for the types and for Node.
const elk = new elkjs.default();

/**
 * Where every state, arrow and label of `graph` goes. With direction 'AUTO' (the default) it
 * lays the graph out both ways and keeps the one closer to square: a long chain of states
 * reads better top-down, a machine of parallel phases left to right.
 */
export async function layoutStatechart(graph: StatechartGraph, options: LayoutOptions = {}): Promise<StatechartLayout> {
  const direction = options.direction ?? 'AUTO';
  if (direction !== 'AUTO') return layoutIn(graph, direction);
  const [right, down] = await Promise.all([layoutIn(graph, 'RIGHT'), layoutIn(graph, 'DOWN')]);
  return elongation(down) < elongation(right) ? down : right;
}

function elongation(l: StatechartLayout): number {
  return Math.max(l.width / l.height, l.height / l.width);
}

async function layoutIn(graph: StatechartGraph, direction: Direction): Promise<StatechartLayout> {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const initialChild = (n: StatechartNode) => n.children.find((c) => nodes.get(c)?.initial);
  const rows = new Map(graph.nodes.map((n) => [n.id, stateRows(n, graph.edges.filter((e) => e.source === n.id && e.kind === 'targetless'))]));
  const links = linksOf(graph.edges);

  const common: ElkOptions = {
    'elk.spacing.nodeNode': '28',
    'elk.layered.spacing.nodeNodeBetweenLayers': '36',
    'elk.spacing.edgeNode': '14',
    'elk.spacing.edgeEdge': '10',
    'elk.layered.spacing.edgeNodeBetweenLayers': '14',
    'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
    'elk.spacing.edgeLabel': '3',
    'elk.spacing.labelLabel': '4',
    // Definition order decides which arrow of a cycle runs backwards (depth first from the
    // initial state) and the order of siblings in one layer (taint, cordon, drain...). ELK's
    // model-order options fail with INCLUDE_CHILDREN, so every node states its order as a
    // position, which semi-interactive crossing minimisation keeps. With INCLUDE_CHILDREN these
    // are read from each compound node, not from the top.
    'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
    'elk.layered.crossingMinimization.semiInteractive': 'true',
  };
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const position = (id: string): ElkOptions => {
    const i = order.get(id) ?? 0;
    return { 'elk.position': `(${i},${i})` };
  };
  const toElk = (node: StatechartNode): ElkNode => {
    const own = rows.get(node.id) ?? [];
    const title = textWidth(node.label, TITLE_SIZE);
    const header = TITLE_HEIGHT + rowsHeight(own);
    const width = Math.max(MIN_WIDTH, title, rowsWidth(own)) + 2 * PAD;
    if (node.children.length === 0) return { id: stateId(node.id), width, height: header + PAD, layoutOptions: { ...common, ...position(node.id) } };
    return {
      id: stateId(node.id),
      layoutOptions: {
        ...common,
        ...position(node.id),
        'elk.padding': `[top=${header + PAD},left=${PAD + 4},bottom=${PAD + 4},right=${PAD + 4}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${width},${header + PAD})`,
      },
      children: [
        ...(initialChild(node) !== undefined ? [{ id: initialId(node.id), width: DOT, height: DOT, layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST', 'elk.position': '(-1,-1)' } }] : []),
        ...node.children.map((c) => toElk(nodes.get(c) as StatechartNode)),
      ],
    };
  };

  const rootNode = nodes.get(ROOT) as StatechartNode;
  const edges: ElkExtendedEdge[] = [
    ...graph.nodes.flatMap((n) => {
      const initial = initialChild(n);
      return initial === undefined ? [] : [{ id: `init:${n.id}`, sources: [initialId(n.id)], targets: [stateId(initial)] }];
    }),
    ...links.map((l, i) => ({
      id: `link:${i}`,
      sources: [stateId(l.source)],
      targets: [stateId(l.target)],
      labels: [{ id: `label:${i}`, text: l.rows.map((r) => r.text).join('\n'), width: rowsWidth(l.rows) + 6, height: rowsHeight(l.rows) + 2 }],
    })),
  ];
  const input: ElkNode = {
    id: 'graph',
    layoutOptions: {
      ...common,
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.randomSeed': '1',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
    },
    children: [toElk(rootNode)],
    edges,
  };

  const out = await elk.layout(input);
  return collect(graph, out, rows, links, direction, initialChild);
}

interface Link {
  source: string;
  target: string;
  edges: StatechartEdge[];
  rows: TextRow[];
}

/** Drawn transitions grouped by (source, target), in definition order. */
function linksOf(edges: readonly StatechartEdge[]): Link[] {
  const links = new Map<string, Link>();
  for (const e of edges) {
    if (e.kind === 'targetless') continue;
    for (const target of e.targets) {
      const key = `${e.source}\n${target}`;
      const link = links.get(key) ?? { source: e.source, target, edges: [], rows: [] };
      link.edges.push(e);
      links.set(key, link);
    }
  }
  return [...links.values()].map((l) => ({ ...l, rows: linkRows(l.edges) }));
}

function collect(
  graph: StatechartGraph,
  out: ElkNode,
  rows: Map<string, TextRow[]>,
  links: Link[],
  direction: Direction,
  initialChild: (n: StatechartNode) => string | undefined,
): StatechartLayout {
  const boxes = new Map<string, Box>();
  const walk = (n: ElkNode): void => {
    boxes.set(n.id, { x: round(n.x ?? 0), y: round(n.y ?? 0), width: round(n.width ?? 0), height: round(n.height ?? 0) });
    (n.children ?? []).forEach(walk);
  };
  walk(out);
  const elkEdges = new Map((out.edges ?? []).map((e) => [e.id, e]));
  const parents = new Map(graph.nodes.map((n) => [n.id, n.parent]));
  const depth = (id: string | undefined): number => (id === undefined ? -1 : 1 + depth(parents.get(id)));

  const states: LaidOutState[] = graph.nodes.map((n) => ({
    ...(boxes.get(stateId(n.id)) as Box),
    id: n.id,
    label: n.label,
    parent: n.parent,
    depth: depth(n.id),
    compound: n.children.length > 0,
    initial: n.initial,
    final: n.final,
    rows: rows.get(n.id) ?? [],
  }));

  const laidLinks: LaidOutLink[] = links.map((l, i) => {
    const e = elkEdges.get(`link:${i}`) as ElkExtendedEdge;
    const label = e.labels?.[0];
    return {
      id: `link:${i}`,
      source: l.source,
      target: l.target,
      kind: l.source === l.target ? 'self' : 'external',
      eventless: l.edges.every((x) => x.eventless),
      events: [...new Set(l.edges.map((x) => x.event))],
      transitions: l.edges.map((x) => x.id),
      detail: l.edges.map((x) => `${x.id}${x.guard ? ` [${x.guard}]` : ''}${x.actions.length ? ` / ${x.actions.join(', ')}` : ''}${x.reenter ? ' (reenter)' : ''}`),
      points: pointsOf(e),
      label: label ? { x: round(label.x ?? 0), y: round(label.y ?? 0), width: round(label.width ?? 0), height: round(label.height ?? 0), rows: l.rows } : undefined,
    };
  });

  const initials: LaidOutInitial[] = graph.nodes.flatMap((n) => {
    const target = initialChild(n);
    const e = elkEdges.get(`init:${n.id}`);
    const dot = boxes.get(initialId(n.id));
    if (target === undefined || !e || !dot) return [];
    return [{ parent: n.id, target, dot: { x: dot.x + dot.width / 2, y: dot.y + dot.height / 2, r: dot.width / 2 }, points: pointsOf(e) }];
  });

  return { machine: graph.id, direction, width: round(out.width ?? 0), height: round(out.height ?? 0), states, links: laidLinks, initials };
}

function pointsOf(e: ElkExtendedEdge): Point[] {
  return (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]).map((p) => ({ x: round(p.x), y: round(p.y) }));
}

const stateId = (id: string) => `state:${id}`;
const initialId = (id: string) => `initial:${id}`;
const round = (n: number) => Math.round(n * 10) / 10;
