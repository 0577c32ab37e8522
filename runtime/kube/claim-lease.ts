// The heartbeat of a SpotGuardFallbackEvent's claim: one coordination.k8s.io/v1 Lease per
// claimed event, `spot-guard-claim-<event>`, in the event's namespace. The event's status.claim
// says who holds it and is written only when the holder changes; the holder renews this Lease
// every third of the lease instead, so a long Monitoring costs the event (which every agent
// watches) no writes, as Kubernetes moved node heartbeats off NodeStatus (KEP-589).
//
// Nobody watches these Leases: the first stand-bys of an event's ranking read its Lease once
// its claim, as they know it, has ended (fallback-event.guards.ts, leaseCheckDue). Each Lease
// is owned by its event, so Kubernetes' garbage collector deletes it with the event and the
// agent needs no right to delete Leases.
//
// Who holds the claim is settled on the event, by its resourceVersion; the Lease only says
// whether that holder is alive. So a renewal is written whatever version it meets: a 409 means
// a renewal of an earlier holder (or this holder's previous container) landed in between, and
// the rightful holder writes over it.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { COMPONENT_VALUE } from '../../crds/phases.js';
import { API_VERSION, KIND } from '../../crds/spotguardfallbackevent.names.generated.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { ClaimLease } from '../../machines/fallback-event.types.js';
import { leaseName } from '../capacity/asg-lock.kube.js';
import { toKubeError } from './kube-errors.js';

const ROLE_LABEL = `${COMPONENT_VALUE}.aws.amazon.com/role`;
const ROLE = 'claim';
const PREFIX = 'spot-guard-claim-';

export const claimLeaseName = (eventName: string): string => leaseName(PREFIX, eventName);

/** Selects the claim Leases (for a person with kubectl; the agents never list them). */
export const CLAIM_SELECTOR = `${ROLE_LABEL}=${ROLE}`;

export interface ClaimLeasesOptions {
  holderIdentity: string;
  now?: () => number;
}

export class ClaimLeases {
  private readonly api: CoordinationV1Api;
  private readonly holder: string;
  private readonly now: () => number;
  /** The version of each Lease this agent last wrote or read, to write the next renewal against. */
  private readonly versions = new Map<string, string>();

  constructor(kubeConfig: KubeConfig, options: ClaimLeasesOptions) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.holder = options.holderIdentity;
    this.now = options.now ?? Date.now;
  }

  /** The event is gone: its Lease goes with it (garbage-collected), and so does what this agent knew of it. */
  forget(event: SpotGuardFallbackEvent): void {
    const { name, namespace } = where(event);
    this.versions.delete(key(namespace, name));
  }

  /** The event's claim Lease as it is now; a missing Lease names nobody. */
  async read(event: SpotGuardFallbackEvent): Promise<ClaimLease> {
    const { name, namespace } = where(event);
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      this.versions.set(key(namespace, name), lease.metadata?.resourceVersion ?? '');
      return claimLeaseOf(lease, this.now());
    } catch (err) {
      const e = toKubeError(err, `read lease ${namespace}/${name}`);
      if (e.code !== 'NotFound') throw e;
      this.versions.delete(key(namespace, name));
      return { holder: undefined, renewedAt: undefined, readAt: this.now() };
    }
  }

  /**
   * Renews this agent's claim on `event`: holder this agent, renewTime `renewTime`. Creates the
   * Lease (owned by the event) when there is none; a write that meets a newer version than the
   * last one this agent saw reads it and writes once more.
   */
  async renew(event: SpotGuardFallbackEvent, renewTime: number, leaseSeconds: number): Promise<ClaimLease> {
    const { name, namespace } = where(event);
    const k = key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const version = this.versions.get(k);
      const body = this.body(event, renewTime, leaseSeconds, version);
      try {
        const written = version
          ? await this.api.replaceNamespacedLease({ name, namespace, body })
          : await this.api.createNamespacedLease({ namespace, body });
        this.versions.set(k, written.metadata?.resourceVersion ?? '');
        return { holder: this.holder, renewedAt: renewTime, readAt: this.now() };
      } catch (err) {
        const e = toKubeError(err, `renew lease ${namespace}/${name}`);
        const stale = e.code === 'Conflict' || e.code === 'AlreadyExists' || (e.code === 'NotFound' && version !== undefined);
        if (!stale || attempt >= 2) throw e;
        // Learn the version there is (none: create it), then write again.
        await this.read(event);
      }
    }
  }

  private body(event: SpotGuardFallbackEvent, renewTime: number, leaseSeconds: number, resourceVersion: string | undefined): V1Lease {
    const { name, namespace } = where(event);
    const uid = event.metadata?.uid;
    return {
      metadata: {
        name,
        namespace,
        resourceVersion,
        labels: { [ROLE_LABEL]: ROLE, 'app.kubernetes.io/name': COMPONENT_VALUE },
        // Deleted with its event by the garbage collector (an owner in the same namespace).
        ownerReferences: uid ? [{ apiVersion: API_VERSION, kind: KIND, name: event.metadata?.name ?? '', uid }] : undefined,
      },
      spec: { holderIdentity: this.holder, leaseDurationSeconds: leaseSeconds, renewTime: new V1MicroTime(renewTime) },
    };
  }
}

function where(event: SpotGuardFallbackEvent): { name: string; namespace: string } {
  return { name: claimLeaseName(event.metadata?.name ?? ''), namespace: event.metadata?.namespace ?? 'default' };
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

/** A Lease as the machine knows it: who renewed it last, and when. */
export function claimLeaseOf(lease: V1Lease, readAt: number): ClaimLease {
  const spec = lease.spec ?? {};
  const time = spec.renewTime ?? spec.acquireTime;
  const renewed = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : NaN;
  return { holder: spec.holderIdentity || undefined, renewedAt: Number.isNaN(renewed) ? undefined : renewed, readAt };
}
