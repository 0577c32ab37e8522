// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.
import type {V1ObjectMeta} from '@kubernetes/client-node';

/**
 * A fallback from spot to on-demand capacity, tracked until the on-demand node is scaled down.
 */
export interface SpotGuardFallbackEvent {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: FallbackEventSpec;
  status?: FallbackEventStatus;
}
/**
 * What happened. Written once by the agent that fell back; immutable.
 */
export interface FallbackEventSpec {
  /**
   * Name of the spot Auto Scaling Group
   */
  spotASGName: string;
  /**
   * Name of the on-demand Auto Scaling Group
   */
  onDemandASGName: string;
  /**
   * EC2 instance ID of the on-demand node
   */
  onDemandInstanceID?: string;
  /**
   * Kubernetes node name of the on-demand node
   */
  onDemandNodeName: string;
  /**
   * When the fallback occurred
   */
  timestamp: string;
  /**
   * Minimum wait time before scale-down, as hours, minutes and seconds (10m, 1h30m, 90s)
   */
  minimumWaitDuration?: string;
}
/**
 * What the agents have observed and done. Written only through the status subresource.
 */
export interface FallbackEventStatus {
  /**
   * Whether spot capacity is restored
   */
  spotCapacityRestored?: boolean;
  /**
   * Whether scale-down has been initiated
   */
  scaleDownInitiated?: boolean;
  /**
   * When spot became healthy
   */
  spotHealthySince?: string;
  /**
   * Current phase of the fallback event
   */
  phase?: 'Pending' | 'Monitoring' | 'ReadyForScaleDown' | 'ScalingDown' | 'Completed' | 'Failed';
  /**
   * Human-readable status message
   */
  message?: string;
  claim?: Claim;
  scaleDown?: ScaleDownProgress;
  spotHealth?: SpotHealth;
  /**
   * @maxItems 16
   */
  conditions?: Condition[];
  /**
   * When the event reached Completed or Failed; the TTL counts from here.
   */
  completionTime?: string;
}
/**
 * The agent that currently works on this event. Its heartbeat is the Lease spot-guard-claim-<event name> in the event's namespace (renewed every third of leaseSeconds); another agent may take over once neither renewedAt nor the Lease's renewTime is within leaseSeconds, or at once after releasedAt.
 */
export interface Claim {
  /**
   * Identity of the agent (its pod name)
   */
  holder: string;
  /**
   * Node the holding agent runs on
   */
  holderNode?: string;
  acquiredAt: string;
  /**
   * When the holder last wrote this status (it renews its claim in the Lease, not here)
   */
  renewedAt: string;
  /**
   * The holder gave the claim up (it was stopped); another agent takes over at once
   */
  releasedAt?: string;
  leaseSeconds: number;
}
/**
 * Progress of the five scale-down steps, so another agent resumes at the right one.
 */
export interface ScaleDownProgress {
  startedAt?: string;
  taint?: ScaleDownStep;
  cordon?: ScaleDownStep;
  drain?: ScaleDownStep;
  waitForReschedule?: ScaleDownStep;
  terminate?: ScaleDownStep;
  rollback?: ScaleDownRollback;
  /**
   * The controllers whose pods the drain evicted, so that whichever agent waits for the reschedule knows which replacements to wait for. Pods without a controller and finished pods are not listed (nothing replaces them).
   *
   * @maxItems 256
   */
  evicted?: EvictedPods[];
}
/**
 * One scale-down step. A step with completedAt is never repeated.
 */
export interface ScaleDownStep {
  startedAt?: string;
  completedAt?: string;
  attempts?: number;
  /**
   * After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it
   */
  nextAttemptAt?: string;
  /**
   * The claim holder that ran the step
   */
  by?: string;
  message?: string;
  /**
   * The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)
   */
  dryRun?: boolean;
}
/**
 * After a failure that retrying cannot fix, the undoing of what this event's scale-down did to the on-demand node (its scale-down taint, its cordon). Recorded before anything is undone, so whichever agent holds the claim finishes it; the event goes Failed once it is done.
 */
export interface ScaleDownRollback {
  /**
   * Why the scale-down cannot go on; the Failed event's message
   */
  reason: string;
  requestedAt: string;
  completedAt?: string;
  attempts?: number;
  /**
   * After a failed attempt that retrying can fix, when the rollback is tried again
   */
  nextAttemptAt?: string;
  /**
   * The claim holder that ran the rollback
   */
  by?: string;
  /**
   * Whether the rollback removed the scale-down taint that this event had put on the node
   */
  untainted?: boolean;
  /**
   * Whether the rollback uncordoned the node that this event had cordoned
   */
  uncordoned?: boolean;
  /**
   * What was undone, or why the last attempt failed
   */
  message?: string;
}
export interface EvictedPods {
  namespace: string;
  /**
   * The controller's kind, e.g. ReplicaSet or StatefulSet
   */
  kind: string;
  name: string;
  /**
   * The controller's uid, as its pods' controller ownerReference names it
   */
  uid: string;
  /**
   * How many of its pods the drain evicted
   */
  pods: number;
  /**
   * When the drain that evicted them began, by the API server's clock; a pod of this controller created since then is a replacement
   */
  since: string;
}
/**
 * The last observation of the spot ASG, written by the claim holder so other agents need not ask AWS.
 */
export interface SpotHealth {
  inService: number;
  desired: number;
  activitiesInProgress: number;
  nodesReady?: number;
  nodesTotal?: number;
  healthy?: boolean;
  observedAt: string;
  observedBy?: string;
}
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
}
