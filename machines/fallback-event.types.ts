// The vocabulary of the fallback-event machine: its context, the events it accepts (plain
// data only, so snapshots stay serialisable) and the intents it emits for the runtime.
import type { SafetyCheck, ScaleDownStepName } from '../crds/phases.js';
import type { EvictedPods, FallbackEventStatus, SpotGuardFallbackEvent } from '../crds/spotguardfallbackevent.types.js';

export interface AsgPair {
  spot: string;
  onDemand: string;
}

export interface FallbackEventConfig {
  asgPairs: readonly AsgPair[];
  /** Used when the event does not carry spec.minimumWaitDuration. */
  minimumWaitMs: number;
  /** How long spot must stay healthy before scale-down. */
  stabilityWindowMs: number;
  /** A spot observation older than this is not trusted to prove health. */
  healthStaleAfterMs: number;
  claimLeaseSeconds: number;
  /** How often blocked safety checks are re-run. */
  recheckIntervalMs: number;
  /** Pause before a failed scale-down step is tried again. */
  stepRetryBackoffMs: number;
  /** Attempts of one step before the event goes Failed. */
  maxStepAttempts: number;
  /** Completed and Failed events are deleted this long after completionTime. */
  ttlMs: number;
}

export interface AgentIdentity {
  /** Pod name: the claim holder's identity. */
  id: string;
  /** Node the agent runs on; it never claims the event of its own node. */
  nodeName: string;
}

/** What the claim holder saw of the spot ASG and its nodes. */
export interface SpotObservation {
  inService: number;
  desired: number;
  activitiesInProgress: number;
  nodesReady: number;
  nodesTotal: number;
  /** Epoch milliseconds. */
  observedAt: number;
}

export interface FallbackEventContext {
  /** The latest object known, from the watch or from our own commit. Authoritative. */
  object: SpotGuardFallbackEvent;
  agent: AgentIdentity;
  config: FallbackEventConfig;
  /** Epoch milliseconds of the last TICK. */
  now: number;
  /** The holder's own latest observation (may be newer than status.spotHealth). */
  observation: SpotObservation | undefined;
  /** The status this actor asked the runtime to commit, while the commit is in flight. */
  pending: FallbackEventStatus | undefined;
  /** When the safety checks last ran (epoch ms), to pace re-runs. */
  lastCheckAt: number | undefined;
  /** When the current step last failed (epoch ms), to pace retries. */
  lastStepFailureAt: number | undefined;
  /** When the current step was started by this actor (epoch ms). */
  stepStartedAt: number | undefined;
}

export interface FallbackEventInput {
  object: SpotGuardFallbackEvent;
  agent: AgentIdentity;
  config: FallbackEventConfig;
  now: number;
}

export type ChecksOutcome = 'passed' | 'blocked' | 'untrusted';

export type FallbackEventEvent =
  | { type: 'TICK'; now: number }
  | { type: 'OBSERVED'; object: SpotGuardFallbackEvent }
  | { type: 'COMMITTED'; object: SpotGuardFallbackEvent }
  | { type: 'CONFLICT'; latest: SpotGuardFallbackEvent }
  | { type: 'COMMIT_FAILED'; code: string; message: string }
  | { type: 'SPOT_OBSERVED'; observation: SpotObservation }
  /** check: which check blocked, when outcome is 'blocked'. */
  | { type: 'CHECKS_DONE'; outcome: ChecksOutcome; reason: string; check?: SafetyCheck }
  /** replaced: the controllers of pods a drain evicted, whose replacements the next step waits for. */
  | { type: 'STEP_DONE'; step: ScaleDownStepName; message?: string; replaced?: EvictedPods[] }
  | { type: 'STEP_FAILED'; step: ScaleDownStepName; code: string; message: string; retryable: boolean; replaced?: EvictedPods[] }
  | { type: 'DELETED' };

/** Effects the machine asks for; results come back as events. */
export type FallbackEventIntent =
  | { type: 'commit'; status: FallbackEventStatus; resourceVersion: string | undefined }
  | { type: 'runChecks' }
  | { type: 'runStep'; step: ScaleDownStepName }
  | { type: 'delete'; resourceVersion: string | undefined };
