// Phase, condition and label constants. Kept free of I/O so machines/ can import them; a test
// checks PHASES against the enum in the CRD YAML.
import type { FallbackEventStatus } from './spotguardfallbackevent.types.js';

export type Phase = NonNullable<FallbackEventStatus['phase']>;

export const PHASES = ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed', 'Failed'] as const satisfies readonly Phase[];
export const TERMINAL_PHASES: readonly Phase[] = ['Completed', 'Failed'];

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** The five scale-down steps, in order, as keys of status.scaleDown. */
export const SCALE_DOWN_STEPS = ['taint', 'cordon', 'drain', 'waitForReschedule', 'terminate'] as const;
export type ScaleDownStepName = (typeof SCALE_DOWN_STEPS)[number];

/** Condition types written to status.conditions. */
export const ConditionType = {
  /** The event's spec names a configured ASG pair, a node with the recorded instance, and an instance of the on-demand ASG. */
  Trusted: 'Trusted',
  /** Spot capacity is restored and stable. */
  SpotRestored: 'SpotRestored',
  /** The last safety check before the drain passed or why it did not. */
  SafetyChecksPassed: 'SafetyChecksPassed',
  /** The on-demand instance has been terminated. */
  ScaledDown: 'ScaledDown',
  /**
   * True while the current scale-down step (or the rollback) is retried after a failure that
   * retrying can fix; its reason is the failure's code, its message the attempts and the next
   * attempt's time. False again (reason Succeeded) once it succeeds.
   */
  StepRetrying: 'StepRetrying',
  /** After a final failure: what Spot Guard had done to the on-demand node was undone (True), or could not be (False). */
  RolledBack: 'RolledBack',
  /** False when an ASG of the event no longer exists (reason AsgNotFound); the event then fails. */
  AsgFound: 'AsgFound',
  /**
   * Written only when webhooks are on and the event has made no progress for
   * SPOT_GUARD_WEBHOOK_STUCK_AFTER: the stall was reported (reason NoProgress). Its time is the
   * report's; progress after it makes a later stall reportable again. Never cleared (that would
   * be one more write per event): an older time than the event's last progress is history.
   */
  StuckReported: 'StuckReported',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/**
 * The reason of SafetyChecksPassed=False, by the check that blocked the scale-down, so that a
 * person or a tool reads why from the condition rather than from its message.
 */
export const BlockedReason = {
  /** The on-demand node is not in the cluster. */
  node: 'NodeNotFound',
  /** The node carries cluster-autoscaler.kubernetes.io/scale-down-disabled: "true". */
  scaleDownDisabled: 'ScaleDownDisabled',
  /** The drain rules refuse a pod on the node (an opt-out, emptyDir data, no controller). */
  drain: 'DrainRefused',
  /** A PodDisruptionBudget would not allow the evictions. */
  pdb: 'DisruptionBudget',
  /** A pod would find no room on the remaining nodes. */
  pods: 'PodsDoNotFit',
  /** Utilisation after removal would exceed the limit, or no node would remain. */
  capacity: 'CapacityBuffer',
  /** The checks could not run (the API server did not answer). */
  error: 'ChecksFailed',
} as const;
export type SafetyCheck = keyof typeof BlockedReason;

/** Labels every event created by Spot Guard carries; watches select on COMPONENT_LABEL. */
export const COMPONENT_LABEL = 'component';
export const COMPONENT_VALUE = 'spot-guard';
export const EVENT_LABELS: Readonly<Record<string, string>> = {
  [COMPONENT_LABEL]: COMPONENT_VALUE,
  'app.kubernetes.io/name': 'spot-guard',
  'app.kubernetes.io/managed-by': 'spot-guard',
};

export const DEFAULT_NAMESPACE = 'kube-system';
