// The live view serves the fallback-event statechart and its phase-level chart drawn ahead of
// time (npm run diagrams): the committed module and docs/fallback-event-phases.svg equal a fresh
// render, and the drawings carry the hooks the page highlights.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { PHASES } from '../../crds/phases.js';
import { FALLBACK_EVENT_PHASES_SVG, FALLBACK_EVENT_STATECHART_SVG } from '../../visualizations/fallback-event-statechart.generated.js';
import { PHASES_DIAGRAM_PATH, phasesDiagramFile, SVG_MODULE_PATH, svgModule } from '../../visualizations/generate.js';
import { statechartGraph } from '../../visualizations/statechart.graph.js';
import { renderPhaseChart, renderStatechart } from '../../visualizations/statechart.svg.js';

const test = suite('generated statechart module');

test('the committed module equals a fresh generation (run npm run diagrams)', async () => {
  assert.fixture(readFileSync(SVG_MODULE_PATH, 'utf8'), await svgModule());
});

test('the exported drawing is, character for character, a fresh render of the machine', async () => {
  assert.ok(FALLBACK_EVENT_STATECHART_SVG === (await renderStatechart(fallbackEventMachine)), 'the drawing is stale: run npm run diagrams');
});

test('the phase-level chart, in the module and in docs/, is a fresh render with a data-state group per phase', async () => {
  const fresh = await renderPhaseChart(fallbackEventMachine);
  assert.ok(FALLBACK_EVENT_PHASES_SVG === fresh, 'the phase-level chart is stale: run npm run diagrams');
  assert.fixture(readFileSync(PHASES_DIAGRAM_PATH, 'utf8'), await phasesDiagramFile());
  for (const phase of PHASES) assert.ok(FALLBACK_EVENT_PHASES_SVG.includes(`data-state="${phase}"`), `phase ${phase} drawn`);
  assert.not.match(FALLBACK_EVENT_PHASES_SVG, /data-state="[^"]*\./, 'no sub-state drawn');
});

test('the drawing has a data-state group for every state of the machine, for the page to highlight', () => {
  for (const node of statechartGraph(fallbackEventMachine).nodes) {
    assert.ok(FALLBACK_EVENT_STATECHART_SVG.includes(`data-state="${node.id}"`), `state "${node.id}" drawn`);
  }
});

test.run();
