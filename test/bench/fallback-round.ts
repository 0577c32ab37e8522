// One round of the bench on a running sandbox, the demo's story told for k nodes at once:
// spot is exhausted and k spot nodes get rebalance recommendations; the agents fall back and
// record k events and protect the nodes; the nodes are interrupted and go; spot comes back,
// every event is scaled down and deleted after its TTL; the cluster settles to its first
// shape. The AWS call counters and the API server's write and LIST counters are read at the
// edge of each window, so a round's load is split between the rebalance response and the
// events' life.
import { CoreV1Api } from '@kubernetes/client-node';
import { parseDuration } from '../../crds/duration.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { agentsReady, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { apiServerLists, apiServerWrites, diffCounts, type Counts } from './apiserver-writes.js';

export interface Snapshot {
  at: number;
  aws: Counts;
  writes: Counts;
  /** LIST requests (one per page), by resource: what the agents read besides their watches. */
  lists: Counts;
}

export interface Window {
  ms: number;
  aws: Counts;
  writes: Counts;
  lists: Counts;
}

export interface EventTiming {
  event: string;
  spotHealthySince?: string;
  spotRestoredAt?: string;
  drainStartedAt?: string;
  drainBy?: string;
  /** SpotRestored's lastTransitionTime → scaleDown.drain.startedAt. */
  restoredToDrainSeconds?: number;
  /** spotHealthySince + the stability window → scaleDown.drain.startedAt. */
  windowEndToDrainSeconds?: number;
}

export interface RoundFigures {
  round: number;
  nodes: string[];
  events: string[];
  /** Notices → every at-risk node protected and every event recorded. */
  response: Window;
  /** → every event scaled down and deleted after its TTL. */
  lifecycle: Window;
  /** → spot back to its size, no on-demand instance, every agent ready. */
  settle: Window;
  timings: EventTiming[];
}

export interface RoundContext {
  sandbox: Sandbox;
  size: number;
  events: number;
  scale: number;
  timeoutMs: number;
  say: (line: string) => void;
  /** Why the run must stop now (memory ran low, an agent died), if it must. */
  abortReason: () => string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (from?: string | number, to?: string) => {
  const a = typeof from === 'number' ? from : Date.parse(from ?? '');
  const b = Date.parse(to ?? '');
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : (b - a) / 1000;
};

export async function snapshot(sandbox: Sandbox): Promise<Snapshot> {
  const [aws, writes, lists] = await Promise.all([sandbox.sim.control.calls(), apiServerWrites(sandbox.plane), apiServerLists(sandbox.plane)]);
  return { at: Date.now(), aws, writes, lists };
}

export function windowOf(a: Snapshot, b: Snapshot): Window {
  return { ms: b.at - a.at, aws: diffCounts(a.aws, b.aws), writes: diffCounts(a.writes, b.writes), lists: diffCounts(a.lists, b.lists) };
}

async function until(ctx: RoundContext, what: string, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const abort = ctx.abortReason();
    if (abort) throw new Error(`stopped while waiting for ${what}: ${abort}`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

export async function runRound(ctx: RoundContext, round: number): Promise<RoundFigures> {
  const { sim, agents, pair, admin, settings } = ctx.sandbox;
  const core = admin.makeApiClient(CoreV1Api);
  const store = new FallbackEventStore(admin);
  const deadline = Date.now() + ctx.timeoutMs;

  const candidates = (await sim.control.nodes())
    .filter((n) => n.groupName === pair.spot && n.lifecycleState === 'InService' && n.ready && agents.get(n.nodeName))
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName));
  const targets = candidates.slice(0, ctx.events);
  if (targets.length < ctx.events) throw new Error(`only ${targets.length} spot nodes are ready for ${ctx.events} notices`);
  const names = targets.map((t) => t.nodeName);
  const before = new Set((await store.list()).items.map((e) => e.metadata?.name ?? ''));
  const ours = async () => (await store.list()).items.filter((e) => !before.has(e.metadata?.name ?? ''));
  const isProtected = async (name: string) => {
    const node = await core.readNode({ name }).catch(() => undefined);
    return !!node?.spec?.unschedulable && !!node.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  };

  const s0 = await snapshot(ctx.sandbox);
  await sim.control.exhaustSpotPool(pair.spot);
  await Promise.all(names.map((n) => agents.rebalance(n)));
  ctx.say(`round ${round}: spot exhausted, rebalance recommendations for ${names.join(', ')}`);
  await until(ctx, 'the fallbacks to be recorded and the at-risk nodes protected', deadline, async () => {
    if ((await ours()).length < ctx.events) return false;
    return (await Promise.all(names.map(isProtected))).every(Boolean);
  });
  const s1 = await snapshot(ctx.sandbox);
  ctx.say(`round ${round}: ${ctx.events} events recorded and nodes protected in ${((s1.at - s0.at) / 1000).toFixed(1)} s; interruption notices`);

  // As in the demo: the notice, then EC2 takes the instance after the (scaled) two minutes.
  await Promise.all(names.map((n) => agents.interrupt(n)));
  const interruptedAt = Date.now();
  const warningMs = Math.max(5000, 120_000 / ctx.scale);
  const last = new Map<string, SpotGuardFallbackEvent>();
  const deleted = new Set<string>();
  let gone = false;
  let restored = false;
  await until(ctx, 'every event to complete and be deleted', deadline, async () => {
    const items = await ours();
    for (const e of items) {
      last.set(e.metadata?.name ?? '', e);
      if (e.status?.phase === 'Failed') throw new Error(`event ${e.metadata?.name} failed: ${e.status.message ?? ''}`);
    }
    for (const [name, e] of last) {
      if (deleted.has(name) || items.some((i) => i.metadata?.name === name)) continue;
      if (e.status?.phase !== 'Completed') throw new Error(`event ${name} went away in phase ${e.status?.phase ?? 'none'}`);
      deleted.add(name);
    }
    if (!gone && Date.now() - interruptedAt >= warningMs) {
      await Promise.all(targets.map((t) => sim.control.interrupt(t.instanceId)));
      gone = true;
      ctx.say(`round ${round}: instances of ${names.join(', ')} reclaimed`);
    }
    if (gone && !restored && last.size >= ctx.events && [...last.values()].every((e) => (e.status?.phase ?? 'Pending') !== 'Pending')) {
      await sim.control.restoreSpotPool(pair.spot);
      restored = true;
      ctx.say(`round ${round}: every event Monitoring; spot capacity restored`);
    }
    return deleted.size >= ctx.events;
  });
  const s2 = await snapshot(ctx.sandbox);
  ctx.say(`round ${round}: ${ctx.events} events completed and deleted ${((s2.at - s1.at) / 1000).toFixed(1)} s after the response`);

  await until(ctx, 'the cluster to settle back to its first shape', deadline, async () => {
    const state = await sim.control.state();
    const spot = state.groups.find((g) => g.name === pair.spot);
    const onDemand = state.groups.find((g) => g.name === pair.onDemand);
    if (!spot || !onDemand || spot.desiredCapacity !== ctx.size || onDemand.desiredCapacity !== 0 || onDemand.instances.length > 0) return false;
    if (spot.instances.length !== ctx.size || spot.instances.some((i) => i.lifecycleState !== 'InService')) return false;
    const ready = (await sim.control.nodes()).filter((n) => n.groupName === pair.spot && n.ready).length;
    return ready === ctx.size && (await agentsReady(agents)) >= ctx.size && (await ours()).length === 0;
  });
  const s3 = await snapshot(ctx.sandbox);

  const windowMs = parseDuration(settings.SPOT_GUARD_SPOT_STABILITY_WINDOW ?? '') ?? 0;
  const timings = [...last.values()].map((e): EventTiming => {
    const s = e.status ?? {};
    const restoredAt = s.conditions?.find((c) => c.type === 'SpotRestored')?.lastTransitionTime;
    const drain = s.scaleDown?.drain;
    const healthy = Date.parse(s.spotHealthySince ?? '');
    return {
      event: e.metadata?.name ?? '',
      spotHealthySince: s.spotHealthySince,
      spotRestoredAt: restoredAt,
      drainStartedAt: drain?.startedAt,
      drainBy: drain?.by,
      restoredToDrainSeconds: seconds(restoredAt, drain?.startedAt),
      windowEndToDrainSeconds: Number.isNaN(healthy) ? undefined : seconds(healthy + windowMs, drain?.startedAt),
    };
  });
  return { round, nodes: names, events: [...last.keys()], response: windowOf(s0, s1), lifecycle: windowOf(s1, s2), settle: windowOf(s2, s3), timings };
}
