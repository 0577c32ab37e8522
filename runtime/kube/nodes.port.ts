// Nodes and the pods on them, as the agent touches them: read, taint, cordon, drain.
//
// Error contract: every method throws KubeError (never an ApiException). A node that does not
// exist is KubeError 'NotFound', except for getNode, which returns undefined. drain also throws
// DrainError when it cannot finish within its timeout or a pod opts out. An aborted signal
// rejects with the signal's reason.
import type { V1Pod, V1Taint } from '@kubernetes/client-node';

export const SCALE_DOWN_TAINT: Readonly<V1Taint> = Object.freeze({ key: 'spot-guard.aws.amazon.com/scale-down', value: 'true', effect: 'NoSchedule' });
export const REBALANCE_TAINT: Readonly<V1Taint> = Object.freeze({ key: 'spot-guard.aws.amazon.com/rebalance', value: 'true', effect: 'NoSchedule' });
/** A pod annotated with this set to "true" blocks the drain of its node. */
export const OPT_OUT_ANNOTATION = 'spot-guard.aws.amazon.com/do-not-evict';

export interface NodeInfo {
  name: string;
  /** From spec.providerID; undefined unless it is a well-formed AWS providerID. */
  instanceId: string | undefined;
  /** The Ready condition is True. */
  ready: boolean;
  unschedulable: boolean;
  taints: V1Taint[];
  labels: Record<string, string>;
}

export interface DrainOptions {
  /** How long evictions refused with 429 (a PodDisruptionBudget) are retried. */
  timeoutMs: number;
  /** Pause between retries of a 429; 5 s by default. */
  retryIntervalMs?: number;
  signal?: AbortSignal;
}

export type SkipReason = 'DaemonSet' | 'Mirror' | 'Finished';

export interface DrainResult {
  /** `namespace/name` of the pods this call evicted, or found gone when evicting them. */
  evicted: string[];
  skipped: { pod: string; reason: SkipReason }[];
}

export type DrainErrorCode = 'Timeout' | 'OptedOut';

export class DrainError extends Error {
  override readonly name = 'DrainError';
  constructor(
    readonly code: DrainErrorCode,
    readonly node: string,
    /** `namespace/name` of the pods that blocked the drain. */
    readonly pods: string[],
    message: string,
  ) {
    super(message);
  }
}

export const isDrainError = (e: unknown, code?: DrainErrorCode): e is DrainError => e instanceof DrainError && (code === undefined || e.code === code);

export interface NodePort {
  getNode(name: string): Promise<NodeInfo | undefined>;
  listNodes(): Promise<NodeInfo[]>;
  /** Adds the taint unless an equal one (key+effect) is there: idempotent. Returns whether it changed the node. */
  taint(name: string, taint: V1Taint): Promise<boolean>;
  /** Removes a taint by key+effect if present (used to undo a rebalance taint). Idempotent. */
  untaint(name: string, taint: V1Taint): Promise<boolean>;
  /** spec.unschedulable=true; idempotent. Returns whether it changed the node. */
  cordon(name: string): Promise<boolean>;
  /**
   * Evicts every evictable pod on the node through the Eviction API (policy/v1), each with its
   * own grace period; DaemonSet, mirror and finished pods are skipped, Terminating ones are left
   * to finish. Resolves once every eviction was accepted, not when the pods are gone: wait for
   * that with remainingPods. Throws DrainError 'OptedOut' (evicting nothing) if a pod to evict
   * carries OPT_OUT_ANNOTATION="true", and DrainError 'Timeout' if evictions are still refused
   * with 429 when timeoutMs has passed.
   */
  drain(name: string, options: DrainOptions): Promise<DrainResult>;
  /** Pods that drain would evict and that are still on the node (including Terminating ones). */
  remainingPods(name: string): Promise<V1Pod[]>;
}
