// Shared inputs of the machine suites: a configuration, agents, and the seed's event.
import type { SpotGuardFallbackEvent, FallbackEventStatus } from '../../crds/spotguardfallbackevent.types.js';
import type { AgentIdentity, FallbackEventConfig, SpotObservation } from '../../machines/fallback-event.types.js';

export const T0 = Date.parse('2025-01-15T10:00:45Z');
export const MIN = 60_000;

export const config: FallbackEventConfig = {
  asgPairs: [{ spot: 'my-spot-asg', onDemand: 'my-ondemand-asg' }],
  minimumWaitMs: 10 * MIN,
  stabilityWindowMs: 2 * MIN,
  healthStaleAfterMs: 1 * MIN,
  claimLeaseSeconds: 30,
  recheckIntervalMs: 30_000,
  stepRetryBackoffMs: 10_000,
  stepRetryMaxBackoffMs: 40_000,
  maxStepAttempts: 3,
  asgMissingObservations: 2,
  ttlMs: 24 * 60 * MIN,
};

export const agentB: AgentIdentity = { id: 'spot-guard-b', nodeName: 'ip-10-0-1-51' };
export const agentC: AgentIdentity = { id: 'spot-guard-c', nodeName: 'ip-10-0-1-52' };
/** The agent on the on-demand node itself: it must never take the claim. */
export const agentOnDemand: AgentIdentity = { id: 'spot-guard-od', nodeName: 'ip-10-0-2-100' };

export function seedEvent(status: FallbackEventStatus = { phase: 'Pending' }, resourceVersion = '100'): SpotGuardFallbackEvent {
  return {
    apiVersion: 'aws.amazon.com/v1',
    kind: 'SpotGuardFallbackEvent',
    metadata: { name: 'fallback-1736938845-abc123', namespace: 'kube-system', resourceVersion },
    spec: {
      spotASGName: 'my-spot-asg',
      onDemandASGName: 'my-ondemand-asg',
      onDemandInstanceID: 'i-0987654321fedcba0',
      onDemandNodeName: 'ip-10-0-2-100',
      timestamp: new Date(T0).toISOString(),
      minimumWaitDuration: '10m',
    },
    status,
  };
}

export function observation(healthy: boolean, observedAt: number): SpotObservation {
  return healthy
    ? { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, observedAt }
    : { inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, observedAt };
}

/** An observation that did not find the named ASGs (DescribeAutoScalingGroups returned no such group). */
export function missing(asgs: string[], observedAt: number): SpotObservation {
  return { inService: 0, desired: 0, activitiesInProgress: 0, nodesReady: 0, nodesTotal: 0, observedAt, asgsNotFound: asgs };
}

export const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
