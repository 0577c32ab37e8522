// The drawn SVG: one group per state and one per arrow, carrying the data attributes a live
// page needs; every transition of the machine drawn exactly once (as an arrow or as a row in
// its state); self-contained and well formed; and the committed docs/*.svg up to date.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyStateMachine } from 'xstate';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import { DIAGRAMS, diagramFile } from '../../visualizations/generate.js';
import { statechartGraph, type StatechartGraph } from '../../visualizations/statechart.graph.js';
import { layoutStatechart, type StatechartLayout } from '../../visualizations/statechart.layout.js';
import { statechartSvg } from '../../visualizations/statechart.svg.js';

const test = suite('statechart svg');

const machines: [string, AnyStateMachine][] = [
  ['fallback-event', fallbackEventMachine],
  ['rebalance-response', rebalanceResponseMachine],
];

interface Element {
  tag: string;
  attrs: Record<string, string>;
}

const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every start tag of the document with its attributes. */
function elements(svg: string): Element[] {
  return [...svg.matchAll(/<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*\/?>/g)].map((m) => ({
    tag: m[1] as string,
    attrs: Object.fromEntries([...(m[2] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1] as string, unescape(a[2] as string)])),
  }));
}

const classes = (e: Element) => (e.attrs.class ?? '').split(/\s+/);
const list = (v: string | undefined) => (v ? v.split(' ') : []);

const drawings = new Map<string, Promise<{ graph: StatechartGraph; layout: StatechartLayout; svg: string }>>();
function drawing(machine: AnyStateMachine) {
  if (!drawings.has(machine.id)) {
    drawings.set(
      machine.id,
      (async () => {
        const graph = statechartGraph(machine);
        const layout = await layoutStatechart(graph);
        return { graph, layout, svg: statechartSvg(layout) };
      })(),
    );
  }
  return drawings.get(machine.id) as Promise<{ graph: StatechartGraph; layout: StatechartLayout; svg: string }>;
}

for (const [name, machine] of machines) {
  test(`${name}: one state group per state, nested as the states are`, async () => {
    const { graph, svg } = await drawing(machine);
    const states = elements(svg).filter((e) => e.tag === 'g' && classes(e).includes('state'));
    assert.equal(states.map((e) => e.attrs['data-state']).sort(), graph.nodes.map((n) => n.id).sort());
    for (const n of graph.nodes) {
      const e = states.find((s) => s.attrs['data-state'] === n.id) as Element;
      assert.is(classes(e).includes('final'), n.final, `${n.id} final`);
      assert.is(classes(e).includes('initial'), n.initial, `${n.id} initial`);
      assert.is(classes(e).includes('compound'), n.children.length > 0, `${n.id} compound`);
    }
    // Nesting: each state group closes after its children's, so a parent's group holds them.
    const opened: string[] = [];
    const stack: (string | null)[] = [];
    for (const m of svg.matchAll(/<g\b([^>]*)>|<\/g>/g)) {
      if (m[0] === '</g>') {
        stack.pop();
        continue;
      }
      const state = /class="state[ "][^>]*data-state="([^"]*)"/.exec(m[0]);
      if (state) {
        const id = unescape(state[1] as string);
        const parent = graph.nodes.find((n) => n.id === id)?.parent;
        const enclosing = [...stack].reverse().find((x) => x !== null);
        assert.is(enclosing ?? undefined, parent, `${id} is drawn inside ${parent}`);
        opened.push(id);
      }
      stack.push(state ? unescape(state[1] as string) : null);
    }
    assert.is(opened.length, graph.nodes.length);
  });

  test(`${name}: one edge group per arrow, between states that are drawn`, async () => {
    const { layout, svg } = await drawing(machine);
    const all = elements(svg);
    const drawnStates = new Set(all.filter((e) => e.tag === 'g' && classes(e).includes('state')).map((e) => e.attrs['data-state']));
    const edges = all.filter((e) => e.tag === 'g' && classes(e).includes('edge'));
    assert.is(edges.length, layout.links.length);
    assert.ok(edges.length > 0);
    for (const e of edges) {
      assert.ok('data-event' in e.attrs, 'data-event');
      assert.ok(drawnStates.has(e.attrs['data-source']), `source ${e.attrs['data-source']}`);
      assert.ok(drawnStates.has(e.attrs['data-target']), `target ${e.attrs['data-target']}`);
      assert.is(classes(e).includes('self'), e.attrs['data-source'] === e.attrs['data-target']);
    }
  });

  test(`${name}: every transition is drawn exactly once, an arrow unless it is targetless`, async () => {
    const { graph, svg } = await drawing(machine);
    const all = elements(svg);
    const arrows = all.filter((e) => e.tag === 'g' && classes(e).includes('edge'));
    const rows = all.filter((e) => e.tag === 'text' && classes(e).includes('row') && 'data-transitions' in e.attrs);
    const seen = new Map<string, string>();
    for (const e of [...arrows, ...rows]) {
      for (const id of list(e.attrs['data-transitions'])) {
        assert.not.ok(seen.has(id), `${id} drawn twice`);
        seen.set(id, e.tag === 'g' ? 'arrow' : 'row');
      }
    }
    assert.equal([...seen.keys()].sort(), graph.edges.map((e) => e.id).sort());
    for (const edge of graph.edges) {
      assert.is(seen.get(edge.id), edge.kind === 'targetless' ? 'row' : 'arrow', edge.id);
      const holder = [...arrows, ...rows].find((e) => list(e.attrs['data-transitions']).includes(edge.id)) as Element;
      if (!edge.eventless) assert.ok(list(holder.attrs['data-event']).includes(edge.event), `${edge.id} in data-event`);
      if (edge.kind !== 'targetless') {
        assert.is(holder.attrs['data-source'], edge.source, edge.id);
        assert.ok(edge.targets.includes(holder.attrs['data-target'] as string), edge.id);
      }
    }
  });

  test(`${name}: the SVG is self-contained and well formed`, async () => {
    const { svg } = await drawing(machine);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.not.match(svg.replace('xmlns="http://www.w3.org/2000/svg"', ''), /https?:|href=|@import|<image|<script|<foreignObject/);
    for (const m of svg.matchAll(/url\(([^)]*)\)/g)) assert.match(m[1] as string, /^#/, 'only references inside the document');
    assert.not.match(svg, /NaN|undefined/);
    // Tags balance (text never holds a raw '<': it is escaped).
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
      const [, close, tag, selfClosing] = m;
      if (selfClosing) continue;
      if (close) assert.is(stack.pop(), tag, `</${tag}> closes what was opened`);
      else stack.push(tag as string);
    }
    assert.equal(stack, []);
    const ids = elements(svg).flatMap((e) => (e.attrs.id ? [e.attrs.id] : []));
    assert.ok(ids.every((id) => id.startsWith(`${machine.id}-`)), 'ids carry the machine id, so two charts can share a page');
  });
}

test('text is escaped', async () => {
  const layout = structuredClone((await drawing(rebalanceResponseMachine)).layout);
  (layout.states[1] as { label: string }).label = '<b>&"x"';
  const svg = statechartSvg(layout);
  assert.ok(svg.includes('&lt;b&gt;&amp;&quot;x&quot;'));
  assert.not.ok(svg.includes('<b>'));
});

test('the committed docs/*.svg equal a fresh drawing (run npm run diagrams)', async () => {
  for (const { path, machine } of DIAGRAMS) assert.fixture(readFileSync(path, 'utf8'), await diagramFile(machine));
});

test.run();
