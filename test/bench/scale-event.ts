// One fallback event at scale, the sandbox bench's round (fallback-round.ts) told for agents
// that share a process: spot is exhausted and a spot node gets a rebalance recommendation (its
// agent's IMDS moves to an AEMM serving it); its agent falls back to on-demand, records the
// SpotGuardFallbackEvent and protects the node; the node gets its interruption notice and its
// instance is reclaimed after the (scaled) two minutes; spot capacity comes back, and the agents
// carry the event through Monitoring → ReadyForScaleDown → ScalingDown → Completed and delete
// it after its TTL. Agents come and go with their nodes, as the DaemonSet's pods would (the
// Roster): the at-risk node's agent stops when its instance is reclaimed, and the on-demand
// node and the spot replacement each get one.
import { CoreV1Api } from '@kubernetes/client-node';
import { parseDuration } from '../../crds/duration.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { interruptionWarningMs } from '../../dev/sandbox/scenario-control.js';
import type { NodeMapping } from '../../dev/simulator/control.types.js';
import { FallbackEventStore, type WatchHandle } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import type { EventTiming as RoundTiming } from './fallback-round.js';
import type { AgentHost } from './scale-agents.js';
import type { ScaleCluster } from './scale-cluster.js';
import { windowOf, type Reading, type Window } from './scale-figures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which node runs an agent, as the bench started them; nodes that come during an event get one, nodes that go take theirs. */
export class Roster {
  readonly agents = new Map<string, string>();
  /** Nodes there when the event began: those without an agent stay without. */
  private known = new Set<string>();
  private readonly arriving = new Set<string>();

  constructor(
    private readonly host: AgentHost,
    private readonly cluster: ScaleCluster,
  ) {}

  /**
   * Starts agents on nodes that have none until `count` run, the nodes taken in one shuffled
   * order (the same on every run). Not by name: the claim turns rank every Ready node by a hash
   * of its name, and nodes with neighbouring names rank alike, so agents on the first nodes by
   * name would all wait behind the same agentless nodes.
   */
  async grow(count: number, pods: Map<string, string>): Promise<number> {
    const live = (await this.cluster.sandbox.sim.control.nodes()).filter(isLive).map((n) => n.nodeName).sort();
    const add = shuffled(live).filter((n) => !this.agents.has(n)).slice(0, Math.max(0, count - this.agents.size));
    for (const node of add) this.agents.set(node, pods.get(node) ?? `spot-guard-${node}`);
    await this.host.start(add.map((node) => ({ node, pod: this.agents.get(node) ?? '', imdsUrl: this.cluster.imdsUrl })));
    return add.length;
  }

  beginEvent(mapping: NodeMapping[]): void {
    this.known = new Set(mapping.filter(isLive).map((n) => n.nodeName));
  }

  /** What the DaemonSet and the kubelets would do for the nodes as they are now. */
  async follow(mapping: NodeMapping[]): Promise<void> {
    const live = new Set(mapping.filter(isLive).map((n) => n.nodeName));
    const leaving = [...this.agents.keys()].filter((n) => !live.has(n));
    for (const n of leaving) this.agents.delete(n);
    if (leaving.length > 0) await this.host.stop(leaving);
    for (const node of live) {
      if (this.known.has(node) || this.agents.has(node) || this.arriving.has(node)) continue;
      this.arriving.add(node);
      void this.arrive(node).finally(() => this.arriving.delete(node));
    }
  }

  get settling(): boolean {
    return this.arriving.size > 0;
  }

  /** The new node's DaemonSet pod, once bound (up to 10 s), then its agent. */
  private async arrive(node: string): Promise<void> {
    let pod: string | undefined;
    for (const deadline = Date.now() + 10_000; !pod && Date.now() < deadline; await sleep(500)) pod = (await this.cluster.daemonSetPods().catch(() => undefined))?.get(node);
    this.agents.set(node, pod ?? `spot-guard-${node}`);
    await this.host.start([{ node, pod: pod ?? `spot-guard-${node}`, imdsUrl: this.cluster.imdsUrl }]);
  }
}

/** The same order of the same names on every run (a seeded Fisher–Yates shuffle). */
function shuffled(names: readonly string[]): string[] {
  const out = [...names];
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] ?? '', out[i] ?? ''];
  }
  return out;
}

/** An instance in service with its Node registered: a node whose agent runs. */
const isLive = (n: NodeMapping) => n.registered && n.lifecycleState === 'InService';

/** A sandbox round's timing of one event, with every agent that held its claim in turn. */
export interface EventTiming extends RoundTiming {
  claimHolders: string[];
}

export interface EventFigures {
  nodes: string[];
  events: string[];
  /** Notices → every event recorded and every at-risk node protected. */
  response: Window;
  /** → every event Completed and deleted. */
  lifecycle: Window;
  /** → spot back to its size, no on-demand instance, every agent's watches synced. */
  settle: Window;
  timings: EventTiming[];
}

export interface EventContext {
  cluster: ScaleCluster;
  host: AgentHost;
  roster: Roster;
  /** Spot nodes the cluster settles back to. */
  nodes: number;
  events: number;
  scale: number;
  timeoutMs: number;
  read: () => Promise<Reading>;
  say: (line: string) => void;
  abortReason: () => string | undefined;
}

const seconds = (from?: string | number, to?: string) => {
  const a = typeof from === 'number' ? from : Date.parse(from ?? '');
  const b = Date.parse(to ?? '');
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : (b - a) / 1000;
};

/** The events made after it starts, as a watch delivers them: the last version of each and which are gone. */
class EventFollower {
  readonly last = new Map<string, SpotGuardFallbackEvent>();
  readonly gone = new Set<string>();
  /** Every holder each event's claim had, in order. */
  readonly holders = new Map<string, string[]>();
  private handle: WatchHandle | undefined;
  private stopped = false;

  constructor(
    private readonly store: FallbackEventStore,
    private readonly before: Set<string>,
  ) {}

  async start(): Promise<void> {
    const { items, resourceVersion } = await this.store.list();
    for (const e of items) this.saw(e);
    for (const name of this.last.keys()) if (!items.some((e) => e.metadata?.name === name)) this.gone.add(name);
    this.handle = await this.store.watch(
      { resourceVersion },
      (type, e) => (type === 'DELETED' ? this.gone.add(e.metadata?.name ?? '') : this.saw(e)),
      // A watch that ends is started again from a fresh list.
      () => void (this.stopped ? undefined : sleep(500).then(() => (this.stopped ? undefined : this.start()))),
    );
  }

  stop(): void {
    this.stopped = true;
    this.handle?.stop();
  }

  private saw(e: SpotGuardFallbackEvent): void {
    const name = e.metadata?.name ?? '';
    if (this.before.has(name)) return;
    this.last.set(name, e);
    const holder = e.status?.claim?.holder;
    const list = this.holders.get(name) ?? [];
    if (holder && list.at(-1) !== holder) list.push(holder);
    this.holders.set(name, list);
  }
}

export async function playEvent(ctx: EventContext): Promise<EventFigures> {
  const { sandbox, admin } = ctx.cluster;
  const { sim, pair, settings } = sandbox;
  const core = admin.makeApiClient(CoreV1Api);
  const store = new FallbackEventStore(admin);
  const deadline = Date.now() + ctx.timeoutMs;
  const aemms: Aemm[] = [];
  const until = async (what: string, probe: () => Promise<boolean>) => {
    for (;;) {
      const abort = ctx.abortReason();
      if (abort) throw new Error(`stopped while waiting for ${what}: ${abort}`);
      if (await probe()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(500);
    }
  };

  const mapping = await sim.control.nodes();
  const targets = mapping
    .filter((n) => n.groupName === pair.spot && isLive(n) && n.ready && ctx.roster.agents.has(n.nodeName))
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName))
    .slice(0, ctx.events);
  if (targets.length < ctx.events) throw new Error(`only ${targets.length} spot nodes with an agent for ${ctx.events} notices`);
  const names = targets.map((t) => t.nodeName);
  const follower = new EventFollower(store, new Set((await store.list()).items.map((e) => e.metadata?.name ?? '')));
  await follower.start();
  ctx.roster.beginEvent(mapping);
  const isProtected = async (name: string) => {
    const node = await core.readNode({ name }).catch(() => undefined);
    return !!node?.spec?.unschedulable && !!node.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  };

  try {
    const r0 = await ctx.read();
    await sim.control.exhaustSpotPool(pair.spot);
    for (const node of names) {
      const aemm = await startAemm({ rebalanceDelaySec: 0 });
      aemms.push(aemm);
      await ctx.host.imds(node, aemm.url);
    }
    ctx.say(`  spot exhausted, rebalance recommendation for ${names.join(', ')}`);
    await until('the fallbacks to be recorded and the at-risk nodes protected', async () => follower.last.size >= ctx.events && (await Promise.all(names.map(isProtected))).every(Boolean));
    const r1 = await ctx.read();
    ctx.say(`  ${ctx.events} event(s) recorded and node(s) protected in ${((r1.at - r0.at) / 1000).toFixed(1)} s; interruption notice`);

    for (const node of names) {
      const aemm = await startAemm({ rebalanceDelaySec: 0, interruptionDelaySec: 0 });
      aemms.push(aemm);
      await ctx.host.imds(node, aemm.url);
    }
    const interruptedAt = Date.now();
    const warningMs = interruptionWarningMs(ctx.scale);
    let reclaimed = false;
    let restored = false;
    await until('every event to complete and be deleted', async () => {
      for (const [name, e] of follower.last) {
        if (e.status?.phase === 'Failed') throw new Error(`event ${name} failed: ${e.status.message ?? ''}`);
        if (follower.gone.has(name) && e.status?.phase !== 'Completed') throw new Error(`event ${name} went away in phase ${e.status?.phase ?? 'none'}`);
      }
      await ctx.roster.follow(await sim.control.nodes());
      if (!reclaimed && Date.now() - interruptedAt >= warningMs) {
        await Promise.all(targets.map((t) => sim.control.interrupt(t.instanceId)));
        reclaimed = true;
        ctx.say(`  instance(s) of ${names.join(', ')} reclaimed`);
      }
      if (reclaimed && !restored && [...follower.last.values()].every((e) => (e.status?.phase ?? 'Pending') !== 'Pending')) {
        await sim.control.restoreSpotPool(pair.spot);
        restored = true;
        ctx.say('  every event Monitoring; spot capacity restored');
      }
      return follower.gone.size >= ctx.events;
    });
    const r2 = await ctx.read();
    ctx.say(`  ${ctx.events} event(s) completed and deleted ${((r2.at - r1.at) / 1000).toFixed(1)} s after the response`);

    await until('the cluster to settle back to its first shape', async () => {
      const state = await sim.control.state();
      const spot = state.groups.find((g) => g.name === pair.spot);
      const onDemand = state.groups.find((g) => g.name === pair.onDemand);
      const now = await sim.control.nodes();
      await ctx.roster.follow(now);
      if (!spot || !onDemand || spot.desiredCapacity !== ctx.nodes || onDemand.desiredCapacity !== 0 || onDemand.instances.length > 0) return false;
      if (spot.instances.length !== ctx.nodes || spot.instances.some((i) => i.lifecycleState !== 'InService')) return false;
      if (now.filter((n) => n.groupName === pair.spot && n.ready).length !== ctx.nodes || ctx.roster.settling) return false;
      const status = await ctx.host.status();
      return status.synced === status.agents && status.queued === 0;
    });
    const r3 = await ctx.read();

    const windowMs = parseDuration(settings.SPOT_GUARD_SPOT_STABILITY_WINDOW ?? '') ?? 0;
    const timings = [...follower.last.entries()].map(([event, e]): EventTiming => {
      const s = e.status ?? {};
      const restoredAt = s.conditions?.find((c) => c.type === 'SpotRestored')?.lastTransitionTime;
      const drain = s.scaleDown?.drain;
      const healthy = Date.parse(s.spotHealthySince ?? '');
      return {
        event,
        spotHealthySince: s.spotHealthySince,
        spotRestoredAt: restoredAt,
        drainStartedAt: drain?.startedAt,
        drainBy: drain?.by,
        claimHolders: follower.holders.get(event) ?? [],
        restoredToDrainSeconds: seconds(restoredAt, drain?.startedAt),
        windowEndToDrainSeconds: Number.isNaN(healthy) ? undefined : seconds(healthy + windowMs, drain?.startedAt),
      };
    });
    return { nodes: names, events: [...follower.last.keys()], response: windowOf(r0, r1), lifecycle: windowOf(r1, r2), settle: windowOf(r2, r3), timings };
  } finally {
    follower.stop();
    await Promise.all(aemms.map((a) => a.stop()));
  }
}
