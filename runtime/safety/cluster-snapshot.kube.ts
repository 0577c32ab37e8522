// One consistent-enough read of what the safety checks need: every node, pod, PDB, claim and
// volume, one list call each. The lists are not one point in time; a pod created between them is seen by
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

/** Throws KubeError when any of the lists fails. */
export async function loadSnapshot(kubeConfig: KubeConfig): Promise<ClusterSnapshot> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const policy = kubeConfig.makeApiClient(PolicyV1Api);
  const [nodes, pods, pdbs, claims, volumes] = await Promise.all([
    listed('list nodes', core.listNode()),
    listed('list pods', core.listPodForAllNamespaces()),
    listed('list pod disruption budgets', policy.listPodDisruptionBudgetForAllNamespaces()),
    listed('list persistent volume claims', core.listPersistentVolumeClaimForAllNamespaces()),
    listed('list persistent volumes', core.listPersistentVolume()),
  ]);
  return { nodes, pods, pdbs, claims, volumes };
}
