// Kubernetes Events on the objects Spot Guard acts on, so `kubectl describe node` and
// `kubectl describe sgfe` tell an operator what happened without reading agent logs.
//
// core/v1 Events, not events.k8s.io: @kubernetes/client-node 1.4 writes eventTime with
// milliseconds and the API server refuses it (it wants microseconds). A repeat of the same
// event within the window bumps count and lastTimestamp on the existing Event, as the kubelet's
// recorder does, instead of flooding etcd. Recording is best effort: an Event is a courtesy to
// the operator, so it never throws and never holds the caller up for longer than the timeout.
// Each message ends with the agent that wrote it ("(by POD on NODE)"): `kubectl describe` shows
// only an Event's component, and a DaemonSet's agents share one.
import { CoreV1Api, Observable, PatchStrategy, setHeaderOptions, type ConfigurationOptions, type CoreV1Event, type KubeConfig, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { DEFAULT_NAMESPACE } from '../../crds/phases.js';
import { API_VERSION } from '../../crds/spotguardfallbackevent.names.generated.js';
import type { Logger } from '../log.js';
import { toKubeError } from './kube-errors.js';

export interface EventTarget {
  kind: 'SpotGuardFallbackEvent' | 'Node';
  name: string;
  /** The SGFE's namespace; ignored for Nodes, whose Events go to "default" as the kubelet's do. */
  namespace?: string;
  uid?: string;
  apiVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface RecorderIdentity {
  podName: string;
  nodeName: string;
}

export interface EventRecorderOptions {
  /** Longest a record() call waits for the API server. */
  timeoutMs?: number;
  /** A repeat within this long of the last one is counted on the same Event. */
  dedupWindowMs?: number;
  /** How many recent Events are remembered for counting repeats. */
  cacheSize?: number;
  now?: () => Date;
}

export const COMPONENT = 'spot-guard';
const NODE_EVENT_NAMESPACE = 'default';

interface Recent {
  name: string;
  namespace: string;
  count: number;
  lastSeenMs: number;
}

/** Kubernetes timestamps on core/v1 Events are whole seconds. */
const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);
const kubeTime = (d: Date): string => wholeSeconds(d).toISOString().replace('.000Z', 'Z');

/** Aborts the request itself when the timeout passes, so a hung connection is not left behind. */
function abortOn(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly timeoutMs: number;
  private readonly dedupWindowMs: number;
  private readonly cacheSize: number;
  private readonly now: () => Date;
  /** Insertion-ordered, most recently used last: the first key is the one to evict. */
  private readonly recent = new Map<string, Recent>();
  /** Writes of the same event are serialised, so two quick repeats cannot create two Events. */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly identity: RecorderIdentity,
    private readonly log: Logger,
    options: EventRecorderOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.dedupWindowMs = options.dedupWindowMs ?? 10 * 60_000;
    this.cacheSize = options.cacheSize ?? 256;
    this.now = options.now ?? (() => new Date());
  }

  /** Records an Event on `target`. Resolves once written, or once it failed or timed out (logged). */
  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.kind === 'Node' ? NODE_EVENT_NAMESPACE : (target.namespace ?? DEFAULT_NAMESPACE);
    const key = JSON.stringify([target.kind, namespace, target.name, target.uid ?? '', type, reason, message]);
    const fields = { kind: target.kind, name: target.name, reason };
    const previous = this.inflight.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.write(key, namespace, target, type, reason, message)).catch((err: unknown) => {
      const e = toKubeError(err, `record event ${reason} on ${target.kind} ${target.name}`);
      this.log.warn({ ...fields, code: e.code, error: e.message }, 'failed to record kubernetes event');
    });
    this.inflight.set(key, run);
    void run.finally(() => {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([run, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.log.warn({ ...fields, timeoutMs: this.timeoutMs }, 'gave up waiting to record kubernetes event');
  }

  private async write(key: string, namespace: string, target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.now();
    const options = abortOn(AbortSignal.timeout(this.timeoutMs));
    const seen = this.recent.get(key);
    if (seen && now.getTime() - seen.lastSeenMs < this.dedupWindowMs) {
      const count = seen.count + 1;
      try {
        await this.api.patchNamespacedEvent(
          { name: seen.name, namespace: seen.namespace, body: { count, lastTimestamp: kubeTime(now) } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options),
        );
        this.remember(key, { ...seen, count, lastSeenMs: now.getTime() });
        return;
      } catch (err) {
        // The API server expires Events after an hour (or someone deleted it): start a new one.
        if (toKubeError(err, 'patch event').code !== 'NotFound') throw err;
        this.recent.delete(key);
      }
    }
    const stamp = wholeSeconds(now);
    const body: CoreV1Event = {
      metadata: { generateName: `${target.name}.`, namespace },
      involvedObject: {
        kind: target.kind,
        name: target.name,
        namespace: target.kind === 'Node' ? undefined : namespace,
        uid: target.uid,
        apiVersion: target.apiVersion ?? (target.kind === 'Node' ? 'v1' : API_VERSION),
      },
      type,
      reason,
      message: `${message} (by ${this.identity.podName} on ${this.identity.nodeName})`,
      source: { component: COMPONENT, host: this.identity.nodeName },
      reportingComponent: COMPONENT,
      reportingInstance: this.identity.podName,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    const created = await this.api.createNamespacedEvent({ namespace, body }, options);
    this.remember(key, { name: created.metadata?.name ?? '', namespace, count: 1, lastSeenMs: now.getTime() });
  }

  private remember(key: string, entry: Recent): void {
    this.recent.delete(key);
    this.recent.set(key, entry);
    while (this.recent.size > this.cacheSize) {
      const oldest = this.recent.keys().next();
      if (oldest.done) break;
      this.recent.delete(oldest.value);
    }
  }
}

/** The target for an SGFE, so callers need not spell out its kind and apiVersion. */
export function fallbackEventTarget(event: { metadata?: { name?: string; namespace?: string; uid?: string } }): EventTarget {
  return { kind: 'SpotGuardFallbackEvent', name: event.metadata?.name ?? '', namespace: event.metadata?.namespace, uid: event.metadata?.uid, apiVersion: API_VERSION };
}
