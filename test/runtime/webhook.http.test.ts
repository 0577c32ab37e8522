// The webhook sender against a real HTTP receiver (node:http on loopback): each body format as
// received, a failing receiver retried with a growing pause until it answers, a hung receiver cut
// off by the timeout and retried, a 4xx given up at once, and a notification given up after its
// attempts logged, counted and recorded. notify() never waits for any of it.
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { createLogger } from '../../runtime/log.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import type { WebhookSettings } from '../../runtime/notify/notification.js';
import { WebhookNotifier } from '../../runtime/notify/webhook.http.js';
import { waitFor } from '../harness/agent-world.js';
import { WebhookReceiver } from '../harness/webhook-receiver.js';

const event: SpotGuardFallbackEvent = {
  apiVersion: 'aws.amazon.com/v1',
  kind: 'SpotGuardFallbackEvent',
  metadata: { name: 'fallback-1', namespace: 'kube-system', uid: 'u-1' },
  spec: { spotASGName: 'my-spot-asg', onDemandASGName: 'my-ondemand-asg', onDemandInstanceID: 'i-0abc', onDemandNodeName: 'od-node', timestamp: '2026-05-01T10:00:00Z' },
  status: { phase: 'Completed', message: 'On-demand node successfully scaled down', completionTime: '2026-05-01T11:30:00Z' },
};

function sender(url: string, settings: Partial<WebhookSettings> = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  const metrics = new AgentMetrics();
  const notifier = new WebhookNotifier({
    settings: { url, format: 'json', template: undefined, stuckAfterMs: 3_600_000, timeoutMs: 2000, attempts: 4, ...settings },
    sentBy: 'spot-guard-abc',
    now: () => Date.parse('2026-05-01T11:30:05Z'),
    log: createLogger({ level: 'info', destination }),
    metrics,
    firstPauseMs: 200,
  });
  const count = async (kind: string, outcome: string): Promise<number> => {
    const m = /(\d+)$/.exec((await metrics.metrics()).split('\n').find((l) => l.startsWith(`spot_guard_webhook_notifications_total{kind="${kind}",outcome="${outcome}"}`)) ?? '');
    return Number(m?.[1] ?? NaN);
  };
  return { notifier, lines, count };
}

const test = suite<{ receiver: WebhookReceiver; url: string }>('webhook sender');
test.before.each(async (ctx) => {
  ctx.receiver = new WebhookReceiver();
  ctx.url = await ctx.receiver.start('/hooks/T0/secret-path');
});
test.after.each(async (ctx) => {
  await ctx.receiver.stop();
});

test('the generic JSON body: the facts an SRE needs, as JSON, sent once', async ({ receiver, url }) => {
  const { notifier, count, lines } = sender(url);
  notifier.notify('ScaleDownCompleted', event);
  await waitFor('the notification', () => receiver.received.length === 1 && count('ScaleDownCompleted', 'delivered').then((n) => n === 1));
  const [got] = receiver.received;
  assert.is(got?.path, '/hooks/T0/secret-path');
  assert.is(got?.contentType, 'application/json');
  assert.equal(got?.body, {
    kind: 'ScaleDownCompleted',
    summary: 'Spot Guard scaled down on-demand node od-node (i-0abc) of my-ondemand-asg: spot capacity of my-spot-asg is back (on-demand for 1h30m) (event fallback-1)',
    event: 'fallback-1',
    namespace: 'kube-system',
    phase: 'Completed',
    message: 'On-demand node successfully scaled down',
    spotASG: 'my-spot-asg',
    onDemandASG: 'my-ondemand-asg',
    onDemandInstanceID: 'i-0abc',
    onDemandNode: 'od-node',
    fallbackAt: '2026-05-01T10:00:00Z',
    completedAt: '2026-05-01T11:30:00Z',
    sentBy: 'spot-guard-abc',
    at: '2026-05-01T11:30:05Z',
  });
  const sent = lines.find((l) => l.msg === 'sent webhook notification');
  assert.is(sent?.receiver, new URL(url).origin, 'the log names the receiver by its origin');
  assert.not.ok(JSON.stringify(lines).includes('secret-path'), 'the URL path (a Slack webhook\'s secret) is never logged');
});

test('Slack: text and blocks, mrkdwn escaped', async ({ receiver, url }) => {
  const { notifier } = sender(url, { format: 'slack' });
  notifier.notify('EventFailed', { ...event, status: { phase: 'Failed', message: 'spot ASG <x> & y is not configured' } });
  await waitFor('the notification', () => receiver.received.length === 1);
  const body = receiver.received[0]?.body as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
  assert.is(body.text, 'Spot Guard fallback event fallback-1 failed: spot ASG <x> & y is not configured (on-demand node od-node (i-0abc) of my-ondemand-asg)');
  assert.is(body.blocks[0]?.text?.text, 'Spot Guard fallback event fallback-1 failed: spot ASG &lt;x&gt; &amp; y is not configured (on-demand node od-node (i-0abc) of my-ondemand-asg)');
  assert.equal(body.blocks[1]?.fields?.slice(0, 2).map((f) => f.text), ['*Event*\nkube-system/fallback-1', '*Phase*\nFailed']);
});

test('a template: placeholders filled in, values escaped for JSON', async ({ receiver, url }) => {
  const { notifier } = sender(url, { template: '{"text": "[spot-guard] {{kind}}: {{message}}", "tags": ["{{spotASG}}", "{{ onDemandNode }}"]}' });
  notifier.notify('EventStuck', { ...event, status: { phase: 'ReadyForScaleDown', message: 'Scale-down waits: PDB "web" allows 0\ndisruptions' } }, { stuckSince: Date.parse('2026-05-01T10:30:00Z') });
  await waitFor('the notification', () => receiver.received.length === 1);
  assert.equal(receiver.received[0]?.body, { text: '[spot-guard] EventStuck: Scale-down waits: PDB "web" allows 0\ndisruptions', tags: ['my-spot-asg', 'od-node'] });
});

test('a failing receiver (500, 500, then 200) is retried, the pause growing, and delivered once', async ({ receiver, url }) => {
  receiver.answer = (_body, n) => (n <= 2 ? 500 : 200);
  const { notifier, count, lines } = sender(url);
  notifier.notify('FallbackRecorded', event);
  assert.is(receiver.received.length, 0, 'notify() returned before anything was sent');
  await waitFor('three attempts', () => receiver.received.length === 3 && count('FallbackRecorded', 'delivered').then((n) => n === 1), 30_000);
  const pauses = lines.filter((l) => l.msg === 'could not send webhook notification, will retry').map((l) => [l.attempt, l.err, l.retryInMs]);
  assert.equal(pauses, [[1, 'HTTP 500', 200], [2, 'HTTP 500', 400]], 'the pause doubles');
  assert.is(await count('FallbackRecorded', 'dropped'), 0);
  assert.is(receiver.received.filter((r) => (r.body as { kind: string }).kind === 'FallbackRecorded').length, 3);
});

test('a hung receiver is cut off by the timeout and the notification retried', async ({ receiver, url }) => {
  receiver.answer = (_body, n) => (n === 1 ? 'hang' : 200);
  const { notifier, count, lines } = sender(url, { timeoutMs: 1000 });
  notifier.notify('EventStuck', event, { stuckSince: 0 });
  await waitFor('delivered on the second attempt', () => count('EventStuck', 'delivered').then((n) => n === 1), 30_000);
  assert.is(receiver.received.length, 2);
  assert.match(String(lines.find((l) => l.msg === 'could not send webhook notification, will retry')?.err), /no answer within 1s/);
});

test('given up after its attempts: logged, counted as dropped, never delivered', async ({ receiver, url }) => {
  receiver.answer = () => 503;
  const { notifier, count, lines } = sender(url, { attempts: 3 });
  notifier.notify('EventFailed', event);
  await waitFor('dropped', () => count('EventFailed', 'dropped').then((n) => n === 1), 30_000);
  assert.is(receiver.received.length, 3, 'exactly the attempts allowed');
  assert.is(await count('EventFailed', 'delivered'), 0);
  const dropped = lines.find((l) => l.msg === 'dropped webhook notification');
  assert.equal([dropped?.level, dropped?.event, dropped?.kind, dropped?.err], ['warn', 'fallback-1', 'EventFailed', 'HTTP 503']);
});

test('a 4xx other than 408 and 429 is not retried: the body or URL is wrong', async ({ receiver, url }) => {
  receiver.answer = () => 400;
  const { notifier, count } = sender(url);
  notifier.notify('FallbackRecorded', event);
  await waitFor('dropped', () => count('FallbackRecorded', 'dropped').then((n) => n === 1), 30_000);
  assert.is(receiver.received.length, 1);
});

test('a receiver nobody listens on: retried, then dropped', async () => {
  const closed = new WebhookReceiver();
  const url = await closed.start();
  await closed.stop();
  const { notifier, count } = sender(url, { attempts: 2 });
  notifier.notify('FallbackRecorded', event);
  await waitFor('dropped', () => count('FallbackRecorded', 'dropped').then((n) => n === 1), 30_000);
});

test.run();
