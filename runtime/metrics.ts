// The agent's Prometheus metrics. A registry of its own rather than prom-client's global one,
// so that tests (and a sandbox running several agents in one process) never share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PHASES } from '../crds/phases.js';
import type { CallObserver } from './autoscaling.aws.js';

/** Spot stable → instance terminated takes minutes to hours; finer buckets would be noise. */
export const SCALE_DOWN_BUCKETS_SECONDS = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200];

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

  private readonly imdsErrors = new Counter({
    name: 'spot_guard_imds_errors_total',
    help: 'Failed polls of the EC2 instance metadata service.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Present from the first scrape, so dashboards and alerts never see a missing series.
    this.setEventPhases({});
    this.onDemandNodes.set(0);
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

  imdsError(): void {
    this.imdsErrors.inc();
  }
}
