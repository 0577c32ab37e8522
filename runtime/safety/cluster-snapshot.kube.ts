// One consistent-enough read of what the safety checks need: every node, pod, PDB, claim and
// volume, each list read in pages (paged-list.ts). The nodes come from the caller's node watch
// once it has synced, so only the rest is listed. The lists are not one point in time; a pod
// created between them is seen by the next check, and a pass is only given on a read made for
// that check (shared-snapshot.ts), right before the drain.
import { CoreV1Api, PolicyV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { listAllPages, type ListPage, type PageRequest } from '../kube/paged-list.js';
import type { ClusterSnapshot } from './safety-checks.js';

export interface SnapshotSources {
  /** Objects per list request; LIST_PAGE_SIZE by default. */
  pageSize?: number;
  /** The nodes as a watch has them; undefined (not synced yet) or absent: listed. */
  nodes?: () => V1Node[] | undefined;
}

/** Throws KubeError when any of the lists fails. */
export async function loadSnapshot(kubeConfig: KubeConfig, sources: SnapshotSources = {}): Promise<ClusterSnapshot> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const policy = kubeConfig.makeApiClient(PolicyV1Api);
  const all = async <T>(what: string, page: (request: PageRequest) => Promise<ListPage<T>>): Promise<T[]> =>
    (await listAllPages(what, page, { pageSize: sources.pageSize })).items;
  const watched = sources.nodes?.();
  const [nodes, pods, pdbs, claims, volumes] = await Promise.all([
    watched ?? all('list nodes', (page) => core.listNode(page)),
    all('list pods', (page) => core.listPodForAllNamespaces(page)),
    all('list pod disruption budgets', (page) => policy.listPodDisruptionBudgetForAllNamespaces(page)),
    all('list persistent volume claims', (page) => core.listPersistentVolumeClaimForAllNamespaces(page)),
    all('list persistent volumes', (page) => core.listPersistentVolume(page)),
  ]);
  return { nodes, pods, pdbs, claims, volumes };
}
