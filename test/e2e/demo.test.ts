// `npm start` runs `spot-guard demo`: the whole story, printed, exit 0 when it completes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = fileURLToPath(new URL('../../bin/spot-guard.js', import.meta.url));
const test = suite('spot-guard demo');

function demo(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(process.execPath, [BIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('bad flags: exit 2 with the reason, nothing started', async () => {
  const { code, out } = await demo(['--scale', '0', '--ttl', 'soon']);
  assert.is(code, 2);
  assert.match(out, /--scale 0: must be a number from 1/);
  assert.match(out, /--ttl soon: not a duration/);
  assert.not.match(out, /starting the sandbox/);
});

test('the story runs to the end: every phase table, the deletion, a summary, exit 0', async () => {
  const { code, out } = await demo(['--scale', '20', '--ttl', '3s']);
  assert.is(code, 0, out.slice(-3000));
  const order = ['EC2 rebalance recommendation', ': Pending (', 'spot interruption notice', 'reclaimed by EC2', ': Monitoring (', 'spot capacity for my-spot-asg restored', ': ReadyForScaleDown (', ': ScalingDown (', ': Completed (', 'deleted after its TTL (3s)', 'summary', 'the story completed'];
  let at = 0;
  for (const mark of order) {
    const found = out.indexOf(mark, at);
    assert.ok(found >= 0, `"${mark}" after position ${at} in:\n${out.slice(-3000)}`);
    at = found;
  }
  assert.match(out, /NAME\s+SPOT ASG\s+ON-DEMAND NODE\s+PHASE\s+AGE/);
  assert.match(out, /phases: Pending → Monitoring → ReadyForScaleDown → ScalingDown → Completed → Deleted/);
  assert.match(out, /on-demand node ip-[\d-]+ \(i-[0-9a-f]+\) ran [\d.]+ minutes/);
  // The workload really moved, twice (off the interrupted spot node, off the on-demand node),
  // with the PDB watched throughout, and ends running on the nodes that stay.
  const moved = Number(/pods moved: (\d+)/.exec(out)?.[1] ?? NaN);
  assert.ok(moved >= 2, `pods moved from both nodes that went (${moved})`);
  assert.match(out, /PDB: never violated/);
  assert.match(out, /on the nodes that went \(ip-[\d-]+, ip-[\d-]+\): none/);
  assert.not.match(out, /NOT running/);
  // No pod waited for a node: the scheduler never found one without room (its own delay is all).
  assert.match(out, /pods the scheduler found no node for: none/);
  assert.match(out, /longest a new pod waited to run: [\d.]+ s/);
});

test.run();
