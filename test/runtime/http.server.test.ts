// The agent's HTTP endpoints on a real socket: probes, readiness with its checks, every
// metric with its value (and the series present at 0 before any), and the error statuses.
import { Agent, request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCALE_DOWN_STEPS } from '../../crds/phases.js';
import type { CallObserver } from '../../runtime/autoscaling.aws.js';
import { startHttpServer, type HttpServerHandle, type Readiness } from '../../runtime/http/http.server.js';
import { AgentMetrics } from '../../runtime/metrics.js';

interface Ctx {
  server: HttpServerHandle;
  metrics: AgentMetrics;
  readiness: Readiness;
}

const test = suite<Ctx>('http server');

test.before(async (ctx) => {
  ctx.metrics = new AgentMetrics();
  ctx.readiness = { ready: true, checks: { kubernetes: { ok: true }, aws: { ok: true } } };
  ctx.server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: ctx.metrics,
    readiness: () => ctx.readiness,
    routes: { '/extra': (_req, res) => res.end('extra route') },
  });
});
test.after(async (ctx) => {
  await ctx.server?.close();
});

test('listens on the port it picked and reports it in url', ({ server }) => {
  assert.ok(server.port > 0);
  assert.is(server.url, `http://127.0.0.1:${server.port}`);
});

test('GET /healthz answers 200 ok', async ({ server }) => {
  const res = await fetch(`${server.url}/healthz`);
  assert.is(res.status, 200);
  assert.is((await res.text()).trim(), 'ok');
});

test('GET /readyz is 200 while every check passes, then 503 naming the failed check', async (ctx) => {
  const ok = await fetch(`${ctx.server.url}/readyz`);
  assert.is(ok.status, 200);
  assert.equal(await ok.json(), { ready: true, checks: { kubernetes: { ok: true }, aws: { ok: true } } });

  ctx.readiness = { ready: false, checks: { kubernetes: { ok: false, detail: 'watch ended: connection refused' }, aws: { ok: true } } };
  const failing = await fetch(`${ctx.server.url}/readyz`);
  assert.is(failing.status, 503);
  assert.match(failing.headers.get('content-type') ?? '', /application\/json/);
  const body = (await failing.json()) as Readiness;
  assert.is(body.ready, false);
  assert.equal(body.checks.kubernetes, { ok: false, detail: 'watch ended: connection refused' });
  assert.equal(body.checks.aws, { ok: true });
});

test('GET /metrics serves every metric with the values recorded through its method', async ({ server, metrics }) => {
  metrics.fallback('spot-asg-a', 'od-asg-a');
  metrics.setEventPhases({ Pending: 2, Monitoring: 1 });
  metrics.setEventPhases({ Monitoring: 1, Completed: 4 });
  metrics.addOnDemandNodeSeconds(3600);
  metrics.addOnDemandNodeSeconds(1800);
  metrics.setOnDemandNodes(2);
  metrics.observeScaleDownDuration(45);
  // Passed around unbound, as AwsAutoScaling receives it.
  const observe: CallObserver = metrics.awsCall;
  observe('SetDesiredCapacity', 'ok');
  observe('SetDesiredCapacity', 'ok');
  observe('DescribeAutoScalingGroups', 'Throttled');
  metrics.optimisticConflict();
  metrics.optimisticConflict();
  metrics.claimTakeover();
  metrics.scaleDownStep('drain', 'ok');
  metrics.scaleDownStep('terminate', 'Throttled');
  metrics.imdsError();

  const res = await fetch(`${server.url}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const lines = (await res.text()).split('\n');
  const expected = [
    'spot_guard_fallbacks_total{spot_asg="spot-asg-a",on_demand_asg="od-asg-a"} 1',
    // A phase that dropped to zero reads 0; phases never counted are present as 0.
    'spot_guard_events{phase="Pending"} 0',
    'spot_guard_events{phase="Monitoring"} 1',
    'spot_guard_events{phase="ReadyForScaleDown"} 0',
    'spot_guard_events{phase="ScalingDown"} 0',
    'spot_guard_events{phase="Completed"} 4',
    'spot_guard_events{phase="Failed"} 0',
    'spot_guard_on_demand_node_seconds_total 5400',
    'spot_guard_on_demand_nodes 2',
    'spot_guard_scale_down_duration_seconds_bucket{le="30"} 0',
    'spot_guard_scale_down_duration_seconds_bucket{le="60"} 1',
    'spot_guard_scale_down_duration_seconds_bucket{le="7200"} 1',
    'spot_guard_scale_down_duration_seconds_sum 45',
    'spot_guard_scale_down_duration_seconds_count 1',
    'spot_guard_aws_calls_total{action="SetDesiredCapacity",outcome="ok"} 2',
    'spot_guard_aws_calls_total{action="DescribeAutoScalingGroups",outcome="Throttled"} 1',
    'spot_guard_optimistic_conflicts_total 2',
    'spot_guard_claim_takeovers_total 1',
    'spot_guard_scale_down_steps_total{step="drain",outcome="ok"} 1',
    'spot_guard_scale_down_steps_total{step="terminate",outcome="Throttled"} 1',
    'spot_guard_imds_errors_total 1',
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing metric line: ${line}`);
  for (const name of ['spot_guard_fallbacks_total', 'spot_guard_events', 'spot_guard_on_demand_node_seconds_total', 'spot_guard_scale_down_duration_seconds']) {
    assert.ok(lines.some((l) => l.startsWith(`# HELP ${name} `) && l.length > `# HELP ${name} `.length + 10), `no help text for ${name}`);
  }
  // Default process metrics, from this registry rather than the global one.
  assert.ok(lines.some((l) => l.startsWith('process_cpu_user_seconds_total ')));
});

test('two AgentMetrics do not share counters', async () => {
  const a = new AgentMetrics();
  const b = new AgentMetrics();
  a.imdsError();
  assert.ok((await a.metrics()).includes('spot_guard_imds_errors_total 1'));
  assert.ok((await b.metrics()).includes('spot_guard_imds_errors_total 0'));
});

test('given the configured pairs, the series labelled by their ASGs and every step\'s ok are 0 from the first scrape', async () => {
  const metrics = new AgentMetrics({ asgPairs: [{ spot: 'spot-a', onDemand: 'od-a' }, { spot: 'spot-b', onDemand: 'od-b' }] });
  const lines = (await metrics.metrics()).split('\n');
  const expected = [
    'spot_guard_fallbacks_total{spot_asg="spot-a",on_demand_asg="od-a"} 0',
    'spot_guard_fallbacks_total{spot_asg="spot-b",on_demand_asg="od-b"} 0',
    'spot_guard_on_demand_asg_at_max_size{on_demand_asg="od-a"} 0',
    'spot_guard_on_demand_asg_at_max_size{on_demand_asg="od-b"} 0',
    // A finish keeps the increment of either ASG of its pair.
    ...['spot-a', 'od-a', 'spot-b', 'od-b'].map((asg) => `spot_guard_response_increments_kept{asg="${asg}"} 0`),
    ...[...SCALE_DOWN_STEPS, 'rollback'].map((step) => `spot_guard_scale_down_steps_total{step="${step}",outcome="ok"} 0`),
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing metric line: ${line}`);
  // Only the configured combinations: no fallback from one pair's spot ASG to another's on-demand.
  assert.is(lines.filter((l) => l.startsWith('spot_guard_fallbacks_total{')).length, 2);
  assert.is(lines.filter((l) => l.startsWith('spot_guard_on_demand_asg_at_max_size{')).length, 2);
  assert.is(lines.filter((l) => l.startsWith('spot_guard_response_increments_kept{')).length, 4);

  // Without pairs (every caller before them) the ASG-labelled series appear when first set.
  const bare = (await new AgentMetrics().metrics()).split('\n');
  for (const name of ['spot_guard_fallbacks_total', 'spot_guard_on_demand_asg_at_max_size', 'spot_guard_response_increments_kept']) assert.not.ok(bare.some((l) => l.startsWith(`${name}{`)), name);
  assert.ok(bare.includes('spot_guard_scale_down_steps_total{step="drain",outcome="ok"} 0'));
});

test('what the agent sets after the preset stays set, scrape after scrape', async () => {
  const metrics = new AgentMetrics({ asgPairs: [{ spot: 'spot-a', onDemand: 'od-a' }] });
  metrics.setOnDemandAtMaxSize('od-a', true);
  metrics.setIncrementsKept('spot-a', 2);
  metrics.fallback('spot-a', 'od-a');
  metrics.scaleDownStep('drain', 'ok');
  for (let scrape = 0; scrape < 2; scrape++) {
    const lines = (await metrics.metrics()).split('\n');
    for (const line of [
      'spot_guard_on_demand_asg_at_max_size{on_demand_asg="od-a"} 1',
      'spot_guard_response_increments_kept{asg="spot-a"} 2',
      'spot_guard_response_increments_kept{asg="od-a"} 0',
      'spot_guard_fallbacks_total{spot_asg="spot-a",on_demand_asg="od-a"} 1',
      'spot_guard_scale_down_steps_total{step="drain",outcome="ok"} 1',
      'spot_guard_scale_down_steps_total{step="terminate",outcome="ok"} 0',
    ]) {
      assert.ok(lines.includes(line), `scrape ${scrape + 1}: missing metric line: ${line}`);
    }
  }
});

test('unknown paths are 404, other methods 405, extra routes are served', async ({ server }) => {
  assert.is((await fetch(`${server.url}/nothere`)).status, 404);
  const post = await fetch(`${server.url}/healthz`, { method: 'POST', body: 'x' });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET');
  assert.is((await fetch(`${server.url}/metrics`, { method: 'DELETE' })).status, 405);
  const extra = await fetch(`${server.url}/extra`);
  assert.is(extra.status, 200);
  assert.is(await extra.text(), 'extra route');
  assert.is((await fetch(`${server.url}/healthz?verbose=1`)).status, 200);
});

test('close() ends kept-alive connections and stops listening', async () => {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, metrics: new AgentMetrics(), readiness: () => ({ ready: true, checks: {} }) });
  const agent = new Agent({ keepAlive: true });
  // Wrapped in an object: resolving with a bare promise would wait for the socket to close.
  const { closed } = await new Promise<{ closed: Promise<void> }>((resolve, reject) => {
    const req = request(`${server.url}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ closed: new Promise<void>((done) => req.socket?.once('close', () => done())) }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.is(agent.freeSockets[Object.keys(agent.freeSockets)[0] ?? '']?.length ?? 0, 1, 'the connection was kept alive');
  const started = Date.now();
  await server.close();
  await closed;
  // Node's keep-alive timeout is 5 s: a close() that waited on the socket would take that long.
  assert.ok(Date.now() - started < 4_000, `close took ${Date.now() - started} ms`);
  agent.destroy();
  try {
    await fetch(`${server.url}/healthz`);
    assert.unreachable('the server must not answer after close');
  } catch (err) {
    assert.instance(err, TypeError);
  }
});

test.run();
