// The phase-level chart: the fallback-event machine's six phases, one arrow per way from one
// phase to another, and those arrows are the phase changes the machine really makes: every
// change its own commits bring about in the model (test/machines/fallback-event.model.ts) is
// drawn, and every drawn arrow happens.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PHASES, SCALE_DOWN_STEPS } from '../../crds/phases.js';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import type { FallbackEventInput } from '../../machines/fallback-event.types.js';
import { statechartGraph, type StatechartEdge } from '../../visualizations/statechart.graph.js';
import { linkRows } from '../../visualizations/statechart.labels.js';
import { phaseGraph } from '../../visualizations/statechart.phases.js';
import { fallbackEventModel, phaseStatus, type Snapshot } from '../machines/fallback-event.model.js';
import { agentB, config, iso, seedEvent, T0 } from '../machines/fixtures.js';

const test = suite('phase-level chart');
const graph = phaseGraph(statechartGraph(fallbackEventMachine));

/** The arrows as `from -> to: label rows`. */
function arrows(edges: readonly StatechartEdge[]): Map<string, string[]> {
  const byPair = new Map<string, StatechartEdge[]>();
  for (const e of edges) for (const t of e.targets) byPair.set(`${e.source} -> ${t}`, [...(byPair.get(`${e.source} -> ${t}`) ?? []), e]);
  return new Map([...byPair].map(([pair, list]) => [pair, linkRows(list).map((r) => r.text)]));
}

test('one atomic state per phase inside the machine; Pending first, Completed and Failed final', () => {
  assert.equal(graph.nodes.map((n) => n.id), ['', ...PHASES]);
  for (const n of graph.nodes.slice(1)) {
    assert.is(n.parent, '');
    assert.equal(n.children, [], `${n.id} has no sub-states`);
    assert.is(n.initial, n.id === 'Pending', `${n.id} initial`);
    assert.is(n.final, n.id === 'Completed' || n.id === 'Failed', `${n.id} final`);
  }
});

test('the arrows and their labels: event and guard in words, each once', () => {
  assert.equal(Object.fromEntries(arrows(graph.edges)), {
    'Pending -> Failed': ['TICK [untrusted]'],
    'Pending -> Monitoring': ['TICK [minimum wait elapsed]'],
    'Monitoring -> Failed': ['TICK [untrusted]', 'SPOT_OBSERVED [asg gone]'],
    'Monitoring -> ReadyForScaleDown': ['TICK [stable long enough]'],
    'ReadyForScaleDown -> Failed': ['TICK [untrusted]', 'SPOT_OBSERVED [asg gone]', 'CHECKS_DONE [checks untrusted]'],
    'ReadyForScaleDown -> Monitoring': ['SPOT_OBSERVED [observed unhealthy]'],
    'ReadyForScaleDown -> ScalingDown': ['CHECKS_DONE [checks passed]'],
    'ScalingDown -> Completed': ['STEP_DONE [step is]'],
    'ScalingDown -> Failed': ['ROLLBACK_DONE | ROLLBACK_FAILED'],
  });
});

test('every phase change the machine commits is an arrow, and every arrow is one it commits', () => {
  const inputs: FallbackEventInput[] = PHASES.filter((p) => p !== 'ScalingDown').map((p) => ({ object: seedEvent(phaseStatus(p, T0)), agent: agentB, config, now: T0 }));
  const lastStep = Object.fromEntries(SCALE_DOWN_STEPS.slice(0, -1).map((s) => [s, { completedAt: iso(T0) }]));
  inputs.push({ object: seedEvent({ ...phaseStatus('ScalingDown', T0), scaleDown: { startedAt: iso(T0), ...lastStep } }), agent: agentB, config, now: T0 });
  // An event naming an ASG pair this agent is not configured with is not trusted.
  inputs.push({ object: seedEvent(), agent: agentB, config: { ...config, asgPairs: [{ spot: 'other-spot-asg', onDemand: 'other-od-asg' }] }, now: T0 });
  type Adjacency = Record<string, { state: Snapshot; transitions: Record<string, { event: { type: string }; state: Snapshot }> }>;
  const phase = (s: Snapshot) => (typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]);
  const committed = new Set<string>();
  for (const input of inputs) {
    const adjacency = fallbackEventModel(input).getAdjacencyMap() as unknown as Adjacency;
    for (const { state, transitions } of Object.values(adjacency)) {
      for (const t of Object.values(transitions)) {
        if (t.event.type === 'COMMITTED' && phase(state) !== phase(t.state)) committed.add(`${phase(state)} -> ${phase(t.state)}`);
      }
    }
  }
  assert.equal([...committed].sort(), [...arrows(graph.edges).keys()].sort());
});

test.run();
