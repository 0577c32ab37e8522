// The record of a rebalance response: what the agent of an at-risk node set in motion, kept in
// the API server so that the response outlives the agent and the node it protects (DESIGN.md
// invariant 9). It is written before the first change of desired capacity and at each step
// after, and removed once nothing of the response is left to finish. Pure: the Lease that
// holds it is runtime/kube/response-lease.ts.

import { jsonObject } from '../json-object.js';

/** How far the response got, in the order the steps happen. */
export const RESPONSE_STEPS = ['spot', 'on-demand', 'recorded', 'protected', 'retiring', 'released', 'interrupted', 'gave-up'] as const;
export type ResponseStep = (typeof RESPONSE_STEPS)[number];

/** What an ASG had before the response's increment: anything else was launched since. */
export interface Baseline {
  instances: string[];
  activities: string[];
  /** ISO time it was taken, just before the increment: the on-demand timeout counts from it. */
  takenAt: string;
}

export interface ResponseRecord {
  /** The rebalance notice the response answers: `<node>@<notice time>`, the capacity ledger's key. */
  requestId: string;
  /** The at-risk node, its uid (the finished record's owner, so it goes with the node) and its instance. */
  node: string;
  nodeUid: string;
  instanceId: string;
  spotASG: string;
  onDemandASG: string;
  step: ResponseStep;
  /** ISO time the spot capacity was first asked for; the spot capacity timeout counts from it. */
  startedAt: string;
  /** ISO time the current step began; the on-demand timeout counts from the on-demand step's. */
  stepAt: string;
  /** Per ASG name, taken before its increment. */
  baselines: Record<string, Baseline>;
  /** The SpotGuardFallbackEvent that records the on-demand replacement, once there is one. */
  event?: string;
  /** The Ready replacement the node was protected for. */
  replacement?: { kind: 'spot' | 'on-demand'; instanceId: string; nodeName: string };
}

/** Steps after which the response only winds down: any agent may finish it once its holder is gone. */
export const WINDING_DOWN: readonly ResponseStep[] = ['interrupted', 'gave-up', 'released'];

/** Steps at which the at-risk instance is on its way out: a withdraw may terminate it with the decrement. */
export const LEAVING: readonly ResponseStep[] = ['interrupted', 'retiring'];

const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isBaseline(v: unknown): v is Baseline {
  if (!v || typeof v !== 'object') return false;
  const b = v as Record<string, unknown>;
  return isIds(b.instances) && isIds(b.activities) && isTime(b.takenAt);
}

function isReplacement(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (r.kind === 'spot' || r.kind === 'on-demand') && isText(r.instanceId) && isText(r.nodeName);
}

/**
 * The record in `text`, or undefined when it is missing or cannot be trusted: a record names
 * instances to terminate, so a malformed one is left alone (and reported) rather than guessed.
 */
export function parseRecord(text: string | undefined): ResponseRecord | undefined {
  const r = text ? jsonObject(text) : undefined;
  if (!r) return undefined;
  const texts = [r.requestId, r.node, r.instanceId, r.spotASG, r.onDemandASG].every(isText);
  const step = RESPONSE_STEPS.includes(r.step as ResponseStep);
  const baselines = !!r.baselines && typeof r.baselines === 'object' && !Array.isArray(r.baselines) && Object.values(r.baselines).every(isBaseline);
  const event = r.event === undefined || isText(r.event);
  const replacement = r.replacement === undefined || isReplacement(r.replacement);
  return texts && typeof r.nodeUid === 'string' && step && isTime(r.startedAt) && isTime(r.stepAt) && baselines && event && replacement ? (r as unknown as ResponseRecord) : undefined;
}

export const serializeRecord = (record: ResponseRecord): string => JSON.stringify(record);

/** The record moved on to `step` at `at`. */
export function advanced(record: ResponseRecord, step: ResponseStep, at: number, extra: Partial<Pick<ResponseRecord, 'event' | 'baselines' | 'replacement'>> = {}): ResponseRecord {
  return { ...record, ...extra, step, stepAt: new Date(at).toISOString() };
}
