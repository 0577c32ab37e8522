// metav1.LabelSelector semantics as PodDisruptionBudgets use them: a missing selector selects
// nothing, an empty one everything; matchLabels and matchExpressions are ANDed.
import type { V1LabelSelector } from '@kubernetes/client-node';

export function labelSelectorMatches(selector: V1LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => have[key] === value);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every((r) => {
      const value = have[r.key];
      const values = r.values ?? [];
      switch (r.operator) {
        case 'In':
          return value !== undefined && values.includes(value);
        case 'NotIn':
          return value === undefined || !values.includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          // An operator the API server would have rejected; match nothing rather than everything.
          return false;
      }
    })
  );
}
