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
  /** Pause before a failed scale-down step is tried again the first time; it doubles with each failure. */
  stepRetryBackoffMs: number;
  /** The longest pause between two attempts of a failed step (the doubling stops there). */
  stepRetryMaxBackoffMs: number;
  /**
   * Attempts of one step after which its failure is reported as needing a person (condition
   * message, Event, metric). A failure that retrying can fix is retried however often it happens.
   */
  maxStepAttempts: number;
  /**
   * How many observations in a row must find an ASG of the event missing before the event fails:
   * one empty answer of DescribeAutoScalingGroups is not proof that the group is gone.
   */
  asgMissingObservations: number;
  /** Completed and Failed events are deleted this long after completionTime. */
  ttlMs: number;
  /**
   * The turns of the agents at a free claim (or an expired event's delete): the agent ranked
   * k-th for the event (rendezvous hashing over the peers a TICK names) tries k turns after the
   * claim became free, so in the common case one agent tries and the others see its claim
   * first. 0 or absent: everyone tries at once.
   */
  claimTurnMs?: number;
  /**
   * How many agents, the first in the event's ranking, read the claim's Lease as soon as the
   * claim may have lapsed (the holder renews it; nobody watches it). Each further agent reads a
   * lease later than the one before it. Default 3.
   */
  claimStandbys?: number;
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
  /** The ASGs of the event (spot, on-demand) that DescribeAutoScalingGroups did not return; absent when both were there. */
  asgsNotFound?: string[];
}

/**
 * The claim's heartbeat as this actor last knew it: the Lease spot-guard-claim-<event>, from the
 * holder's own renewals or a stand-by's read. Only the holder writes it; stand-bys read it when
 * the claim may have lapsed (fallback-event.guards.ts, leaseCheckAt), so liveness costs no write
 * to the SpotGuardFallbackEvent, which every agent watches.
 */
export interface ClaimLease {
  /** spec.holderIdentity; undefined when the Lease is absent or names nobody. */
  holder: string | undefined;
  /** spec.renewTime, epoch ms; undefined when absent. */
  renewedAt: number | undefined;
  /** When this actor learnt it (epoch ms): a read at or after a claim's end that finds no renewal proves it lapsed. */
  readAt: number;
}

export interface FallbackEventContext {
  /** The latest object known, from the watch or from our own commit. Authoritative. */
  object: SpotGuardFallbackEvent;
  agent: AgentIdentity;
  config: FallbackEventConfig;
  /** Epoch milliseconds of the last TICK. */
  now: number;
  /** The peers the TICK being judged named (never kept between events). */
  peers?: readonly string[];
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
  /** How many of the holder's observations in a row found an ASG of the event missing. */
  asgMissingCount: number;
  /**
   * When this actor was created (epoch ms): turns are never counted from before it, so agents
   * that all (re)start at once, finding a deadline or a claim's end long past, still take turns.
   */
  seenAt?: number;
  /** The claim's Lease as last known (undefined: never read nor written by this actor). */
  lease: ClaimLease | undefined;
  /** A read or renewal of the claim's Lease is in flight. */
  leaseBusy: boolean;
}

export interface FallbackEventInput {
  object: SpotGuardFallbackEvent;
  agent: AgentIdentity;
  config: FallbackEventConfig;
  now: number;
}

export type ChecksOutcome = 'passed' | 'blocked' | 'untrusted';

export type FallbackEventEvent =
  /** `peers`: the nodes whose agents may act on events (Ready nodes), for the claim turns. */
  | { type: 'TICK'; now: number; peers?: readonly string[] }
  | { type: 'OBSERVED'; object: SpotGuardFallbackEvent }
  | { type: 'COMMITTED'; object: SpotGuardFallbackEvent }
  | { type: 'CONFLICT'; latest: SpotGuardFallbackEvent }
  | { type: 'COMMIT_FAILED'; code: string; message: string }
  | { type: 'SPOT_OBSERVED'; observation: SpotObservation }
  /** check: which check blocked, when outcome is 'blocked'. */
  | { type: 'CHECKS_DONE'; outcome: ChecksOutcome; reason: string; check?: SafetyCheck }
  /**
   * replaced: the controllers of pods a drain evicted, whose replacements the next step waits for.
   * dryRun: the step was only logged (SPOT_GUARD_DRY_RUN), nothing was changed.
   */
  | { type: 'STEP_DONE'; step: ScaleDownStepName; message?: string; replaced?: EvictedPods[]; dryRun?: boolean }
  | { type: 'STEP_FAILED'; step: ScaleDownStepName; code: string; message: string; retryable: boolean; replaced?: EvictedPods[] }
  /** untainted, uncordoned: what the rollback undid on the node (nothing when this event had not done it). */
  | { type: 'ROLLBACK_DONE'; untainted: boolean; uncordoned: boolean; message: string }
  /** untainted: the taint was removed before the attempt failed (the next one finds no mark for it). */
  | { type: 'ROLLBACK_FAILED'; code: string; message: string; retryable: boolean; untainted?: boolean }
  | { type: 'DELETED' }
  /** The claim's Lease as a read found it, or as this holder's renewal wrote it. */
  | { type: 'LEASE'; lease: ClaimLease }
  /** A read or renewal of the claim's Lease failed (the API server did not answer). */
  | { type: 'LEASE_FAILED'; code: string; message: string };

/** Effects the machine asks for; results come back as events. */
export type FallbackEventIntent =
  | { type: 'commit'; status: FallbackEventStatus; resourceVersion: string | undefined }
  | { type: 'runChecks' }
  | { type: 'runStep'; step: ScaleDownStepName }
  /** Undo what this event's scale-down did to the on-demand node (only what it did). */
  | { type: 'rollBack' }
  | { type: 'delete'; resourceVersion: string | undefined }
  /** The holder's heartbeat: write the claim's Lease (holder: this agent, renewTime: `now`). */
  | { type: 'renewLease'; now: number }
  /** A stand-by (or this agent after a restart) reads the claim's Lease: has the holder kept renewing? */
  | { type: 'readLease' };
