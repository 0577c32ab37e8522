// Invariant 7, the checks that need I/O: the node must carry the recorded instance in its
// providerID, and that instance must belong to the on-demand ASG of a configured pair. The
// spec-only checks (ASG names in the pairs) are the machine's own guard, untrustedReason.
import type { FallbackEventSpec, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
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

/**
 * The trust test's verdict for the safety checks, kept per event: while the checks are blocked
 * they run every recheck interval, and a getNode and a DescribeAutoScalingInstances each time
 * would be AWS calls for a fact that does not change (invariant 8). Only "trusted" is kept (an
 * untrusted event fails at once), for at most `maxAgeMs`, and never across a change of the
 * event's spec or a new event of the same name (the key is the uid). It gates no change: the
 * scale-down's first step (taint, in scale-down-steps.ts) tests trust afresh before anything is
 * touched, so the check that gates the drain is never one kept here.
 */
export class KeptTrust {
  private readonly kept = new Map<string, { spec: string; at: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  /** Why the event's target must not be touched (see targetUntrustedReason), from `test` unless kept. */
  async untrustedReason(event: SpotGuardFallbackEvent, test: () => Promise<string | undefined>): Promise<string | undefined> {
    const now = this.now();
    // Bounded: an entry outlives neither its age limit nor the next check of any event.
    for (const [uid, entry] of this.kept) if (now - entry.at >= this.maxAgeMs) this.kept.delete(uid);
    const uid = event.metadata?.uid;
    const spec = JSON.stringify(event.spec);
    if (uid && this.kept.get(uid)?.spec === spec) return undefined;
    const reason = await test();
    if (uid && reason === undefined) this.kept.set(uid, { spec, at: now });
    else if (uid) this.kept.delete(uid);
    return reason;
  }
}
