// Reads in proportion to the work (issue 14): every list the agent makes comes in pages of
// `limit` objects, counted by the API server itself (apiserver_request_total, one LIST per
// page), and a list whose continue token expired (etcd compacted under it: 410 Gone) starts
// over and still returns every object.
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FallbackEventSpec } from '../../crds/spotguardfallbackevent.types.js';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { KubeNodes } from '../../runtime/kube/nodes.kube.js';
import { listAllPages } from '../../runtime/kube/paged-list.js';
import { loadSnapshot } from '../../runtime/safety/cluster-snapshot.kube.js';
import { apiServerLists, diffCounts, type Counts } from '../bench/apiserver-writes.js';
import { agentConfig, loud, ON_DEMAND_ASG, quietLog, registerNode, SPOT_ASG, startAgentWorld, waitFor, type AgentWorld } from '../harness/agent-world.js';

const test = suite<{ world: AgentWorld }>('paginated lists');

/** Five of each: more than two pages of two. */
const OBJECTS = 5;
const PAGE = 2;
const PAGES = Math.ceil(OBJECTS / PAGE);

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    const store = new FallbackEventStore(ctx.world.admin);
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (let i = 0; i < OBJECTS; i++) {
      await registerNode(ctx.world, `node-${i}`, `i-0000000000000000${i}`);
      const spec: FallbackEventSpec = { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: `i-0000000000000000${i}`, onDemandNodeName: `node-${i}`, timestamp: at, minimumWaitDuration: '0s' };
      // Completed: the agent's actors have nothing to do with them but know them.
      await store.create(spec, { phase: 'Completed', spotCapacityRestored: true, scaleDownInitiated: true, completionTime: at, message: 'done' });
    }
  }),
);
test.after(async (ctx) => {
  await ctx.world?.stop();
});

/** The LIST requests `work` makes, by resource, as the API server counted them. */
async function listsDuring(world: AgentWorld, work: () => Promise<void>): Promise<Counts> {
  const before = await apiServerLists(world.plane);
  await work();
  return diffCounts(before, await apiServerLists(world.plane));
}

test("an agent's watches list fallback events and nodes a page at a time and know every one", async ({ world }) => {
  let agent: Agent | undefined;
  try {
    const lists = await listsDuring(world, async () => {
      agent = new Agent({
        identity: { podName: 'spot-guard-a', nodeName: 'node-0' },
        config: agentConfig(),
        kubeConfig: world.agentKubeConfig(),
        autoscaling: world.aws,
        tuning: { listPageSize: PAGE },
        log: quietLog(),
      });
      agent.start();
      await waitFor('the agent ready', () => agent?.readiness().ready);
    });
    assert.is(agent?.actors.names().length, OBJECTS, 'every event has its actor');
    assert.ok((lists['LIST spotguardfallbackevents'] ?? 0) >= PAGES, `fallback events listed in ${lists['LIST spotguardfallbackevents']} requests`);
    assert.ok((lists['LIST nodes'] ?? 0) >= PAGES, `nodes listed in ${lists['LIST nodes']} requests`);
  } finally {
    await agent?.stop({ release: false });
  }
});

test('the store, the node adapter and the safety snapshot read every object in pages', async ({ world }) => {
  const core = world.admin.makeApiClient(CoreV1Api);
  for (let i = 0; i < OBJECTS; i++) {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `web-${i}` }, spec: { nodeName: 'node-0', containers: [{ name: 'web', image: 'nginx' }] } } });
  }
  const kubeConfig = world.agentKubeConfig();

  let events = 0;
  const storeLists = await listsDuring(world, async () => {
    events = (await new FallbackEventStore(kubeConfig, { pageSize: PAGE }).list()).items.length;
  });
  assert.is(events, OBJECTS);
  assert.equal(storeLists, { 'LIST spotguardfallbackevents': PAGES });

  let nodes = 0;
  const nodeLists = await listsDuring(world, async () => {
    nodes = (await new KubeNodes(kubeConfig, { pageSize: PAGE }).listNodes()).length;
  });
  assert.is(nodes, OBJECTS);
  assert.equal(nodeLists, { 'LIST nodes': PAGES });

  let snapshot: Awaited<ReturnType<typeof loadSnapshot>> | undefined;
  const snapshotLists = await listsDuring(world, async () => {
    snapshot = await loadSnapshot(kubeConfig, { pageSize: PAGE });
  });
  assert.is(snapshot?.pods.length, OBJECTS);
  assert.is(snapshot?.nodes.length, OBJECTS);
  assert.is(snapshotLists['LIST pods'], PAGES);
  assert.is(snapshotLists['LIST nodes'], PAGES);
  // None of these exist: one (empty) page each.
  assert.is(snapshotLists['LIST poddisruptionbudgets'], 1);
  assert.is(snapshotLists['LIST persistentvolumeclaims'], 1);
  assert.is(snapshotLists['LIST persistentvolumes'], 1);
});

/**
 * Compacts etcd's history up to now, as kube-apiserver's compactor does every five minutes:
 * it first records the revision in etcd's `compact_rev_key`, then compacts. Since 1.34 the API
 * server serves a continued list from its watch cache's snapshots and drops those older than
 * the revision it sees in that key, so the record matters as much as the compaction.
 */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const range = await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/') }) });
  const { header } = (await range.json()) as { header: { revision: string } };
  const recorded = await fetch(`${etcdUrl}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('compact_rev_key'), value: b64(header.revision) }) });
  assert.ok(recorded.ok, `etcd put of compact_rev_key answered HTTP ${recorded.status}`);
  const compacted = await fetch(`${etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision: header.revision, physical: true }) });
  assert.ok(compacted.ok, `etcd compaction answered HTTP ${compacted.status}`);
}

/**
 * Waits until the API server refuses a continue token with 410 Gone: at once on a release that
 * reads continued lists from etcd, within its cache compactor's 15 s poll since 1.34.
 */
async function untilTokenExpired(list: () => Promise<unknown>): Promise<void> {
  await waitFor('the API server to refuse the compacted continue token with 410 Gone', async () => {
    try {
      await list();
      return false;
    } catch (err) {
      if ((err as { code?: number }).code === 410) return true;
      throw err;
    }
  });
}

test('a continue token that expired mid-list (410 Gone) starts the list over, which then has every object', async ({ world }) => {
  const core = world.admin.makeApiClient(CoreV1Api);
  const namespace = 'paged';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (let i = 0; i < OBJECTS; i++) await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `cm-${i}` } } });
  const asked: (string | undefined)[] = [];
  const answered: number[] = [];
  const { items } = await listAllPages(
    'list config maps',
    async (page) => {
      asked.push(page._continue);
      if (asked.length === 2) {
        // Between the first page and the second: a new object, and the first page's snapshot compacted away.
        await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cm-late' } } });
        await compactEtcd(world.plane.etcdUrl);
        await untilTokenExpired(() => core.listNamespacedConfigMap({ namespace, ...page }));
      }
      const answer = await core.listNamespacedConfigMap({ namespace, ...page });
      answered.push(asked.length);
      return answer;
    },
    { pageSize: PAGE },
  );
  assert.ok(asked[1] !== undefined && !answered.includes(2), 'the second page, asked with the first one\'s token, was refused');
  assert.is(asked[2], undefined, 'then the list started over from its first page');
  assert.equal(items.map((c) => c.metadata?.name).sort(), ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-late'], 'every object, from one snapshot');
});

test.run();
