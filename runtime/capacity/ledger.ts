// The capacity ledger: what each request did to an ASG's desired capacity, kept in the ASG's
// Lease and written only by the holder of that Lease. Pure functions; the Lease I/O lives in
// asg-lock.kube.ts.
//
// A request has at most one increment and at most one withdraw, so a record keeps both under
// their kind instead of one entry per kind beside each other.

import { jsonObject } from '../json-object.js';

export type StepState = 'intent' | 'applied';

export interface LedgerStep {
  from: number;
  to: number;
  state: StepState;
  /** ISO time of the last change to this step. */
  at: string;
  /**
   * Set when a dangling intent met a desired capacity that was neither `from` nor `to`: the
   * step counts as done (so it is never repeated) but nothing may be built on it.
   */
  unconfirmed?: { seen: number };
  /** An increment's: the instances the group had just before it, so that a withdraw can tell the new ones. */
  before?: string[];
  /** A withdraw's: the instance terminated with the decrement (absent when the decrement only cancelled a launch). */
  instance?: string;
}

export interface LedgerRecord {
  increment?: LedgerStep;
  withdraw?: LedgerStep;
}

export type Ledger = Record<string, LedgerRecord>;

export type StepKind = keyof LedgerRecord;

export type Resolution = { requestId: string; kind: StepKind; step: LedgerStep; result: 'applied' | 'dropped' | 'unconfirmed' };

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function isStep(v: unknown): v is LedgerStep {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  const ids = s.before === undefined || (Array.isArray(s.before) && s.before.every((id) => typeof id === 'string'));
  const instance = s.instance === undefined || typeof s.instance === 'string';
  return isCount(s.from) && isCount(s.to) && (s.state === 'intent' || s.state === 'applied') && typeof s.at === 'string' && !Number.isNaN(Date.parse(s.at)) && ids && instance;
}

/** The ledger in `text`, `{}` when there is none, undefined when it cannot be trusted. */
export function parseLedger(text: string | undefined): Ledger | undefined {
  if (text === undefined || text === '') return {};
  const raw = jsonObject(text);
  if (!raw) return undefined;
  for (const record of Object.values(raw)) {
    if (!record || typeof record !== 'object') return undefined;
    const { increment, withdraw } = record as Record<string, unknown>;
    if (increment === undefined && withdraw === undefined) return undefined;
    if (increment !== undefined && !isStep(increment)) return undefined;
    if (withdraw !== undefined && !isStep(withdraw)) return undefined;
  }
  return raw as Ledger;
}

export const serializeLedger = (ledger: Ledger): string => JSON.stringify(ledger);

export function withStep(ledger: Ledger, requestId: string, kind: StepKind, step: LedgerStep): Ledger {
  return { ...ledger, [requestId]: { ...ledger[requestId], [kind]: step } };
}

function withoutStep(ledger: Ledger, requestId: string, kind: StepKind): Ledger {
  const rest: LedgerRecord = { ...ledger[requestId] };
  delete rest[kind];
  const { [requestId]: _record, ...others } = ledger;
  return rest.increment || rest.withdraw ? { ...others, [requestId]: rest } : others;
}

export function intents(ledger: Ledger): { requestId: string; kind: StepKind; step: LedgerStep }[] {
  const found: { requestId: string; kind: StepKind; step: LedgerStep }[] = [];
  for (const [requestId, record] of Object.entries(ledger)) {
    for (const kind of ['increment', 'withdraw'] as const) {
      const step = record[kind];
      if (step?.state === 'intent') found.push({ requestId, kind, step });
    }
  }
  return found.sort((a, b) => Date.parse(a.step.at) - Date.parse(b.step.at));
}

/**
 * Settles the intents a holder left behind when it died or lost the lock between writing an
 * intent and marking it applied. Every change of desired capacity goes through the lock, so
 * the capacity seen now tells what happened: at `to` the call landed (applied); at `from` it
 * never did, and the intent is dropped so that its owner's retry starts afresh (applying it on
 * the owner's behalf would leave an instance nobody withdraws if the owner never comes back).
 * Anything else means someone outside the lock moved the capacity too; the step is marked
 * done but unconfirmed and the capacity is left alone, because guessing wrong either way
 * would launch an extra instance or take one away.
 */
export function resolveIntents(ledger: Ledger, desired: number, at: string): { ledger: Ledger; resolved: Resolution[] } {
  let next = ledger;
  const resolved: Resolution[] = [];
  for (const { requestId, kind, step } of intents(ledger)) {
    if (desired === step.to) {
      next = withStep(next, requestId, kind, { ...step, state: 'applied', at });
      resolved.push({ requestId, kind, step, result: 'applied' });
    } else if (desired === step.from) {
      next = withoutStep(next, requestId, kind);
      resolved.push({ requestId, kind, step, result: 'dropped' });
    } else {
      next = withStep(next, requestId, kind, { ...step, state: 'applied', at, unconfirmed: { seen: desired } });
      resolved.push({ requestId, kind, step, result: 'unconfirmed' });
    }
  }
  return { ledger: next, resolved };
}

/** Drops records whose last change is older than `retentionMs` before `now`; intents stay. */
export function pruneLedger(ledger: Ledger, retentionMs: number, now: number): Ledger {
  const kept = Object.entries(ledger).filter(([, record]) => {
    const steps = [record.increment, record.withdraw].filter((s): s is LedgerStep => s !== undefined);
    if (steps.some((s) => s.state === 'intent')) return true;
    return steps.some((s) => now - Date.parse(s.at) < retentionMs);
  });
  return kept.length === Object.keys(ledger).length ? ledger : Object.fromEntries(kept);
}
