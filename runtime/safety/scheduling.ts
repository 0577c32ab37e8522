// The scheduler's hard predicates for one pod on one node, minus resources: nodeSelector,
// required node affinity and NoSchedule/NoExecute taints. Each returns why a node is refused so
// that a refused drain can say which node turned the pod away and for what.
import type { V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';

type Labels = Record<string, string>;

// Gt and Lt compare integers only; anything else in the label or the value means no match.
function integer(text: string | undefined): bigint | undefined {
  return text !== undefined && /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
}

export function requirementMatches(requirement: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = integer(value);
      const bound = values.length === 1 ? integer(values[0]) : undefined;
      if (have === undefined || bound === undefined) return false;
      return requirement.operator === 'Gt' ? have > bound : have < bound;
    }
    default:
      return false;
  }
}

// Only metadata.name is a selectable node field.
function fieldValue(node: V1Node, key: string): string | undefined {
  return key === 'metadata.name' ? node.metadata?.name : undefined;
}

/** An empty term matches nothing, as in the scheduler; expressions and fields are ANDed. */
export function termMatches(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels: Labels = node.metadata?.labels ?? {};
  return expressions.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => requirementMatches(r, fieldValue(node, r.key)));
}

export function toleratesTaint(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  // An empty key is only valid with Exists; with Equal it tolerates nothing.
  if (!toleration.key) return false;
  return (toleration.value ?? '') === (taint.value ?? '');
}

export const describeTaint = (t: V1Taint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/** Why the node refuses the pod before counting resources, or undefined when it accepts it. */
export function predicateRefusal(pod: V1Pod, node: V1Node): string | undefined {
  const labels: Labels = node.metadata?.labels ?? {};
  const selector = pod.spec?.nodeSelector ?? {};
  const unmet = Object.entries(selector).find(([key, value]) => labels[key] !== value);
  if (unmet) return `nodeSelector ${unmet[0]}=${unmet[1]} not matched`;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms.some((term) => termMatches(term, node))) return 'required node affinity not matched';
  const tolerations = pod.spec?.tolerations ?? [];
  const untolerated = (node.spec?.taints ?? []).find(
    (taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerations.some((t) => toleratesTaint(t, taint)),
  );
  if (untolerated) return `taint ${describeTaint(untolerated)} not tolerated`;
  return undefined;
}
