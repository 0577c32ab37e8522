// metav1.LabelSelector semantics as PodDisruptionBudgets use them: a missing selector selects
// nothing, an empty one everything; matchLabels and matchExpressions are ANDed.
import type { V1LabelSelector } from '@kubernetes/client-node';
import { requirementMatches } from './scheduling.js';

// Label selectors know only these four; Gt and Lt belong to node selectors.
const LABEL_OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function labelSelectorMatches(selector: V1LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => have[key] === value);
  // An operator the API server would have rejected matches nothing rather than everything.
  return byLabel && (selector.matchExpressions ?? []).every((r) => LABEL_OPERATORS.has(r.operator) && requirementMatches(r, have[r.key]));
}
