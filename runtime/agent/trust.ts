// Invariant 7, the checks that need I/O: the node must carry the recorded instance in its
// providerID, and that instance must belong to the on-demand ASG of a configured pair. The
// spec-only checks (ASG names in the pairs) are the machine's own guard, untrustedReason.
import type { FallbackEventSpec } from '../../crds/spotguardfallbackevent.types.js';
import type { AutoScalingPort, InstanceMembership } from '../autoscaling.port.js';
import type { NodePort } from '../kube/nodes.port.js';

/** Why the event's target must not be touched; undefined when node and instance check out. */
export async function targetUntrustedReason(spec: FallbackEventSpec, nodes: NodePort, autoscaling: AutoScalingPort): Promise<string | undefined> {
  const node = await nodes.getNode(spec.onDemandNodeName);
  if (!node) return `node ${spec.onDemandNodeName} does not exist`;
  if (node.instanceId !== spec.onDemandInstanceID) {
    return `node ${spec.onDemandNodeName} runs instance ${node.instanceId ?? '(no AWS providerID)'}, not the recorded ${spec.onDemandInstanceID}`;
  }
  return instanceUntrustedReason(spec, autoscaling);
}

/** Whether the recorded instance is a member of the recorded on-demand ASG (undefined: it is). */
export async function instanceUntrustedReason(spec: FallbackEventSpec, autoscaling: AutoScalingPort): Promise<string | undefined> {
  return membershipUntrustedReason(spec, await autoscaling.describeInstance(spec.onDemandInstanceID ?? ''));
}

/** The same judged from a membership already described (the terminate step describes once). */
export function membershipUntrustedReason(spec: FallbackEventSpec, membership: InstanceMembership | undefined): string | undefined {
  const instanceId = spec.onDemandInstanceID ?? '';
  if (!membership) return `instance ${instanceId} is not in any Auto Scaling group`;
  if (membership.asgName !== spec.onDemandASGName) {
    return `instance ${instanceId} belongs to ASG ${membership.asgName}, not the on-demand ASG ${spec.onDemandASGName}`;
  }
  return undefined;
}
