// Configuration from the environment: safe defaults, and one clear line per problem.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadAgentIdentity, loadConfig, unknownSettings } from '../../runtime/config.js';

const test = suite('configuration');
const base = { SPOT_GUARD_ASG_PAIRS: 'my-spot-asg=my-ondemand-asg' };

test('defaults: only the ASG pairs are required', () => {
  const result = loadConfig(base);
  assert.ok(result.ok, JSON.stringify(result));
  if (!result.ok) return;
  assert.equal(result.config, {
    asgPairs: [{ spot: 'my-spot-asg', onDemand: 'my-ondemand-asg' }],
    namespace: 'kube-system',
    minimumWaitMs: 600_000,
    spotStabilityWindowMs: 120_000,
    spotCapacityTimeoutMs: 120_000,
    asgPollIntervalMs: 15_000,
    maxUtilizationPercent: 75,
    evictionTimeoutMs: 300_000,
    drain: { deleteEmptyDirData: false, force: false },
    claimLeaseSeconds: 30,
    eventTtlMs: 86_400_000,
    dryRun: false,
    logLevel: 'info',
    httpPort: 19080,
    viewAddress: { host: '127.0.0.1', port: 19081 },
    imdsEndpoint: 'http://169.254.169.254',
    awsRegion: undefined,
    onDemandTimeoutMs: 600_000,
    protectionWindowMs: 3_600_000,
    tickIntervalMs: 1000,
    recheckIntervalMs: 30_000,
    stepRetryMaxBackoffMs: 600_000,
    maxStepAttempts: 5,
    statelyInspectUrl: undefined,
    webhook: undefined,
  });
});

test('the cap of a failed step\'s retry backoff: a duration from 1s to 24h', () => {
  const good = loadConfig({ ...base, SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: '1h' });
  assert.ok(good.ok && good.config.stepRetryMaxBackoffMs === 3_600_000, JSON.stringify(good));
  const problems = (env: Record<string, string>) => {
    const r = loadConfig({ ...base, ...env });
    return r.ok ? [] : r.problems;
  };
  assert.equal(problems({ SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: 'forever' }), ['SPOT_GUARD_STEP_RETRY_MAX_BACKOFF=forever: not a duration such as 90s, 10m or 1h30m']);
  assert.equal(problems({ SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: '0s' }), ['SPOT_GUARD_STEP_RETRY_MAX_BACKOFF=0s: must be at least 1s']);
  assert.equal(problems({ SPOT_GUARD_STEP_RETRY_MAX_BACKOFF: '25h' }), ['SPOT_GUARD_STEP_RETRY_MAX_BACKOFF=25h: must be at most 24h']);
});

test('several pairs, and every setting read from its variable', () => {
  const result = loadConfig({
    SPOT_GUARD_ASG_PAIRS: 'a-spot=a-od, b-spot=b-od',
    SPOT_GUARD_NAMESPACE: 'spot-guard',
    SPOT_GUARD_MINIMUM_WAIT: '1h30m',
    SPOT_GUARD_DRY_RUN: 'true',
    SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA: 'true',
    SPOT_GUARD_DRAIN_FORCE: ' true ',
    SPOT_GUARD_LOG_LEVEL: 'debug',
    SPOT_GUARD_VIEW_ADDRESS: '0.0.0.0:9000',
    SPOT_GUARD_IMDS_ENDPOINT: 'http://127.0.0.1:1338/',
  });
  assert.ok(result.ok, JSON.stringify(result));
  if (!result.ok) return;
  assert.equal(result.config.asgPairs, [{ spot: 'a-spot', onDemand: 'a-od' }, { spot: 'b-spot', onDemand: 'b-od' }]);
  assert.is(result.config.minimumWaitMs, 5_400_000);
  assert.is(result.config.dryRun, true);
  assert.equal(result.config.drain, { deleteEmptyDirData: true, force: true });
  assert.equal(result.config.viewAddress, { host: '0.0.0.0', port: 9000 });
  assert.is(result.config.imdsEndpoint, 'http://127.0.0.1:1338');
});

test('every problem is reported at once, one line each, naming the variable', () => {
  const result = loadConfig({
    SPOT_GUARD_ASG_PAIRS: 'good-spot=good-od,broken,same=same,good-spot=other',
    SPOT_GUARD_MINIMUM_WAIT: 'ten minutes',
    SPOT_GUARD_MAX_UTILIZATION_PERCENT: '140',
    SPOT_GUARD_CLAIM_LEASE: '2h',
    SPOT_GUARD_DRY_RUN: 'yes',
    SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA: 'TRUE',
    SPOT_GUARD_DRAIN_FORCE: '1',
    SPOT_GUARD_LOG_LEVEL: 'loud',
    SPOT_GUARD_HTTP_PORT: '0',
    SPOT_GUARD_VIEW_ADDRESS: 'localhost',
    SPOT_GUARD_IMDS_ENDPOINT: 'ftp://x',
    SPOT_GUARD_NAMESPACE: 'Kube_System',
  });
  assert.not.ok(result.ok);
  if (result.ok) return;
  const expected = [
    'SPOT_GUARD_ASG_PAIRS: "broken"',
    'SPOT_GUARD_ASG_PAIRS: "same=same" pairs an ASG with itself',
    'SPOT_GUARD_ASG_PAIRS: "good-spot=other" names an ASG that is already in another pair',
    'SPOT_GUARD_MINIMUM_WAIT=ten minutes: not a duration',
    'SPOT_GUARD_MAX_UTILIZATION_PERCENT=140: must be a whole number from 1 to 100',
    'SPOT_GUARD_CLAIM_LEASE=2h: must be at most 1h',
    'SPOT_GUARD_DRY_RUN=yes: must be true or false',
    'SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA=TRUE: must be true or false',
    'SPOT_GUARD_DRAIN_FORCE=1: must be true or false',
    'SPOT_GUARD_LOG_LEVEL=loud: must be one of',
    'SPOT_GUARD_HTTP_PORT=0: must be a whole number from 1 to 65535',
    'SPOT_GUARD_VIEW_ADDRESS=localhost: must be host:port',
    'SPOT_GUARD_IMDS_ENDPOINT=ftp://x: must be an http(s) URL',
    'SPOT_GUARD_NAMESPACE=Kube_System: not a namespace name',
  ];
  for (const line of expected) assert.ok(result.problems.some((p) => p.startsWith(line)), `missing "${line}" in:\n${result.problems.join('\n')}`);
  assert.is(result.problems.length, expected.length, result.problems.join('\n'));
});

test('no ASG pairs: refused with the variable named', () => {
  const result = loadConfig({});
  assert.not.ok(result.ok);
  if (!result.ok) assert.equal(result.problems, ['SPOT_GUARD_ASG_PAIRS is required: spot=on-demand ASG pairs, e.g. my-spot-asg=my-ondemand-asg']);
});



test('the agent settings added for the DaemonSet are read, and a bad region is refused', () => {
  const result = loadConfig({
    ...base,
    SPOT_GUARD_AWS_REGION: 'eu-west-1',
    SPOT_GUARD_ON_DEMAND_TIMEOUT: '5m',
    SPOT_GUARD_TICK_INTERVAL: '500ms',
  });
  assert.not.ok(result.ok, 'a tick interval in ms is not a supported duration');
  const good = loadConfig({ ...base, SPOT_GUARD_AWS_REGION: 'eu-west-1', SPOT_GUARD_ON_DEMAND_TIMEOUT: '5m', SPOT_GUARD_TICK_INTERVAL: '2s', SPOT_GUARD_MAX_STEP_ATTEMPTS: '3' });
  assert.ok(good.ok, JSON.stringify(good));
  if (!good.ok) return;
  assert.is(good.config.awsRegion, 'eu-west-1');
  assert.is(good.config.onDemandTimeoutMs, 300_000);
  assert.is(good.config.tickIntervalMs, 2000);
  assert.is(good.config.maxStepAttempts, 3);
  assert.is(loadConfig({ ...base, AWS_REGION: 'us-west-2' }).ok && (loadConfig({ ...base, AWS_REGION: 'us-west-2' }) as { config: { awsRegion: string } }).config.awsRegion, 'us-west-2');
  const bad = loadConfig({ ...base, SPOT_GUARD_AWS_REGION: 'Mars', SPOT_GUARD_MAX_STEP_ATTEMPTS: '0' });
  assert.not.ok(bad.ok);
  if (bad.ok) return;
  assert.equal(bad.problems, ['SPOT_GUARD_MAX_STEP_ATTEMPTS=0: must be a whole number from 1 to 100', 'SPOT_GUARD_AWS_REGION=Mars: not an AWS region such as us-east-1']);
});

test('the Stately inspector is off unless a ws:// or wss:// URL is given', () => {
  const on = loadConfig({ ...base, SPOT_GUARD_STATELY_INSPECT_URL: 'ws://127.0.0.1:8080' });
  assert.ok(on.ok && on.config.statelyInspectUrl === 'ws://127.0.0.1:8080');
  const bad = loadConfig({ ...base, SPOT_GUARD_STATELY_INSPECT_URL: 'https://stately.ai/inspect' });
  assert.equal(bad.ok ? [] : bad.problems, ['SPOT_GUARD_STATELY_INSPECT_URL=https://stately.ai/inspect: must be a ws:// or wss:// URL, or empty (off)']);
});

test('the agent identity and region come from the downward API and the settings, each missing one named', () => {
  const result = loadConfig(base);
  assert.ok(result.ok);
  if (!result.ok) return;
  const missing = loadAgentIdentity({}, result.config);
  assert.not.ok(missing.ok);
  if (missing.ok) return;
  assert.equal(missing.problems.map((p) => p.split(' ')[0]), ['POD_NAME', 'NODE_NAME', 'SPOT_GUARD_AWS_REGION']);
  const present = loadAgentIdentity({ POD_NAME: 'spot-guard-abcde', NODE_NAME: 'ip-10-0-1-50' }, { ...result.config, awsRegion: 'us-east-1' });
  assert.equal(present, { ok: true, identity: { podName: 'spot-guard-abcde', nodeName: 'ip-10-0-1-50' } });
});

test('unknownSettings names the SPOT_GUARD_ variables no setting reads, and none of the shipped ones', () => {
  assert.equal(unknownSettings({ ...base, SPOT_GUARD_MINIMUM_WAT: '10m', SPOT_GUARD_DRY_RUN: 'true', HOME: '/root', SPOT_GUARD_X: '' }), ['SPOT_GUARD_MINIMUM_WAT', 'SPOT_GUARD_X']);
  const shipped = (parse(readFileSync('deploy/manifests/configmap.yaml', 'utf8')) as { data: Record<string, string> }).data;
  assert.ok(Object.keys(shipped).length > 5);
  assert.equal(unknownSettings(shipped), [], 'every setting the ConfigMap ships is one the agent reads');
});

test.run();
