// What a webhook notification says, as data: the four transitions an operator is told about,
// the fields every body is made of (the generic JSON body, the Slack message and a template's
// placeholders use the same names), and the bodies themselves. Pure: no I/O, no clock.
import { formatDuration } from '../../crds/duration.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';

export const NOTIFICATION_KINDS = ['FallbackRecorded', 'ScaleDownCompleted', 'EventFailed', 'EventStuck'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Every field a body can carry, in the order the JSON body lists them; also the template's placeholders. */
export const NOTIFICATION_FIELDS = [
  'kind',
  'summary',
  'event',
  'namespace',
  'phase',
  'message',
  'spotASG',
  'onDemandASG',
  'onDemandInstanceID',
  'onDemandNode',
  'fallbackAt',
  'completedAt',
  'stuckSince',
  'sentBy',
  'at',
] as const;
export type NotificationFields = Record<(typeof NOTIFICATION_FIELDS)[number], string>;

/** The webhook's settings (SPOT_GUARD_WEBHOOK_*). */
export interface WebhookSettings {
  url: string;
  format: WebhookFormat;
  /** A body of the operator's own with {{placeholders}}; the generic JSON body when undefined. */
  template: string | undefined;
  /** An event that has made no progress for this long is reported stuck (once per stall). */
  stuckAfterMs: number;
  /** The longest one attempt may take, connecting and answer included. */
  timeoutMs: number;
  /** Attempts in all before a notification is given up. */
  attempts: number;
}

/** Who tells the operator: fire and forget, it never throws and never holds the caller up. */
export interface Notifier {
  notify(kind: NotificationKind, event: SpotGuardFallbackEvent, details?: { stuckSince?: number }): void;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function summaryOf(kind: NotificationKind, e: SpotGuardFallbackEvent, now: number, stuckSince: number | undefined): string {
  const { spec, status } = e;
  const node = `on-demand node ${spec.onDemandNodeName}${spec.onDemandInstanceID ? ` (${spec.onDemandInstanceID})` : ''}`;
  const name = e.metadata?.name ?? '';
  switch (kind) {
    case 'FallbackRecorded':
      return `Spot Guard fell back to on-demand: spot capacity for ${spec.spotASGName} did not come, ${node} of ${spec.onDemandASGName} replaces it (event ${name})`;
    case 'ScaleDownCompleted': {
      const ran = Date.parse(status?.completionTime ?? '') - Date.parse(spec.timestamp);
      const dryRun = status?.conditions?.some((c) => c.type === 'ScaledDown' && c.reason === 'DryRun');
      const how = dryRun ? `dry run: ${node} of ${spec.onDemandASGName} would have been scaled down` : `scaled down ${node} of ${spec.onDemandASGName}`;
      return `Spot Guard ${how}: spot capacity of ${spec.spotASGName} is back${Number.isNaN(ran) ? '' : ` (on-demand for ${formatDuration(ran)})`} (event ${name})`;
    }
    case 'EventFailed':
      return `Spot Guard fallback event ${name} failed: ${status?.message ?? 'no reason recorded'} (${node} of ${spec.onDemandASGName})`;
    case 'EventStuck': {
      const since = stuckSince ?? now;
      return `Spot Guard fallback event ${name} has made no progress in ${status?.phase ?? 'Pending'} for ${formatDuration(now - since)}, since ${iso(since)}: ${status?.message ?? ''} (${node} of ${spec.onDemandASGName})`;
    }
  }
}

/** The fields of a notification about `e`, sent by `sentBy` at `now`; absent facts are empty. */
export function notificationFields(kind: NotificationKind, e: SpotGuardFallbackEvent, sentBy: string, now: number, stuckSince?: number): NotificationFields {
  return {
    kind,
    summary: summaryOf(kind, e, now, stuckSince),
    event: e.metadata?.name ?? '',
    namespace: e.metadata?.namespace ?? '',
    phase: e.status?.phase ?? 'Pending',
    message: e.status?.message ?? '',
    spotASG: e.spec.spotASGName,
    onDemandASG: e.spec.onDemandASGName,
    onDemandInstanceID: e.spec.onDemandInstanceID ?? '',
    onDemandNode: e.spec.onDemandNodeName,
    fallbackAt: e.spec.timestamp,
    completedAt: e.status?.completionTime ?? '',
    stuckSince: stuckSince === undefined ? '' : iso(stuckSince),
    sentBy,
    at: iso(now),
  };
}

/** The generic JSON body: every field that has a value. */
export function jsonBody(fields: NotificationFields): string {
  return JSON.stringify(Object.fromEntries(NOTIFICATION_FIELDS.filter((k) => fields[k] !== '').map((k) => [k, fields[k]])));
}

/** Slack's mrkdwn gives &, < and > a meaning of their own: they are sent escaped. */
const mrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A Slack incoming webhook's message: `text` (the notification line, and what Slack shows where
 * blocks are not rendered) and blocks with the facts an on-call person reads first.
 */
export function slackBody(fields: NotificationFields): string {
  const facts: [string, string][] = [
    ['Event', `${fields.namespace}/${fields.event}`],
    ['Phase', fields.phase],
    ['Spot ASG', fields.spotASG],
    ['On-demand ASG', fields.onDemandASG],
    ['On-demand node', `${fields.onDemandNode}${fields.onDemandInstanceID ? ` (${fields.onDemandInstanceID})` : ''}`],
    ['Fallback at', fields.fallbackAt],
  ];
  if (fields.completedAt) facts.push(['Ended at', fields.completedAt]);
  if (fields.stuckSince) facts.push(['No progress since', fields.stuckSince]);
  return JSON.stringify({
    text: fields.summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(fields.summary) } },
      { type: 'section', fields: facts.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${mrkdwn(value)}` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`${fields.kind} · sent by ${fields.sentBy} at ${fields.at}`) }] },
    ],
  });
}
