// `spot-guard agent` as the DaemonSet runs it: a real process, configured only through its
// environment, using the shipped ServiceAccount's kubeconfig, moto through the SDK's standard
// endpoint variable and AEMM for IMDS. It refuses bad settings before touching anything,
// serves /healthz, /readyz and /metrics, and on SIGTERM gives up its claims and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { freePort } from '../../dev/sandbox/ports.js';
import {
  agentProcessEnv,
  createAsgPair,
  loud,
  ON_DEMAND_ASG,
  registerNode,
  seedEventWithStatus,
  SPOT_ASG,
  startAgentWorld,
  waitFor,
  type AgentWorld,
} from '../harness/agent-world.js';

const BIN = fileURLToPath(new URL('../../bin/spot-guard.js', import.meta.url));

interface Ctx {
  world: AgentWorld;
  aemm: Aemm;
}
const test = suite<Ctx>('spot-guard agent, the process');

function run(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'agent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    ctx.aemm = await startAemm();
  }),
);
test.after(async (ctx) => {
  await ctx.aemm?.stop();
  await ctx.world?.stop();
});

test('bad settings: exit 2 with one line per problem, and nothing is touched', async ({ world }) => {
  const { exit, output } = run({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: world.agentKubeconfigPath,
    SPOT_GUARD_ASG_PAIRS: 'my-spot-asg=my-spot-asg',
    SPOT_GUARD_MINIMUM_WAIT: 'ten minutes',
    SPOT_GUARD_DRY_RUN: 'yes',
    POD_NAME: 'spot-guard-x',
  });
  assert.is(await exit, 2);
  const lines = output().trim().split('\n');
  assert.equal(lines, [
    'spot-guard agent: SPOT_GUARD_ASG_PAIRS: "my-spot-asg=my-spot-asg" pairs an ASG with itself',
    'spot-guard agent: SPOT_GUARD_DRY_RUN=yes: must be true or false',
    'spot-guard agent: SPOT_GUARD_MINIMUM_WAIT=ten minutes: not a duration such as 90s, 10m or 1h30m',
    'spot-guard agent: NODE_NAME is required (the DaemonSet sets it from spec.nodeName)',
    'spot-guard agent: SPOT_GUARD_AWS_REGION (or AWS_REGION) is required: the region of the ASGs',
    'spot-guard agent: refusing to start with 5 configuration problems',
  ]);
  assert.equal((await new FallbackEventStore(world.admin).list()).items, [], 'no event written');
});

test('serves probes and metrics, holds a claim, and on SIGTERM releases it and exits 0', async ({ world, aemm }) => {
  await createAsgPair(world.moto, 2, 1);
  const groups = await world.aws.describeGroups([SPOT_ASG, ON_DEMAND_ASG]);
  const spot = groups.find((g) => g.name === SPOT_ASG)?.instances ?? [];
  const od = groups.find((g) => g.name === ON_DEMAND_ASG)?.instances[0]?.instanceId ?? '';
  await registerNode(world, 'spot-a', spot[0]?.instanceId ?? '');
  // A spot node that never turns Ready keeps spot unhealthy, so the event stays in Monitoring.
  await registerNode(world, 'spot-b', spot[1]?.instanceId ?? '', { ready: false });
  await registerNode(world, 'od-node', od);
  const port = await freePort();
  const viewPort = await freePort();
  const agent = run(agentProcessEnv(world, {
    SPOT_GUARD_MINIMUM_WAIT: '0s',
    SPOT_GUARD_ASG_POLL_INTERVAL: '1s',
    SPOT_GUARD_IMDS_ENDPOINT: aemm.url,
    SPOT_GUARD_HTTP_PORT: String(port),
    SPOT_GUARD_VIEW_ADDRESS: `127.0.0.1:${viewPort}`,
    POD_NAME: 'spot-guard-proc',
    NODE_NAME: 'spot-a',
    // Misspelt: warned about, not fatal (a newer chart's setting must not stop an older agent).
    SPOT_GUARD_EVICTON_TIMEOUT: '1m',
  }));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => `/readyz 200 (output: ${agent.output().slice(-2000)})`, async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);
    assert.match(agent.output(), /"level":"warn".*SPOT_GUARD_EVICTON_TIMEOUT is not a setting of this agent and is ignored/);
    assert.is((await fetch(`${url}/healthz`)).status, 200);

    const store = new FallbackEventStore(world.admin);
    const long = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = await seedEventWithStatus(
      store,
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: od, onDemandNodeName: 'od-node', timestamp: long, minimumWaitDuration: '0s' },
      { phase: 'Monitoring' },
    );
    const name = event.metadata?.name ?? '';
    let last: unknown;
    const held = await waitFor(() => `the agent to claim the event and record spot health (status ${JSON.stringify(last)}; output: ${agent.output().slice(-3000)})`, async () => {
      const e = await store.get(name);
      last = e?.status;
      return e?.status?.claim?.holder === 'spot-guard-proc' && e.status.spotHealth ? e : undefined;
    });
    assert.is(held.status?.phase, 'Monitoring');
    assert.is(held.status?.spotHealth?.nodesReady, 1);
    assert.is(held.status?.spotHealth?.nodesTotal, 2);

    // The live view shows the event in the state the agent's actor is in.
    const view = (await (await fetch(`http://127.0.0.1:${viewPort}/views`)).json()) as { source: string; views: { name: string; phase: string; active: string[]; claim?: { holder?: string } }[] };
    assert.is(view.source, 'spot-guard-proc');
    assert.is(view.views[0]?.name, name);
    assert.is(view.views[0]?.phase, 'Monitoring');
    assert.ok(view.views[0]?.active.includes('Monitoring'), JSON.stringify(view.views[0]?.active));
    assert.is(view.views[0]?.claim?.holder, 'spot-guard-proc');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /spot_guard_events\{phase="Monitoring"\} 1/);
    assert.match(metrics, /spot_guard_on_demand_nodes 1/);
    assert.match(metrics, /spot_guard_aws_calls_total\{action="DescribeAutoScalingGroups",outcome="ok"\} [1-9]/);
    assert.match(metrics, /process_resident_memory_bytes/);
    // The configured pair's series are there at 0 before a fallback or a response happened.
    for (const line of [
      `spot_guard_fallbacks_total{spot_asg="${SPOT_ASG}",on_demand_asg="${ON_DEMAND_ASG}"} 0`,
      `spot_guard_on_demand_asg_at_max_size{on_demand_asg="${ON_DEMAND_ASG}"} 0`,
      `spot_guard_response_increments_kept{asg="${SPOT_ASG}"} 0`,
      `spot_guard_response_increments_kept{asg="${ON_DEMAND_ASG}"} 0`,
    ]) {
      assert.ok(metrics.split('\n').includes(line), `missing metric line: ${line}`);
    }

    agent.child.kill('SIGTERM');
    assert.is(await agent.exit, 0, agent.output().slice(-2000));
    const after = await store.get(name);
    assert.ok(after?.status?.claim?.releasedAt, `the claim was released on SIGTERM (${JSON.stringify(after?.status?.claim)})`);
    assert.is(after?.status?.claim?.holder, 'spot-guard-proc', 'the released claim says whose it was, so the next agent takes its turn from the release');
    assert.is(after?.status?.phase, 'Monitoring');
    const node = await world.admin.makeApiClient(CoreV1Api).readNode({ name: 'od-node' });
    assert.not.ok(node.spec?.unschedulable, 'the on-demand node was left alone');
    assert.match(agent.output(), /"msg":"released claims"/);
  } finally {
    agent.child.kill('SIGKILL');
  }
});

test.run();
