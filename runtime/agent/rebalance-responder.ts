// The agent's answer to its own node's notices: one rebalance-response actor, fed IMDS notices
// and clock ticks, whose intents are carried out here. "Scale first, taint later": capacity is
// raised through the ledgered CapacityPort (exactly one instance per notice, however often a
// step is retried), replacements are found by polling the ASG, and the fallback is recorded as
// a SpotGuardFallbackEvent while holding the on-demand ASG's lock, so two at-risk nodes that
// fall back at once record two different on-demand instances.
import { filter, type Observable, type Subscription } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import { COMPONENT_VALUE } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { AsgPair } from '../../machines/fallback-event.types.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import type { CapacityObservation, RebalanceConfig, RebalanceIntent } from '../../machines/rebalance-response.types.js';
import type { AsgObserver, AsgSnapshot } from '../../streams/asg-observation.stream.js';
import type { ImdsEvent } from '../../streams/imds.stream.js';
import type { NodeView } from '../../streams/spot-health.js';
import { isRetryable, type AutoScalingPort } from '../autoscaling.port.js';
import type { AsgLocks } from '../capacity/asg-lock.port.js';
import { isLockLost, isLockTimeout, type CapacityPort } from '../capacity/capacity.port.js';
import { INTERRUPTION_RULES } from '../kube/drain-policy.js';
import { isForbidden, isInvalid, KubeError } from '../kube/kube-errors.js';
import type { EventRecorder } from '../kube/events.recorder.js';
import type { FallbackEventStore } from '../kube/fallback-event.store.js';
import { REBALANCE_TAINT, type NodePort } from '../kube/nodes.port.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';

/** Names the rebalance notice an event was recorded for, so a retried record finds its own. */
export const REQUEST_ANNOTATION = `${COMPONENT_VALUE}.aws.amazon.com/request`;

export interface RebalanceResponderDeps {
  nodeName: string;
  instanceId: string;
  pair: AsgPair;
  config: RebalanceConfig;
  capacity: CapacityPort;
  locks: AsgLocks;
  autoscaling: AutoScalingPort;
  asgObserver: AsgObserver;
  store: FallbackEventStore;
  nodes: NodePort;
  nodeViews: () => readonly NodeView[];
  evictionTimeoutMs: number;
  dryRun: boolean;
  now: () => number;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
}

type ResponseActor = Actor<typeof rebalanceResponseMachine>;

/** Instances and activities an ASG had before our increment: anything else is new. */
interface Baseline {
  instances: Set<string>;
  activities: Set<string>;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Whether asking again can succeed: AWS throttling or an outage, the ASG's lock held or lost,
 * a Kubernetes API hiccup. Such a failure of the spot scale-up is retried on spot, since it
 * says nothing about spot capacity; anything else (refused, forbidden, invalid) is final.
 */
function retryable(err: unknown): boolean {
  if (isRetryable(err) || isLockTimeout(err) || isLockLost(err)) return true;
  return err instanceof KubeError && !isForbidden(err) && !isInvalid(err);
}

export class RebalanceResponder {
  readonly actor: ResponseActor;
  private readonly log: Logger;
  private requestId: string | undefined;
  private readonly baselines = new Map<string, Baseline>();
  /** The on-demand instance our event records (it may differ from the one first seen). */
  private recorded: { instanceId: string; nodeName: string; event: string } | undefined;
  private observing: { asg: string; subscription: Subscription } | undefined;
  private readonly subscriptions: Subscription[] = [];
  /** Whether the on-demand ASG's max size is what the response waits for (reported once). */
  private atMaxSize = false;

  constructor(private readonly deps: RebalanceResponderDeps) {
    this.log = deps.log.child({ node: deps.nodeName });
    this.actor = createActor(rebalanceResponseMachine, {
      input: { nodeName: deps.nodeName, instanceId: deps.instanceId, config: deps.config, now: deps.now() },
    });
    this.actor.on('*', (intent) => void this.perform(intent));
    this.actor.subscribe({
      next: (snapshot) => {
        this.followState(snapshot.value);
        this.reportAtMaxSize(snapshot.hasTag('on-demand-at-max-size'), snapshot.context.lastError);
      },
      error: (err) => this.log.error({ err: message(err) }, 'rebalance-response actor failed'),
    });
  }

  start(notices: Observable<ImdsEvent>, ticks: Observable<{ now: number }>): void {
    this.actor.start();
    this.subscriptions.push(
      notices.pipe(filter((e) => e.type !== 'IMDS_ERROR')).subscribe((e) => {
        if (e.type === 'REBALANCE_RECOMMENDED') {
          this.log.info({ asg: this.deps.pair.spot, noticeTime: e.noticeTime }, 'detected rebalance recommendation');
          this.requestId ??= `${this.deps.nodeName}@${e.noticeTime}`;
          this.actor.send(e);
        } else if (e.type === 'INTERRUPTION_NOTICED') {
          this.log.info({ asg: this.deps.pair.spot, action: e.action, time: e.time }, 'detected spot interruption notice');
          this.actor.send(e);
        }
      }),
      ticks.subscribe((t) => this.actor.send({ type: 'TICK', now: t.now })),
    );
  }

  stop(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.observing?.subscription.unsubscribe();
    this.observing = undefined;
    this.actor.stop();
  }

  /** Polls the ASG whose replacement the machine waits for, and only while it waits. */
  private followState(value: unknown): void {
    const state = JSON.stringify(value);
    const asg = /AwaitingSpot/.test(state) ? this.deps.pair.spot : /AwaitingOnDemand|AwaitingReady/.test(state) ? this.deps.pair.onDemand : undefined;
    if (this.observing && this.observing.asg !== asg) {
      this.observing.subscription.unsubscribe();
      this.observing = undefined;
    }
    if (!asg || this.observing) return;
    const kind = asg === this.deps.pair.spot ? 'SPOT_OBSERVED' : 'ON_DEMAND_OBSERVED';
    const subscription = this.deps.asgObserver.observe(asg).subscribe((e) => {
      if (e.type === 'ASG_ERROR') {
        this.log.warn({ asg, code: e.code, err: e.message }, 'could not observe asg');
        return;
      }
      void this.observation(e.snapshot).then((observation) => observation && this.actor.send({ type: kind, observation }));
    });
    this.observing = { asg, subscription };
  }

  /**
   * Once when the on-demand ASG's max size starts blocking the response, once when it stops:
   * the machine asks again with a capped doubling pause, which needs no log line each time.
   */
  private reportAtMaxSize(waiting: boolean, reason: string | undefined): void {
    if (waiting === this.atMaxSize) return;
    this.atMaxSize = waiting;
    const asg = this.deps.pair.onDemand;
    this.deps.metrics?.setOnDemandAtMaxSize(asg, waiting);
    if (!waiting) {
      this.log.info({ asg }, 'on-demand asg has room again');
      return;
    }
    this.log.warn({ asg, reason }, 'on-demand asg at max size, rebalance response waits');
    void this.deps.events?.record(
      { kind: 'Node', name: this.deps.nodeName },
      'Warning',
      'OnDemandAtMaxSize',
      `spot capacity for ${this.deps.pair.spot} did not arrive and on-demand asg ${asg} is at its max size: ${this.deps.nodeName} keeps its pods until the max size is raised`,
    );
  }

  /** What the machine needs to know of our replacement in this snapshot. */
  private async observation(snapshot: AsgSnapshot): Promise<CapacityObservation | undefined> {
    const nodes = this.deps.nodeViews();
    const readyOf = (instanceId: string) => nodes.find((n) => n.instanceId === instanceId);
    if (this.recorded && snapshot.asgName === this.deps.pair.onDemand) {
      const node = readyOf(this.recorded.instanceId);
      return { instanceId: this.recorded.instanceId, nodeName: node?.name, nodeReady: node?.ready ?? false };
    }
    const baseline = this.baselines.get(snapshot.asgName);
    if (!baseline || !snapshot.group) return undefined;
    const failed = snapshot.activities.find((a) => a.statusCode === 'Failed' && !baseline.activities.has(a.activityId));
    const taken = snapshot.asgName === this.deps.pair.onDemand ? await this.recordedInstances() : new Set<string>();
    const fresh = snapshot.group.instances.filter((i) => !baseline.instances.has(i.instanceId) && !taken.has(i.instanceId) && i.lifecycleState === 'InService');
    // Prefer a replacement whose node is Ready, then one that has at least registered.
    const withNode = fresh.map((i) => ({ instanceId: i.instanceId, node: readyOf(i.instanceId) })).filter((c) => c.node);
    const best = withNode.find((c) => c.node?.ready) ?? withNode[0];
    return {
      instanceId: best?.instanceId,
      nodeName: best?.node?.name,
      nodeReady: best?.node?.ready ?? false,
      failedActivity: failed ? `${failed.statusCode}: ${failed.statusMessage || failed.description}` : undefined,
    };
  }

  private async recordedInstances(): Promise<Set<string>> {
    const { items } = await this.deps.store.list();
    return new Set(items.map((e) => e.spec.onDemandInstanceID ?? '').filter(Boolean));
  }

  private async perform(intent: RebalanceIntent): Promise<void> {
    try {
      switch (intent.type) {
        case 'scaleUp':
          return await this.scaleUp(intent.asg);
        case 'withdrawSpot': {
          if (this.deps.dryRun) this.log.info({ dryRun: true }, `would withdraw the unfulfilled increment of spot asg ${intent.asg}`);
          else {
            const result = await this.deps.capacity.withdraw(intent.asg, this.request());
            this.log.warn({ asg: intent.asg, outcome: result.outcome, from: result.from, to: result.to }, 'withdrew unfulfilled spot increment');
          }
          this.actor.send({ type: 'SPOT_WITHDRAWN' });
          return;
        }
        case 'recordFallback':
          return await this.recordFallback();
        case 'taintAndCordon': {
          await this.protect(intent.nodeName, 'tainted and cordoned at-risk node, its replacement is ready');
          this.actor.send({ type: 'NODE_PROTECTED' });
          return;
        }
        case 'drain': {
          await this.protect(intent.nodeName, 'tainted and cordoned interrupted node');
          if (this.deps.dryRun) this.log.info({ dryRun: true }, `would drain node ${intent.nodeName}`);
          else {
            // The instance goes within two minutes whatever is refused: evict everything that can go.
            const result = await this.deps.nodes.drain(intent.nodeName, { rules: INTERRUPTION_RULES, timeoutMs: this.deps.evictionTimeoutMs });
            this.log.info({ evicted: result.evicted.length, skipped: result.skipped.length }, 'drained interrupted node');
          }
          this.actor.send({ type: 'NODE_DRAINED' });
          return;
        }
      }
    } catch (err) {
      this.log.warn({ effect: intent.type, err: message(err) }, 'rebalance response step failed, will retry');
      this.actor.send({ type: 'EFFECT_FAILED', effect: intent.type, message: message(err), retryable: retryable(err) });
    }
  }

  private request(): string {
    return this.requestId ?? `${this.deps.nodeName}@unknown`;
  }

  private async scaleUp(asg: string): Promise<void> {
    await this.takeBaseline(asg);
    if (this.deps.dryRun) {
      this.log.info({ asg, dryRun: true }, `would raise the desired capacity of asg ${asg} by one`);
      this.actor.send({ type: 'SCALED', asg });
      return;
    }
    const result = await this.deps.capacity.increment(asg, this.request());
    if (result.outcome === 'atMaxSize') {
      this.actor.send({ type: 'EFFECT_FAILED', effect: 'scaleUp', message: `asg ${asg} is at its max size ${result.max}`, retryable: false, atMaxSize: true });
      return;
    }
    if (asg === this.deps.pair.onDemand) this.log.warn({ asg, from: result.from, to: result.to }, 'fell back to on-demand asg');
    else this.log.info({ asg, from: result.from, to: result.to }, 'scaled spot asg');
    this.actor.send({ type: 'SCALED', asg });
  }

  /** Remembers what the ASG had before our increment (kept across retries of the same request). */
  private async takeBaseline(asg: string): Promise<void> {
    if (this.baselines.has(asg)) return;
    const [group] = (await this.deps.autoscaling.describeGroups([asg])).filter((g) => g.name === asg);
    const activities = group ? await this.deps.autoscaling.describeActivities(asg, 20) : [];
    this.baselines.set(asg, { instances: new Set(group?.instances.map((i) => i.instanceId)), activities: new Set(activities.map((a) => a.activityId)) });
  }

  /**
   * Under the on-demand ASG's lock: an event already recorded for this request is ours; else
   * the first new, registered on-demand instance that no event records yet gets one.
   */
  private async recordFallback(): Promise<void> {
    const { pair, store } = this.deps;
    const lock = await this.deps.locks.acquire(pair.onDemand, 60_000);
    try {
      const { items } = await store.list();
      const mine = items.find((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === this.request());
      const event = mine ?? (await this.createEvent(items));
      if (!event) {
        this.actor.send({ type: 'EFFECT_FAILED', effect: 'recordFallback', message: 'no new on-demand instance is free to record yet', retryable: true });
        return;
      }
      this.recorded = { instanceId: event.spec.onDemandInstanceID ?? '', nodeName: event.spec.onDemandNodeName, event: event.metadata?.name ?? '' };
      this.actor.send({ type: 'RECORDED', name: this.recorded.event });
    } finally {
      await lock.release().catch((err: unknown) => this.log.warn({ err: message(err) }, 'could not release asg lock'));
    }
  }

  private async createEvent(existing: readonly SpotGuardFallbackEvent[]): Promise<SpotGuardFallbackEvent | undefined> {
    const { pair, store, config } = this.deps;
    const taken = new Set(existing.map((e) => e.spec.onDemandInstanceID ?? ''));
    const [group] = (await this.deps.autoscaling.describeGroups([pair.onDemand])).filter((g) => g.name === pair.onDemand);
    const baseline = this.baselines.get(pair.onDemand);
    const nodes = this.deps.nodeViews();
    const candidate = group?.instances
      .filter((i) => !baseline?.instances.has(i.instanceId) && !taken.has(i.instanceId))
      .map((i) => ({ instanceId: i.instanceId, node: nodes.find((n) => n.instanceId === i.instanceId) }))
      .find((c) => c.node);
    if (!candidate?.node) return undefined;
    const spec = {
      spotASGName: pair.spot,
      onDemandASGName: pair.onDemand,
      onDemandInstanceID: candidate.instanceId,
      onDemandNodeName: candidate.node.name,
      timestamp: new Date(this.deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      minimumWaitDuration: config.minimumWaitDuration,
    };
    const message = `Fallback to on-demand completed, waiting ${config.minimumWaitDuration} before monitoring`;
    const event = await store.create(spec, { phase: 'Pending', spotCapacityRestored: false, scaleDownInitiated: false, message }, { [REQUEST_ANNOTATION]: this.request() });
    this.log.info({ event: event.metadata?.name, asg: pair.onDemand, instance: spec.onDemandInstanceID, onDemandNode: spec.onDemandNodeName }, 'recorded fallback event');
    this.deps.metrics?.fallback(pair.spot, pair.onDemand);
    void this.deps.events?.record(
      { kind: 'SpotGuardFallbackEvent', name: event.metadata?.name ?? '', namespace: event.metadata?.namespace, uid: event.metadata?.uid, apiVersion: event.apiVersion },
      'Normal',
      'FellBackToOnDemand',
      `spot capacity for ${pair.spot} did not arrive; on-demand node ${spec.onDemandNodeName} (${spec.onDemandInstanceID}) replaces ${this.deps.nodeName}`,
    );
    return event;
  }

  private async protect(nodeName: string, done: string): Promise<void> {
    if (this.deps.dryRun) {
      this.log.info({ dryRun: true }, `would taint node ${nodeName} with ${REBALANCE_TAINT.key} and cordon it`);
      return;
    }
    await this.deps.nodes.taint(nodeName, REBALANCE_TAINT);
    await this.deps.nodes.cordon(nodeName);
    this.log.info({}, done);
    void this.deps.events?.record({ kind: 'Node', name: nodeName }, 'Normal', 'SpotGuardProtected', done);
  }
}
