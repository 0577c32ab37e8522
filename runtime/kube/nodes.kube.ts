// NodePort over @kubernetes/client-node. Node changes are JSON merge patches carrying the
// resourceVersion they were computed from, so the only verb needed on nodes is patch (as the
// shipped RBAC grants) and a concurrent writer's taint is never overwritten: its change makes
// ours a 409, and we re-read and recompute. Drains go through the Eviction API so that
// PodDisruptionBudgets and each pod's own grace period hold.
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
import { KubeError, toKubeError } from './kube-errors.js';
import { isTerminating, optsOut, podRef, sameTaint, skipReason, toNodeInfo } from './node-info.js';
import { DrainError, OPT_OUT_ANNOTATION, type DrainOptions, type DrainResult, type NodeInfo, type NodePort, type SkipReason } from './nodes.port.js';

export interface KubeNodesOptions {
  /** Attempts at a node patch that keeps meeting 409 (another writer) before giving up. */
  maxConflictRetries?: number;
  /** Default pause between rounds of evictions refused with 429. */
  retryIntervalMs?: number;
  /** Page size for lists, so a big cluster is not read in one response. */
  pageSize?: number;
  now?: () => number;
}

type EvictOutcome = 'evicted' | 'refused';

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

export class KubeNodes implements NodePort {
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
    this.pageSize = options.pageSize ?? 500;
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
    const nodes: NodeInfo[] = [];
    let next: string | undefined;
    do {
      try {
        const page = await this.core.listNode({ limit: this.pageSize, _continue: next });
        nodes.push(...page.items.map(toNodeInfo));
        next = page.metadata?._continue || undefined;
      } catch (err) {
        throw toKubeError(err, 'list nodes');
      }
    } while (next);
    return nodes;
  }

  taint(name: string, taint: V1Taint): Promise<boolean> {
    return this.patchNode(name, `taint node ${name} with ${taint.key}:${taint.effect}`, (node) => {
      const taints = node.spec?.taints ?? [];
      if (taints.some((t) => sameTaint(t, taint))) return undefined;
      return { taints: [...taints, taint].map(wireTaint) };
    });
  }

  untaint(name: string, taint: V1Taint): Promise<boolean> {
    return this.patchNode(name, `untaint node ${name} of ${taint.key}:${taint.effect}`, (node) => {
      const taints = node.spec?.taints ?? [];
      if (!taints.some((t) => sameTaint(t, taint))) return undefined;
      return { taints: taints.filter((t) => !sameTaint(t, taint)).map(wireTaint) };
    });
  }

  cordon(name: string): Promise<boolean> {
    return this.patchNode(name, `cordon node ${name}`, (node) => (node.spec?.unschedulable === true ? undefined : { unschedulable: true }));
  }

  async drain(name: string, options: DrainOptions): Promise<DrainResult> {
    const { signal } = options;
    const interval = options.retryIntervalMs ?? this.retryIntervalMs;
    const deadline = this.now() + options.timeoutMs;
    const evicted: string[] = [];
    const skipped = new Map<string, SkipReason>();
    await this.readNode(name, signal);
    // Each round re-lists, so pods that left by other means drop out and the opt-out is
    // checked against what is on the node now, never against a stale list.
    for (;;) {
      signal?.throwIfAborted();
      const candidates: V1Pod[] = [];
      for (const pod of await this.podsOn(name, signal)) {
        const reason = skipReason(pod);
        if (reason) skipped.set(podRef(pod), reason);
        else if (!isTerminating(pod)) candidates.push(pod);
      }
      const optedOut = candidates.filter(optsOut).map(podRef);
      if (optedOut.length > 0) {
        const done = evicted.length > 0 ? `; already evicted ${evicted.join(', ')}` : '; evicted nothing';
        throw new DrainError('OptedOut', name, optedOut, `drain of node ${name} refused: ${optedOut.join(', ')} opted out with ${OPT_OUT_ANNOTATION}=true${done}`);
      }
      const refused: string[] = [];
      for (const pod of candidates) {
        signal?.throwIfAborted();
        if ((await this.evict(pod, signal)) === 'evicted') evicted.push(podRef(pod));
        else refused.push(podRef(pod));
      }
      if (refused.length === 0) return { evicted, skipped: [...skipped].map(([pod, reason]) => ({ pod, reason })) };
      const left = deadline - this.now();
      if (left <= 0) {
        throw new DrainError('Timeout', name, refused, `drain of node ${name} timed out after ${options.timeoutMs} ms: evictions still refused for ${refused.join(', ')}`);
      }
      await sleep(Math.min(interval, left), signal);
    }
  }

  async remainingPods(name: string): Promise<V1Pod[]> {
    await this.readNode(name);
    return (await this.podsOn(name)).filter((pod) => skipReason(pod) === undefined);
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
   * Reads the node, asks `change` for the spec fields to set (undefined: nothing to do) and
   * patches them with the read resourceVersion as a precondition; a 409 starts over.
   */
  private async patchNode(name: string, what: string, change: (node: V1Node) => Partial<V1Node['spec']> | undefined): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.readNode(name);
      const spec = change(node);
      if (!spec) return false;
      const body = { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec };
      try {
        await this.core.patchNode({ name, body }, this.mergePatch);
        return true;
      } catch (err) {
        const e = toKubeError(err, what);
        if (e.code !== 'Conflict' || attempt >= this.maxConflictRetries) throw e;
      }
    }
  }

  private async podsOn(node: string, signal?: AbortSignal): Promise<V1Pod[]> {
    const pods: V1Pod[] = [];
    let next: string | undefined;
    do {
      try {
        const page = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}`, limit: this.pageSize, _continue: next }, withSignal(signal));
        pods.push(...page.items);
        next = page.metadata?._continue || undefined;
      } catch (err) {
        signal?.throwIfAborted();
        throw toKubeError(err, `list pods on node ${node}`);
      }
    } while (next);
    return pods;
  }

  private async evict(pod: V1Pod, signal: AbortSignal | undefined): Promise<EvictOutcome> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    // No grace period here: the pod's own terminationGracePeriodSeconds applies. The uid
    // precondition keeps a same-named successor (a StatefulSet's) from being evicted in its place.
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: { preconditions: { uid: pod.metadata?.uid } } };
    try {
      await this.core.createNamespacedPodEviction({ name, namespace, body }, withSignal(signal));
      return 'evicted';
    } catch (err) {
      signal?.throwIfAborted();
      const e = toKubeError(err, `evict pod ${namespace}/${name}`);
      if (e.code === 'NotFound') return 'evicted';
      // 429: a PodDisruptionBudget has no disruption to spare right now. 409: the uid
      // precondition or a racing PDB update; the next round's list tells which.
      if (e.code === 'Throttled' || e.code === 'Conflict') return 'refused';
      throw e;
    }
  }
}
