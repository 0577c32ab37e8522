// The model's paths replayed against the real API server: every commit the machine asks for
// is made through the real store with its resourceVersion precondition, other agents'
// writes are real writes (so conflicts are real 409s), and after every event the phase read
// back from the API server matches the actor's state.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import type { FallbackEventStatus, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import type { FallbackEventEvent, FallbackEventInput, FallbackEventIntent } from '../../machines/fallback-event.types.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { installCrd } from '../harness/crd.js';
import { abstractState, coarseState, fallbackEventModel, storyModel, type Snapshot } from './fallback-event.model.js';
import { agentB, config, seedEvent, T0 } from './fixtures.js';
import { edgePaths, firstSimplePaths, shortestPaths } from './paths.js';

const test = suite<{ plane: ControlPlane; store: FallbackEventStore; other: FallbackEventStore }>('fallback-event machine against the API server');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  ctx.store = new FallbackEventStore(ctx.plane.kubeConfig());
  ctx.other = new FallbackEventStore(ctx.plane.kubeConfig());
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

let writes = 0;
/** Another agent's status, made unique: an update that changes nothing keeps the resourceVersion. */
function distinct(status: FallbackEventStatus | undefined): FallbackEventStatus {
  writes++;
  return { ...status, message: `${status?.message ?? 'written by another agent'} (write ${writes})` };
}

const phaseOfValue = (value: unknown): string => (typeof value === 'string' ? value : Object.keys(value as object)[0] ?? '');

/** The paths to replay: every phase's story, and a shortest path to every place the model reaches. */
function paths(): { events: FallbackEventEvent[]; final: Snapshot; storyConfig: boolean }[] {
  const input: FallbackEventInput = { object: seedEvent(), agent: agentB, config, now: T0 };
  const byPlace = new Map<string, { events: FallbackEventEvent[]; final: Snapshot; storyConfig: boolean }>();
  for (const p of shortestPaths<FallbackEventInput, FallbackEventEvent, Snapshot>(fallbackEventModel(input), input)) {
    const key = JSON.stringify(p.final.value);
    if (!byPlace.has(key)) byPlace.set(key, { events: p.events, final: p.final, storyConfig: false });
  }
  // And, from every place, a path whose last event is a conflict or another agent's write.
  for (const p of edgePaths<FallbackEventInput, FallbackEventEvent, Snapshot>(fallbackEventModel(input), input, abstractState)) {
    const last = p.events.at(-1);
    if (last?.type !== 'CONFLICT' && last?.type !== 'OBSERVED') continue;
    const before = p.events.length > 1 ? JSON.stringify(p.events.slice(0, -1).length) : '0';
    const key = `${last.type} ${JSON.stringify(p.final.value)} ${before}`;
    if (!byPlace.has(key)) byPlace.set(key, { events: p.events, final: p.final, storyConfig: false });
  }
  const storyInput = { ...input, config: { ...config, claimLeaseSeconds: 3600 } };
  const stories = firstSimplePaths<FallbackEventInput, FallbackEventEvent, Snapshot>(storyModel(storyInput), storyInput, coarseState, (s) => s.matches({ Completed: 'deleted' }), 8)
    .map((p) => ({ events: p.events, final: p.final, storyConfig: true }));
  return [...byPlace.values(), ...stories];
}

test('at every step of every path, the phase in the API server is the actor\'s phase', async ({ store, other }) => {
  const all = paths();
  let steps = 0;
  let skipped = 0;
  let conflicts = 0;
  const phasesSeen = new Set<string>();
  for (const path of all) {
    const spec = seedEvent().spec;
    const created = await store.create(spec);
    const input: FallbackEventInput = { object: created, agent: agentB, config: path.storyConfig ? { ...config, claimLeaseSeconds: 3600 } : config, now: T0 };
    const actor = createActor(fallbackEventMachine, { input });
    let pendingCommit: { status: FallbackEventStatus; base: SpotGuardFallbackEvent } | undefined;
    let deleteRequested = false;
    actor.on('commit', (intent: Extract<FallbackEventIntent, { type: 'commit' }>) => {
      const base = actor.getSnapshot().context.object;
      pendingCommit = { status: intent.status, base: { ...base, metadata: { ...base.metadata, resourceVersion: intent.resourceVersion } } };
    });
    actor.on('delete', () => (deleteRequested = true));
    actor.start();
    const name = created.metadata?.name ?? '';

    for (const modelEvent of path.events.filter((e) => !(e.type as string).startsWith('xstate.'))) {
      // The model merges states that differ only in details its guards rarely read (the text
      // of a message); where a replayed actor took the other branch, a commit result has no
      // commit to answer and is skipped. Everything that is replayed is checked.
      if ((modelEvent.type === 'COMMITTED' || modelEvent.type === 'CONFLICT') && !pendingCommit) {
        skipped++;
        continue;
      }
      if (modelEvent.type === 'DELETED' && !deleteRequested) {
        skipped++;
        continue;
      }
      const current = actor.getSnapshot().context.object;
      let event: FallbackEventEvent = modelEvent;
      const commit = pendingCommit;
      if (modelEvent.type === 'COMMITTED' && commit) {
        const result = await store.commitStatus(commit.base, commit.status);
        assert.is(result.outcome, 'committed', `commit of ${JSON.stringify(commit.status.phase)} on ${name}`);
        if (result.outcome === 'committed') event = { type: 'COMMITTED', object: result.event };
        pendingCommit = undefined;
      } else if (modelEvent.type === 'CONFLICT' && commit) {
        // Another agent writes first; our commit on the old version must then be refused.
        const latest = (await store.get(name)) ?? current;
        const theirs = await other.commitStatus(latest, distinct(modelEvent.latest.status));
        assert.is(theirs.outcome, 'committed');
        const ours = await store.commitStatus(commit.base, commit.status);
        assert.is(ours.outcome, 'conflict', 'a stale resourceVersion is refused with 409');
        if (ours.outcome === 'conflict') event = { type: 'CONFLICT', latest: ours.latest };
        conflicts++;
        pendingCommit = undefined;
      } else if (modelEvent.type === 'OBSERVED' && modelEvent.object !== current && modelEvent.object.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
        const latest = (await store.get(name)) ?? current;
        const theirs = await other.commitStatus(latest, distinct(modelEvent.object.status));
        assert.is(theirs.outcome, 'committed', `another agent's write in ${JSON.stringify(actor.getSnapshot().value)}; path ${path.events.map((e) => e.type).join(' ')}`);
        if (theirs.outcome === 'committed') event = { type: 'OBSERVED', object: theirs.event };
      } else if (modelEvent.type === 'OBSERVED') {
        event = { type: 'OBSERVED', object: current };
      } else if (modelEvent.type === 'DELETED') {
        assert.is(await store.delete(name, current.metadata?.resourceVersion), 'deleted');
      }
      actor.send(event);
      steps++;
      const stored = await store.get(name);
      const value = actor.getSnapshot().value;
      if (modelEvent.type === 'DELETED') {
        assert.is(stored, undefined, 'deleted from the API server');
      } else {
        assert.ok(stored, `${name} exists`);
        assert.is(stored.status?.phase ?? 'Pending', phaseOfValue(value), `after ${modelEvent.type} at ${abstractState(actor.getSnapshot())}`);
        phasesSeen.add(phaseOfValue(value));
      }
    }
    actor.stop();
    if (await store.get(name)) await store.delete(name);
  }
  console.log(`  replayed ${all.length} paths against the API server: ${steps} events, ${conflicts} real conflicts, ${skipped} skipped`);
  assert.equal([...phasesSeen].sort(), ['Completed', 'Failed', 'Monitoring', 'Pending', 'ReadyForScaleDown', 'ScalingDown'], 'every phase was reached for real');
  assert.ok(conflicts > 0, 'real conflicts were exercised');
  assert.ok(skipped < steps / 10, `few events skipped (${skipped} of ${steps})`);
});

test.run();
