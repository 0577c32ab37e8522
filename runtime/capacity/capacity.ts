// CapacityPort over a per-ASG lock and ledger: every read-modify-write of desired capacity
// happens while holding the ASG's lock, and is written down as an intent before the AWS call
// and as applied after it. SetDesiredCapacity is not conditional, so the lock is what stops
// two agents from both turning "desired 3" into 4; the ledger is what stops a retry, or an
// agent that died halfway, from adding or withdrawing twice.
//
// Limit: the lock only serialises callers that use it. A lease that expired while its holder
// was stuck inside SetDesiredCapacity would let that late call land after the next holder's;
// so every AWS call is bounded (AWS_CALL_TIMEOUT_MS in runtime/autoscaling.aws.ts, SDK retries
// included) well inside the lease, and the lease is renewed by the intent write just before it.
import type { AsgDescription, AutoScalingPort } from '../autoscaling.port.js';
import type { Logger } from '../log.js';
import type { AsgLocks, HeldAsgLock } from './asg-lock.port.js';
import { CapacityError, type CapacityOutcome, type CapacityPort, type WithdrawOptions, type WithdrawOutcome } from './capacity.port.js';
import { pruneLedger, resolveIntents, withStep, intents, type Ledger, type LedgerStep } from './ledger.js';

export interface LedgeredCapacityOptions {
  /** How long to wait for another agent's lock before giving up. */
  acquireTimeoutMs?: number;
  /** Ledger records untouched for this long are dropped. */
  retentionMs?: number;
  now?: () => number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

type Settled = { ledger: Ledger; group: AsgDescription | undefined };

export class LedgeredCapacity implements CapacityPort {
  private readonly acquireTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly log: Pick<Logger, 'info' | 'warn'> | undefined;

  constructor(
    private readonly locks: AsgLocks,
    private readonly autoscaling: AutoScalingPort,
    options: LedgeredCapacityOptions = {},
  ) {
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  increment(asgName: string, requestId: string): Promise<CapacityOutcome> {
    return this.locked<CapacityOutcome>(asgName, async (lock, { ledger, group }) => {
      const done = ledger[requestId]?.increment;
      if (done) return { result: { outcome: 'already', from: done.from, to: done.to }, ledger };
      // Taken back before it was ever raised: an increment still in flight when its response ended.
      if (ledger[requestId]?.withdraw) return { result: { outcome: 'closed' }, ledger };
      const { desired, maxSize, instances } = group ?? (await this.describe(asgName));
      if (desired + 1 > maxSize) return { result: { outcome: 'atMaxSize', desired, max: maxSize }, ledger };
      const before = instances.map((i) => i.instanceId);
      const step = await this.apply(lock, ledger, requestId, 'increment', { from: desired, to: desired + 1, before }, () => this.autoscaling.setDesiredCapacity(asgName, desired + 1));
      this.log?.info({ asg: asgName, requestId, from: step.from, to: step.to }, 'raised asg desired capacity');
      return { result: { outcome: 'raised', from: step.from, to: step.to }, ledger: undefined };
    });
  }

  withdraw(asgName: string, requestId: string, options: WithdrawOptions = {}): Promise<WithdrawOutcome> {
    return this.locked<WithdrawOutcome>(asgName, async (lock, { ledger, group }) => {
      const record = ledger[requestId];
      const taken = record?.withdraw;
      if (taken) return { result: { outcome: 'already', from: taken.from, to: taken.to, ...(taken.instance ? { instance: taken.instance } : {}) }, ledger };
      if (!record?.increment) {
        // Nothing to take back, and nothing may be added later: the request is closed with a
        // withdraw that changed nothing, so an increment of it still in flight (waiting for
        // this lock, or retried by an agent that has not heard) raises nothing.
        const { desired } = group ?? (await this.describe(asgName));
        const closed = withStep(ledger, requestId, 'withdraw', { from: desired, to: desired, state: 'applied', at: this.iso() });
        this.log?.info({ asg: asgName, requestId, desired }, 'closed a request that never raised capacity');
        return { result: { outcome: 'nothingToWithdraw' }, ledger: closed };
      }
      // An increment that was never confirmed may not be ours to take back.
      if (record.increment.unconfirmed) return { result: { outcome: 'nothingToWithdraw' }, ledger };
      // Fresh: what happened since the lock's last holder settled it matters here.
      const current = group ?? (await this.describe(asgName));
      const { desired, minSize } = current;
      if (desired - 1 < minSize) {
        this.log?.warn({ asg: asgName, requestId, desired, min: minSize }, 'skipped withdraw at asg min size');
        return { result: { outcome: 'nothingToWithdraw', from: desired, to: desired }, ledger };
      }
      const victim = spareInstance(current, record.increment.before, options);
      if (victim === null) {
        const serving = launchedSince(current, record.increment.before).filter((id) => options.serving?.(id));
        this.log?.warn({ asg: asgName, requestId, desired, serving }, 'left an increment in place: every instance launched for it is serving');
        return { result: { outcome: 'noSpareInstance', from: desired, to: desired, serving }, ledger };
      }
      const change = { from: desired, to: desired - 1, ...(victim ? { instance: victim } : {}) };
      const step = await this.apply(lock, ledger, requestId, 'withdraw', change, () =>
        victim ? this.autoscaling.terminateInstance(victim).then(() => undefined) : this.autoscaling.setDesiredCapacity(asgName, desired - 1),
      );
      this.log?.info({ asg: asgName, requestId, from: step.from, to: step.to, instance: victim }, victim ? 'withdrew asg desired capacity with the instance launched for it' : 'withdrew asg desired capacity before its launch');
      return { result: { outcome: 'withdrawn', from: step.from, to: step.to, ...(victim ? { instance: victim } : {}) }, ledger: undefined };
    });
  }

  terminate(asgName: string, instanceId: string): Promise<void> {
    return this.locked<void>(asgName, async (_lock, { ledger }) => {
      await this.autoscaling.terminateInstance(instanceId);
      this.log?.info({ asg: asgName, instance: instanceId }, 'terminated instance and lowered asg desired capacity');
      return { result: undefined, ledger };
    });
  }

  /**
   * Runs `work` holding the ASG's lock, after settling what earlier holders left behind. `work`
   * returns the ledger to write on release, or undefined when it already released the lock.
   */
  private async locked<T>(asgName: string, work: (lock: HeldAsgLock, settled: Settled) => Promise<{ result: T; ledger: Ledger | undefined }>): Promise<T> {
    const lock = await this.locks.acquire(asgName, this.acquireTimeoutMs);
    try {
      const { result, ledger } = await work(lock, await this.settle(asgName, lock.readLedger()));
      if (ledger) await lock.release(ledger);
      return result;
    } finally {
      // After a failure, leave the ledger as last written: an intent in it is settled by the
      // next holder.
      await lock.release().catch(() => undefined);
    }
  }

  private async settle(asgName: string, read: Ledger): Promise<Settled> {
    const ledger = pruneLedger(read, this.retentionMs, this.now());
    if (intents(ledger).length === 0) return { ledger, group: undefined };
    const group = await this.describe(asgName);
    const settled = resolveIntents(ledger, group.desired, this.iso());
    for (const { requestId, kind, step, result } of settled.resolved) {
      const fields = { asg: asgName, requestId, kind, from: step.from, to: step.to, desired: group.desired };
      if (result === 'unconfirmed') this.log?.warn(fields, 'left capacity alone for an intent moved by someone else');
      else this.log?.info(fields, result === 'applied' ? 'confirmed a dangling capacity intent' : 'dropped a capacity intent that never landed');
    }
    return { ledger: settled.ledger, group };
  }

  /** Intent, the AWS call, applied: the applied mark goes out with the release. */
  private async apply(
    lock: HeldAsgLock,
    ledger: Ledger,
    requestId: string,
    kind: 'increment' | 'withdraw',
    change: Pick<LedgerStep, 'from' | 'to' | 'before' | 'instance'>,
    call: () => Promise<void>,
  ): Promise<LedgerStep> {
    const intent: LedgerStep = { ...change, state: 'intent', at: this.iso() };
    await lock.writeLedger(withStep(ledger, requestId, kind, intent));
    await call();
    const applied: LedgerStep = { ...intent, state: 'applied', at: this.iso() };
    await lock.release(withStep(lock.readLedger(), requestId, kind, applied));
    return applied;
  }

  private async describe(asgName: string): Promise<AsgDescription> {
    const [group] = (await this.autoscaling.describeGroups([asgName])).filter((g) => g.name === asgName);
    if (!group) throw new CapacityError('AsgNotFound', asgName, 'no such auto scaling group');
    return group;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** Lifecycle states of instances that count toward desired capacity. */
const LIVE = /^(Pending|InService)/;

/**
 * Which instance a withdraw terminates with its decrement: none (undefined) while the group
 * has fewer live instances than desired, since lowering desired then only cancels a launch;
 * else the named victim, or an instance launched since the increment that is not serving,
 * Pending ones first; null when there is none.
 */
export function spareInstance(group: AsgDescription, before: readonly string[] | undefined, options: WithdrawOptions): string | undefined | null {
  const live = group.instances.filter((i) => LIVE.test(i.lifecycleState));
  if (live.length < group.desired) return undefined;
  if (options.victim && live.some((i) => i.instanceId === options.victim)) return options.victim;
  if (!before) return null;
  const known = new Set(before);
  const fresh = live.filter((i) => !known.has(i.instanceId) && !options.serving?.(i.instanceId));
  const pick = fresh.find((i) => i.lifecycleState.startsWith('Pending')) ?? fresh[0];
  return pick?.instanceId ?? null;
}

/** The group's live instances that were not there before the increment. */
export function launchedSince(group: AsgDescription, before: readonly string[] | undefined): string[] {
  const known = new Set(before ?? []);
  return group.instances.filter((i) => LIVE.test(i.lifecycleState) && !known.has(i.instanceId)).map((i) => i.instanceId);
}
