// One consistent-enough read of what the safety checks need: every node, pod and PDB, one list
// call each. The three lists are not one point in time; a pod created between them is seen by
// the next check, which runs right before the drain, not once per event.
import { CoreV1Api, PolicyV1Api, type KubeConfig } from '@kubernetes/client-node';
import { toKubeError } from '../kube/kube-errors.js';
import type { ClusterSnapshot } from './safety-checks.js';

async function listed<T>(what: string, call: Promise<{ items: T[] }>): Promise<T[]> {
  try {
    return (await call).items;
  } catch (err) {
    throw toKubeError(err, what);
  }
}

/** Throws KubeError when any of the three lists fails. */
export async function loadSnapshot(kubeConfig: KubeConfig): Promise<ClusterSnapshot> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const policy = kubeConfig.makeApiClient(PolicyV1Api);
  const [nodes, pods, pdbs] = await Promise.all([
    listed('list nodes', core.listNode()),
    listed('list pods', core.listPodForAllNamespaces()),
    listed('list pod disruption budgets', policy.listPodDisruptionBudgetForAllNamespaces()),
  ]);
  return { nodes, pods, pdbs };
}
