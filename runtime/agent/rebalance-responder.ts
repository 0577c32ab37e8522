// The agent's answer to its own node's notices: one rebalance-response actor, fed IMDS notices
// and clock ticks, whose intents are carried out here. "Scale first, taint later": capacity is
// raised through the ledgered CapacityPort (exactly one instance per notice, however often a
// step is retried), replacements are found by polling the ASG, and the fallback is recorded as
// a SpotGuardFallbackEvent while holding the on-demand ASG's lock, so two at-risk nodes that
// fall back at once record two different on-demand instances.
import { filter, firstValueFrom, type Observable, type Subscription } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { AsgPair } from '../../machines/fallback-event.types.js';
import { rebalanceResponseMachine } from '../../machines/rebalance-response.machine.js';
import type { CapacityObservation, RebalanceConfig, RebalanceIntent, ResumableStep } from '../../machines/rebalance-response.types.js';
import type { AsgObserver, AsgSnapshot } from '../../streams/asg-observation.stream.js';
import type { ImdsEvent } from '../../streams/imds.stream.js';
import type { NodeView } from '../../streams/spot-health.js';
import { AwsError, isRetryable, type AsgDescription, type AutoScalingPort, type AwsErrorCode } from '../autoscaling.port.js';
import type { AsgLocks } from '../capacity/asg-lock.port.js';
import { isLockLost, isLockTimeout, type CapacityPort } from '../capacity/capacity.port.js';
import { INTERRUPTION_RULES, scaleDownRules, type DrainSettings } from '../kube/drain-policy.js';
import { isForbidden, isInvalid, KubeError } from '../kube/kube-errors.js';
import type { EventRecorder } from '../kube/events.recorder.js';
import type { FallbackEventStore } from '../kube/fallback-event.store.js';
import { REBALANCE_CORDONED_BY, REBALANCE_TAINT, type NodePort } from '../kube/nodes.port.js';
import { RecordLost, type HeldRecord, type ResponseRecords } from '../kube/response-lease.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import type { Notifier } from '../notify/notification.js';
import { recordFallback } from './fallback-record.js';
import { finishResponse, type KeptIncrements } from './response-finisher.js';
import { advanced, type Baseline, type ResponseRecord, type ResponseStep } from './response-record.js';

export { REQUEST_ANNOTATION } from './fallback-record.js';

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
  /** Where the response is recorded for whoever takes it up after this agent. */
  records: ResponseRecords;
  nodes: NodePort;
  nodeViews: () => readonly NodeView[];
  /** The SpotGuardFallbackEvents as the agent's watch last saw them (its informer cache). */
  fallbackEvents: () => readonly SpotGuardFallbackEvent[];
  /** What retiring the at-risk node may evict beyond kubectl's defaults (the SPOT_GUARD_DRAIN_* settings). */
  drain: DrainSettings;
  evictionTimeoutMs: number;
  dryRun: boolean;
  now: () => number;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
  /** Told of the fallback event this agent records (webhooks). */
  notifier?: Notifier;
  /** Increments a finish could not take back, shared with the agent's sweeper. */
  kept: KeptIncrements;
}

type ResponseActor = Actor<typeof rebalanceResponseMachine>;

const RESUMABLE: Record<ResumableStep, true> = { spot: true, 'on-demand': true, recorded: true, protected: true, retiring: true };
const isResumable = (step: ResponseStep): step is ResumableStep => step in RESUMABLE;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Whether asking again can succeed: AWS throttling or an outage, the ASG's lock held or lost,
 * a Kubernetes API hiccup. Such a failure of the spot scale-up is retried on spot, since it
 * says nothing about spot capacity; anything else (refused, forbidden, invalid) is final.
 */
function retryable(err: unknown): boolean {
  if (isRetryable(err) || isLockTimeout(err) || isLockLost(err) || err instanceof RecordLost) return true;
  return err instanceof KubeError && !isForbidden(err) && !isInvalid(err);
}

export class RebalanceResponder {
  readonly actor: ResponseActor;
  private readonly log: Logger;
  private requestId: string | undefined;
  /** The response's record as last written by this agent, and the Lease version it is at. */
  private record: ResponseRecord | undefined;
  private held: HeldRecord | undefined;
  private lastRenewal = 0;
  /** A finish under way or waiting (the node interrupted or the response given up). */
  private finishing: Promise<void> | undefined;
  /** The step the response winds down from, once it does; finishing is tried again until done. */
  private windingDown: ResponseStep | undefined;
  private lastFinishAttempt = 0;
  private nodeUid = '';
  /** The on-demand instance our event records (it may differ from the one first seen). */
  private recorded: { instanceId: string; nodeName: string; event: string } | undefined;
  private observing: { asg: string; subscription: Subscription } | undefined;
  /** The ASG the machine's state tags ask to observe, and the one an effect under way reads. */
  private tagged: string | undefined;
  private effectReads: string | undefined;
  private readonly subscriptions: Subscription[] = [];
  private stopped = false;
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
        this.followState(snapshot.hasTag('observe-spot') ? deps.pair.spot : snapshot.hasTag('observe-on-demand') ? deps.pair.onDemand : undefined);
        this.reportAtMaxSize(snapshot.hasTag('on-demand-at-max-size'), snapshot.context.lastError);
        if (snapshot.hasTag('gave-up')) this.windDown('gave-up');
      },
      error: (err) => this.log.error({ err: message(err) }, 'rebalance-response actor failed'),
    });
  }

  /** Takes up this node's recorded response, if any, then listens; resolves once listening. */
  async start(notices: Observable<ImdsEvent>, ticks: Observable<{ now: number }>): Promise<void> {
    this.actor.start();
    await this.resume();
    if (this.stopped) return;
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
      ticks.subscribe((t) => {
        this.actor.send({ type: 'TICK', now: t.now });
        this.keepRecord();
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.observing?.subscription.unsubscribe();
    this.observing = undefined;
    this.actor.stop();
  }

  /** Polls the ASG whose replacement the machine waits for, and only while it waits. */
  private followState(asg: string | undefined): void {
    this.tagged = asg;
    this.follow();
  }

  /**
   * Observes the tagged ASG, or else the one an effect under way reads (recordFallback reads the
   * on-demand ASG between the two states that observe it): the shared poller keeps running
   * rather than stopping and starting over with a fresh pair of Describe calls.
   */
  private follow(): void {
    const asg = this.tagged ?? this.effectReads;
    if (this.observing && this.observing.asg !== asg) {
      this.observing.subscription.unsubscribe();
      this.observing = undefined;
    }
    if (!asg || this.observing || this.stopped) return;
    const kind = asg === this.deps.pair.spot ? 'SPOT_OBSERVED' : 'ON_DEMAND_OBSERVED';
    const subscription = this.deps.asgObserver.observe(asg).subscribe((e) => {
      if (e.type === 'ASG_ERROR') {
        this.log.warn({ asg, code: e.code, err: e.message }, 'could not observe asg');
        return;
      }
      const observation = this.observation(e.snapshot);
      if (observation) this.actor.send({ type: kind, observation });
    });
    this.observing = { asg, subscription };
  }

  /**
   * The ASG as the shared poller last saw it: at once while it polls (as it does for the state
   * before recordFallback), else from the poll that asking starts. A failed poll is an AwsError.
   */
  private async observed(asg: string): Promise<AsgDescription | undefined> {
    const e = await firstValueFrom(this.deps.asgObserver.observe(asg));
    if (e.type === 'ASG_ERROR') throw new AwsError(e.code as AwsErrorCode, 'DescribeAutoScalingGroups', e.message);
    return e.snapshot.group;
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
  private observation(snapshot: AsgSnapshot): CapacityObservation | undefined {
    const nodes = this.deps.nodeViews();
    const readyOf = (instanceId: string) => nodes.find((n) => n.instanceId === instanceId);
    if (this.recorded && snapshot.asgName === this.deps.pair.onDemand) {
      const node = readyOf(this.recorded.instanceId);
      return { instanceId: this.recorded.instanceId, nodeName: node?.name, nodeReady: node?.ready ?? false };
    }
    const baseline = this.record?.baselines[snapshot.asgName];
    if (!baseline || !snapshot.group) return undefined;
    const [instances, activities] = [new Set(baseline.instances), new Set(baseline.activities)];
    const failed = snapshot.activities.find((a) => a.statusCode === 'Failed' && !activities.has(a.activityId));
    const taken = snapshot.asgName === this.deps.pair.onDemand ? this.recordedInstances() : new Set<string>();
    const fresh = snapshot.group.instances.filter((i) => !instances.has(i.instanceId) && !taken.has(i.instanceId) && i.lifecycleState === 'InService');
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

  /**
   * The instances events already record, from the agent's watch rather than a list on every
   * poll: one recorded a moment ago may be missing, which recordFallback (reading the events
   * afresh under the ASG's lock) catches.
   */
  private recordedInstances(): Set<string> {
    return new Set(this.deps.fallbackEvents().map((e) => e.spec.onDemandInstanceID ?? '').filter(Boolean));
  }

  private async perform(intent: RebalanceIntent): Promise<void> {
    try {
      switch (intent.type) {
        case 'scaleUp':
          return await this.scaleUp(intent.asg);
        case 'withdrawSpot': {
          if (this.deps.dryRun) this.log.info({ dryRun: true }, `would withdraw the unfulfilled increment of spot asg ${intent.asg}`);
          else {
            const serving = (id: string) => this.deps.nodeViews().some((n) => n.instanceId === id && n.ready);
            const result = await this.deps.capacity.withdraw(intent.asg, this.request(), { serving });
            if (result.outcome === 'noSpareInstance') {
              // The spot launch came after all, as a Ready node: it is the replacement.
              const node = this.deps.nodeViews().find((n) => n.ready && n.instanceId !== undefined && result.serving?.includes(n.instanceId));
              if (!node) throw new Error(`every instance launched for the spot increment of ${intent.asg} serves, and none is a Ready node here yet`);
              this.log.info({ asg: intent.asg, instance: node.instanceId, replacement: node.name }, 'spot capacity arrived as its increment was being withdrawn: kept as the replacement');
              this.actor.send({ type: 'SPOT_OBSERVED', observation: { instanceId: node.instanceId, nodeName: node.name, nodeReady: true } });
              return;
            }
            this.log.warn({ asg: intent.asg, outcome: result.outcome, from: result.from, to: result.to, instance: result.instance }, 'withdrew unfulfilled spot increment');
          }
          this.actor.send({ type: 'SPOT_WITHDRAWN' });
          return;
        }
        case 'recordFallback':
          return await this.recordFallback();
        case 'taintAndCordon': {
          await this.protect(intent.nodeName, 'tainted and cordoned at-risk node, its replacement is ready');
          await this.save('protected', undefined, { replacement: this.actor.getSnapshot().context.replacement });
          this.actor.send({ type: 'NODE_PROTECTED' });
          return;
        }
        case 'release': {
          await this.save('released');
          await this.release(intent.nodeName);
          this.actor.send({ type: 'NODE_RELEASED' });
          this.windDown('released');
          return;
        }
        case 'retire': {
          // Written first: from here the at-risk instance may go with the spot decrement.
          await this.save('retiring');
          if (this.deps.dryRun) this.log.info({ dryRun: true }, `would drain node ${intent.nodeName} and terminate ${intent.instanceId} with the spot increment`);
          else {
            const result = await this.deps.nodes.drain(intent.nodeName, { rules: scaleDownRules(this.deps.drain), timeoutMs: this.deps.evictionTimeoutMs });
            this.log.info({ evicted: result.evicted.length, skipped: result.skipped.length }, 'drained at-risk node: no interruption came and a spot replacement serves');
          }
          this.actor.send({ type: 'NODE_RETIRED' });
          this.windDown('retiring');
          return;
        }
        case 'drain': {
          // Written first: whoever finishes the response now knows the instance is going.
          if (this.record) await this.save('interrupted');
          await this.protect(intent.nodeName, 'tainted and cordoned interrupted node');
          if (this.deps.dryRun) this.log.info({ dryRun: true }, `would drain node ${intent.nodeName}`);
          else {
            // The instance goes within two minutes whatever is refused: evict everything that can go.
            const result = await this.deps.nodes.drain(intent.nodeName, { rules: INTERRUPTION_RULES, timeoutMs: this.deps.evictionTimeoutMs });
            this.log.info({ evicted: result.evicted.length, skipped: result.skipped.length }, 'drained interrupted node');
          }
          this.actor.send({ type: 'NODE_DRAINED' });
          this.windDown('interrupted');
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
    // The shared poller of `asg` is kept running from the baseline (its snapshot) to the state
    // that waits for the replacement (which observes the same ASG), rather than stopping and
    // starting over with a fresh Describe pair right after the increment. A retry whose
    // baseline is kept reads no snapshot, so it does not start the poller early either.
    const warm = this.record?.baselines[asg] ? undefined : this.deps.asgObserver.observe(asg).subscribe();
    try {
      await this.raise(asg);
    } finally {
      warm?.unsubscribe();
    }
  }

  private async raise(asg: string): Promise<void> {
    // The record (with what the ASG had before) is in the API server before desired capacity changes.
    await this.save(asg === this.deps.pair.spot ? 'spot' : 'on-demand', asg);
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
    if (result.outcome === 'closed') {
      this.log.warn({ asg, request: this.request() }, 'raised nothing: this response had already taken its increment back');
      this.actor.send({ type: 'EFFECT_FAILED', effect: 'scaleUp', message: `the increment of asg ${asg} for this response was already taken back`, retryable: false });
      return;
    }
    if (asg === this.deps.pair.onDemand) this.log.warn({ asg, from: result.from, to: result.to }, 'fell back to on-demand asg');
    else this.log.info({ asg, from: result.from, to: result.to }, 'scaled spot asg');
    this.actor.send({ type: 'SCALED', asg });
  }

  /** What the ASG has now, taken once per response before its increment (kept across retries). */
  private async baseline(asg: string): Promise<Baseline> {
    const kept = this.record?.baselines[asg];
    if (kept) return kept;
    // One AWS call per fact (invariant 8): the baseline is the shared poller's snapshot, not a
    // Describe pair of its own, and the increment's read under the ASG lock stays the fresh one
    // that desired capacity is computed from. That read, not this one, is what guards the
    // count; the baseline only tells the instances launched since from those already there,
    // and it was never exact (it is taken before the lock, whose wait can be long), so a
    // snapshot younger than one poll interval serves as well as a new Describe. An older one
    // (the poll due meanwhile is in flight, or failed) is not used: the next poll's answer is
    // awaited, and a failed poll fails the scale-up (retried like a failed Describe was). The
    // poller asks for 10 activities rather than 20: a later poll's 10 newest that existed now
    // are among these 10 newest, so no old activity can pass for a new one.
    const maxAgeMs = this.deps.asgObserver.intervalMs;
    const e = await firstValueFrom(this.deps.asgObserver.observe(asg).pipe(filter((o) => o.type === 'ASG_ERROR' || this.deps.now() - o.snapshot.observedAt < maxAgeMs)));
    if (e.type === 'ASG_ERROR') throw new AwsError(e.code as AwsErrorCode, 'DescribeAutoScalingGroups', e.message);
    const { group, activities } = e.snapshot;
    if (!group) throw new Error(`auto scaling group ${asg} does not exist`);
    const takenAt = new Date(this.deps.now()).toISOString();
    return { instances: group.instances.map((i) => i.instanceId), activities: activities.map((a) => a.activityId), takenAt };
  }

  private async recordFallback(): Promise<void> {
    const { onDemand } = this.deps.pair;
    // Entered from AwaitingOnDemand and left for AwaitingReady, which both observe the
    // on-demand ASG: its poller is kept in between, and its last answer is what is recorded from.
    this.effectReads = onDemand;
    this.follow();
    try {
      const event = await recordFallback(this.deps, {
        requestId: this.request(),
        pair: this.deps.pair,
        atRiskNode: this.deps.nodeName,
        before: this.record?.baselines[onDemand]?.instances ?? [],
        minimumWaitDuration: this.deps.config.minimumWaitDuration,
        onDemandGroup: () => this.observed(onDemand),
      });
      if (!event) {
        this.actor.send({ type: 'EFFECT_FAILED', effect: 'recordFallback', message: 'no new on-demand instance is free to record yet', retryable: true });
        return;
      }
      this.recorded = { instanceId: event.spec.onDemandInstanceID ?? '', nodeName: event.spec.onDemandNodeName, event: event.metadata?.name ?? '' };
      await this.save('recorded', undefined, { event: this.recorded.event });
      this.actor.send({ type: 'RECORDED', name: this.recorded.event });
    } finally {
      this.effectReads = undefined;
      this.follow();
    }
  }

  // ---- the record ----

  /**
   * Writes the response's record at `step` (with `asg`'s baseline taken first when given). A
   * record another agent wrote meanwhile is read again and written over: only this node's agent
   * leads a response that is not winding down, and the capacity ledger keeps repeats harmless.
   */
  private async save(step: ResponseStep, asg?: string, extra: Pick<ResponseRecord, 'event' | 'replacement'> = {}): Promise<void> {
    const now = this.deps.now();
    const base: ResponseRecord = this.record ?? {
      requestId: this.request(),
      node: this.deps.nodeName,
      nodeUid: this.nodeUid,
      instanceId: this.deps.instanceId,
      spotASG: this.deps.pair.spot,
      onDemandASG: this.deps.pair.onDemand,
      step,
      startedAt: new Date(now).toISOString(),
      stepAt: new Date(now).toISOString(),
      baselines: {},
    };
    const baselines = asg ? { ...base.baselines, [asg]: await this.baseline(asg) } : base.baselines;
    const next = advanced(base, step, now, { baselines, ...(extra.event ? { event: extra.event } : {}), ...(extra.replacement ? { replacement: extra.replacement } : {}) });
    if (this.deps.dryRun) {
      this.record = next;
      return;
    }
    try {
      this.held = await this.deps.records.write(next, this.held?.resourceVersion);
    } catch (err) {
      if (!(err instanceof RecordLost)) throw err;
      this.held = await this.deps.records.read(this.deps.instanceId);
      this.held = await this.deps.records.write(next, this.held?.resourceVersion);
    }
    this.record = next;
    this.lastRenewal = now;
  }

  /**
   * On each tick: the record's heartbeat (a third of its lease), and another attempt at a
   * finish that is waiting (every 15 s).
   */
  private keepRecord(): void {
    const now = this.deps.now();
    if (this.finishing === undefined && this.windingDown && now - this.lastFinishAttempt >= 15_000) this.windDown(this.windingDown);
    if (!this.record || !this.held || this.deps.dryRun) return;
    if (now - this.lastRenewal < (this.deps.records.durationSeconds * 1000) / 3) return;
    this.lastRenewal = now;
    const record = this.record;
    this.deps.records.write(record, this.held.resourceVersion).then(
      (held) => {
        if (this.record === record) this.held = held;
      },
      (err: unknown) => this.log.warn({ err: message(err) }, 'could not renew the rebalance-response record'),
    );
  }

  /** Settles what the response added (response-finisher.ts), then marks its record finished. */
  private windDown(step: ResponseStep): void {
    if (this.finishing || !this.record) return;
    this.windingDown = step;
    this.lastFinishAttempt = this.deps.now();
    this.finishing = (async () => {
      if (this.record?.step !== step) await this.save(step);
      const record = this.record;
      if (!record) return;
      const outcome = await finishResponse(record, { ...this.deps, onDemandTimeoutMs: this.deps.config.onDemandTimeoutMs, minimumWaitDuration: this.deps.config.minimumWaitDuration });
      if (!outcome.done) {
        this.log.info({ waitingFor: outcome.waitingFor }, 'rebalance response not finished yet');
        return;
      }
      if (this.held) await this.deps.records.finish(record, this.held.resourceVersion);
      this.log.info({ step, event: outcome.event }, 'finished rebalance response');
      this.record = undefined;
      this.held = undefined;
      this.windingDown = undefined;
    })()
      .catch((err: unknown) => this.log.warn({ err: message(err) }, 'could not finish the rebalance response, will retry'))
      .finally(() => {
        this.finishing = undefined;
      });
  }

  /**
   * This node's response, as recorded by its previous agent: taken over at once (a DaemonSet
   * runs one agent per node, so the previous holder is gone) and resumed at its step, or wound
   * down when it was already winding down. Retried until the API server answers.
   */
  private async resume(): Promise<void> {
    for (let delayMs = 1000; !this.stopped; delayMs = Math.min(delayMs * 2, 30_000)) {
      try {
        this.nodeUid = (await this.deps.nodes.getNode(this.deps.nodeName))?.uid ?? '';
        const held = await this.deps.records.read(this.deps.instanceId);
        if (!held || held.finished) {
          this.held = held;
          return;
        }
        const { record } = held;
        if (!record) {
          this.log.warn({ lease: held.name, holder: held.holder }, 'left alone an unreadable rebalance-response record');
          this.held = held;
          return;
        }
        this.held = await this.deps.records.write(record, held.resourceVersion);
        this.record = record;
        this.requestId = record.requestId;
        this.lastRenewal = this.deps.now();
        this.log.warn({ step: record.step, request: record.requestId, previousHolder: held.holder }, 'took up this node\'s recorded rebalance response');
        if (isResumable(record.step)) {
          const onDemand = record.baselines[record.onDemandASG];
          this.actor.send({
            type: 'RESUMED',
            step: record.step,
            spotRequestedAt: Date.parse(record.startedAt),
            onDemandScaledAt: onDemand ? Date.parse(onDemand.takenAt) : undefined,
            eventName: record.event,
            protectedAt: record.step === 'protected' ? Date.parse(record.stepAt) : undefined,
            replacement: record.replacement,
          });
        } else this.windDown(record.step);
        return;
      } catch (err) {
        this.log.warn({ err: message(err), retryInMs: delayMs }, 'could not read this node\'s rebalance-response record, will retry');
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /** The node serves again: the taint and cordon of its protection undone. */
  private async release(nodeName: string): Promise<void> {
    if (this.deps.dryRun) {
      this.log.info({ dryRun: true }, `would untaint node ${nodeName} of ${REBALANCE_TAINT.key} and uncordon it`);
      return;
    }
    await this.deps.nodes.untaint(nodeName, REBALANCE_TAINT);
    // A node someone else had cordoned before the response stays cordoned.
    await this.deps.nodes.uncordon(nodeName, { key: REBALANCE_CORDONED_BY, value: this.request() });
    const done = 'no interruption came: the at-risk node serves again, its on-demand replacement is on record for its scale-down';
    this.log.info({}, done);
    void this.deps.events?.record({ kind: 'Node', name: nodeName }, 'Normal', 'SpotGuardReleased', done);
  }

  private async protect(nodeName: string, done: string): Promise<void> {
    if (this.deps.dryRun) {
      this.log.info({ dryRun: true }, `would taint node ${nodeName} with ${REBALANCE_TAINT.key} and cordon it`);
      return;
    }
    await this.deps.nodes.taint(nodeName, REBALANCE_TAINT);
    await this.deps.nodes.cordon(nodeName, { key: REBALANCE_CORDONED_BY, value: this.request() });
    this.log.info({}, done);
    void this.deps.events?.record({ kind: 'Node', name: nodeName }, 'Normal', 'SpotGuardProtected', done);
  }
}
