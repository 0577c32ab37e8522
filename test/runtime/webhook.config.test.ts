// The webhook's settings (SPOT_GUARD_WEBHOOK_*): off by default, the URL from the environment or
// from a file (a mounted Secret), and one clear line for each bad value, the URL itself never
// echoed (a Slack webhook's path is its secret). Nothing starts on a bad value.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../runtime/config.js';
import { runAgent } from '../../runtime/agent/agent.command.js';

const test = suite('webhook settings');
const base = { SPOT_GUARD_ASG_PAIRS: 'my-spot-asg=my-ondemand-asg' };
const problems = (env: Record<string, string>, readFile?: (path: string) => string): string[] => {
  const r = loadConfig({ ...base, ...env }, readFile);
  return r.ok ? [] : r.problems;
};
const webhook = (env: Record<string, string>, readFile?: (path: string) => string) => {
  const r = loadConfig({ ...base, ...env }, readFile);
  assert.ok(r.ok, JSON.stringify(r));
  return r.ok ? r.config.webhook : undefined;
};

test('off unless a URL is given; the defaults once one is', () => {
  assert.is(webhook({}), undefined);
  assert.is(webhook({ SPOT_GUARD_WEBHOOK_URL: '', SPOT_GUARD_WEBHOOK_FORMAT: 'slack' }), undefined);
  assert.equal(webhook({ SPOT_GUARD_WEBHOOK_URL: 'https://hooks.example.com/T0/B0/secret' }), {
    url: 'https://hooks.example.com/T0/B0/secret',
    format: 'json',
    template: undefined,
    stuckAfterMs: 3_600_000,
    timeoutMs: 10_000,
    attempts: 8,
  });
});

test('every webhook setting read from its variable', () => {
  assert.equal(
    webhook({
      SPOT_GUARD_WEBHOOK_URL: 'http://receiver.ops:8080/hook',
      SPOT_GUARD_WEBHOOK_FORMAT: 'slack',
      SPOT_GUARD_WEBHOOK_STUCK_AFTER: '2h',
      SPOT_GUARD_WEBHOOK_TIMEOUT: '3s',
      SPOT_GUARD_WEBHOOK_ATTEMPTS: '3',
    }),
    { url: 'http://receiver.ops:8080/hook', format: 'slack', template: undefined, stuckAfterMs: 7_200_000, timeoutMs: 3000, attempts: 3 },
  );
  const template = '{"text": "{{summary}}", "event": "{{ event }}"}';
  assert.is(webhook({ SPOT_GUARD_WEBHOOK_URL: 'http://r/h', SPOT_GUARD_WEBHOOK_TEMPLATE: template })?.template, template);
});

test('a bad URL scheme is refused without echoing the URL', () => {
  const secret = 'ftp://files.example.com/T0/B0/xoxb-secret';
  const found = problems({ SPOT_GUARD_WEBHOOK_URL: secret });
  assert.equal(found, ['SPOT_GUARD_WEBHOOK_URL: must be an http:// or https:// URL, or empty (off)']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_URL: 'not a url' }), ['SPOT_GUARD_WEBHOOK_URL: must be an http:// or https:// URL, or empty (off)']);
});

test('a template naming an unknown placeholder, or not JSON once filled in, is refused in one line', () => {
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_TEMPLATE: '{"text": "{{summary}} on {{cluster}}"}' }), [
    'SPOT_GUARD_WEBHOOK_TEMPLATE: unknown placeholder {{cluster}}; the placeholders are {{kind}} {{summary}} {{event}} {{namespace}} {{phase}} {{message}} {{spotASG}} {{onDemandASG}} {{onDemandInstanceID}} {{onDemandNode}} {{fallbackAt}} {{completedAt}} {{stuckSince}} {{sentBy}} {{at}}',
  ]);
  // Outside a string, a value is not JSON: caught now, not at the first fallback.
  const [outside] = problems({ SPOT_GUARD_WEBHOOK_TEMPLATE: '{"text": {{summary}}}' });
  assert.match(outside ?? '', /^SPOT_GUARD_WEBHOOK_TEMPLATE: not valid JSON once its placeholders are filled in \(.+\); placeholders go inside JSON strings/);
  assert.is((outside ?? '').split('\n').length, 1);
  assert.match(problems({ SPOT_GUARD_WEBHOOK_TEMPLATE: '{"text": "x",}' })[0] ?? '', /not valid JSON/);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_TEMPLATE: '{"a": "{{summary}}"}', SPOT_GUARD_WEBHOOK_FORMAT: 'slack' }), [
    'SPOT_GUARD_WEBHOOK_TEMPLATE is set with SPOT_GUARD_WEBHOOK_FORMAT=slack: a template is the whole body, leave the format json',
  ]);
});

test('bad format, durations and attempts are refused, each in one line', () => {
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_FORMAT: 'teams' }), ['SPOT_GUARD_WEBHOOK_FORMAT=teams: must be one of json, slack']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_STUCK_AFTER: 'an hour' }), ['SPOT_GUARD_WEBHOOK_STUCK_AFTER=an hour: not a duration such as 90s, 10m or 1h30m']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_STUCK_AFTER: '30s' }), ['SPOT_GUARD_WEBHOOK_STUCK_AFTER=30s: must be at least 60s']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_TIMEOUT: '5m' }), ['SPOT_GUARD_WEBHOOK_TIMEOUT=5m: must be at most 1m']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_TIMEOUT: '0s' }), ['SPOT_GUARD_WEBHOOK_TIMEOUT=0s: must be at least 1s']);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_ATTEMPTS: '0' }), ['SPOT_GUARD_WEBHOOK_ATTEMPTS=0: must be a whole number from 1 to 20']);
});

test('the URL from a file (a Secret mounted as a volume): read, trimmed, and checked like the variable', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-webhook-'));
  const file = join(dir, 'url');
  await writeFile(file, 'https://hooks.example.com/T0/B0/secret\n');
  // The real file system, as the agent reads it.
  assert.is(webhook({ SPOT_GUARD_WEBHOOK_URL_FILE: file })?.url, 'https://hooks.example.com/T0/B0/secret');
  await writeFile(file, 'gopher://x/y');
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_URL_FILE: file }), [`the URL in SPOT_GUARD_WEBHOOK_URL_FILE=${file}: must be an http:// or https:// URL, or empty (off)`]);
  await writeFile(file, '  \n');
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_URL_FILE: file }), [`SPOT_GUARD_WEBHOOK_URL_FILE=${file}: the file is empty`]);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_URL_FILE: join(dir, 'absent') }), [`SPOT_GUARD_WEBHOOK_URL_FILE=${join(dir, 'absent')}: cannot read it (ENOENT)`]);
  assert.equal(problems({ SPOT_GUARD_WEBHOOK_URL_FILE: file, SPOT_GUARD_WEBHOOK_URL: 'http://r/h' }), ['SPOT_GUARD_WEBHOOK_URL and SPOT_GUARD_WEBHOOK_URL_FILE are both set: set one of them']);
});

test('the agent refuses to start on a bad webhook setting, exit 2, one line each', async () => {
  let stderr = '';
  const code = await runAgent({
    env: { ...base, SPOT_GUARD_AWS_REGION: 'us-east-1', POD_NAME: 'p', NODE_NAME: 'n', SPOT_GUARD_WEBHOOK_URL: 'ftp://x/y', SPOT_GUARD_WEBHOOK_TEMPLATE: '{{nope}}' },
    stderr: { write: (chunk: string) => ((stderr += chunk), true) } as NodeJS.WritableStream,
    stopSignal: new Promise(() => undefined),
  });
  assert.is(code, 2);
  const lines = stderr.trim().split('\n');
  assert.equal(lines, [
    'spot-guard agent: SPOT_GUARD_WEBHOOK_URL: must be an http:// or https:// URL, or empty (off)',
    `spot-guard agent: SPOT_GUARD_WEBHOOK_TEMPLATE: unknown placeholder {{nope}}; the placeholders are ${lines[1]?.split('the placeholders are ')[1] ?? ''}`,
    'spot-guard agent: refusing to start with 2 configuration problems',
  ]);
});

test.run();
