// Rebalance-response records, one coordination.k8s.io/v1 Lease per at-risk instance in the
// agent namespace (named after the instance: node names are reused by later instances, instance
// IDs never): the record in an annotation, the liveness of the agent carrying the response in
// the Lease's holder and renewTime (a heartbeat off the SGFEs, as Kubernetes keeps node
// heartbeats, KEP-589). Every write carries the resourceVersion last read, so two agents never
// both believe they carry the same response: the loser of a race gets a 409 (RecordLost).
//
// A finished response empties its record and makes the Lease a dependent of the at-risk Node:
// Kubernetes' garbage collector removes it with the node (at once when the node is already
// gone), so the agent needs no right to delete Leases in a namespace where the control
// plane's own Leases live.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { COMPONENT_VALUE, DEFAULT_NAMESPACE } from '../../crds/phases.js';
import { parseRecord, serializeRecord, type ResponseRecord } from '../agent/response-record.js';
import { leaseName } from '../capacity/asg-lock.kube.js';
import { KubeError, toKubeError } from './kube-errors.js';

export const RESPONSE_ANNOTATION = `${COMPONENT_VALUE}.aws.amazon.com/rebalance-response`;
const ROLE_LABEL = `${COMPONENT_VALUE}.aws.amazon.com/role`;
const ROLE = 'rebalance-response';
const PREFIX = 'spot-guard-response-';
/** How long a record's carrier may go without renewing before another agent may finish it. */
export const RESPONSE_LEASE_SECONDS = 60;

export const responseLeaseName = (instanceId: string): string => leaseName(PREFIX, instanceId);

/** Selects the response Leases (for a list or a watch). */
export const RESPONSE_SELECTOR = `${ROLE_LABEL}=${ROLE}`;

/** A record as read: who carries it, until when, and the version to write against. */
export interface HeldRecord {
  /** undefined when finished, or when malformed: a malformed one is reported, never acted on. */
  record: ResponseRecord | undefined;
  /** The response ended: nothing is left to do, the garbage collector removes the Lease with its node. */
  finished: boolean;
  name: string;
  holder: string | undefined;
  /** Epoch ms after which the holder counts as gone. */
  expiresAt: number;
  resourceVersion: string;
}

export class RecordLost extends Error {
  override readonly name = 'RecordLost';
  constructor(readonly instanceId: string) {
    super(`the rebalance-response record of ${instanceId} was written or removed by another agent`);
  }
}

export interface ResponseRecordsOptions {
  holderIdentity: string;
  namespace?: string;
  leaseDurationSeconds?: number;
  now?: () => number;
}

export class ResponseRecords {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  private readonly holder: string;
  readonly durationSeconds: number;
  private readonly now: () => number;

  constructor(kubeConfig: KubeConfig, options: ResponseRecordsOptions) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.holder = options.holderIdentity;
    this.durationSeconds = options.leaseDurationSeconds ?? RESPONSE_LEASE_SECONDS;
    this.now = options.now ?? Date.now;
  }

  get identity(): string {
    return this.holder;
  }

  async read(instanceId: string): Promise<HeldRecord | undefined> {
    const name = responseLeaseName(instanceId);
    try {
      return this.held(await this.api.readNamespacedLease({ name, namespace: this.namespace }));
    } catch (err) {
      const e = toKubeError(err, `read lease ${name}`);
      if (e.code === 'NotFound') return undefined;
      throw e;
    }
  }

  /**
   * Writes `record` as its holder: creates the Lease when `resourceVersion` is undefined, else
   * replaces the version read (which takes over a Lease another agent held). RecordLost when
   * another agent wrote or removed it first.
   */
  async write(record: ResponseRecord, resourceVersion: string | undefined): Promise<HeldRecord> {
    const name = responseLeaseName(record.instanceId);
    const now = new V1MicroTime(this.now());
    const body: V1Lease = {
      metadata: this.metadata(name, resourceVersion, serializeRecord(record)),
      spec: { holderIdentity: this.holder, leaseDurationSeconds: this.durationSeconds, renewTime: now, ...(resourceVersion ? {} : { acquireTime: now }) },
    };
    try {
      const written = resourceVersion
        ? await this.api.replaceNamespacedLease({ name, namespace: this.namespace, body })
        : await this.api.createNamespacedLease({ namespace: this.namespace, body });
      return this.held(written);
    } catch (err) {
      throw this.lostOr(err, record.instanceId, `write lease ${name}`);
    }
  }

  /**
   * Marks `record`'s response finished, if the Lease is still the version read: the record
   * emptied, no holder, and the at-risk node (its uid taken when the response began) as owner.
   */
  async finish(record: Pick<ResponseRecord, 'instanceId' | 'node' | 'nodeUid'>, resourceVersion: string): Promise<void> {
    const { instanceId, node, nodeUid } = record;
    const name = responseLeaseName(instanceId);
    const body: V1Lease = {
      metadata: { ...this.metadata(name, resourceVersion, ''), ownerReferences: nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: node, uid: nodeUid }] : undefined },
      spec: { leaseDurationSeconds: this.durationSeconds },
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace: this.namespace, body });
    } catch (err) {
      throw this.lostOr(err, instanceId, `finish lease ${name}`);
    }
  }

  /** Every write replaces the whole object: a record's labels and annotation, nothing else kept. */
  private metadata(name: string, resourceVersion: string | undefined, text: string): V1Lease['metadata'] {
    return { name, namespace: this.namespace, resourceVersion, labels: { [ROLE_LABEL]: ROLE, 'app.kubernetes.io/name': COMPONENT_VALUE }, annotations: { [RESPONSE_ANNOTATION]: text } };
  }

  private lostOr(err: unknown, node: string, what: string): Error {
    const e = err instanceof KubeError ? err : toKubeError(err, what);
    return e.code === 'Conflict' || e.code === 'AlreadyExists' ? new RecordLost(node) : e;
  }

  /** A Lease as read from a list or a watch. */
  held(lease: V1Lease): HeldRecord {
    const spec = lease.spec ?? {};
    const renewed = millis(spec.renewTime ?? spec.acquireTime);
    const text = lease.metadata?.annotations?.[RESPONSE_ANNOTATION];
    return {
      record: parseRecord(text),
      finished: text === '',
      name: lease.metadata?.name ?? '',
      holder: spec.holderIdentity,
      // Without a readable renewTime the holder can never be shown alive.
      expiresAt: Number.isNaN(renewed) ? 0 : renewed + (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000,
      resourceVersion: lease.metadata?.resourceVersion ?? '',
    };
  }
}

function millis(time: unknown): number {
  if (time instanceof Date) return time.getTime();
  return typeof time === 'string' ? Date.parse(time) : NaN;
}
