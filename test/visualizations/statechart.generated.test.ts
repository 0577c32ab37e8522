// The live view serves the fallback-event statechart drawn ahead of time (npm run diagrams):
// the committed module equals a fresh render, and it carries the hooks the page highlights.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { FALLBACK_EVENT_STATECHART_SVG } from '../../visualizations/fallback-event-statechart.generated.js';
import { SVG_MODULE_PATH, svgModule } from '../../visualizations/generate.js';
import { statechartGraph } from '../../visualizations/statechart.graph.js';
import { renderStatechart } from '../../visualizations/statechart.svg.js';

const test = suite('generated statechart module');

test('the committed module equals a fresh generation (run npm run diagrams)', async () => {
  assert.fixture(readFileSync(SVG_MODULE_PATH, 'utf8'), await svgModule());
});

test('the exported drawing is, character for character, a fresh render of the machine', async () => {
  assert.ok(FALLBACK_EVENT_STATECHART_SVG === (await renderStatechart(fallbackEventMachine)), 'the drawing is stale: run npm run diagrams');
});

test('the drawing has a data-state group for every state of the machine, for the page to highlight', () => {
  for (const node of statechartGraph(fallbackEventMachine).nodes) {
    assert.ok(FALLBACK_EVENT_STATECHART_SVG.includes(`data-state="${node.id}"`), `state "${node.id}" drawn`);
  }
});

test.run();
