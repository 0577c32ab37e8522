// The seed's race, for real: writers that read the same resourceVersion all try to set
// scaleDownInitiated; the API server lets exactly one through and tells the others.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { installCrd } from '../harness/crd.js';
import { seedEvent } from '../machines/fixtures.js';

const WRITERS = 20;
const ROUNDS = 50;
const test = suite<{ plane: ControlPlane; stores: FallbackEventStore[] }>('the seed\'s race');

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  // One client per writer, as separate agents would have.
  ctx.stores = Array.from({ length: WRITERS }, () => new FallbackEventStore(ctx.plane.kubeConfig()));
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test(`${WRITERS} writers on the same resourceVersion, ${ROUNDS} rounds: exactly one wins each round`, async ({ stores }) => {
  const [first] = stores;
  assert.ok(first);
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const created = await first.create(seedEvent().spec, { phase: 'ReadyForScaleDown', spotCapacityRestored: true });
    const name = created.metadata?.name ?? '';
    const seen = await Promise.all(stores.map((s) => s.get(name)));
    const versions = new Set(seen.map((e) => e?.metadata?.resourceVersion));
    assert.is(versions.size, 1, 'every writer read the same resourceVersion');

    const results = await Promise.all(
      stores.map((store, i) =>
        store.commitStatus(seen[i] ?? created, {
          ...created.status,
          phase: 'ScalingDown',
          scaleDownInitiated: true,
          message: `writer ${i} scales down`,
          claim: { holder: `writer-${i}`, acquiredAt: '2025-01-15T10:12:15Z', renewedAt: '2025-01-15T10:12:15Z', leaseSeconds: 30 },
        }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.outcome === 'committed' ? [i] : []));
    assert.is(winners.length, 1, `round ${round}: exactly one winner (got ${winners.length})`);
    const winner = `writer-${winners[0]}`;
    for (const r of results) {
      if (r.outcome === 'committed') continue;
      assert.is(r.outcome, 'conflict');
      if (r.outcome !== 'conflict') continue;
      assert.is(r.latest.status?.claim?.holder, winner, 'the loser reads the winner\'s claim');
      assert.is(r.latest.status?.scaleDownInitiated, true, 'and sees scale-down already initiated');
    }
    await first.delete(name);
  }
  console.log(`  ${ROUNDS} rounds of ${WRITERS} writers: one winner each, ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

test.run();
