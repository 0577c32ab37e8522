// Typed access to SpotGuardFallbackEvent objects. Status changes go through the status
// subresource with an optimistic precondition on resourceVersion: the result is either the
// committed object or, on 409, the latest object, so racing agents settle who won.
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { eventName } from '../../crds/naming.js';
import { DEFAULT_NAMESPACE, EVENT_LABELS } from '../../crds/phases.js';
import { GROUP, KIND, PLURAL, VERSION, API_VERSION } from '../../crds/spotguardfallbackevent.names.generated.js';
import type { FallbackEventSpec, FallbackEventStatus, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { KubeError, toKubeError } from './kube-errors.js';
import { listAllPages, type ListPage } from './paged-list.js';

export type CommitResult =
  | { outcome: 'committed'; event: SpotGuardFallbackEvent }
  | { outcome: 'conflict'; latest: SpotGuardFallbackEvent }
  | { outcome: 'gone' };

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandle {
  stop(): void;
}

export interface StoreOptions {
  namespace?: string;
  random?: (n: number) => Uint8Array;
  /** Objects per list request; LIST_PAGE_SIZE by default. */
  pageSize?: number;
}

export class FallbackEventStore {
  private readonly api: CustomObjectsApi;
  private readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  private readonly random: (n: number) => Uint8Array;
  private readonly pageSize: number | undefined;

  constructor(kubeConfig: KubeConfig, options: StoreOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.random = options.random ?? ((n) => randomBytes(n));
    this.pageSize = options.pageSize;
  }

  private ref(name: string) {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name };
  }

  /**
   * Creates the event, then writes its first status: the status subresource ignores status
   * sent with a create. Should the second write fail, the object still reads as Pending (the
   * CRD's default) and any agent carries it on from there; it is not deleted. When an agent
   * wrote a status first (a 409), its version is returned: the event is already being handled.
   */
  async create(spec: FallbackEventSpec, status?: FallbackEventStatus, annotations?: Record<string, string>): Promise<SpotGuardFallbackEvent> {
    const name = eventName(new Date(spec.timestamp), this.random(6));
    const body: SpotGuardFallbackEvent = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: this.namespace, labels: { ...EVENT_LABELS }, annotations }, spec };
    let created: SpotGuardFallbackEvent;
    try {
      created = (await this.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, body })) as SpotGuardFallbackEvent;
    } catch (err) {
      throw toKubeError(err, `create ${KIND} ${name}`);
    }
    if (!status) return created;
    const result = await this.commitStatus(created, status);
    if (result.outcome === 'committed') return result.event;
    // An agent saw the new object and wrote its status first: the event is already in hand.
    if (result.outcome === 'conflict') return result.latest;
    throw new KubeError('NotFound', undefined, `write the first status of ${name}: deleted before it was written`);
  }

  async get(name: string): Promise<SpotGuardFallbackEvent | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject(this.ref(name))) as SpotGuardFallbackEvent;
    } catch (err) {
      const e = toKubeError(err, `get ${KIND} ${name}`);
      if (e.code === 'NotFound') return undefined;
      throw e;
    }
  }

  /** Every event (in pages), and the resourceVersion of the snapshot they were read at. */
  async list(options: { labelSelector?: string } = {}): Promise<{ items: SpotGuardFallbackEvent[]; resourceVersion: string }> {
    return listAllPages(
      `list ${KIND}`,
      async (page) =>
        (await this.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, labelSelector: options.labelSelector, ...page })) as ListPage<SpotGuardFallbackEvent>,
      { pageSize: this.pageSize },
    );
  }

  /**
   * A plain watch from `resourceVersion`. It ends on any error, including 410 Gone; relisting
   * and restarting with backoff belong to the watch stream built on top of it.
   */
  async watch(
    options: { labelSelector?: string; resourceVersion?: string },
    onEvent: (type: WatchEventType, event: SpotGuardFallbackEvent) => void,
    onEnd: (error: KubeError | undefined) => void,
  ): Promise<WatchHandle> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${PLURAL}`;
    const query: Record<string, string | boolean> = { allowWatchBookmarks: false };
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.resourceVersion) query.resourceVersion = options.resourceVersion;
    let stopped = false;
    try {
      const controller = await new Watch(this.kubeConfig).watch(
        path,
        query,
        (type: string, object: SpotGuardFallbackEvent & { code?: number; message?: string }) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, object);
          else if (type === 'ERROR') onEnd(new KubeError(object.code === 410 ? 'Gone' : 'Unknown', object.code, `watch ${KIND}: ${object.message ?? 'error'}`));
        },
        // Our own stop() aborts the request: that is not the watch ending.
        (err: unknown) => {
          if (!stopped) onEnd(err ? toKubeError(err, `watch ${KIND}`) : undefined);
        },
      );
      return {
        stop: () => {
          stopped = true;
          controller.abort();
        },
      };
    } catch (err) {
      throw toKubeError(err, `watch ${KIND}`);
    }
  }

  /** Completed and Failed events whose completionTime (else creation) is older than `ttlMs` before `now`. */
  async listExpired(ttlMs: number, now: Date): Promise<SpotGuardFallbackEvent[]> {
    const { items } = await this.list();
    return items.filter((e) => {
      if (e.status?.phase !== 'Completed' && e.status?.phase !== 'Failed') return false;
      const end = Date.parse(e.status.completionTime ?? String(e.metadata?.creationTimestamp ?? ''));
      return !Number.isNaN(end) && now.getTime() - end >= ttlMs;
    });
  }

  /** Replaces the status if `event` is still the latest version; a 409 returns the latest. */
  async commitStatus(event: SpotGuardFallbackEvent, status: FallbackEventStatus): Promise<CommitResult> {
    const name = event.metadata?.name ?? '';
    const body: SpotGuardFallbackEvent = { ...event, status };
    try {
      const committed = (await this.api.replaceNamespacedCustomObjectStatus({ ...this.ref(name), body })) as SpotGuardFallbackEvent;
      return { outcome: 'committed', event: committed };
    } catch (err) {
      const e = toKubeError(err, `update status of ${KIND} ${name}`);
      if (e.code === 'NotFound') return { outcome: 'gone' };
      if (e.code !== 'Conflict') throw e;
      const latest = await this.get(name);
      return latest ? { outcome: 'conflict', latest } : { outcome: 'gone' };
    }
  }

  /** Deletes the event, only if it is still at `resourceVersion` when one is given. */
  async delete(name: string, resourceVersion?: string): Promise<'deleted' | 'gone' | 'conflict'> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...this.ref(name), body: resourceVersion ? { preconditions: { resourceVersion } } : {} });
      return 'deleted';
    } catch (err) {
      const e = toKubeError(err, `delete ${KIND} ${name}`);
      if (e.code === 'NotFound') return 'gone';
      if (e.code === 'Conflict') return 'conflict';
      throw e;
    }
  }
}
