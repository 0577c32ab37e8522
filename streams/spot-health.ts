// Condenses an ASG snapshot and the Kubernetes nodes into the observation the fallback-event
// machine judges spot health by (DESIGN.md invariant 2). Pure: no I/O, no clock.
import type { AsgSnapshot } from './asg-observation.stream.js';

/** What the observation needs of a Kubernetes Node. */
export interface NodeView {
  name: string;
  /** From spec.providerID; undefined when the node has none (yet). */
  instanceId: string | undefined;
  ready: boolean;
}

/**
 * The same shape as SpotObservation in machines/fallback-event.types.ts, declared again
 * because streams/ may not import machines/ (dependency-cruiser, streams-see-ports-only).
 * test/streams/spot-health.test.ts fails to typecheck if the two drift apart.
 */
export interface SpotObservation {
  inService: number;
  desired: number;
  activitiesInProgress: number;
  nodesReady: number;
  nodesTotal: number;
  /** Epoch milliseconds. */
  observedAt: number;
  /** The ASGs of the event (spot, on-demand) that DescribeAutoScalingGroups did not return; absent when both were there. */
  asgsNotFound?: string[];
}

// Every other status (InProgress, PreInService, WaitingForSpotInstanceId, ...) means the
// group is still moving.
const finishedActivities: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Cancelled']);

export function spotObservation(snapshot: AsgSnapshot, nodes: readonly NodeView[]): SpotObservation {
  const group = snapshot.group;
  const notFound = [...(group ? [] : [snapshot.asgName]), ...(snapshot.companionsNotFound ?? [])];
  const members = new Set(group?.instances.map((i) => i.instanceId));
  // Nodes of other groups (on-demand, system pools) say nothing about spot health; a member
  // in any lifecycle state counts, so a NotReady node of a terminating instance still weighs.
  const spotNodes = nodes.filter((n) => n.instanceId !== undefined && members.has(n.instanceId));
  return {
    inService: group?.instances.filter((i) => i.lifecycleState === 'InService').length ?? 0,
    // A group that does not exist wants nothing, which the machine reads as unhealthy.
    desired: group?.desired ?? 0,
    activitiesInProgress: snapshot.activities.filter((a) => !finishedActivities.has(a.statusCode)).length,
    nodesReady: spotNodes.filter((n) => n.ready).length,
    nodesTotal: spotNodes.length,
    observedAt: snapshot.observedAt,
    // Said once per observation; whether the groups are gone for good is the machine's call.
    ...(notFound.length > 0 ? { asgsNotFound: notFound } : {}),
  };
}
