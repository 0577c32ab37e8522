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

export class ImdsError extends Error {
  override readonly name = 'ImdsError';
  constructor(
    /** HTTP status, or 0 when IMDS could not be reached. */
    readonly status: number,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
