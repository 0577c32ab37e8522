// NodePort over @kubernetes/client-node. Node changes are JSON merge patches carrying the
// resourceVersion they were computed from, so the only verb needed on nodes is patch (as the
// shipped RBAC grants) and a concurrent writer's taint is never overwritten: its change makes
// ours a 409, and we re-read and recompute. Drains go through the Eviction API so that
// PodDisruptionBudgets and each pod's own grace period hold; which pods go is drain-policy.ts.
import {
  CoreV1Api,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Node,
  type V1Pod,
  type V1Taint,
} from '@kubernetes/client-node';
import { formatDuration } from '../../crds/duration.js';
import type { EvictedPods } from '../../crds/spotguardfallbackevent.types.js';
import { alwaysLeft, controllerOf, describeRefusals, firstFew, isFinished, nodeOptOut, planDrain, podRef } from './drain-policy.js';
import { KubeError, refusalCause, toKubeError } from './kube-errors.js';
import { sameTaint, toNodeInfo } from './node-info.js';
import { LIST_PAGE_SIZE, listAllPages, type ListPage, type PageRequest } from './paged-list.js';
import { DrainError, type ControlledPods, type DrainOptions, type DrainResult, type NodeInfo, type NodeMark, type NodePort, type SkipReason } from './nodes.port.js';

export interface KubeNodesOptions {
  /** Attempts at a node patch that keeps meeting 409 (another writer) before giving up. */
  maxConflictRetries?: number;
  /** Default pause between rounds of evictions refused with 429; 5 s, as kubectl drain waits. */
  retryIntervalMs?: number;
  /** Page size for lists, so a big cluster is not read in one response. */
  pageSize?: number;
  now?: () => number;
}

/** What a node patch sets: spec fields, and annotations (null removes one). */
interface NodeChange {
  spec?: Partial<NonNullable<V1Node['spec']>>;
  annotations?: Record<string, string | null>;
}

const carries = (node: V1Node, mark: NodeMark): boolean => node.metadata?.annotations?.[mark.key] === mark.value;

/** gone: not there to evict (deleted meanwhile); refused: 429 or 409, tried again next round. */
type EvictOutcome = { outcome: 'evicted' | 'gone' } | { outcome: 'refused'; why: string };

function withSignal(signal: AbortSignal | undefined, options?: ConfigurationOptions<ObservableMiddleware>): ConfigurationOptions<ObservableMiddleware> | undefined {
  if (!signal) return options;
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx) => new Observable(Promise.resolve(ctx)),
  };
  return { ...options, middleware: [...(options?.middleware ?? []), middleware], middlewareMergeStrategy: 'append' };
}

// A taint as it goes back on the wire: timeAdded in whole seconds, as metav1.Time writes it.
function wireTaint(t: V1Taint): V1Taint {
  const wire: V1Taint = { key: t.key, effect: t.effect };
  if (t.value !== undefined) wire.value = t.value;
  if (t.timeAdded) wire.timeAdded = new Date(t.timeAdded).toISOString().replace(/\.\d{3}Z$/, 'Z') as unknown as Date;
  return wire;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class KubeNodes implements NodePort, ControlledPods {
  private readonly core: CoreV1Api;
  private readonly maxConflictRetries: number;
  private readonly retryIntervalMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;
  private readonly mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  constructor(kubeConfig: KubeConfig, options: KubeNodesOptions = {}) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.maxConflictRetries = options.maxConflictRetries ?? 5;
    this.retryIntervalMs = options.retryIntervalMs ?? 5000;
    this.pageSize = options.pageSize ?? LIST_PAGE_SIZE;
    this.now = options.now ?? (() => Date.now());
  }

  async getNode(name: string): Promise<NodeInfo | undefined> {
    try {
      return toNodeInfo(await this.readNode(name));
    } catch (err) {
      if (err instanceof KubeError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (await this.paged('list nodes', (page) => this.core.listNode(page))).map(toNodeInfo);
  }

  taint(name: string, taint: V1Taint, mark?: NodeMark): Promise<boolean> {
    return this.patchNode(name, `taint node ${name} with ${taint.key}:${taint.effect}`, (node) => {
      const taints = node.spec?.taints ?? [];
      if (taints.some((t) => sameTaint(t, taint))) return undefined;
      return { spec: { taints: [...taints, taint].map(wireTaint) }, annotations: mark ? { [mark.key]: mark.value } : undefined };
    });
  }

  async untaint(name: string, taint: V1Taint, mark?: NodeMark): Promise<boolean> {
    let removed = false;
    await this.patchNode(name, `untaint node ${name} of ${taint.key}:${taint.effect}`, (node) => {
      if (mark && !carries(node, mark)) return undefined;
      const taints = node.spec?.taints ?? [];
      removed = taints.some((t) => sameTaint(t, taint));
      if (!removed && !mark) return undefined;
      return { spec: removed ? { taints: taints.filter((t) => !sameTaint(t, taint)).map(wireTaint) } : undefined, annotations: mark ? { [mark.key]: null } : undefined };
    });
    return removed;
  }

  cordon(name: string, mark?: NodeMark): Promise<boolean> {
    return this.patchNode(name, `cordon node ${name}`, (node) =>
      node.spec?.unschedulable === true ? undefined : { spec: { unschedulable: true }, annotations: mark ? { [mark.key]: mark.value } : undefined },
    );
  }

  async uncordon(name: string, mark?: NodeMark): Promise<boolean> {
    let uncordoned = false;
    await this.patchNode(name, `uncordon node ${name}`, (node) => {
      if (mark && !carries(node, mark)) return undefined;
      uncordoned = node.spec?.unschedulable === true;
      if (!uncordoned && !mark) return undefined;
      // null removes the field, as kubectl uncordon leaves the node.
      return { spec: uncordoned ? { unschedulable: null as unknown as boolean } : undefined, annotations: mark ? { [mark.key]: null } : undefined };
    });
    return uncordoned;
  }

  async drain(name: string, options: DrainOptions): Promise<DrainResult> {
    const { signal, rules } = options;
    const interval = options.retryIntervalMs ?? this.retryIntervalMs;
    const started = this.now();
    const deadline = started + options.timeoutMs;
    const { node, serverTime } = await this.readNodeAt(name, signal);
    // A replacement is a pod of the same controller created since the drain began. Its
    // creationTimestamp is the API server's clock in whole seconds, so `since` is too: the
    // second after the one the drain began in, and no eviction goes out before it has come
    // (see settle), so that a pod of the same second that ran before is never taken for one.
    const since = wholeSeconds((serverTime ?? started) + 1000);
    let settle: number | undefined = started + 1000;
    const nodeRefusal = nodeOptOut(node, rules);
    if (nodeRefusal) throw new DrainError('Refused', name, [], `drain of node ${name} refused: ${nodeRefusal}`);
    const evicted: string[] = [];
    const replaced = new Map<string, EvictedPods>();
    const skipped = new Map<string, SkipReason>();
    // Each round re-lists and plans again, so pods that left by other means drop out and the
    // rules judge what is on the node now, never a stale list.
    for (;;) {
      signal?.throwIfAborted();
      const plan = planDrain(await this.podsOn(name, signal), rules);
      for (const { pod, reason } of plan.left) if (reason !== 'Terminating') skipped.set(podRef(pod), reason);
      if (plan.refused.length > 0) {
        const done = evicted.length > 0 ? `; already evicted ${firstFew(evicted)}` : '';
        const pods = plan.refused.map((r) => podRef(r.pod)).sort();
        throw new DrainError('Refused', name, pods, `drain of node ${name} refused: ${describeRefusals(plan.refused)}${done}`, [...replaced.values()]);
      }
      const refused: { pod: string; why: string }[] = [];
      for (const pod of plan.evict) {
        signal?.throwIfAborted();
        if (settle !== undefined) {
          await sleep(Math.max(0, settle - this.now()), signal);
          settle = undefined;
        }
        const result = await this.evict(pod, signal);
        if (result.outcome === 'refused') {
          refused.push({ pod: podRef(pod), why: result.why });
          continue;
        }
        evicted.push(podRef(pod));
        if (result.outcome === 'evicted' && !isFinished(pod)) countReplaced(replaced, pod, since);
      }
      if (refused.length === 0) return { evicted, replaced: [...replaced.values()], skipped: [...skipped].map(([pod, reason]) => ({ pod, reason })) };
      const left = deadline - this.now();
      if (left <= 0) {
        const still = firstFew(refused.map((r) => `${r.pod} (${r.why})`));
        const done = evicted.length > 0 ? `; evicted ${firstFew(evicted)}` : '';
        throw new DrainError('Timeout', name, refused.map((r) => r.pod), `drain of node ${name} timed out after ${formatDuration(options.timeoutMs)}, evictions still refused for ${still}${done}`, [...replaced.values()]);
      }
      await sleep(Math.min(interval, left), signal);
    }
  }

  async remainingPods(name: string): Promise<V1Pod[]> {
    await this.readNode(name);
    // What no drain touches stays; everything else (Terminating and finished pods too) must go.
    return (await this.podsOn(name)).filter((pod) => !alwaysLeft(pod));
  }

  async controlledPods(controllers: readonly Pick<EvictedPods, 'namespace' | 'uid'>[], signal?: AbortSignal): Promise<V1Pod[]> {
    const found: V1Pod[] = [];
    for (const namespace of new Set(controllers.map((c) => c.namespace))) {
      const uids = new Set(controllers.filter((c) => c.namespace === namespace).map((c) => c.uid));
      // Only the controllers' own pods are kept: a namespace can hold thousands of others.
      const keep = (pod: V1Pod) => uids.has(controllerOf(pod)?.uid ?? '');
      found.push(...(await this.paged(`list pods in namespace ${namespace}`, (page) => this.core.listNamespacedPod({ namespace, ...page }, withSignal(signal)), signal, keep)));
    }
    return found;
  }

  /** The node, and the API server's time of the answer (its Date header) when it gave one. */
  private async readNodeAt(name: string, signal?: AbortSignal): Promise<{ node: V1Node; serverTime: number | undefined }> {
    try {
      const response = await this.core.readNodeWithHttpInfo({ name }, withSignal(signal));
      const date = Date.parse(response.headers.date ?? '');
      return { node: response.data, serverTime: Number.isNaN(date) ? undefined : date };
    } catch (err) {
      signal?.throwIfAborted();
      throw toKubeError(err, `read node ${name}`);
    }
  }

  private async readNode(name: string, signal?: AbortSignal): Promise<V1Node> {
    try {
      return await this.core.readNode({ name }, withSignal(signal));
    } catch (err) {
      signal?.throwIfAborted();
      throw toKubeError(err, `read node ${name}`);
    }
  }

  /**
   * Reads the node, asks `change` for the spec fields and annotations to set (undefined: nothing
   * to do; an annotation set to null is removed) and patches them with the read resourceVersion
   * as a precondition, so a change and its mark land together or not at all; a 409 starts over.
   */
  private async patchNode(name: string, what: string, change: (node: V1Node) => NodeChange | undefined): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.readNode(name);
      const wanted = change(node);
      if (!wanted) return false;
      const metadata = { resourceVersion: node.metadata?.resourceVersion, ...(wanted.annotations ? { annotations: wanted.annotations } : {}) };
      const body = { metadata, ...(wanted.spec ? { spec: wanted.spec } : {}) };
      try {
        await this.core.patchNode({ name, body }, this.mergePatch);
        return true;
      } catch (err) {
        const e = toKubeError(err, what);
        if (e.code !== 'Conflict' || attempt >= this.maxConflictRetries) throw e;
      }
    }
  }

  private podsOn(node: string, signal?: AbortSignal): Promise<V1Pod[]> {
    return this.paged(`list pods on node ${node}`, (page) => this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}`, ...page }, withSignal(signal)), signal);
  }

  /** Every page of a list (paged-list.ts); an abort is rethrown as itself, not as a failed list. */
  private async paged<T>(what: string, page: (request: PageRequest) => Promise<ListPage<T>>, signal?: AbortSignal, keep?: (item: T) => boolean): Promise<T[]> {
    try {
      return (await listAllPages(what, page, { pageSize: this.pageSize, keep })).items;
    } catch (err) {
      signal?.throwIfAborted();
      throw err;
    }
  }

  private async evict(pod: V1Pod, signal: AbortSignal | undefined): Promise<EvictOutcome> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    // No grace period here: the pod's own terminationGracePeriodSeconds applies. The uid
    // precondition keeps a same-named successor (a StatefulSet's) from being evicted in its place.
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: { preconditions: { uid: pod.metadata?.uid } } };
    try {
      await this.core.createNamespacedPodEviction({ name, namespace, body }, withSignal(signal));
      return { outcome: 'evicted' };
    } catch (err) {
      signal?.throwIfAborted();
      const e = toKubeError(err, `evict pod ${namespace}/${name}`);
      if (e.code === 'NotFound') return { outcome: 'gone' };
      // 429: a PodDisruptionBudget has no disruption to spare right now (kubectl drain waits
      // and asks again too). 409: the uid precondition or a racing PDB update; the next
      // round's list tells which.
      if (e.code === 'Throttled' || e.code === 'Conflict') return { outcome: 'refused', why: refusalCause(e) };
      throw e;
    }
  }
}

/** Epoch milliseconds as an RFC 3339 time in whole seconds, the precision of creationTimestamp. */
const wholeSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One more evicted pod of its controller; pods without one are not replaced by anything. */
function countReplaced(replaced: Map<string, EvictedPods>, pod: V1Pod, since: string): void {
  const controller = controllerOf(pod);
  if (!controller) return;
  const namespace = pod.metadata?.namespace ?? 'default';
  const known = replaced.get(controller.uid);
  if (known) known.pods += 1;
  else replaced.set(controller.uid, { namespace, kind: controller.kind, name: controller.name, uid: controller.uid, pods: 1, since });
}
