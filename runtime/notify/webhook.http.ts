// Webhook notifications over HTTP(S), fire and forget: notify() returns at once and the POST,
// its retries and their pauses run beside the agent, never in a decision's way. Each attempt
// ends within the timeout, connection and answer included, so a receiver that hangs costs a
// timer, not a stuck promise. A notification is retried (the pause doubling, up to a cap) on a
// network error, a timeout, 408, 429 (after its Retry-After, within the cap) and 5xx; another
// 4xx says the body or the URL is wrong and retrying cannot fix it. One given up is logged,
// counted (spot_guard_webhook_notifications_total{outcome="dropped"}) and recorded as a Warning
// Event on the SpotGuardFallbackEvent. The URL is never logged: a Slack webhook's path is its
// secret, so logs name the receiver's origin only.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { EventRecorder } from '../kube/events.recorder.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import { notificationFields, type NotificationKind, type Notifier, type WebhookSettings } from './notification.js';
import { bodyOf } from './webhook-body.js';

export interface WebhookNotifierDeps {
  settings: WebhookSettings;
  /** This agent (its pod name), named in every notification it sends. */
  sentBy: string;
  now: () => number;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
  /** The pause after the first failed attempt; it doubles after each further one. */
  firstPauseMs?: number;
  /** The longest pause between two attempts. */
  maxPauseMs?: number;
}

/** Reason of the Warning Event recorded on an event whose notification was given up. */
export const DROPPED_REASON = 'WebhookNotificationDropped';

type Answer = { delivered: true; status: number } | { delivered: false; retryable: boolean; error: string; retryAfterMs?: number };

const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 60_000;

/** One POST: its answer, or why there was none. Never throws. */
function post(url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'spot-guard' },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
    const done = (answer: Answer) => {
      clearTimeout(timer);
      resolve(answer);
    };
    req.on('response', (res: IncomingMessage) => {
      // The body is not read, only drained, so the socket is freed.
      res.resume();
      res.on('end', () => done(classify(res)));
      res.on('error', (err) => done({ delivered: false, retryable: true, error: err.message }));
    });
    req.on('error', (err) => done({ delivered: false, retryable: true, error: err.message }));
    req.end(body);
  });
}

function classify(res: IncomingMessage): Answer {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { delivered: true, status };
  const retryable = status === 408 || status === 429 || status >= 500;
  const seconds = Number(res.headers['retry-after']);
  return { delivered: false, retryable, error: `HTTP ${status}`, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) };
}

export class WebhookNotifier implements Notifier {
  private readonly url: URL;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: WebhookNotifierDeps) {
    this.url = new URL(deps.settings.url);
  }

  notify(kind: NotificationKind, event: SpotGuardFallbackEvent, details: { stuckSince?: number } = {}): void {
    const fields = notificationFields(kind, event, this.deps.sentBy, this.deps.now(), details.stuckSince);
    void this.deliver(kind, event, bodyOf(this.deps.settings, fields));
  }

  /** Gives up what is still being sent or waits for its next attempt (the agent is stopping). */
  stop(): void {
    this.stopping.abort();
  }

  private async deliver(kind: NotificationKind, event: SpotGuardFallbackEvent, body: string): Promise<void> {
    const { settings, log, metrics } = this.deps;
    const fields = { event: event.metadata?.name, kind, receiver: this.url.origin };
    let pause = this.deps.firstPauseMs ?? FIRST_PAUSE_MS;
    const maxPause = this.deps.maxPauseMs ?? MAX_PAUSE_MS;
    let last: Answer | undefined;
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      if (this.stopping.signal.aborted) break;
      last = await post(this.url, body, settings.timeoutMs, this.stopping.signal);
      if (last.delivered) {
        metrics?.webhookNotification(kind, 'delivered');
        log.info({ ...fields, status: last.status, attempts: attempt }, 'sent webhook notification');
        return;
      }
      if (!last.retryable || attempt === settings.attempts || this.stopping.signal.aborted) break;
      const wait = Math.min(maxPause, Math.max(pause, last.retryAfterMs ?? 0));
      log.info({ ...fields, err: last.error, attempt, retryInMs: wait }, 'could not send webhook notification, will retry');
      await this.sleep(wait);
      pause = Math.min(maxPause, pause * 2);
    }
    const why = this.stopping.signal.aborted ? 'the agent stopped' : last && !last.delivered ? last.error : 'not sent';
    metrics?.webhookNotification(kind, 'dropped');
    log.warn({ ...fields, err: why }, 'dropped webhook notification');
    void this.deps.events?.record(
      { kind: 'SpotGuardFallbackEvent', name: event.metadata?.name ?? '', namespace: event.metadata?.namespace, uid: event.metadata?.uid, apiVersion: event.apiVersion },
      'Warning',
      DROPPED_REASON,
      `the ${kind} webhook notification to ${this.url.origin} was given up: ${why}`,
    );
  }

  private sleep(ms: number): Promise<void> {
    const { signal } = this.stopping;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
