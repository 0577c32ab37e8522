// Nodes and the pods on them, as the agent touches them: read, taint, cordon, drain.
//
// Error contract: every method throws KubeError (never an ApiException). A node that does not
// exist is KubeError 'NotFound', except for getNode, which returns undefined. drain also throws
// DrainError when the drain rules refuse a pod or the node, or when evictions are still refused
// at its timeout. An aborted signal rejects with the signal's reason.
import type { V1Pod, V1Taint } from '@kubernetes/client-node';
import type { EvictedPods } from '../../crds/spotguardfallbackevent.types.js';
import type { DrainRules } from './drain-policy.js';

export const SCALE_DOWN_TAINT: Readonly<V1Taint> = Object.freeze({ key: 'spot-guard.aws.amazon.com/scale-down', value: 'true', effect: 'NoSchedule' });
export const REBALANCE_TAINT: Readonly<V1Taint> = Object.freeze({ key: 'spot-guard.aws.amazon.com/rebalance', value: 'true', effect: 'NoSchedule' });

/**
 * Who made a change to a node: an annotation written in the same patch as the change, and only
 * when the patch makes it (a node already tainted or cordoned gets no mark), so that the change
 * is undone only by whoever made it. The scale-down marks with the event's uid, which nobody
 * else's event (a forged one included) can carry.
 */
export interface NodeMark {
  key: string;
  value: string;
}

/** The annotations beside the scale-down's taint and cordon: the uid of the event that made them. */
export const SCALE_DOWN_TAINTED_BY = 'spot-guard.aws.amazon.com/scale-down-tainted-by';
export const SCALE_DOWN_CORDONED_BY = 'spot-guard.aws.amazon.com/scale-down-cordoned-by';
/** Beside the cordon of an at-risk node: the rebalance request that made it, so a release uncordons only its own. */
export const REBALANCE_CORDONED_BY = 'spot-guard.aws.amazon.com/rebalance-cordoned-by';

export interface NodeInfo {
  name: string;
  /** metadata.uid: what an owner reference to the node names. */
  uid: string;
  /** From spec.providerID; undefined unless it is a well-formed AWS providerID. */
  instanceId: string | undefined;
  /** The Ready condition is True. */
  ready: boolean;
  unschedulable: boolean;
  taints: V1Taint[];
  labels: Record<string, string>;
}

export interface DrainOptions {
  /** Which pods may go (drain-policy.ts): the operator's settings for a scale-down, all for an interruption. */
  rules: DrainRules;
  /** How long evictions refused with 429 (a PodDisruptionBudget) are retried. */
  timeoutMs: number;
  /** Pause between retries of a 429; 5 s by default, as kubectl drain waits. */
  retryIntervalMs?: number;
  signal?: AbortSignal;
}

export type SkipReason = 'DaemonSet' | 'Mirror';

export interface DrainResult {
  /** `namespace/name` of the pods this call evicted (finished ones too), or found gone when evicting them. */
  evicted: string[];
  /** The controllers of the evicted pods that a controller recreates: what the wait for the reschedule waits for. */
  replaced: EvictedPods[];
  skipped: { pod: string; reason: SkipReason }[];
}

/** Refused: the drain rules refuse a pod or the node, nothing was evicted in that round. Timeout: evictions still refused with 429. */
export type DrainErrorCode = 'Timeout' | 'Refused';

export class DrainError extends Error {
  override readonly name = 'DrainError';
  constructor(
    readonly code: DrainErrorCode,
    readonly node: string,
    /** `namespace/name` of the pods that blocked the drain (none when the node itself refused). */
    readonly pods: string[],
    message: string,
    /** What this call evicted before it gave up, so that their replacements are still waited for. */
    readonly replaced: EvictedPods[] = [],
  ) {
    super(message);
  }
}

export const isDrainError = (e: unknown, code?: DrainErrorCode): e is DrainError => e instanceof DrainError && (code === undefined || e.code === code);

export interface NodePort {
  getNode(name: string): Promise<NodeInfo | undefined>;
  listNodes(): Promise<NodeInfo[]>;
  /**
   * Adds the taint unless an equal one (key+effect) is there: idempotent. With `mark`, the patch
   * that adds the taint also writes the mark. Returns whether it changed the node.
   */
  taint(name: string, taint: V1Taint, mark?: NodeMark): Promise<boolean>;
  /**
   * Removes a taint by key+effect if present (used to undo a rebalance taint). Idempotent. With
   * `mark`, only if the node carries that mark (same value), and the mark goes with the taint.
   */
  untaint(name: string, taint: V1Taint, mark?: NodeMark): Promise<boolean>;
  /** spec.unschedulable=true; idempotent. With `mark`, the patch that cordons also writes the mark. Returns whether it changed the node. */
  cordon(name: string, mark?: NodeMark): Promise<boolean>;
  /**
   * spec.unschedulable unset; idempotent. With `mark`, only if the node carries that mark (a node
   * someone else cordoned stays cordoned), and the mark is removed. Returns whether it changed the node.
   */
  uncordon(name: string, mark?: NodeMark): Promise<boolean>;
  /**
   * Evicts the node's pods through the Eviction API (policy/v1), each with its own grace period,
   * as drain-policy.ts decides under `rules`: DaemonSet and mirror pods are skipped, Terminating
   * ones are left to finish, finished ones are removed. Resolves once every eviction was
   * accepted, not when the pods are gone: wait for that with remainingPods. Throws DrainError
   * 'Refused' (evicting nothing more) when the rules refuse the node or a pod on it, and
   * DrainError 'Timeout' when evictions are still refused with 429 after timeoutMs.
   */
  drain(name: string, options: DrainOptions): Promise<DrainResult>;
  /** The node's pods other than DaemonSet and mirror pods (including Terminating ones): empty once a drain is through. */
  remainingPods(name: string): Promise<V1Pod[]>;
}

/** Pods by their controller: where the replacements of evicted pods are looked for. Throws KubeError. */
export interface ControlledPods {
  /** Every pod in each record's namespace whose controller is that record's uid, wherever it runs. */
  controlledPods(controllers: readonly Pick<EvictedPods, 'namespace' | 'uid'>[], signal?: AbortSignal): Promise<V1Pod[]>;
}
