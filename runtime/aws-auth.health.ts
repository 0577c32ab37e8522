// Readiness of the agent's AWS credentials, learnt from the calls it makes anyway (no probe
// calls: O(1) cloud load). A call refused for its credentials or permissions makes the agent
// unready, as a failing IMDS does, so a rollout with a broken IAM role stops at the first pod;
// the next call that succeeds makes it ready again. Other failures (throttling, outages) are
// AWS's, not the agent's, and leave readiness alone.
import type { CallObserver } from './autoscaling.aws.js';
import type { ReadinessCheck } from './http/http.server.js';

export class AwsAuthHealth {
  private failure: { action: string; message: string } | undefined;

  /** A CallObserver: pass it to AwsAutoScaling, it needs no binding. */
  readonly observe: CallObserver = (action, outcome, message) => {
    if (outcome === 'ok') this.failure = undefined;
    else if (outcome === 'AccessDenied') this.failure = { action, message: message ?? action };
  };

  /** Undefined until a call was refused for its credentials, and again once one succeeds. */
  check(): ReadinessCheck | undefined {
    return this.failure ? { ok: false, detail: `AWS refused the agent's credentials or permissions: ${this.failure.message}` } : undefined;
  }
}
