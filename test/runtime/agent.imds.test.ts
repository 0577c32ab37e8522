// `spot-guard agent` on a spot node whose IMDS never answers the token request, as a pod on
// the pod network sees it at metadata hop limit 1: /readyz and the log say so in one line
// that names the hop limit, the log says it once rather than every poll, and once IMDS
// answers (hostNetwork: true, or hop limit 2) the agent is ready again and says that too.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';
import { freePort } from '../../dev/sandbox/ports.js';
import { HOP_LIMIT_HINT } from '../../runtime/imds.http.js';
import { agentProcessEnv, createAsgPair, loud, registerNode, SPOT_ASG, startAgentWorld, waitFor, type AgentWorld } from '../harness/agent-world.js';
import { startHopLimitedImds, type HopLimitedImds } from '../harness/hop-limited-imds.js';

const BIN = fileURLToPath(new URL('../../bin/spot-guard.js', import.meta.url));

interface Ctx {
  world: AgentWorld;
  aemm: Aemm;
  imds: HopLimitedImds;
}
const test = suite<Ctx>('spot-guard agent, IMDS out of reach');

interface Readyz {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    ctx.aemm = await startAemm();
    ctx.imds = await startHopLimitedImds(ctx.aemm.url);
  }),
);
test.after(async (ctx) => {
  await ctx.imds?.stop();
  await ctx.aemm?.stop();
  await ctx.world?.stop();
});

test('an unanswered token request: unready with the hop-limit line, logged once; ready again once IMDS answers', async ({ world, imds }) => {
  await createAsgPair(world.moto, 1, 0);
  const [spot] = await world.aws.describeGroups([SPOT_ASG]);
  await registerNode(world, 'spot-a', spot?.instances[0]?.instanceId ?? '');
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [BIN, 'agent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: agentProcessEnv(world, {
      SPOT_GUARD_IMDS_ENDPOINT: imds.url,
      SPOT_GUARD_HTTP_PORT: String(port),
      SPOT_GUARD_VIEW_ADDRESS: `127.0.0.1:${await freePort()}`,
      POD_NAME: 'spot-guard-imds',
      NODE_NAME: 'spot-a',
    }),
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const readyz = async (): Promise<{ status: number; body: Readyz }> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: (await res.json()) as Readyz };
  };
  const logLines = (msg: string) => output.split('\n').filter((l) => l.includes(`"msg":"${msg}"`));
  const line = `IMDS unreachable at ${imds.url}: token request timed out after 2000 ms; ${HOP_LIMIT_HINT}`;
  try {
    const unready = await waitFor(() => `/readyz to report IMDS (output: ${output.slice(-2000)})`, async () => {
      const r = await readyz();
      return r.body.checks.imds ? r : undefined;
    }, 60_000);
    assert.is(unready.status, 503);
    assert.equal(unready.body.checks.imds, { ok: false, detail: line });
    assert.ok(unready.body.checks.eventWatch?.ok && unready.body.checks.nodeWatch?.ok, 'IMDS is the only thing wrong');

    // A few more polls fail the same way: still one log line.
    await new Promise((r) => setTimeout(r, 5000));
    const warned = logLines('could not poll imds');
    assert.is(warned.length, 1, warned.join('\n'));
    const logged = JSON.parse(warned[0] ?? '{}') as { level: string; code: string; err: string };
    assert.is(logged.level, 'warn');
    assert.is(logged.code, 'NoTokenReply');
    assert.is(logged.err, line);

    imds.lift();
    await waitFor(() => `/readyz 200 once IMDS answers (output: ${output.slice(-2000)})`, async () => (await readyz()).status === 200, 30_000);
    assert.is((await readyz()).body.checks.imds, undefined);
    assert.is(logLines('polled imds again').length, 1);

    child.kill('SIGTERM');
    assert.is(await exit, 0, output.slice(-2000));
  } finally {
    child.kill('SIGKILL');
  }
});

test.run();
