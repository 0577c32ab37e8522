// Which pods a drain of a node evicts, leaves in place or refuses to touch: one rule, read by the
// safety checks before a scale-down and by the drain itself, so that what the checks approve is
// what the drain does. It follows kubectl drain (k8s.io/kubectl/pkg/drain): DaemonSet and mirror
// pods stay, finished pods go without further question, and a pod whose emptyDir data would be
// lost or that no controller would recreate is refused unless the setting named after kubectl's
// flag allows it. On top come the opt-outs that Spot Guard, Karpenter and the cluster autoscaler
// users already put on their pods and nodes.
import type { V1Node, V1OwnerReference, V1Pod } from '@kubernetes/client-node';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** A pod annotated with this set to "true" refuses the drain of its node. */
export const OPT_OUT_ANNOTATION = 'spot-guard.aws.amazon.com/do-not-evict';
/** Karpenter's opt-out from voluntary disruption; "true" refuses the drain. */
export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';
/** The cluster autoscaler's; "false" refuses the drain. */
export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
/** On a node, "true" keeps the cluster autoscaler from removing it, and Spot Guard too. */
export const SCALE_DOWN_DISABLED_ANNOTATION = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';

/** The settings that allow what kubectl drain refuses by default, named after its flags. */
export const DRAIN_SETTING_NAMES = {
  deleteEmptyDirData: 'SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA',
  force: 'SPOT_GUARD_DRAIN_FORCE',
} as const;

export interface DrainSettings {
  /** kubectl drain --delete-emptydir-data: evict pods whose emptyDir data is lost with them. */
  deleteEmptyDirData: boolean;
  /** kubectl drain --force: evict pods that no controller will recreate. */
  force: boolean;
}

export interface DrainRules extends DrainSettings {
  /** Whether the opt-out annotations of pods and of the node refuse the drain. */
  optOuts: boolean;
}

/** A scale-down is a choice: every refusal holds, and only the operator's settings allow more. */
export const scaleDownRules = (settings: DrainSettings): DrainRules => ({ ...settings, optOuts: true });

/**
 * A spot interruption takes the node within two minutes whatever the drain does, so refusing a
 * pod protects nothing: evicting it at least lets its controller start the replacement early.
 * kubectl drain --force --delete-emptydir-data, as aws-node-termination-handler drains.
 */
export const INTERRUPTION_RULES: Readonly<DrainRules> = Object.freeze({ deleteEmptyDirData: true, force: true, optOuts: false });

export type LeftReason = 'DaemonSet' | 'Mirror' | 'Terminating';
export type Refusal = 'OptedOut' | 'DoNotDisrupt' | 'NotSafeToEvict' | 'EmptyDir' | 'NoController';

export type PodDisposition =
  | { action: 'leave'; reason: LeftReason }
  /** finished: Succeeded or Failed, removed (as kubectl does) but needing no room and no replacement. */
  | { action: 'evict'; finished: boolean }
  | { action: 'refuse'; refusals: Refusal[] };

/** The owner that manages the pod, as Kubernetes defines it: the one reference marked controller. */
export const controllerOf = (pod: V1Pod): V1OwnerReference | undefined => pod.metadata?.ownerReferences?.find((o) => o.controller === true);

export const isFinished = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** `namespace/name`, the way pods are named in drain results, refusals and errors. */
export const podRef = (pod: V1Pod): string => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`;

export function disposition(pod: V1Pod, rules: DrainRules): PodDisposition {
  const annotations = pod.metadata?.annotations ?? {};
  // The kubelet runs static pods from files; the API server holds only a mirror it cannot remove.
  if (annotations[MIRROR_ANNOTATION] !== undefined) return { action: 'leave', reason: 'Mirror' };
  // Already on its way out, with its own grace period: another eviction would change nothing.
  if (pod.metadata?.deletionTimestamp) return { action: 'leave', reason: 'Terminating' };
  // Holds no data worth refusing over and nothing replaces it; kubectl removes it the same way.
  if (isFinished(pod)) return { action: 'evict', finished: true };
  // Its DaemonSet tolerates the cordon and would put it straight back. Any group's DaemonSet kind
  // (kubectl looks only at apps/v1): an evicted pod that comes back on the node would never leave.
  if (controllerOf(pod)?.kind === 'DaemonSet') return { action: 'leave', reason: 'DaemonSet' };
  const refusals: Refusal[] = [];
  if (rules.optOuts) {
    if (annotations[OPT_OUT_ANNOTATION] === 'true') refusals.push('OptedOut');
    if (annotations[DO_NOT_DISRUPT_ANNOTATION] === 'true') refusals.push('DoNotDisrupt');
    if (annotations[SAFE_TO_EVICT_ANNOTATION] === 'false') refusals.push('NotSafeToEvict');
  }
  if (!rules.deleteEmptyDirData && (pod.spec?.volumes ?? []).some((v) => v.emptyDir)) refusals.push('EmptyDir');
  if (!rules.force && !controllerOf(pod)) refusals.push('NoController');
  return refusals.length > 0 ? { action: 'refuse', refusals } : { action: 'evict', finished: false };
}

/** Whether every drain leaves the pod where it is: a mirror pod, or a DaemonSet's that has not finished. */
export function alwaysLeft(pod: V1Pod): boolean {
  const d = disposition(pod, INTERRUPTION_RULES);
  return d.action === 'leave' && d.reason !== 'Terminating';
}

export interface DrainPlan {
  /** What the drain removes through the Eviction API, finished pods included. */
  evict: V1Pod[];
  /** What must find room elsewhere and keep its PDBs: the evictions that are not finished pods. */
  moving: V1Pod[];
  left: { pod: V1Pod; reason: LeftReason }[];
  refused: { pod: V1Pod; refusals: Refusal[] }[];
}

export function planDrain(pods: readonly V1Pod[], rules: DrainRules): DrainPlan {
  const plan: DrainPlan = { evict: [], moving: [], left: [], refused: [] };
  for (const pod of pods) {
    const d = disposition(pod, rules);
    if (d.action === 'leave') plan.left.push({ pod, reason: d.reason });
    else if (d.action === 'refuse') plan.refused.push({ pod, refusals: d.refusals });
    else {
      plan.evict.push(pod);
      if (!d.finished) plan.moving.push(pod);
    }
  }
  return plan;
}

/** Why the node itself may not be drained, or undefined. */
export function nodeOptOut(node: V1Node, rules: DrainRules): string | undefined {
  if (!rules.optOuts || node.metadata?.annotations?.[SCALE_DOWN_DISABLED_ANNOTATION] !== 'true') return undefined;
  return `node ${node.metadata?.name ?? '?'} opts out with ${SCALE_DOWN_DISABLED_ANNOTATION}: "true"`;
}

/** How many pods a message names before it says "and N more". */
export const NAMED_PODS = 5;

/** The first few of `names`, then how many more: a message that stays short for any node. */
export function firstFew(names: readonly string[], max = NAMED_PODS, separator = ', '): string {
  const shown = names.slice(0, max).join(separator);
  return names.length > max ? `${shown}${separator}and ${names.length - max} more` : shown;
}

const count = (n: number): string => `${n} ${n === 1 ? 'pod' : 'pods'}`;

// What each refusal says, and for the two that a setting can lift, which setting.
const REFUSALS: Record<Refusal, (n: number) => string> = {
  OptedOut: (n) => `${count(n)} opted out with ${OPT_OUT_ANNOTATION}: "true"`,
  DoNotDisrupt: (n) => `${count(n)} opted out with ${DO_NOT_DISRUPT_ANNOTATION}: "true"`,
  NotSafeToEvict: (n) => `${count(n)} opted out with ${SAFE_TO_EVICT_ANNOTATION}: "false"`,
  EmptyDir: (n) => `${count(n)} with emptyDir data that eviction deletes (${DRAIN_SETTING_NAMES.deleteEmptyDirData}=true allows ${n === 1 ? 'it' : 'them'})`,
  NoController: (n) => `${count(n)} without a controller to recreate ${n === 1 ? 'it' : 'them'} (${DRAIN_SETTING_NAMES.force}=true allows ${n === 1 ? 'it' : 'them'})`,
};

/**
 * The refused pods grouped by why, each group naming its first few pods and the setting that
 * would allow them; a pod refused for two reasons is named in both, so that allowing one does
 * not come as a surprise refusal for the other.
 */
export function describeRefusals(refused: DrainPlan['refused']): string {
  const groups = (Object.keys(REFUSALS) as Refusal[])
    .map((refusal) => ({ refusal, pods: refused.filter((r) => r.refusals.includes(refusal)).map((r) => podRef(r.pod)).sort() }))
    .filter((g) => g.pods.length > 0);
  return groups.map((g) => `${REFUSALS[g.refusal](g.pods.length)}: ${firstFew(g.pods)}`).join('; ');
}
