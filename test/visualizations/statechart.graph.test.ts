// The statechart graph against the machine definitions: every declared state and transition,
// as test/machines/coverage.ts lists them with its own walk of the definition, is in the graph
// and nothing else is. The walks are kept apart on purpose: one shared walker would only be
// compared with itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { and, setup, type AnyStateMachine } from 'xstate';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import { statechartGraph, type StatechartEdge, type StatechartGraph } from '../../visualizations/statechart.graph.js';
import { declared } from '../machines/coverage.js';

const test = suite('statechart graph');

const machines: [string, AnyStateMachine][] = [
  ['fallback-event', fallbackEventMachine],
  ['rebalance-response', rebalanceResponseMachine],
];

/** The XState id of a graph node (the machines give their states no ids of their own). */
const xstateId = (graph: StatechartGraph, path: string) => (path === '' ? graph.id : `${graph.id}.${path}`);

/** An edge in coverage.ts's words: `<source id> <event>[i]`, then ` -> <target ids>` if it has targets (always for `always`). */
function coverageKey(graph: StatechartGraph, e: StatechartEdge): string {
  const targets = e.targets.map((t) => xstateId(graph, t)).join(',');
  const tail = e.eventless || e.targets.length > 0 ? ` -> ${targets}` : '';
  return `${xstateId(graph, e.source)} ${e.eventless ? 'always' : e.event}[${e.index}]${tail}`;
}

for (const [name, machine] of machines) {
  test(`${name}: the graph's states are the declared states`, () => {
    const graph = statechartGraph(machine);
    const expected = [...declared(machine).states.keys()].sort();
    assert.ok(expected.length > 0);
    const drawn = graph.nodes.filter((n) => n.id !== '').map((n) => xstateId(graph, n.id));
    assert.equal(drawn.slice().sort(), expected);
    assert.is(new Set(drawn).size, drawn.length, 'no state twice');
    // Each XState id names a state node whose path is the graph id.
    for (const n of graph.nodes) assert.is(machine.getStateNodeById(xstateId(graph, n.id)).path.join('.'), n.id);
  });

  test(`${name}: the graph's edges are the declared transitions`, () => {
    const graph = statechartGraph(machine);
    const expected = [...declared(machine).transitions.keys()].sort();
    const keys = graph.edges.map((e) => coverageKey(graph, e));
    assert.equal(keys.slice().sort(), expected);
    assert.is(new Set(graph.edges.map((e) => e.id)).size, graph.edges.length, 'edge ids are unique');
    for (const e of graph.edges) assert.not.match(e.id, /\s/, 'edge ids hold no whitespace');
  });

  test(`${name}: every edge and parent points at a node, and children list their parent`, () => {
    const graph = statechartGraph(machine);
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const e of graph.edges) {
      assert.ok(ids.has(e.source), e.id);
      for (const t of e.targets) assert.ok(ids.has(t), `${e.id} -> ${t}`);
    }
    for (const n of graph.nodes) {
      if (n.parent !== undefined) assert.ok(graph.nodes.find((p) => p.id === n.parent)?.children.includes(n.id), n.id);
      const initials = n.children.filter((c) => graph.nodes.find((x) => x.id === c)?.initial);
      assert.is(initials.length, n.children.length > 0 ? 1 : 0, `${n.id || '(root)'} has one initial child`);
    }
  });
}

test('the fallback-event graph knows its phases, steps, final states and route transitions', () => {
  const graph = statechartGraph(fallbackEventMachine);
  const node = (id: string) => graph.nodes.find((n) => n.id === id);
  assert.equal(node('')?.children, ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed', 'Failed']);
  assert.equal(node('ScalingDown')?.children, ['ScalingDown.resume', 'ScalingDown.taint', 'ScalingDown.cordon', 'ScalingDown.drain', 'ScalingDown.waitForReschedule', 'ScalingDown.terminate', 'ScalingDown.rollback']);
  assert.ok(node('Pending')?.initial);
  assert.ok(node('ScalingDown.resume')?.initial);
  assert.equal(graph.nodes.filter((n) => n.final).map((n) => n.id), ['Completed.deleted', 'Failed.deleted']);
  const route = graph.edges.find((e) => e.id === 'fallbackEvent:COMMITTED[0]');
  assert.equal(route && { source: route.source, targets: route.targets, guard: route.guard, reenter: route.reenter, kind: route.kind }, {
    source: '',
    targets: ['Monitoring'],
    guard: 'objectPhaseIs',
    reenter: true,
    kind: 'external',
  });
  const resume = graph.edges.filter((e) => e.source === 'ScalingDown.resume');
  assert.ok(resume.every((e) => e.eventless && e.event === '' && e.guard === 'recordedStepIs'));
  // A rebuilt actor goes to the phase its object records, by a named guard.
  assert.equal(graph.edges.filter((e) => e.source === 'Pending' && e.eventless).map((e) => `${e.guard} -> ${e.targets.join()}`), ['recordedPhaseIs -> Monitoring', 'recordedPhaseIs -> ReadyForScaleDown', 'recordedPhaseIs -> ScalingDown', 'recordedPhaseIs -> Completed', 'recordedPhaseIs -> Failed']);
  // Every status change is named for what it records: no anonymous action, and none called by how it is done.
  const actions = new Set(graph.edges.flatMap((e) => e.actions));
  for (const name of ['inline', 'prepare', 'commit']) assert.not.ok(actions.has(name), `no action ${name}`);
  for (const name of ['claimEvent', 'renewClaim', 'failUntrusted', 'startMonitoring', 'recordHealthSeen', 'recordHealthLost', 'failAsgGone', 'recordSpotRestored', 'recordChecksBlocked', 'startScaleDown', 'completeStep', 'recordStepFailure', 'startRollback', 'completeRollback', 'recordRollbackFailure', 'giveUpRollback']) {
    assert.ok(actions.has(name), `action ${name} is drawn`);
  }
  assert.not.ok(graph.edges.some((e) => e.guard === 'inline'), 'no inline guard');
  for (const step of ['taint', 'terminate']) {
    const running = (event: string) => graph.edges.filter((e) => e.source === `ScalingDown.${step}.running` && e.event === event).map((e) => e.actions.join(', '));
    assert.equal(running('STEP_DONE'), ['completeStep'], step);
    assert.equal(running('STEP_FAILED'), ['recordStepFailure', 'startRollback'], step);
  }
  assert.equal(resume.map((e) => e.targets[0]), ['ScalingDown.taint', 'ScalingDown.cordon', 'ScalingDown.drain', 'ScalingDown.waitForReschedule', 'ScalingDown.terminate', 'ScalingDown.rollback']);
  // No dead end: a step's final failure goes to the rollback, never straight to Failed; only the rollback's commit ends the event.
  for (const step of ['taint', 'cordon', 'drain', 'waitForReschedule', 'terminate']) {
    const failed = graph.edges.filter((e) => e.source === `ScalingDown.${step}.running` && e.event === 'STEP_FAILED');
    assert.equal(failed.map((e) => [e.guard, e.targets]), [['stepRetryable', [`ScalingDown.${step}.committing`]], ['stepIs', [`ScalingDown.${step}.committing`]]], step);
  }
  assert.equal(graph.edges.filter((e) => e.source === 'ScalingDown.rollback.running').map((e) => `${e.event}${e.guard ? ` [${e.guard}]` : ''}`), ['OBSERVED [samePlace]', 'TICK [renewalDue]', 'ROLLBACK_DONE', 'ROLLBACK_FAILED [rollbackRetryable]', 'ROLLBACK_FAILED']);
  // A deleted ASG is judged wherever spot is watched.
  assert.equal(graph.edges.filter((e) => e.guard === 'asgGone').map((e) => e.source), ['Monitoring.idle', 'ReadyForScaleDown.idle', 'ReadyForScaleDown.checking']);
});

test('the rebalance-response graph has its retry self-loops and entry actions', () => {
  const graph = statechartGraph(rebalanceResponseMachine);
  const selfs = graph.edges.filter((e) => e.kind === 'self').map((e) => e.source);
  // The spot scale-up is asked for again too: a throttled call says nothing about spot capacity.
  assert.equal(selfs, ['Responding.ScalingSpot', 'Responding.FallingBack.Withdrawing', 'Responding.FallingBack.ScalingOnDemand', 'Responding.Recording', 'Responding.Protecting', 'Retiring', 'Releasing', 'Draining']);
  assert.ok(graph.edges.filter((e) => e.kind === 'self').every((e) => e.event === 'TICK' && e.reenter && e.guard === 'retryDue'));
  assert.equal(graph.nodes.find((n) => n.id === 'Responding.ScalingSpot')?.entry, ['scaleSpot', 'clearFailure']);
  // A restarted agent takes its node's response up at the recorded step.
  assert.equal(graph.edges.filter((e) => e.event === 'RESUMED').map((e) => e.targets.join()), ['Responding.ScalingSpot', 'Responding.FallingBack.ScalingOnDemand', 'Responding.Recording', 'Responding.Protecting', 'Retiring']);
  // No interruption within the window: the spot replacement keeps its place, or the node serves again.
  assert.equal(graph.edges.filter((e) => e.source === 'Protected' && e.event === 'TICK').map((e) => `${e.guard} -> ${e.targets.join()}`), ['windowPassedSpot -> Retiring', 'windowPassed -> Releasing']);
});

const sample = setup({
  types: { events: {} as { type: 'GO' } | { type: 'POKE' } | { type: 'RETRY' } },
  guards: { ready: () => true, fresh: () => true },
  actions: { note: () => undefined },
}).createMachine({
  id: 'sample',
  initial: 'a',
  states: {
    a: {
      on: {
        GO: [{ guard: { type: 'ready' }, target: 'b' }, { guard: and(['ready', 'fresh']), target: 'b.inner' }],
        POKE: { actions: 'note' },
        RETRY: { target: 'a', reenter: true },
      },
    },
    b: {
      initial: 'inner',
      always: { guard: () => false, target: 'done' },
      states: { inner: {} },
    },
    done: { type: 'final' },
  },
});

test('transition kinds, guards, eventless and reenter on a small machine', () => {
  const graph = statechartGraph(sample);
  const edge = (id: string) => graph.edges.find((e) => e.id === id);
  assert.equal(graph.nodes.map((n) => [n.id, n.type, n.parent]), [
    ['', 'compound', undefined],
    ['a', 'atomic', ''],
    ['b', 'compound', ''],
    ['b.inner', 'atomic', 'b'],
    ['done', 'final', ''],
  ]);
  assert.is(edge('sample.a:GO[0]')?.guard, 'ready');
  assert.is(edge('sample.a:GO[1]')?.guard, 'and(ready, fresh)');
  assert.equal(edge('sample.a:GO[1]')?.targets, ['b.inner']);
  assert.equal(edge('sample.a:POKE[0]') && [edge('sample.a:POKE[0]')?.kind, edge('sample.a:POKE[0]')?.actions], ['targetless', ['note']]);
  assert.equal(edge('sample.a:RETRY[0]') && [edge('sample.a:RETRY[0]')?.kind, edge('sample.a:RETRY[0]')?.reenter], ['self', true]);
  assert.equal(edge('sample.b:always[0]') && [edge('sample.b:always[0]')?.eventless, edge('sample.b:always[0]')?.guard], [true, 'inline']);
});

test.run();
