// Raising and withdrawing an ASG's desired capacity by exactly one per request, however many
// agents ask at the same moment and however often each one retries (DESIGN.md invariants 1
// and 2).
//
// Error contract: expected outcomes are values (raised, already, atMaxSize, withdrawn,
// nothingToWithdraw). Every method may throw
// - CapacityError: 'LockTimeout' (another agent held the ASG's lock for the whole wait),
//   'LockLost' (the lock expired and another agent took it over while this one worked; the
//   request may or may not have taken effect, and a retry with the same requestId settles it),
//   'LedgerCorrupt' (the ledger is unreadable; nothing was changed), 'AsgNotFound';
// - AwsError from the AutoScalingPort (a failed SetDesiredCapacity leaves an intent in the
//   ledger that the next holder of the lock resolves, so a retry is always safe);
// - KubeError for API server failures other than the 409 that means a lost lock.
// A retry with the same requestId never adds or withdraws capacity twice.

/** closed: the request was taken back (withdrawn) before it was raised, and is never raised. */
export type CapacityOutcome =
  | { outcome: 'raised' | 'already'; from: number; to: number }
  | { outcome: 'atMaxSize'; desired: number; max: number }
  | { outcome: 'closed' };

/**
 * withdrawn: desired capacity lowered by one, with `instance` terminated when one had already
 * launched for the increment (absent when the decrement only cancelled a launch not yet made).
 * noSpareInstance: every instance is serving and none was named: nothing changed; `serving`
 * lists the instances launched since the increment that serve.
 */
export type WithdrawOutcome = { outcome: 'withdrawn' | 'already' | 'nothingToWithdraw' | 'noSpareInstance'; from?: number; to?: number; instance?: string; serving?: string[] };

/** How a withdraw may take back an increment whose instance already launched. */
export interface WithdrawOptions {
  /**
   * The instance to terminate with the decrement when the group has launched everything it
   * was asked for: the interrupted at-risk instance once its node is drained.
   */
  victim?: string;
  /** Whether an instance carries workload (its node is Ready): such an instance is never picked. */
  serving?: (instanceId: string) => boolean;
}

export interface CapacityPort {
  /**
   * Raises desired capacity by one for `requestId` (the at-risk node's name plus the rebalance
   * notice time, chosen by the caller), once.
   */
  increment(asgName: string, requestId: string): Promise<CapacityOutcome>;
  /**
   * Takes back the increment for `requestId`, once, and only if it is known to have been
   * applied; never below the group's MinSize. The ASG never picks the victim: while the group
   * has fewer live instances than desired, lowering desired capacity only cancels a launch;
   * otherwise exactly one instance is terminated with the decrement: `options.victim`, else
   * one launched since the increment (Pending first, then the first listed) that is not serving. With neither, the
   * outcome is noSpareInstance and nothing changes.
   */
  withdraw(asgName: string, requestId: string, options?: WithdrawOptions): Promise<WithdrawOutcome>;
  /**
   * Terminates exactly `instanceId` and lowers the ASG's desired capacity with it, holding the
   * ASG's lock like every other change of its desired capacity: outside the lock, the decrement
   * could land between another agent's read of desired capacity and its write, which would then
   * undo it (one instance more than anyone asked for).
   */
  terminate(asgName: string, instanceId: string): Promise<void>;
}

export type CapacityErrorCode = 'LockTimeout' | 'LockLost' | 'LedgerCorrupt' | 'AsgNotFound';

export class CapacityError extends Error {
  override readonly name = 'CapacityError';
  constructor(
    readonly code: CapacityErrorCode,
    readonly asgName: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`${asgName}: ${message}`);
  }
}

export const isLockTimeout = (e: unknown): boolean => e instanceof CapacityError && e.code === 'LockTimeout';
export const isLockLost = (e: unknown): boolean => e instanceof CapacityError && e.code === 'LockLost';
