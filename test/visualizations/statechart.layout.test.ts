// The layout of both machines and of the fallback-event phase-level chart, both ways round:
// deterministic, nothing drawn on top of a sibling or outside its parent, labels clear of
// states, and arrows that start and end on the states they connect.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import { statechartGraph, type StatechartGraph } from '../../visualizations/statechart.graph.js';
import { rowsHeight } from '../../visualizations/statechart.labels.js';
import { phaseGraph } from '../../visualizations/statechart.phases.js';
import { layoutStatechart, TITLE_HEIGHT, type Box, type Direction, type Point, type StatechartLayout } from '../../visualizations/statechart.layout.js';

const test = suite('statechart layout');

/** Each chart as a function giving a fresh graph. */
const charts: [string, () => StatechartGraph][] = [
  ['fallback-event', () => statechartGraph(fallbackEventMachine)],
  ['rebalance-response', () => statechartGraph(rebalanceResponseMachine)],
  ['fallback-event phases', () => phaseGraph(statechartGraph(fallbackEventMachine))],
];
const directions: Direction[] = ['RIGHT', 'DOWN'];

const cache = new Map<string, Promise<StatechartLayout>>();
function layout(chart: () => StatechartGraph, direction: Direction): Promise<StatechartLayout> {
  const key = `${chart().id} ${direction}`;
  if (!cache.has(key)) cache.set(key, layoutStatechart(chart(), { direction }));
  return cache.get(key) as Promise<StatechartLayout>;
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, outer: Box) => a.x >= outer.x && a.y >= outer.y && a.x + a.width <= outer.x + outer.width && a.y + a.height <= outer.y + outer.height;
const TOLERANCE = 1.5;
function onBorder(p: Point, b: Box): boolean {
  const within = p.x >= b.x - TOLERANCE && p.x <= b.x + b.width + TOLERANCE && p.y >= b.y - TOLERANCE && p.y <= b.y + b.height + TOLERANCE;
  const near = (v: number, edge: number) => Math.abs(v - edge) <= TOLERANCE;
  return within && (near(p.x, b.x) || near(p.x, b.x + b.width) || near(p.y, b.y) || near(p.y, b.y + b.height));
}
const describe = (b: Box & { id?: string }) => `${b.id ?? ''} (${b.x},${b.y} ${b.width}x${b.height})`;

test("deterministic, and 'AUTO' keeps the direction closer to square", async () => {
  for (const [name, chart] of charts) {
    // A fresh graph and a fresh layout (both directions, under AUTO) equal the earlier one.
    const auto = await layoutStatechart(chart());
    assert.equal(auto, await layout(chart, auto.direction));
    const other = await layout(chart, auto.direction === 'RIGHT' ? 'DOWN' : 'RIGHT');
    const elongation = (l: StatechartLayout) => Math.max(l.width / l.height, l.height / l.width);
    assert.ok(elongation(auto) <= elongation(other), `${name}: ${auto.direction}`);
  }
});

for (const [name, chart] of charts) {
  for (const direction of directions) {
    test(`${name} ${direction}: every state has a box, inside its parent, clear of its siblings`, async () => {
      const l = await layout(chart, direction);
      const graph = chart();
      assert.equal(l.states.map((s) => s.id), graph.nodes.map((n) => n.id));
      const byId = new Map(l.states.map((s) => [s.id, s]));
      for (const s of l.states) {
        assert.ok(s.width > 0 && s.height > 0, describe(s));
        const parent = s.parent === undefined ? undefined : byId.get(s.parent);
        if (parent) assert.ok(inside(s, parent), `${describe(s)} inside ${describe(parent)}`);
        assert.ok(inside(s, { x: 0, y: 0, width: l.width, height: l.height }), describe(s));
      }
      for (const a of l.states) {
        for (const b of l.states) {
          if (a.id < b.id && a.parent === b.parent) assert.not.ok(overlap(a, b), `${describe(a)} overlaps ${describe(b)}`);
        }
      }
    });

    test(`${name} ${direction}: initial dots sit inside their state, clear of its children`, async () => {
      const l = await layout(chart, direction);
      const byId = new Map(l.states.map((s) => [s.id, s]));
      assert.is(l.initials.length, l.states.filter((s) => s.compound).length);
      for (const i of l.initials) {
        const dot = { x: i.dot.x - i.dot.r, y: i.dot.y - i.dot.r, width: 2 * i.dot.r, height: 2 * i.dot.r };
        const parent = byId.get(i.parent) as Box;
        assert.ok(inside(dot, parent), i.parent);
        for (const child of l.states.filter((s) => s.parent === i.parent)) assert.not.ok(overlap(dot, child), `${i.parent} dot on ${child.id}`);
        assert.ok(byId.get(i.target)?.initial, `${i.target} is an initial state`);
        assert.ok(onBorder(i.points.at(-1) as Point, byId.get(i.target) as Box), `initial arrow of ${i.parent || '(root)'} ends on ${i.target}`);
      }
    });

    test(`${name} ${direction}: arrows run from their source's border to their target's`, async () => {
      const l = await layout(chart, direction);
      const byId = new Map(l.states.map((s) => [s.id, s]));
      for (const link of l.links) {
        assert.ok(link.points.length >= 2, link.id);
        assert.ok(onBorder(link.points[0] as Point, byId.get(link.source) as Box), `${link.source} -> ${link.target} starts on ${link.source}`);
        assert.ok(onBorder(link.points.at(-1) as Point, byId.get(link.target) as Box), `${link.source} -> ${link.target} ends on ${link.target}`);
      }
    });

    test(`${name} ${direction}: labels do not cover a state, a state's title or each other`, async () => {
      const l = await layout(chart, direction);
      const labels = l.links.flatMap((link) => (link.label ? [{ ...link.label, id: `${link.source} -> ${link.target}` }] : []));
      assert.is(labels.length, l.links.length, 'every arrow has a label');
      for (const label of labels) {
        for (const s of l.states) {
          // A compound state's header holds its title and rows; the rest of it holds children.
          const covered = s.compound ? { ...s, height: TITLE_HEIGHT + rowsHeight(s.rows) } : s;
          assert.not.ok(overlap(label, covered), `label ${describe(label)} covers ${describe(s)}`);
        }
        for (const other of labels) if (label !== other) assert.not.ok(overlap(label, other), `${label.id} / ${other.id}`);
      }
    });
  }
}

test.run();
