// The per-ASG lock as a coordination.k8s.io/v1 Lease in the agent namespace, with the
// capacity ledger in an annotation of the same object. Every write is an update carrying the
// resourceVersion last read, so two agents can never both believe they took the lock, and a
// holder whose lease expired and was taken over finds out on its next write (409) instead of
// writing over the new holder.
//
// Expiry compares the holder's renewTime with this agent's clock: nodes keep time with NTP,
// and the lease duration is far longer than any skew that matters.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { DEFAULT_NAMESPACE } from '../../crds/phases.js';
import { toKubeError } from '../kube/kube-errors.js';
import type { AsgLocks, HeldAsgLock } from './asg-lock.port.js';
import { CapacityError } from './capacity.port.js';
import { parseLedger, serializeLedger, type Ledger } from './ledger.js';

export const LEDGER_ANNOTATION = 'spot-guard.aws.amazon.com/capacity-ledger';
export const ASG_ANNOTATION = 'spot-guard.aws.amazon.com/asg-name';
/** Which process of the holder took the lock: tells a restarted container from its dead predecessor. */
export const HOLDER_PROCESS_ANNOTATION = 'spot-guard.aws.amazon.com/holder-process';
const LEASE_PREFIX = 'spot-guard-asg-';
const MAX_NAME = 63;
/** The lock's lease; every AWS call is bounded well inside it (AWS_CALL_TIMEOUT_MS). */
export const DEFAULT_LEASE_SECONDS = 30;

export interface AsgLeaseLockOptions {
  /** Who holds the lock: the agent's pod name. Must differ between agents. */
  holderIdentity: string;
  /**
   * This process among the containers the pod has run (default: a random id per instance). A
   * lock held under this pod's name by another process is its dead predecessor's: the kubelet
   * starts a pod's container again only once the previous one has exited, so it is taken at
   * once instead of waiting out the lease.
   */
  holderProcess?: string;
  namespace?: string;
  /** How long a holder that stopped writing keeps the lock; longer than any AWS call. */
  leaseDurationSeconds?: number;
  now?: () => number;
  /** Wait between attempts: doubling from initialMs up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  /** Called each time the lock was found held or lost a race, before waiting. */
  onWait?: (wait: { asgName: string; holder: string | undefined; attempt: number }) => void;
}

/**
 * The Lease name for an ASG: DNS-1123, at most 63 characters. A name that had to be changed
 * to fit gets a hash of the original, so two ASGs never share a lease (and so a ledger).
 */
export const asgLeaseName = (asgName: string): string => leaseName(LEASE_PREFIX, asgName);

/** `prefix` + `key` as a DNS-1123 label; a key that had to change to fit gets its hash. */
export function leaseName(prefix: string, key: string): string {
  const clean = key
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const plain = `${prefix}${clean}`;
  if (clean === key && plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  const room = MAX_NAME - prefix.length - hash.length - 1;
  const head = clean.slice(0, room).replace(/-$/, '');
  return head ? `${prefix}${head}-${hash}` : `${prefix}${hash}`;
}

function millis(time: unknown): number {
  // The client hands MicroTime back as the string the API server sent.
  if (time instanceof Date) return time.getTime();
  return typeof time === 'string' ? Date.parse(time) : NaN;
}

type Attempt = { held: HeldLease } | { holder: string | undefined };

export class AsgLeaseLocks implements AsgLocks {
  private readonly api: CoordinationV1Api;
  readonly namespace: string;
  private readonly holder: string;
  private readonly process: string;
  private readonly durationSeconds: number;
  private readonly now: () => number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly random: () => number;
  private readonly onWait: NonNullable<AsgLeaseLockOptions['onWait']>;

  constructor(kubeConfig: KubeConfig, options: AsgLeaseLockOptions) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.holder = options.holderIdentity;
    this.process = options.holderProcess ?? randomUUID();
    this.durationSeconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS;
    this.now = options.now ?? Date.now;
    this.backoff = options.backoff ?? { initialMs: 50, maxMs: 1000 };
    this.random = options.random ?? Math.random;
    this.onWait = options.onWait ?? (() => undefined);
  }

  async acquire(asgName: string, timeoutMs: number): Promise<HeldAsgLock> {
    const deadline = this.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(asgName);
      if ('held' in result) return result.held;
      const left = deadline - this.now();
      if (left <= 0) {
        throw new CapacityError('LockTimeout', asgName, `lease ${asgLeaseName(asgName)} stayed held by ${result.holder ?? 'another agent'} for ${timeoutMs} ms`);
      }
      this.onWait({ asgName, holder: result.holder, attempt });
      const cap = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempt - 1, 20));
      await sleep(Math.min(left, cap / 2 + (this.random() * cap) / 2));
    }
  }

  private async attempt(asgName: string): Promise<Attempt> {
    const name = asgLeaseName(asgName);
    const now = new V1MicroTime(this.now());
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace: this.namespace });
    } catch (err) {
      const e = toKubeError(err, `read lease ${name}`);
      if (e.code !== 'NotFound') throw e;
    }

    if (!lease) {
      const body: V1Lease = {
        metadata: { name, namespace: this.namespace, labels: { component: 'spot-guard' }, annotations: { [ASG_ANNOTATION]: asgName, [LEDGER_ANNOTATION]: '{}', [HOLDER_PROCESS_ANNOTATION]: this.process } },
        spec: { holderIdentity: this.holder, leaseDurationSeconds: this.durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      try {
        return { held: new HeldLease(this.api, asgName, await this.api.createNamespacedLease({ namespace: this.namespace, body }), {}, this.now) };
      } catch (err) {
        const e = toKubeError(err, `create lease ${name}`);
        if (e.code === 'AlreadyExists' || e.code === 'Conflict') return { holder: undefined };
        throw e;
      }
    }

    const spec = lease.spec ?? {};
    if (spec.holderIdentity && !this.expired(spec.renewTime ?? spec.acquireTime, spec.leaseDurationSeconds) && !this.deadPredecessor(lease)) {
      // Our own name and process count as someone else: a second call here must wait its turn.
      return { holder: spec.holderIdentity };
    }
    // Checked before taking the lock, so a broken ledger does not leave it held.
    const ledger = parseLedger(lease.metadata?.annotations?.[LEDGER_ANNOTATION]);
    if (!ledger) throw new CapacityError('LedgerCorrupt', asgName, `annotation ${LEDGER_ANNOTATION} of lease ${name} is not a capacity ledger`);
    const body: V1Lease = {
      ...lease,
      metadata: { ...lease.metadata, annotations: { ...lease.metadata?.annotations, [HOLDER_PROCESS_ANNOTATION]: this.process } },
      spec: {
        ...spec,
        holderIdentity: this.holder,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      return { held: new HeldLease(this.api, asgName, await this.api.replaceNamespacedLease({ name, namespace: this.namespace, body }), ledger, this.now) };
    } catch (err) {
      const e = toKubeError(err, `take lease ${name}`);
      if (e.code === 'Conflict' || e.code === 'NotFound') return { holder: undefined };
      throw e;
    }
  }

  /** Held under this pod's name by another of its processes, which has exited since. */
  private deadPredecessor(lease: V1Lease): boolean {
    const process = lease.metadata?.annotations?.[HOLDER_PROCESS_ANNOTATION];
    return lease.spec?.holderIdentity === this.holder && process !== undefined && process !== this.process;
  }

  private expired(renewTime: unknown, durationSeconds: number | undefined): boolean {
    const renewed = millis(renewTime);
    // A holder without a readable renewTime can never be shown alive: treat it as gone.
    if (Number.isNaN(renewed)) return true;
    return renewed + (durationSeconds ?? this.durationSeconds) * 1000 < this.now();
  }
}

class HeldLease implements HeldAsgLock {
  private released = false;

  constructor(
    private readonly api: CoordinationV1Api,
    readonly asgName: string,
    private lease: V1Lease,
    private ledger: Ledger,
    private readonly now: () => number,
  ) {}

  readLedger(): Ledger {
    return this.ledger;
  }

  writeLedger(ledger: Ledger): Promise<void> {
    return this.replace(ledger, true);
  }

  async release(ledger?: Ledger): Promise<void> {
    if (this.released) return;
    if (ledger) return this.replace(ledger, false);
    try {
      await this.replace(this.ledger, false);
    } catch (err) {
      // Without a ledger to write, a lost lock is the same as a released one.
      if (!(err instanceof CapacityError && err.code === 'LockLost')) throw err;
    } finally {
      this.released = true;
    }
  }

  private async replace(ledger: Ledger, keep: boolean): Promise<void> {
    const name = this.lease.metadata?.name ?? '';
    if (this.released) throw new CapacityError('LockLost', this.asgName, `lease ${name} was already released`);
    const { holderIdentity, ...spec } = this.lease.spec ?? {};
    const body: V1Lease = {
      ...this.lease,
      metadata: { ...this.lease.metadata, annotations: { ...this.lease.metadata?.annotations, [LEDGER_ANNOTATION]: serializeLedger(ledger) } },
      spec: keep ? { ...spec, holderIdentity, renewTime: new V1MicroTime(this.now()) } : spec,
    };
    try {
      this.lease = await this.api.replaceNamespacedLease({ name, namespace: this.lease.metadata?.namespace ?? '', body });
      this.ledger = ledger;
      if (!keep) this.released = true;
    } catch (err) {
      const e = toKubeError(err, `write lease ${name}`);
      if (e.code === 'Conflict' || e.code === 'NotFound') {
        this.released = true;
        throw new CapacityError('LockLost', this.asgName, `lease ${name} was taken over or deleted while held`, e);
      }
      throw e;
    }
  }
}
