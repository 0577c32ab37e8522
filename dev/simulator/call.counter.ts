// Counts every Auto Scaling call by action, the injected failures among them too, so a test
// can check how much load the agent puts on AWS (DESIGN.md, invariant 8).
import type { CallCounts } from './control.types.js';

export class CallCounter {
  private all: Record<string, number> = {};
  private injected: Record<string, number> = {};

  count(action: string, injected: boolean): void {
    this.all[action] = (this.all[action] ?? 0) + 1;
    if (injected) this.injected[action] = (this.injected[action] ?? 0) + 1;
  }

  /** Every call, the injected failures included. */
  calls(): CallCounts {
    return { ...this.all };
  }

  /** The calls that were answered with an injected failure. */
  injectedFailures(): CallCounts {
    return { ...this.injected };
  }

  reset(): void {
    this.all = {};
    this.injected = {};
  }
}
