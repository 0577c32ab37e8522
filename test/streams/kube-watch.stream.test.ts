// The watch stream against the real API server: changes arrive; after kube-apiserver is
// restarted the stream reports the failure, resyncs the full list, and goes on delivering.
import { Subject, filter, firstValueFrom, take, toArray, type Subscription } from 'rxjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { informerSource } from '../../runtime/kube/informer.watch.js';
import type { WatchSource } from '../../runtime/kube/watch.port.js';
import { watchResource, type WatchEvent } from '../../streams/kube-watch.stream.js';
import { installCrd } from '../harness/crd.js';
import { seedEvent } from '../machines/fixtures.js';

type Ev = WatchEvent<SpotGuardFallbackEvent>;
const test = suite<{ plane: ControlPlane; store: FallbackEventStore; events: Subject<Ev>; sub: Subscription; seen: Ev[] }>('Kubernetes watch stream');
const keyOf = (o: SpotGuardFallbackEvent): string => o.metadata?.name ?? '';
const describe = (e: Ev): string => (e.type === 'SYNCED' ? `SYNCED ${e.objects.length}` : e.type === 'WATCH_ERROR' ? 'WATCH_ERROR' : `${e.type} ${keyOf(e.object)}`);

function sgfeSource(plane: ControlPlane): () => WatchSource<SpotGuardFallbackEvent> {
  const kc = plane.kubeConfig();
  const api = kc.makeApiClient(CustomObjectsApi);
  return informerSource<SpotGuardFallbackEvent & { metadata: object }>(
    kc,
    '/apis/aws.amazon.com/v1/namespaces/kube-system/spotguardfallbackevents',
    async (page) => (await api.listNamespacedCustomObject({ group: 'aws.amazon.com', version: 'v1', namespace: 'kube-system', plural: 'spotguardfallbackevents', ...page })) as never,
  );
}

const next = (ctx: { events: Subject<Ev> }, predicate: (e: Ev) => boolean): Promise<Ev> =>
  firstValueFrom(ctx.events.pipe(filter(predicate)), { defaultValue: undefined as never });

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  ctx.store = new FallbackEventStore(ctx.plane.kubeConfig());
  ctx.events = new Subject<Ev>();
  ctx.seen = [];
  const synced = firstValueFrom(ctx.events.pipe(filter((e) => e.type === 'SYNCED')));
  // A short resync: the informer's watch can go silent across an API server restart, and
  // the resync is what notices.
  ctx.sub = watchResource(sgfeSource(ctx.plane), { keyOf, backoffInitialMs: 200, backoffMaxMs: 2000, resyncMs: 3000 }).subscribe((e) => {
    ctx.seen.push(e);
    if (process.env.DEBUG_WATCH) console.log(new Date().toISOString(), describe(e), e.type === 'WATCH_ERROR' ? e.message : '');
    ctx.events.next(e);
  });
  await synced;
});
test.after(async (ctx) => {
  ctx.sub?.unsubscribe();
  await ctx.plane?.stop();
});

test('added, modified and deleted objects arrive in order', async (ctx) => {
  const three = firstValueFrom(ctx.events.pipe(filter((e) => e.type !== 'SYNCED' && e.type !== 'WATCH_ERROR'), take(3), toArray()));
  const event = await ctx.store.create(seedEvent().spec);
  const moved = await ctx.store.commitStatus(event, { phase: 'Monitoring' });
  assert.is(moved.outcome, 'committed');
  await ctx.store.delete(keyOf(event));
  const events = await three;
  assert.equal(events.map(describe), [`ADDED ${keyOf(event)}`, `MODIFIED ${keyOf(event)}`, `DELETED ${keyOf(event)}`]);
});

test('after a kube-apiserver restart the stream resyncs the full list and keeps delivering', async (ctx) => {
  const survivor = await ctx.store.create(seedEvent().spec);
  const deadline0 = Date.now() + 30_000;
  while (!ctx.seen.some((e) => e.type === 'ADDED' && keyOf(e.object) === keyOf(survivor)) && Date.now() < deadline0) await new Promise((r) => setTimeout(r, 50));
  await ctx.plane.restartApiServer(1000);
  const restartedAt = ctx.seen.length;
  const synced = await next(ctx, (e) => e.type === 'SYNCED' && ctx.seen.indexOf(e) >= restartedAt);
  assert.ok(synced.type === 'SYNCED' && synced.objects.some((o) => keyOf(o) === keyOf(survivor)), 'the full list after the restart');
  // Listen before writing: the event may arrive before the create call returns.
  const before = ctx.seen.length;
  const later = await ctx.store.create(seedEvent().spec);
  const deadline = Date.now() + 30_000;
  const addedLater = () => ctx.seen.slice(before).some((e) => e.type === 'ADDED' && keyOf(e.object) === keyOf(later));
  while (!addedLater() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(addedLater(), 'an object created after the restart arrives as ADDED');
  assert.is(
    ctx.seen.filter((e) => e.type === 'ADDED' && keyOf(e.object) === keyOf(survivor)).length,
    1,
    'an object known before the restart is not reported as new',
  );
});

test.run();
