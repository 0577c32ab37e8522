// The vocabulary of the rebalance-response machine (one per agent, for its own node).
export interface RebalanceConfig {
  spotASGName: string;
  onDemandASGName: string;
  /** How long the spot increment may take to bring a Ready node before falling back. */
  spotCapacityTimeoutMs: number;
  /** How long the on-demand replacement may take before the response gives up. */
  onDemandTimeoutMs: number;
  /** Pause before a failed effect is asked for again. */
  retryBackoffMs: number;
  /** Cap of the doubling pause between asks of an on-demand ASG at its max size (default 10 min). */
  maxRetryBackoffMs?: number;
  minimumWaitDuration: string;
  /**
   * How long a protected node waits for its interruption. When none came, the surplus goes: a
   * spot replacement keeps its place and the at-risk instance is retired (drained, terminated
   * with the decrement); an on-demand replacement is on record for its scale-down and the
   * at-risk node goes back into service.
   */
  protectionWindowMs: number;
}

export interface Replacement {
  kind: 'spot' | 'on-demand';
  instanceId: string;
  nodeName: string;
}

export interface RebalanceContext {
  nodeName: string;
  instanceId: string;
  config: RebalanceConfig;
  now: number;
  /** When the rebalance notice asked for spot capacity (epoch ms): retries of a spot scale-up
   * that failed on a retryable error (throttling, a held lock) stop this long after it. */
  spotRequestedAt: number | undefined;
  /** When the spot increment was made (epoch ms); the capacity timeout counts from here. */
  spotScaledAt: number | undefined;
  /** When the on-demand increment was made (epoch ms). */
  onDemandScaledAt: number | undefined;
  replacement: Replacement | undefined;
  /** Name of the SpotGuardFallbackEvent recorded for an on-demand replacement. */
  eventName: string | undefined;
  /** When the node was tainted and cordoned (epoch ms); the protection window counts from here. */
  protectedAt: number | undefined;
  /** How many times in a row the on-demand ASG refused the increment at its max size. */
  atMaxRefusals: number;
  /** When the last effect failed (epoch ms), to pace the retry. */
  failedAt: number | undefined;
  lastError: string | undefined;
}

export interface RebalanceInput {
  nodeName: string;
  instanceId: string;
  config: RebalanceConfig;
  now: number;
}

/** Where a recorded response can be taken up again by its node's restarted agent. */
export type ResumableStep = 'spot' | 'on-demand' | 'recorded' | 'protected' | 'retiring';

/** What the runtime observed of the capacity it asked for. */
export interface CapacityObservation {
  /** A new instance InService whose node is registered, if any. */
  instanceId?: string;
  nodeName?: string;
  nodeReady: boolean;
  /** A scaling activity for our increment ended Failed (e.g. InsufficientInstanceCapacity). */
  failedActivity?: string;
}

export type RebalanceEvent =
  | { type: 'TICK'; now: number }
  | { type: 'REBALANCE_RECOMMENDED'; noticeTime: string }
  | { type: 'INTERRUPTION_NOTICED'; action: string; time: string }
  /**
   * A restarted agent found its node's response recorded at `step` (the runtime's record in the
   * API server): the machine goes back to that step, with the times the record kept (epoch ms).
   */
  | { type: 'RESUMED'; step: ResumableStep; spotRequestedAt: number; onDemandScaledAt?: number; eventName?: string; protectedAt?: number; replacement?: Replacement }
  | { type: 'SCALED'; asg: string }
  | { type: 'SPOT_OBSERVED'; observation: CapacityObservation }
  | { type: 'SPOT_WITHDRAWN' }
  | { type: 'ON_DEMAND_OBSERVED'; observation: CapacityObservation }
  | { type: 'RECORDED'; name: string }
  | { type: 'NODE_PROTECTED' }
  | { type: 'NODE_DRAINED' }
  | { type: 'NODE_RELEASED' }
  | { type: 'NODE_RETIRED' }
  /** `retryable`: the same request may succeed later (throttling, an outage, a held lock). */
  /** atMaxSize: a scale-up refused because the ASG is at its max size (retrying later may succeed once someone raises it). */
  | { type: 'EFFECT_FAILED'; effect: RebalanceIntent['type']; message: string; retryable: boolean; atMaxSize?: boolean };

export type RebalanceIntent =
  | { type: 'scaleUp'; asg: string }
  | { type: 'withdrawSpot'; asg: string }
  | { type: 'recordFallback'; spotASGName: string; onDemandASGName: string; onDemandInstanceID: string; onDemandNodeName: string; minimumWaitDuration: string }
  | { type: 'taintAndCordon'; nodeName: string }
  | { type: 'drain'; nodeName: string }
  /** No interruption within the window, an on-demand replacement: untaint and uncordon the node. */
  | { type: 'release'; nodeName: string }
  /** No interruption within the window, a spot replacement: drain the node and terminate its instance with the decrement. */
  | { type: 'retire'; nodeName: string; instanceId: string };
