// Finishing a rebalance response that will not run to its end: the at-risk node was
// interrupted, its agent gave up waiting for on-demand capacity, or its agent is gone with the
// node. What the response added is settled from its record, so that no increment is left that
// no record in the API server accounts for:
// - the spot increment is taken back (interrupted: with the drained at-risk instance as the
//   instance that goes with the decrement, so the spot launch that came stays as its
//   replacement; otherwise only an instance launched for it that carries no workload);
// - an on-demand instance that launched is recorded as a SpotGuardFallbackEvent, whose
//   scale-down returns it once spot is back; one that did not launch within the on-demand
//   timeout is taken back.
// Every step is idempotent (the capacity ledger and the event's request annotation), so any
// number of attempts by any number of agents settle it once.
import type { NodeView } from '../../streams/spot-health.js';
import type { CapacityPort, WithdrawOutcome } from '../capacity/capacity.port.js';
import type { AgentMetrics } from '../metrics.js';
import { recordFallback, type FallbackRecordDeps } from './fallback-record.js';
import { LEAVING, type ResponseRecord } from './response-record.js';

export interface FinisherDeps extends FallbackRecordDeps {
  capacity: CapacityPort;
  onDemandTimeoutMs: number;
  minimumWaitDuration: string;
  dryRun: boolean;
  /** The increments this agent could not take back, shared by its responder and its sweeper. */
  kept: KeptIncrements;
}

/**
 * Increments a finish could not take back because every instance launched for them is a Ready
 * node: the ASG has one more node than before the response, and Spot Guard will not pick a
 * serving node to terminate (cluster-autoscaler or a person decides whether it is needed).
 * Said once per response (a Warning Event on the at-risk node, a log line) and counted in
 * `spot_guard_response_increments_kept` for as long as it lasts; the finish keeps trying, and
 * takes the increment back as soon as one of those instances stops serving.
 */
export class KeptIncrements {
  private readonly kept = new Map<string, string>();

  constructor(private readonly metrics?: AgentMetrics) {}

  /** True the first time this response's increment in `asg` is found kept. */
  keep(requestId: string, asg: string): boolean {
    if (this.kept.get(requestId) === asg) return false;
    this.kept.set(requestId, asg);
    this.publish(asg);
    return true;
  }

  settle(requestId: string): void {
    const asg = this.kept.get(requestId);
    if (asg === undefined) return;
    this.kept.delete(requestId);
    this.publish(asg);
  }

  private publish(asg: string): void {
    this.metrics?.setIncrementsKept(asg, [...this.kept.values()].filter((a) => a === asg).length);
  }
}

/** done: nothing of the response is left; otherwise what it still waits for. */
export type FinishOutcome = { done: true; event?: string } | { done: false; waitingFor: string };

const servingIn = (nodes: readonly NodeView[]) => (instanceId: string) => nodes.some((n) => n.instanceId === instanceId && n.ready);

export async function finishResponse(record: ResponseRecord, deps: FinisherDeps): Promise<FinishOutcome> {
  const log = deps.log.child({ atRiskNode: record.node, request: record.requestId });
  const serving = servingIn(deps.nodeViews());
  if (deps.dryRun) {
    log.info({ dryRun: true }, `would take back what the response for ${record.node} added and record any on-demand instance it launched`);
    return { done: true };
  }

  // The at-risk instance goes with the decrement only once it is leaving (interrupted or retired) and drained.
  const victim = LEAVING.includes(record.step) ? record.instanceId : undefined;
  const spot = await deps.capacity.withdraw(record.spotASG, record.requestId, { victim, serving });
  if (spot.outcome === 'noSpareInstance') return keptIncrement(record, record.spotASG, spot, deps);
  deps.kept.settle(record.requestId);
  if (spot.outcome === 'withdrawn') log.warn({ asg: record.spotASG, from: spot.from, to: spot.to, instance: spot.instance }, 'took back the spot increment of a response that ended early');

  const onDemand = record.baselines[record.onDemandASG];
  if (!onDemand) return { done: true };
  const event = await recordFallback(deps, {
    requestId: record.requestId,
    pair: { spot: record.spotASG, onDemand: record.onDemandASG },
    atRiskNode: record.node,
    before: onDemand.instances,
    minimumWaitDuration: deps.minimumWaitDuration,
  });
  if (event) return { done: true, event: event.metadata?.name };
  const deadline = Date.parse(onDemand.takenAt) + deps.onDemandTimeoutMs;
  if (deps.now() < deadline) return { done: false, waitingFor: `the on-demand instance of ${record.onDemandASG} to register as a node (until ${new Date(deadline).toISOString()})` };
  const taken = await deps.capacity.withdraw(record.onDemandASG, record.requestId, { serving });
  if (taken.outcome === 'noSpareInstance') return keptIncrement(record, record.onDemandASG, taken, deps);
  if (taken.outcome === 'withdrawn') log.warn({ asg: record.onDemandASG, from: taken.from, to: taken.to, instance: taken.instance }, 'took back an on-demand increment whose instance never registered');
  deps.kept.settle(record.requestId);
  return { done: true };
}

function keptIncrement(record: ResponseRecord, asg: string, outcome: WithdrawOutcome, deps: FinisherDeps): FinishOutcome {
  const serving = outcome.serving ?? [];
  if (deps.kept.keep(record.requestId, asg)) {
    deps.log.warn({ atRiskNode: record.node, request: record.requestId, asg, serving }, 'kept an increment of a rebalance response: every instance launched for it is a Ready node');
    void deps.events?.record(
      { kind: 'Node', name: record.node },
      'Warning',
      'IncrementKept',
      `asg ${asg} keeps the increment of the rebalance response to ${record.node}: every instance launched for it (${serving.join(', ') || 'none listed'}) is a Ready node, and Spot Guard does not terminate a serving node; it takes the increment back once one stops serving`,
    );
  }
  return { done: false, waitingFor: `an instance of ${asg} launched for ${record.requestId} that carries no workload` };
}
