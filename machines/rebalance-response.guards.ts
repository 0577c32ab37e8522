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

export function spotTimedOut(c: RebalanceContext): boolean {
  return c.spotScaledAt !== undefined && c.now >= c.spotScaledAt + c.config.spotCapacityTimeoutMs;
}

export function onDemandTimedOut(c: RebalanceContext): boolean {
  return c.onDemandScaledAt !== undefined && c.now >= c.onDemandScaledAt + c.config.onDemandTimeoutMs;
}

export function retryDue(c: RebalanceContext): boolean {
  return c.failedAt !== undefined && c.now >= c.failedAt + c.config.retryBackoffMs;
}
