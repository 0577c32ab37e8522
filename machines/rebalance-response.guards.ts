// Pure decisions of the rebalance-response machine.
import type { CapacityObservation, RebalanceContext } from './rebalance-response.types.js';

/** A replacement counts once its instance is InService and its node is Ready. */
export function replacementReady(o: CapacityObservation): boolean {
  return !!o.instanceId && !!o.nodeName && o.nodeReady;
}

/** Launched and registered, not yet Ready: enough to record the fallback. */
export function replacementRegistered(o: CapacityObservation): boolean {
  return !!o.instanceId && !!o.nodeName;
}

/**
 * Spot had its time: the spot capacity timeout counts from the first request, whether the
 * increment landed at once or after retries, and whether this agent made it or took the
 * response up from the record. Only a response whose increment landed can wait for spot.
 */
export function spotTimedOut(c: RebalanceContext): boolean {
  const from = c.spotRequestedAt ?? c.spotScaledAt;
  return c.spotScaledAt !== undefined && from !== undefined && c.now >= from + c.config.spotCapacityTimeoutMs;
}

/** The spot capacity timeout passed while the spot increment itself was still being retried. */
export function spotScaleUpTimedOut(c: RebalanceContext): boolean {
  return c.spotRequestedAt !== undefined && c.now >= c.spotRequestedAt + c.config.spotCapacityTimeoutMs;
}

export function onDemandTimedOut(c: RebalanceContext): boolean {
  return c.onDemandScaledAt !== undefined && c.now >= c.onDemandScaledAt + c.config.onDemandTimeoutMs;
}

export function retryDue(c: RebalanceContext): boolean {
  return c.failedAt !== undefined && c.now >= c.failedAt + c.config.retryBackoffMs;
}

/** Default cap of the pause between asks of an on-demand ASG at its max size. */
export const AT_MAX_BACKOFF_CAP_MS = 10 * 60_000;

/**
 * An on-demand ASG at its max size stays so until a person raises it: ask again after a pause
 * that doubles with each refusal (retryBackoffMs, 2x, 4x, ...) up to the cap, not every 30 s.
 */
export function atMaxBackoffMs(c: RebalanceContext): number {
  const cap = c.config.maxRetryBackoffMs ?? AT_MAX_BACKOFF_CAP_MS;
  return Math.min(cap, c.config.retryBackoffMs * 2 ** Math.max(0, c.atMaxRefusals - 1));
}

export function atMaxRetryDue(c: RebalanceContext): boolean {
  return c.failedAt !== undefined && c.now >= c.failedAt + atMaxBackoffMs(c);
}

/** The protected node's interruption did not come within the window. */
export function protectionWindowPassed(c: RebalanceContext): boolean {
  return c.protectedAt !== undefined && c.now >= c.protectedAt + c.config.protectionWindowMs;
}
