// Model-based tests of the fallback-event machine: shortest and simple paths from every
// phase an actor can be (re)built in, replayed through real actors, with coverage of every
// declared state and transition computed from the machine definition.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { SCALE_DOWN_STEPS, PHASES } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { fallbackEventMachine, placeOf } from '../../machines/fallback-event.machine.js';
import type { FallbackEventEvent, FallbackEventInput } from '../../machines/fallback-event.types.js';
import { declared, measure, missed } from './coverage.js';
import { abstractState, fallbackEventModel, phaseStatus, storyModel, type Snapshot } from './fallback-event.model.js';
import { agentB, config, iso, seedEvent, T0 } from './fixtures.js';
import { edgePaths, shortestPaths, type Path as PathOf } from './paths.js';

const test = suite('fallback-event model');

/** An event in every phase, in ScalingDown at every step, and rolling back after a final failure. */
function initialObjects(): SpotGuardFallbackEvent[] {
  const objects = PHASES.filter((p) => p !== 'ScalingDown').map((p) => seedEvent(phaseStatus(p, T0)));
  SCALE_DOWN_STEPS.forEach((_, i) => {
    const done = Object.fromEntries(SCALE_DOWN_STEPS.slice(0, i).map((s) => [s, { completedAt: iso(T0) }]));
    objects.push(seedEvent({ ...phaseStatus('ScalingDown', T0), scaleDown: { startedAt: iso(T0), ...done } }));
  });
  const tainted = { taint: { completedAt: iso(T0) }, cordon: { completedAt: iso(T0) } };
  objects.push(seedEvent({ ...phaseStatus('ScalingDown', T0), scaleDown: { startedAt: iso(T0), ...tainted, rollback: { reason: 'instance moved to another ASG', requestedAt: iso(T0) } } }));
  return objects;
}

const inputs: FallbackEventInput[] = initialObjects().map((object) => ({ object, agent: agentB, config, now: T0 }));

type Path = PathOf<FallbackEventInput, FallbackEventEvent, Snapshot>;

/** The seed's event, and one whose spec names an ASG pair the agent was not configured with. */
const starts: FallbackEventInput[] = [
  { object: seedEvent(), agent: agentB, config, now: T0 },
  { object: seedEvent(), agent: agentB, config: { ...config, asgPairs: [{ spot: 'other-spot-asg', onDemand: 'other-od-asg' }] }, now: T0 },
];

const shortest = (input: FallbackEventInput): Path[] => shortestPaths(fallbackEventModel(input), input);
const edges = (input: FallbackEventInput): Path[] => edgePaths(fallbackEventModel(input), input, abstractState);

/**
 * Simple paths explode combinatorially over the whole machine, so they are taken one phase
 * (or step) at a time: every acyclic way one agent's story leaves the place it starts in.
 */
function simplePaths(): Path[] {
  return inputs.flatMap((base) => {
    const input = { ...base, config: { ...base.config, claimLeaseSeconds: 3600 } };
    const start = JSON.stringify(placeOf(input.object));
    const left = (s: unknown): boolean => {
      const snapshot = s as Snapshot;
      return JSON.stringify(placeOf(snapshot.context.object)) !== start || snapshot.matches({ Completed: 'deleted' }) || snapshot.matches({ Failed: 'deleted' });
    };
    return storyModel(input)
      .getSimplePaths({ toState: left, stopWhen: left })
      .map((p) => ({ input, events: p.steps.map((s) => s.event), final: p.state }));
  });
}

test('an actor rebuilt from an object starts in the object\'s phase and step', () => {
  for (const input of inputs) {
    const actor = createActor(fallbackEventMachine, { input }).start();
    const snapshot = actor.getSnapshot();
    const { phase, step } = placeOf(input.object);
    assert.ok(snapshot.matches(phase), `${phase}: got ${JSON.stringify(snapshot.value)}`);
    if (step) assert.equal(snapshot.value, { ScalingDown: { [step]: 'idle' } });
    actor.stop();
  }
});

test('shortest and simple paths cover every declared state and transition', () => {
  const shortestAll = starts.flatMap(shortest);
  const edgeAll = starts.flatMap(edges);
  const simple = simplePaths();
  assert.ok(simple.length > 0, 'simple paths were generated');
  // Actors rebuilt from an object in every phase and step take the eventless routes.
  const rebuilt = inputs.map((input) => ({ input, events: [] }));
  const all = [...shortestAll, ...edgeAll, ...simple, ...rebuilt];
  const coverage = measure(fallbackEventMachine, all);
  const { states, transitions } = declared(fallbackEventMachine);
  const gaps = missed(coverage);
  console.log(
    `  fallback-event machine: ${states.size} states, ${transitions.size} transitions; ` +
      `${shortestAll.length} shortest paths, ${edgeAll.length} edge paths, ${simple.length} simple paths, ${rebuilt.length} rebuilt actors; ` +
      `${all.reduce((n, p) => n + p.events.length, 0)} events replayed`,
  );
  assert.equal(gaps.states, [], 'states never visited');
  assert.equal(gaps.transitions, [], 'transitions never taken');
});

test('replaying every path reaches the state the model predicted', () => {
  for (const path of [...starts.flatMap(edges), ...simplePaths()]) {
    const actor = createActor(fallbackEventMachine, { input: path.input }).start();
    for (const event of path.events) actor.send(event);
    assert.equal(actor.getSnapshot().value, path.final.value);
    actor.stop();
  }
});

test('restart: for every reachable state, an actor rebuilt from the object alone is in the same phase and step', () => {
  let checked = 0;
  for (const path of starts.flatMap(shortest)) {
    const { object, agent, config: cfg, now } = path.final.context;
    const rebuilt = createActor(fallbackEventMachine, { input: { object, agent, config: cfg, now } }).start();
    const want = placeOf(object);
    const value = rebuilt.getSnapshot().value as Record<string, unknown>;
    assert.equal(Object.keys(value), [Object.keys(path.final.value)[0]], `phase of ${abstractState(path.final)}`);
    assert.ok(rebuilt.getSnapshot().matches(want.phase));
    if (want.step) assert.equal(value, { ScalingDown: { [want.step]: 'idle' } });
    rebuilt.stop();
    checked++;
  }
  assert.ok(checked > 100, `checked ${checked} states`);
});

test.run();
