// `spot-guard scenario`: every action against a running `spot-guard sandbox --set ...`, found
// from its kubeconfig alone, each checked by what the sandbox then does (the simulator's state,
// the node's IMDS, the agents' environment); an unknown node and kubeconfigs with no sandbox
// behind them; `--set` accepted and refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startControlPlane } from '../../dev/sandbox/control-plane.js';
import type { ScenarioState } from '../../dev/sandbox/scenario.command.js';
import { waitFor } from '../harness/agent-world.js';
import { liveChildren } from '../harness/processes.js';

const test = suite('spot-guard scenario');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/spot-guard.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'spot-guard-scenario-'));
const kubeconfig = join(dir, 'sandbox.kubeconfig');
const scenario = (...args: string[]): Promise<Run> => cli(['scenario', '--kubeconfig', kubeconfig, ...args]);
const ok = async (...args: string[]): Promise<string> => {
  const run = await scenario(...args);
  assert.is(run.code, 0, `scenario ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
};
const state = async (): Promise<ScenarioState> => JSON.parse(await ok('state')) as ScenarioState;
/** A failure is one line on stderr naming what failed. */
const fails = async (code: number, pattern: RegExp, ...args: string[]): Promise<void> => {
  const run = await scenario(...args);
  assert.is(run.code, code, `scenario ${args.join(' ')} exits ${code}: ${run.stdout}${run.stderr}`);
  assert.match(run.stderr.split('\n')[0] ?? '', pattern);
  if (code === 1) assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
};

let sandbox: ChildProcess | undefined;
const WEBHOOK_URL = 'http://127.0.0.1:9/spot-guard-hook';
let output = '';
/** Each node's IMDS, from the lines the sandbox prints. */
const imds = new Map<string, string>();

test.before(async () => {
  // Scaled so that the interruption warning is 4 s; the log level and the webhook URL show `--set`
  // reaching the agents (nothing listens there: notifications would only be dropped).
  sandbox = spawn(process.execPath, ['bin/spot-guard.js', 'sandbox', '--kubeconfig', kubeconfig, '--scale', '30', '--set', 'SPOT_GUARD_LOG_LEVEL=debug', '--set', `SPOT_GUARD_WEBHOOK_URL=${WEBHOOK_URL}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = sandbox;
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.split('\n').includes('ready')) resolve();
    });
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before ready:\n${output}`)));
    setTimeout(() => reject(new Error(`no ready line after 10 minutes:\n${output}`)), 600_000).unref();
  });
  for (const m of output.matchAll(/^ {2}(\S+): \S+, \S+\/metrics, IMDS (\S+)$/gm)) imds.set(m[1] ?? '', m[2] ?? '');
});

test.after(async () => {
  if (!sandbox || sandbox.exitCode !== null) return;
  const exited = new Promise((r) => sandbox?.once('exit', r));
  sandbox.kill('SIGTERM');
  await exited;
});

async function imdsAnswers(node: string, path: string): Promise<number> {
  const base = imds.get(node) ?? '';
  const token = await (await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
  return (await fetch(`${base}${path}`, { headers: { 'x-aws-ec2-metadata-token': token } })).status;
}

test('--set reaches every agent', () => {
  const agents = liveChildren(sandbox?.pid).filter((p) => p.cmdline.includes('spot-guard-agent.mjs agent'));
  assert.is(agents.length, 3, output);
  for (const agent of agents) {
    const env = readFileSync(`/proc/${agent.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes('SPOT_GUARD_LOG_LEVEL=debug'), `agent ${agent.pid} runs with the --set value`);
    assert.ok(env.includes(`SPOT_GUARD_WEBHOOK_URL=${WEBHOOK_URL}`), `agent ${agent.pid} runs with the --set webhook URL`);
  }
});

test('state prints every group with its sizes, instances and nodes as JSON', async () => {
  const s = await state();
  const spot = s.groups.find((g) => g.name === s.spotAsg);
  const onDemand = s.groups.find((g) => g.name === s.onDemandAsg);
  assert.ok(spot && onDemand, JSON.stringify(s));
  assert.equal([spot.capacityType, spot.desired, spot.min, spot.max], ['spot', 3, 0, 20]);
  assert.equal([onDemand.capacityType, onDemand.desired, onDemand.instances.length], ['on-demand', 0, 0]);
  assert.is(spot.instances.length, 3);
  for (const i of spot.instances) {
    assert.match(i.id, /^i-[0-9a-f]+$/);
    assert.is(i.lifecycleState, 'InService');
    assert.ok(imds.has(i.node), `${i.node} is one of the sandbox's nodes`);
    assert.ok(i.nodeReady);
  }
});

test('spot exhaust and spot restore, on the spot ASG by default or on one named', async () => {
  const { spotAsg } = await state();
  assert.match(await ok('spot', 'exhaust'), new RegExp(`spot capacity for ${spotAsg} exhausted`));
  assert.is((await state()).groups.find((g) => g.name === spotAsg)?.spotPool, 0);
  assert.match(await ok('spot', 'restore', spotAsg), /restored/);
  assert.is((await state()).groups.find((g) => g.name === spotAsg)?.spotPool, null);
  await fails(1, /^spot-guard scenario: the simulator refused: .*no-such-asg/, 'spot', 'exhaust', 'no-such-asg');
});

test('fault by count and by share, refused for an unknown action, and cleared', async () => {
  assert.match(await ok('fault', 'SetDesiredCapacity', '2'), /SetDesiredCapacity fails its next 2 calls with Throttling/);
  assert.match(await ok('fault', '*', '25%', '--error', 'ServiceUnavailable'), /every Auto Scaling action fails 25% of its calls with ServiceUnavailable/);
  assert.equal(
    (await state()).faults.map((f) => [f.action, f.times, f.rate]),
    [
      ['SetDesiredCapacity', 2, undefined],
      ['*', undefined, 0.25],
    ],
  );
  assert.match(await ok('fault', 'clear', '*'), /\* no longer fails/);
  assert.equal((await state()).faults.map((f) => f.action), ['SetDesiredCapacity']);
  assert.match(await ok('fault', 'clear'), /no Auto Scaling action fails/);
  assert.equal((await state()).faults, []);
  await fails(1, /unknown action SetDesired: one of .*SetDesiredCapacity/, 'fault', 'SetDesired', '1');
  await fails(2, /often: not a count of calls/, 'fault', 'SetDesiredCapacity', 'often');
  await fails(2, /--error Flaky: one of Throttling/, 'fault', 'SetDesiredCapacity', '1', '--error', 'Flaky');
  assert.equal((await state()).faults, [], 'a refused fault changes nothing');
});

test('rebalance NODE: its IMDS serves the recommendation and its agent scales spot up', async () => {
  const { spotAsg, groups } = await state();
  const node = groups.find((g) => g.name === spotAsg)?.instances[0]?.node ?? '';
  assert.is(await imdsAnswers(node, '/latest/meta-data/events/recommendations/rebalance'), 404, 'nothing to serve before');
  assert.match(await ok('rebalance', node), new RegExp(`EC2 recommends rebalancing ${node}`));
  assert.is(await imdsAnswers(node, '/latest/meta-data/events/recommendations/rebalance'), 200);
  await waitFor('the agent to scale the spot ASG up', async () => ((await state()).groups.find((g) => g.name === spotAsg)?.desired ?? 0) >= 4 || undefined, 120_000, 500);
});

test('interrupt NODE: its IMDS serves the notice and EC2 reclaims the instance after the warning', async () => {
  const { spotAsg, groups } = await state();
  // One of the first three (whose IMDS the sandbox printed), not the one recommended for rebalancing above.
  const target = groups.find((g) => g.name === spotAsg)?.instances.filter((i) => imds.has(i.node)).at(-1);
  const node = target?.node ?? '';
  const line = await ok('interrupt', node);
  assert.match(line, new RegExp(`spot interruption notice for ${node} \\(${target?.id}\\): EC2 reclaims it at \\S+, in \\d+ s`));
  assert.is(await imdsAnswers(node, '/latest/meta-data/spot/instance-action'), 200);
  await waitFor(`${target?.id} to be reclaimed`, async () => {
    const now = (await state()).groups.flatMap((g) => g.instances).find((i) => i.id === target?.id);
    return !now || now.lifecycleState === 'Terminating' || undefined;
  }, 120_000, 500);
});

test('an unknown node fails with one line naming it and the nodes there are', async () => {
  await fails(1, /^spot-guard scenario: no node no-such-node in the sandbox \(its nodes: \S+/, 'rebalance', 'no-such-node');
  await fails(1, /no node no-such-node/, 'interrupt', 'no-such-node');
});

test('usage errors exit 2 and call nothing', async () => {
  await fails(2, /unknown action "explode"/, 'explode');
  await fails(2, /no action given/, ...[]);
  await fails(2, /rebalance NODE takes 1 argument/, 'rebalance');
  await fails(2, /spot drain: expected spot exhaust/, 'spot', 'drain');
});

test('a kubeconfig with no sandbox behind it fails with one line', async () => {
  // A real API server with no sandbox.
  const plane = await startControlPlane();
  try {
    const run = await cli(['scenario', '--kubeconfig', plane.kubeconfigPath, 'state']);
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stderr, /^spot-guard scenario: no sandbox behind \S+: https:\/\/127\.0\.0\.1:\d+ has no ConfigMap kube-system\/spot-guard-sandbox/);
  } finally {
    await plane.stop();
  }
  // Nothing listens where this one points.
  const nowhere = join(dir, 'nowhere.kubeconfig');
  await writeFile(nowhere, readFileSync(kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
  const refused = await cli(['scenario', '--kubeconfig', nowhere, 'spot', 'exhaust']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /^spot-guard scenario: no sandbox behind \S+nowhere\.kubeconfig: the API server https:\/\/127\.0\.0\.1:1 does not answer \(ECONNREFUSED\)\n$/);
  const missing = await cli(['scenario', '--kubeconfig', join(dir, 'absent.kubeconfig'), 'state']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^spot-guard scenario: cannot read the kubeconfig \S+absent\.kubeconfig/);
});

test('--set refused with the agent\'s own words, before anything starts', async () => {
  const where = join(dir, 'refused.kubeconfig');
  const run = await cli(['sandbox', '--kubeconfig', where, '--set', 'SPOT_GUARD_MINIMUM_WAIT=soon', '--set', 'SPOT_GUARD_MINIMUM_WAT=10m', '--set', 'SPOT_GUARD_HTTP_PORT=8080']);
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, /SPOT_GUARD_MINIMUM_WAIT=soon: not a duration such as 90s, 10m or 1h30m/);
  assert.match(run.stderr, /SPOT_GUARD_MINIMUM_WAT: not a setting of the agent/);
  assert.match(run.stderr, /SPOT_GUARD_HTTP_PORT: the sandbox sets it for each agent/);
  assert.match(run.stderr, /refusing to start/);
  assert.not.ok(existsSync(where), 'no sandbox was started: no kubeconfig written');
  const malformed = await cli(['sandbox', '--kubeconfig', where, '--set', 'SPOT_GUARD_DRY_RUN']);
  assert.is(malformed.code, 1);
  assert.match(malformed.stderr, /--set SPOT_GUARD_DRY_RUN: expected KEY=VALUE/);
});

test.run();
