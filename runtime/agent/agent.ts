// One agent, as the DaemonSet runs it on every node: the SpotGuardFallbackEvent watch feeds
// the actor system, the node watch feeds spot-health observations, a clock ticks every actor,
// and (on a spot node of a configured pair) IMDS notices drive the rebalance response.
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Lease, type V1Node } from '@kubernetes/client-node';
import { asyncScheduler, tap, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { GROUP, PLURAL, VERSION } from '../../crds/spotguardfallbackevent.names.generated.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { FallbackEventConfig } from '../../machines/fallback-event.types.js';
import type { RebalanceConfig } from '../../machines/rebalance-response.types.js';
import { formatDuration } from '../../crds/duration.js';
import { AsgObserver } from '../../streams/asg-observation.stream.js';
import { clock } from '../../streams/clock.stream.js';
import { watchResource } from '../../streams/kube-watch.stream.js';
import type { NodeView } from '../../streams/spot-health.js';
import type { AutoScalingPort } from '../autoscaling.port.js';
import type { Config, PodIdentity } from '../config.js';
import { ClaimLeases } from '../kube/claim-lease.js';
import type { EventRecorder } from '../kube/events.recorder.js';
import { FallbackEventStore } from '../kube/fallback-event.store.js';
import { informerSource } from '../kube/informer.watch.js';
import { REBALANCE_TAINT, SCALE_DOWN_TAINT, type NodePort } from '../kube/nodes.port.js';
import { KubeNodes } from '../kube/nodes.kube.js';
import { instanceIdOf } from '../kube/provider-id.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import { loadSnapshot } from '../safety/cluster-snapshot.kube.js';
import { checkSafety, type ClusterSnapshot } from '../safety/safety-checks.js';
import { SharedSnapshots } from '../safety/shared-snapshot.js';
import { imdsNotices, type ImdsEvent } from '../../streams/imds.stream.js';
import { AsgLeaseLocks } from '../capacity/asg-lock.kube.js';
import type { AsgLocks } from '../capacity/asg-lock.port.js';
import { LedgeredCapacity } from '../capacity/capacity.js';
import type { ImdsPort } from '../imds.port.js';
import { FallbackActors, type ChecksResult, type FallbackActorsDeps, type FallbackObserver } from './fallback-actors.js';
import { fallbackReporter, reportRetrying } from './fallback-reporter.js';
import { RebalanceResponder } from './rebalance-responder.js';
import { KeptIncrements } from './response-finisher.js';
import { ResponseSweeper } from './response-sweeper.js';
import { RESPONSE_SELECTOR, ResponseRecords } from '../kube/response-lease.js';
import { KeptTrust, targetUntrustedReason } from './trust.js';
import { StuckEvents } from './stuck-events.js';
import { WebhookNotifier } from '../notify/webhook.http.js';

export interface AgentOptions {
  identity: PodIdentity;
  config: Config;
  kubeConfig: KubeConfig;
  autoscaling: AutoScalingPort;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
  /** What the AWS calls taught about the agent's credentials (runtime/aws-auth.health.ts). */
  awsAuth?: { check(): { ok: boolean; detail?: string } | undefined };
  scheduler?: SchedulerLike;
  /** Finer machine timings than the settings allow (tests and the sandbox's scaled-down story). */
  tuning?: Partial<FallbackEventConfig> & {
    pollIntervalMs?: number;
    watchResyncMs?: number;
    imdsIntervalMs?: number;
    rebalance?: Partial<RebalanceConfig>;
    /** How long a rebalance-response record outlives its silent holder (RESPONSE_LEASE_SECONDS). */
    responseLeaseSeconds?: number;
    /** Objects per list request (LIST_PAGE_SIZE); tests make it small to see the pages. */
    listPageSize?: number;
    /** The first pause before a failed webhook notification is sent again (1 s); it doubles up to a minute. */
    webhookFirstPauseMs?: number;
  };
  /** Told about every actor snapshot (the live view). */
  observer?: FallbackObserver;
  /** Inspection events of every fallback-event actor (Stately's inspector); none by default. */
  inspect?: FallbackActorsDeps['inspect'];
  /** Nodes as the agent touches them; the Kubernetes adapter by default (tests wrap it to count calls). */
  nodes?: NodePort;
  /** Instance metadata of this agent's node; without it the agent answers no rebalance notices. */
  imds?: ImdsPort;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

function nodeView(node: V1Node): NodeView {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { name: node.metadata?.name ?? '', instanceId: instanceIdOf(node.spec?.providerID), ready };
}

export function fallbackConfig(config: Config, tuning: AgentOptions['tuning'] = {}): FallbackEventConfig {
  const { pollIntervalMs: _poll, watchResyncMs: _resync, imdsIntervalMs: _imds, rebalance: _rebalance, responseLeaseSeconds: _lease, listPageSize: _page, webhookFirstPauseMs: _webhook, ...machine } = tuning;
  return {
    asgPairs: config.asgPairs,
    minimumWaitMs: config.minimumWaitMs,
    stabilityWindowMs: config.spotStabilityWindowMs,
    // Three missed polls and an observation no longer proves health.
    healthStaleAfterMs: 3 * config.asgPollIntervalMs,
    claimLeaseSeconds: config.claimLeaseSeconds,
    recheckIntervalMs: config.recheckIntervalMs,
    stepRetryBackoffMs: Math.max(1000, Math.min(30_000, config.recheckIntervalMs)),
    stepRetryMaxBackoffMs: config.stepRetryMaxBackoffMs,
    maxStepAttempts: config.maxStepAttempts,
    // At the 15 s poll, a group missing for three polls in a row (30 s and more) is gone.
    asgMissingObservations: 3,
    ttlMs: config.eventTtlMs,
    // One turn per agent at a free claim: longer than a claim's commit takes to reach the others.
    claimTurnMs: 1000,
    ...machine,
  };
}

export class Agent {
  readonly store: FallbackEventStore;
  readonly nodes: NodePort;
  readonly actors: FallbackActors;
  private readonly nodeCache = new Map<string, NodeView>();
  /** The same nodes whole, for the safety checks: the objects the node watch already holds. */
  private readonly nodeObjects = new Map<string, V1Node>();
  private readonly snapshots: SharedSnapshots;
  private readonly subscriptions: Subscription[] = [];
  private eventsSynced = false;
  private nodesSynced = false;
  private readonly scheduler: SchedulerLike;
  private readonly asgObserver: AsgObserver;
  readonly locks: AsgLocks;
  /** What every fallback-event actor decides by (settings and tuning). */
  private readonly machineConfig: FallbackEventConfig;
  responder: RebalanceResponder | undefined;
  readonly records: ResponseRecords;
  private readonly sweeper: ResponseSweeper;
  private readonly kept: KeptIncrements;
  private readonly trust: KeptTrust;
  /** Webhook notifications, when SPOT_GUARD_WEBHOOK_URL (or _FILE) is set. */
  private readonly notifier: WebhookNotifier | undefined;
  private readonly stuck: StuckEvents | undefined;
  /** The last IMDS poll: undefined until one has answered or failed. */
  private imdsOk: { ok: boolean; detail?: string } | undefined;
  private stopped = false;

  constructor(private readonly options: AgentOptions) {
    const { config, kubeConfig, identity, log } = options;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.machineConfig = fallbackConfig(config, options.tuning);
    const pageSize = options.tuning?.listPageSize;
    this.store = new FallbackEventStore(kubeConfig, { namespace: config.namespace, pageSize });
    const kubeNodes = new KubeNodes(kubeConfig, { pageSize });
    this.snapshots = new SharedSnapshots(
      () => loadSnapshot(kubeConfig, { pageSize, nodes: () => (this.nodesSynced ? [...this.nodeObjects.values()] : undefined) }),
      () => this.scheduler.now(),
    );
    this.nodes = options.nodes ?? kubeNodes;
    const asgObserver = new AsgObserver(options.autoscaling, { intervalMs: options.tuning?.pollIntervalMs ?? config.asgPollIntervalMs, scheduler: this.scheduler });
    this.asgObserver = asgObserver;
    // A few recheck intervals: a blocked event tests trust about once every four checks.
    this.trust = new KeptTrust(4 * this.machineConfig.recheckIntervalMs, () => this.scheduler.now());
    this.locks = new AsgLeaseLocks(kubeConfig, { holderIdentity: identity.podName, namespace: config.namespace });
    this.records = new ResponseRecords(kubeConfig, { holderIdentity: identity.podName, namespace: config.namespace, leaseDurationSeconds: options.tuning?.responseLeaseSeconds });
    this.kept = new KeptIncrements(options.metrics);
    this.notifier = config.webhook
      ? new WebhookNotifier({
          settings: config.webhook,
          sentBy: identity.podName,
          now: () => this.scheduler.now(),
          log,
          metrics: options.metrics,
          events: options.events,
          firstPauseMs: options.tuning?.webhookFirstPauseMs,
        })
      : undefined;
    this.sweeper = new ResponseSweeper({
      kept: this.kept,
      records: this.records,
      nodeName: identity.nodeName,
      capacity: new LedgeredCapacity(this.locks, options.autoscaling, { log }),
      locks: this.locks,
      autoscaling: options.autoscaling,
      store: this.store,
      nodeViews: () => [...this.nodeCache.values()],
      onDemandTimeoutMs: config.onDemandTimeoutMs,
      minimumWaitDuration: formatDuration(config.minimumWaitMs),
      dryRun: config.dryRun,
      now: () => this.scheduler.now(),
      log,
      metrics: options.metrics,
      events: options.events,
      notifier: this.notifier,
      // A record this agent finishes is renewed on each sweep: well inside its lease.
      intervalMs: Math.min(15_000, (this.records.durationSeconds * 1000) / 3),
    });
    this.actors = new FallbackActors({
      agent: { id: identity.podName, nodeName: identity.nodeName },
      config: this.machineConfig,
      store: this.store,
      claimLeases: new ClaimLeases(kubeConfig, { holderIdentity: identity.podName, now: () => this.scheduler.now() }),
      asgObserver,
      nodeViews: () => [...this.nodeCache.values()],
      runChecks: (event) => this.runChecks(event),
      steps: {
        nodes: this.nodes,
        pods: kubeNodes,
        autoscaling: options.autoscaling,
        capacity: new LedgeredCapacity(this.locks, options.autoscaling, { log }),
        drain: config.drain,
        evictionTimeoutMs: config.evictionTimeoutMs,
        dryRun: config.dryRun,
      },
      now: () => this.scheduler.now(),
      log,
      observer: this.observer(),
      inspect: options.inspect,
    });
    this.stuck =
      this.notifier && config.webhook
        ? new StuckEvents({ agentId: identity.podName, stuckAfterMs: config.webhook.stuckAfterMs, store: this.store, actors: this.actors, notifier: this.notifier, log })
        : undefined;
  }

  start(): void {
    const { kubeConfig, config, log } = this.options;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const resyncMs = this.options.tuning?.watchResyncMs;
    const pageSize = this.options.tuning?.listPageSize;
    const events = watchResource<SpotGuardFallbackEvent>(
      informerSource<SpotGuardFallbackEvent & { metadata: object }>(
        kubeConfig,
        `/apis/${GROUP}/${VERSION}/namespaces/${config.namespace}/${PLURAL}`,
        async (page) => (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: config.namespace, plural: PLURAL, ...page })) as never,
        { pageSize },
      ),
      { keyOf: (o) => o.metadata?.name ?? '', scheduler: this.scheduler, resyncMs },
    );
    const nodes = watchResource<V1Node>(
      informerSource<V1Node>(kubeConfig, '/api/v1/nodes', (page) => core.listNode(page), { pageSize }),
      { keyOf: (n) => n.metadata?.name ?? '', scheduler: this.scheduler, resyncMs },
    );
    // The rebalance responses under way (response-lease.ts): a handful of Leases, watched so
    // that a response whose agent is gone is finished by another (response-sweeper.ts).
    const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    const responses = watchResource<V1Lease>(
      informerSource<V1Lease>(
        kubeConfig,
        `/apis/coordination.k8s.io/v1/namespaces/${config.namespace}/leases`,
        (page) => coordination.listNamespacedLease({ namespace: config.namespace, labelSelector: RESPONSE_SELECTOR, ...page }),
        { labelSelector: RESPONSE_SELECTOR, pageSize },
      ),
      { keyOf: (l) => l.metadata?.name ?? '', scheduler: this.scheduler, resyncMs },
    );
    this.subscriptions.push(
      responses.subscribe((e) => {
        if (e.type === 'SYNCED') this.sweeper.reset(e.objects.map((l) => this.records.held(l)));
        else if (e.type === 'ADDED' || e.type === 'MODIFIED') this.sweeper.seen(this.records.held(e.object));
        else if (e.type === 'DELETED') this.sweeper.gone(e.object.metadata?.name ?? '');
        else if (e.type === 'WATCH_ERROR') log.warn({ err: e.message, attempt: e.attempt }, 'rebalance-response watch failed, restarting');
      }),
      nodes.subscribe((e) => {
        if (e.type === 'SYNCED') {
          this.nodeCache.clear();
          this.nodeObjects.clear();
          for (const n of e.objects) this.nodeSeen(n);
          this.nodesSynced = true;
        } else if (e.type === 'ADDED' || e.type === 'MODIFIED') this.nodeSeen(e.object);
        else if (e.type === 'DELETED') this.nodeGone(e.object);
        else if (e.type === 'WATCH_ERROR') log.warn({ err: e.message, attempt: e.attempt }, 'node watch failed, restarting');
      }),
      events.subscribe((e) => {
        if (e.type === 'SYNCED') {
          this.actors.synced(e.objects);
          this.eventsSynced = true;
        } else if (e.type === 'ADDED' || e.type === 'MODIFIED') this.actors.upsert(e.object);
        else if (e.type === 'DELETED') this.actors.deleted(e.object);
        else if (e.type === 'WATCH_ERROR') log.warn({ err: e.message, attempt: e.attempt }, 'fallback event watch failed, restarting');
      }),
      clock(config.tickIntervalMs, this.scheduler).subscribe((t) => {
        // Events are decided only once the nodes are known: spot health reads them, and so do
        // the turns the agents take at a free claim (the peers: the Ready nodes).
        const peers = [...this.nodeCache.values()].filter((n) => n.ready).map((n) => n.name);
        if (this.nodesSynced) this.actors.tick(t.now, peers);
        if (this.nodesSynced && this.eventsSynced) this.stuck?.tick(t.now, peers);
        // Whether a node is gone is only known once the node list has synced.
        if (this.nodesSynced) this.sweeper.tick(t.now);
        const phases = this.actors.phases();
        this.options.metrics?.setEventPhases(phases);
        // Every event not yet Completed or Failed stands for one on-demand node still running.
        this.options.metrics?.setOnDemandNodes(phases.Pending + phases.Monitoring + phases.ReadyForScaleDown + phases.ScalingDown);
        reportRetrying(this.options.metrics, this.actors.objects(), this.machineConfig);
      }),
    );
    log.info({ node: this.options.identity.nodeName, pod: this.options.identity.podName, dryRun: config.dryRun }, 'started agent');
    if (this.options.imds) void this.startResponder(this.options.imds);
  }

  /**
   * Answers this node's rebalance notices when the node is a spot instance of a configured
   * pair. Which ASG the instance belongs to is asked of AWS, never taken from labels, and asked
   * again after a failure until it is known.
   */
  private async startResponder(imds: ImdsPort): Promise<void> {
    const { config, identity, autoscaling, log } = this.options;
    let delayMs = 1000;
    while (!this.stopped) {
      try {
        const node = await this.nodes.getNode(identity.nodeName);
        const instanceId = node?.instanceId;
        if (!instanceId) throw new Error(`node ${identity.nodeName} ${node ? 'has no AWS providerID' : 'does not exist'}`);
        const membership = await autoscaling.describeInstance(instanceId);
        const pair = config.asgPairs.find((p) => p.spot === membership?.asgName);
        if (!pair) {
          log.info({ node: identity.nodeName, instance: instanceId, asg: membership?.asgName }, 'left rebalance notices alone: this node is not in a configured spot asg');
          return;
        }
        if (this.stopped) return;
        this.responder = new RebalanceResponder({
          nodeName: identity.nodeName,
          instanceId,
          pair,
          config: {
            spotASGName: pair.spot,
            onDemandASGName: pair.onDemand,
            spotCapacityTimeoutMs: config.spotCapacityTimeoutMs,
            onDemandTimeoutMs: config.onDemandTimeoutMs,
            protectionWindowMs: config.protectionWindowMs,
            retryBackoffMs: Math.max(1000, Math.min(30_000, config.recheckIntervalMs)),
            minimumWaitDuration: formatDuration(config.minimumWaitMs),
            ...this.options.tuning?.rebalance,
          },
          capacity: new LedgeredCapacity(this.locks, autoscaling, { log }),
          kept: this.kept,
          locks: this.locks,
          autoscaling,
          asgObserver: this.asgObserver,
          store: this.store,
          records: this.records,
          nodes: this.nodes,
          nodeViews: () => [...this.nodeCache.values()],
          fallbackEvents: () => this.actors.objects(),
          drain: config.drain,
          evictionTimeoutMs: config.evictionTimeoutMs,
          dryRun: config.dryRun,
          now: () => this.scheduler.now(),
          log,
          metrics: this.options.metrics,
          events: this.options.events,
          notifier: this.notifier,
        });
        const notices = imdsNotices(imds, { intervalMs: this.options.tuning?.imdsIntervalMs, scheduler: this.scheduler });
        void this.responder.start(this.trackImds(notices), clock(config.tickIntervalMs, this.scheduler));
        log.info({ node: identity.nodeName, instance: instanceId, asg: pair.spot }, 'started answering rebalance notices');
        return;
      } catch (err) {
        log.warn({ node: identity.nodeName, err: err instanceof Error ? err.message : String(err), retryInMs: delayMs }, 'could not find this node\'s asg, will retry');
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 60_000);
      }
    }
  }

  private trackImds(notices: Observable<ImdsEvent>): Observable<ImdsEvent> {
    const { log, metrics } = this.options;
    let failure: string | undefined;
    return notices.pipe(
      tap((e) => {
        if (e.type === 'IMDS_ERROR') {
          // Once per kind of failure, not once per poll: an IMDS out of reach fails every 2 s.
          // The message is the line an operator needs (for a token request left unanswered
          // it names the hop limit), and /readyz shows the same line.
          if (failure !== `${e.code}:${e.status}`) log.warn({ code: e.code, status: e.status, err: e.message }, 'could not poll imds');
          failure = `${e.code}:${e.status}`;
          this.imdsOk = { ok: false, detail: e.message };
          metrics?.imdsError();
        } else if (e.type === 'IMDS_RECOVERED') {
          log.info({}, 'polled imds again');
          failure = undefined;
          this.imdsOk = { ok: true };
        }
      }),
    );
  }

  readiness(): Readiness {
    const checks: Readiness['checks'] = {
      eventWatch: { ok: this.eventsSynced, detail: this.eventsSynced ? undefined : 'SpotGuardFallbackEvent list not synced yet' },
      nodeWatch: { ok: this.nodesSynced, detail: this.nodesSynced ? undefined : 'node list not synced yet' },
    };
    // Only an IMDS that failed its last poll makes the agent unready; one that has not been
    // polled yet (or a node that is not spot) does not.
    if (this.imdsOk && !this.imdsOk.ok) checks.imds = this.imdsOk;
    // Likewise credentials: only a call AWS refused for them, until one succeeds.
    const aws = this.options.awsAuth?.check();
    if (aws) checks.aws = aws;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  /** Stops the watches and actors; with `release`, first gives up the claims it holds (SIGTERM). */
  async stop(options: { release: boolean } = { release: true }): Promise<void> {
    this.stopped = true;
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.responder?.stop();
    if (options.release) {
      const released = await this.actors.releaseClaims();
      if (released > 0) this.options.log.info({ released }, 'released claims');
    }
    this.actors.stop();
    this.notifier?.stop();
  }

  private nodeSeen(node: V1Node): void {
    const name = node.metadata?.name ?? '';
    this.nodeCache.set(name, nodeView(node));
    this.nodeObjects.set(name, node);
  }

  private nodeGone(node: V1Node): void {
    this.nodeCache.delete(node.metadata?.name ?? '');
    this.nodeObjects.delete(node.metadata?.name ?? '');
  }

  private async runChecks(event: SpotGuardFallbackEvent): Promise<ChecksResult> {
    const untrusted = await this.trust.untrustedReason(event, () => targetUntrustedReason(event.spec, this.nodes, this.options.autoscaling));
    if (untrusted) return { outcome: 'untrusted', reason: untrusted };
    const started = this.scheduler.now();
    const judge = (snapshot: ClusterSnapshot) =>
      checkSafety(snapshot, event.spec.onDemandNodeName, {
        maxUtilizationPercent: this.options.config.maxUtilizationPercent,
        leavingTaintKeys: [SCALE_DOWN_TAINT.key, REBALANCE_TAINT.key],
        drain: this.options.config.drain,
      });
    // A read another check made within the recheck interval serves while checks are blocked;
    // a pass is confirmed on a read begun for this check (shared-snapshot.ts).
    const shared = await this.snapshots.read(started - this.machineConfig.recheckIntervalMs + 1);
    let verdict = judge(shared.snapshot);
    if (verdict.ok && shared.readAt < started) verdict = judge((await this.snapshots.read(started)).snapshot);
    return verdict.ok ? { outcome: 'passed', reason: verdict.summary } : { outcome: 'blocked', reason: verdict.reason, check: verdict.check };
  }

  private observer(): FallbackObserver {
    const { metrics, events, observer, log } = this.options;
    return fallbackReporter({ config: this.machineConfig, log, metrics, events, observer, notifier: this.notifier });
  }

}
