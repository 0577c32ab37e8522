// What a pod asks of a node and what a node offers, as the scheduler counts them: cpu and memory
// in nano-units (see quantity.ts) and a slot in the node's pod count.
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { NANO, quantityOf } from './quantity.js';

export interface Resources {
  cpu: bigint;
  memory: bigint;
  pods: bigint;
}

export const ZERO: Resources = { cpu: 0n, memory: 0n, pods: 0n };

export const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, pods: a.pods + b.pods });
export const subtract = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu - b.cpu, memory: a.memory - b.memory, pods: a.pods - b.pods });
const max = (a: Resources, b: Resources): Resources => ({
  cpu: a.cpu > b.cpu ? a.cpu : b.cpu,
  memory: a.memory > b.memory ? a.memory : b.memory,
  pods: a.pods > b.pods ? a.pods : b.pods,
});

/** The resources of `need` that `free` cannot cover; empty when it fits. */
export function shortfall(need: Resources, free: Resources): (keyof Resources)[] {
  return (['cpu', 'memory', 'pods'] as const).filter((r) => need[r] > free[r]);
}

// The API server copies limits into missing requests when it admits a pod; doing the same here
// keeps objects that never went through admission (fixtures, dry runs) counted the same way.
function containerRequests(container: V1Container): Resources {
  const { requests, limits } = container.resources ?? {};
  const pick = (r: string): bigint => quantityOf(requests?.[r] !== undefined ? requests : limits, r);
  return { cpu: pick('cpu'), memory: pick('memory'), pods: 0n };
}

/**
 * The pod's effective request (k8s.io/component-helpers resource.PodRequests): the larger of the
 * app containers plus restartable (sidecar) init containers running beside them, and the peak of
 * the init sequence, where each init container runs beside the sidecars started before it; then
 * the RuntimeClass overhead. Pod-level requests, where set, replace the container sum.
 */
export function podRequests(pod: V1Pod): Resources {
  const spec = pod.spec;
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const init of spec?.initContainers ?? []) {
    const request = containerRequests(init);
    if (init.restartPolicy === 'Always') {
      sidecars = add(sidecars, request);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(sidecars, request));
    }
  }
  const apps = (spec?.containers ?? []).reduce((sum, c) => add(sum, containerRequests(c)), ZERO);
  let total = max(add(apps, sidecars), initPeak);
  const podLevel = spec?.resources?.requests;
  if (podLevel?.cpu !== undefined) total = { ...total, cpu: quantityOf(podLevel, 'cpu') };
  if (podLevel?.memory !== undefined) total = { ...total, memory: quantityOf(podLevel, 'memory') };
  const overhead = spec?.overhead;
  return { cpu: total.cpu + quantityOf(overhead, 'cpu'), memory: total.memory + quantityOf(overhead, 'memory'), pods: 1n };
}

/** A node's allocatable resources; the pod count is a plain number, kept in whole pods. */
export function nodeAllocatable(node: V1Node): Resources {
  const allocatable = node.status?.allocatable ?? node.status?.capacity;
  return { cpu: quantityOf(allocatable, 'cpu'), memory: quantityOf(allocatable, 'memory'), pods: quantityOf(allocatable, 'pods') / NANO };
}
