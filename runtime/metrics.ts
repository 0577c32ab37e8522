// The agent's Prometheus metrics. A registry of its own rather than prom-client's global one,
// so that tests (and a sandbox running several agents in one process) never share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PHASES, SCALE_DOWN_STEPS } from '../crds/phases.js';
import type { AsgPair } from '../machines/fallback-event.types.js';
import type { CallObserver } from './autoscaling.aws.js';
import { NOTIFICATION_KINDS, type NotificationKind } from './notify/notification.js';

export const FAILURE_CAUSES = ['AsgNotFound', 'ScaleDownFailed', 'Untrusted'] as const;

/** Spot stable → instance terminated takes minutes to hours; finer buckets would be noise. */
export const SCALE_DOWN_BUCKETS_SECONDS = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200];

export interface AgentMetricsOptions {
  /**
   * The configured ASG pairs: the series labelled by their ASGs are exported at 0 from the
   * first scrape, so that `increase()` counts the first fallback and an alert on a gauge never
   * meets a missing series. Without them those series appear when first set.
   */
  asgPairs?: readonly AsgPair[];
}

export class AgentMetrics {
  readonly registry = new Registry();

  private readonly fallbacks = new Counter({
    name: 'spot_guard_fallbacks_total',
    help: 'Fallbacks from a spot ASG to its on-demand ASG recorded by this agent.',
    labelNames: ['spot_asg', 'on_demand_asg'] as const,
    registers: [this.registry],
  });

  private readonly events = new Gauge({
    name: 'spot_guard_events',
    help: 'SpotGuardFallbackEvent objects by phase, as this agent last saw them.',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });

  private readonly onDemandNodeSeconds = new Counter({
    name: 'spot_guard_on_demand_node_seconds_total',
    help: 'Seconds that on-demand fallback nodes ran, added when their event completes.',
    registers: [this.registry],
  });

  private readonly onDemandNodes = new Gauge({
    name: 'spot_guard_on_demand_nodes',
    help: 'On-demand fallback nodes currently running.',
    registers: [this.registry],
  });

  private readonly onDemandAtMaxSize = new Gauge({
    name: 'spot_guard_on_demand_asg_at_max_size',
    help: 'Rebalance responses of this agent waiting because their on-demand ASG is at its max size (alert on > 0).',
    labelNames: ['on_demand_asg'] as const,
    registers: [this.registry],
  });

  private readonly incrementsKept = new Gauge({
    name: 'spot_guard_response_increments_kept',
    help: 'Rebalance responses this agent finishes whose increment it cannot take back, because every instance launched for it is a Ready node (alert when > 0 for long: the ASG has one node more than before the response).',
    labelNames: ['asg'] as const,
    registers: [this.registry],
  });

  private readonly scaleDownDuration = new Histogram({
    name: 'spot_guard_scale_down_duration_seconds',
    help: 'Seconds from spot capacity being stable to the on-demand instance being terminated.',
    buckets: SCALE_DOWN_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  private readonly awsCalls = new Counter({
    name: 'spot_guard_aws_calls_total',
    help: 'Auto Scaling API calls by action and outcome (ok or the error code).',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly conflicts = new Counter({
    name: 'spot_guard_optimistic_conflicts_total',
    help: 'Status updates refused with 409 because another agent wrote first.',
    registers: [this.registry],
  });

  private readonly takeovers = new Counter({
    name: 'spot_guard_claim_takeovers_total',
    help: 'Claims on events taken over from another agent whose lease had expired.',
    registers: [this.registry],
  });

  private readonly scaleDownSteps = new Counter({
    name: 'spot_guard_scale_down_steps_total',
    help: 'Scale-down steps run by this agent, by step and outcome.',
    labelNames: ['step', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly stepFailures = new Counter({
    name: 'spot_guard_scale_down_step_failures_total',
    help: 'Failed attempts of scale-down steps (and of the rollback) run by this agent, by step, failure code and whether retrying can fix it.',
    labelNames: ['step', 'code', 'retryable'] as const,
    registers: [this.registry],
  });

  private readonly stepsRetrying = new Gauge({
    name: 'spot_guard_scale_down_steps_retrying',
    help: 'Events whose current scale-down step (or rollback) failed and waits for its next attempt, by step, as this agent last saw them.',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });

  private readonly stepsNeedingAttention = new Gauge({
    name: 'spot_guard_scale_down_steps_needing_attention',
    help: 'Of those, the events whose step failed at least SPOT_GUARD_MAX_STEP_ATTEMPTS times in a row: still retried, but a person should look (alert on > 0).',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });

  private readonly failedEvents = new Counter({
    name: 'spot_guard_failed_events_total',
    help: 'Events this agent moved to Failed, by cause: AsgNotFound (an ASG of the event was deleted), ScaleDownFailed (a final failure, rolled back), Untrusted.',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  private readonly imdsErrors = new Counter({
    name: 'spot_guard_imds_errors_total',
    help: 'Failed polls of the EC2 instance metadata service.',
    registers: [this.registry],
  });

  private readonly webhookNotifications = new Counter({
    name: 'spot_guard_webhook_notifications_total',
    help: 'Webhook notifications sent by this agent, by kind and outcome: delivered, or dropped (given up after its attempts, or refused with a 4xx that retrying cannot fix).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: AgentMetricsOptions = {}) {
    collectDefaultMetrics({ register: this.registry });
    // Present from the first scrape, so dashboards and alerts never see a missing series.
    // Only here: a gauge the agent has set since must never be put back to 0.
    this.setEventPhases({});
    this.setRetryingSteps({}, {});
    this.onDemandNodes.set(0);
    for (const cause of FAILURE_CAUSES) this.failedEvents.inc({ cause }, 0);
    for (const kind of NOTIFICATION_KINDS) for (const outcome of ['delivered', 'dropped']) this.webhookNotifications.inc({ kind, outcome }, 0);
    // A failed step's outcome is its error code, a set too large to list (its failures have
    // their own counter by code); 'ok' is what an operator rates and compares against.
    for (const step of [...SCALE_DOWN_STEPS, 'rollback']) this.scaleDownSteps.inc({ step, outcome: 'ok' }, 0);
    for (const { spot, onDemand } of options.asgPairs ?? []) {
      this.fallbacks.inc({ spot_asg: spot, on_demand_asg: onDemand }, 0);
      this.onDemandAtMaxSize.set({ on_demand_asg: onDemand }, 0);
      // A response's finish may keep the increment of either ASG of its pair (response-finisher.ts).
      for (const asg of [spot, onDemand]) this.incrementsKept.set({ asg }, 0);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  fallback(spotAsg: string, onDemandAsg: string): void {
    this.fallbacks.inc({ spot_asg: spotAsg, on_demand_asg: onDemandAsg });
  }

  /**
   * Replaces every phase's count from a full recount. Phases outside the CRD's enum are ignored:
   * the API server refuses them, and label values must stay a bounded set.
   */
  setEventPhases(counts: Record<string, number>): void {
    for (const phase of PHASES) this.events.set({ phase }, counts[phase] ?? 0);
  }

  addOnDemandNodeSeconds(seconds: number): void {
    if (seconds > 0) this.onDemandNodeSeconds.inc(seconds);
  }

  setOnDemandAtMaxSize(onDemandAsg: string, waiting: boolean): void {
    this.onDemandAtMaxSize.set({ on_demand_asg: onDemandAsg }, waiting ? 1 : 0);
  }

  setIncrementsKept(asg: string, count: number): void {
    this.incrementsKept.set({ asg }, count);
  }

  setOnDemandNodes(count: number): void {
    this.onDemandNodes.set(count);
  }

  observeScaleDownDuration(seconds: number): void {
    this.scaleDownDuration.observe(seconds);
  }

  /** A CallObserver: pass it straight to AwsAutoScaling, it needs no binding. */
  readonly awsCall: CallObserver = (action, outcome) => {
    this.awsCalls.inc({ action, outcome });
  };

  optimisticConflict(): void {
    this.conflicts.inc();
  }

  claimTakeover(): void {
    this.takeovers.inc();
  }

  scaleDownStep(step: string, outcome: string): void {
    this.scaleDownSteps.inc({ step, outcome });
  }

  scaleDownStepFailure(step: string, code: string, retryable: boolean): void {
    this.stepFailures.inc({ step, code, retryable: String(retryable) });
  }

  /** Replaces the counts from a full recount, every step (and the rollback) present, 0 when none. */
  setRetryingSteps(retrying: Record<string, number>, needingAttention: Record<string, number>): void {
    for (const step of [...SCALE_DOWN_STEPS, 'rollback']) {
      this.stepsRetrying.set({ step }, retrying[step] ?? 0);
      this.stepsNeedingAttention.set({ step }, needingAttention[step] ?? 0);
    }
  }

  failedEvent(cause: (typeof FAILURE_CAUSES)[number]): void {
    this.failedEvents.inc({ cause });
  }

  imdsError(): void {
    this.imdsErrors.inc();
  }

  webhookNotification(kind: NotificationKind, outcome: 'delivered' | 'dropped'): void {
    this.webhookNotifications.inc({ kind, outcome });
  }
}
