// The instance metadata service, as the agent needs it. Expected absences are values (no
// notice yet: undefined); failures to reach or use IMDS throw ImdsError.
import type { ObservableInput } from 'rxjs';

export interface RebalanceNotice {
  /** ISO time at which EC2 issued the recommendation. */
  noticeTime: string;
}

export interface InstanceActionNotice {
  /** terminate, stop or hibernate */
  action: string;
  /** ISO time at which the action will happen. */
  time: string;
}

export interface ImdsPort {
  rebalanceRecommendation(): ObservableInput<RebalanceNotice | undefined>;
  instanceAction(): ObservableInput<InstanceActionNotice | undefined>;
}

/**
 * - `NoTokenReply`: the IMDSv2 token request got no answer in time. The reply to that PUT
 *   carries the instance's metadata hop limit as its IP TTL, so at hop limit 1 it never reaches
 *   a pod on the pod network: the one failure whose likely cause is the deployment.
 * - `Unreachable`: any other request that got no answer (refused, reset, timed out).
 * - `Http`: an answer with a status the agent cannot use.
 */
export type ImdsErrorCode = 'NoTokenReply' | 'Unreachable' | 'Http';

export class ImdsError extends Error {
  override readonly name = 'ImdsError';
  constructor(
    /** HTTP status, or 0 when IMDS could not be reached. */
    readonly status: number,
    message: string,
    override readonly cause?: unknown,
    readonly code: ImdsErrorCode = status === 0 ? 'Unreachable' : 'Http',
  ) {
    super(message);
  }
}

export const isImdsError = (err: unknown): err is ImdsError => err instanceof ImdsError;
