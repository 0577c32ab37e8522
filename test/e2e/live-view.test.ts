// The live statechart view in a real browser (playwright-core driving Debian's Chromium,
// headless) while the demo story runs: the page lists the event and its highlighted state
// moves Pending → Monitoring → ReadyForScaleDown → ScalingDown → Completed without a reload.
// Screenshots at two phases are saved in test-artifacts/. Chromium is installed on first use
// when missing (see ../harness/chromium.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../harness/agent-world.js';
import { ensureChromium } from '../harness/chromium.js';

const BIN = fileURLToPath(new URL('../../bin/spot-guard.js', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

interface Ctx {
  demo: ChildProcess;
  output: () => string;
  browser: Browser;
  /** Why there is no browser: the test fails with it (uvu does not report an error thrown by a before hook). */
  noBrowser?: string;
}
const test = suite<Ctx>('live statechart view in a browser');

test.before(async (ctx) => {
  const chromiumFound = await ensureChromium();
  if ('problem' in chromiumFound) {
    ctx.noBrowser = chromiumFound.problem;
    return;
  }
  let out = '';
  ctx.demo = spawn(process.execPath, [BIN, 'demo', '--scale', '20', '--ttl', '20s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.demo.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  ctx.demo.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  ctx.output = () => out;
  ctx.browser = await chromium.launch({ executablePath: chromiumFound.executable, args: ['--no-sandbox'] });
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  ctx.demo?.kill('SIGTERM');
});

test('the highlighted state follows the event through every phase, live', async ({ browser, output, demo, noBrowser }) => {
  if (noBrowser) assert.unreachable(noBrowser);
  const url = await waitFor(() => `the demo's view URL (output: ${output().slice(-2000)})`, () => /live statechart view: (http:\/\/\S+)/.exec(output())?.[1], 180_000);
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  // Every change of the card's phase and of the highlighted top-level state, as the page sees it.
  // (A string, not a function: the page has the DOM, this process's TypeScript does not.)
  await page.evaluate(`(() => {
    window.loadMark = Math.random();
    window.seen = [];
    const record = () => {
      const card = document.querySelector('section.card');
      const active = [...document.querySelectorAll('section.card g.state.active[data-state]')].map((g) => g.getAttribute('data-state') || '').filter((s) => s && !s.includes('.'));
      const entry = (card ? card.getAttribute('data-phase') : '') + '|' + active.join(',');
      if (card && window.seen[window.seen.length - 1] !== entry) window.seen.push(entry);
    };
    new MutationObserver(record).observe(document.querySelector('main'), { subtree: true, attributes: true, childList: true });
  })()`);
  const mark = await page.evaluate<number>('window.loadMark');
  mkdirSync(ARTIFACTS, { recursive: true });

  // Where the story stopped is in the demo's own output, which a timeout alone would not say.
  const storySoFar = (err: unknown): never => {
    throw new Error(`${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the demo said:\n${output().slice(-3000)}`);
  };
  await page.waitForSelector('section.card[data-phase="Monitoring"]', { timeout: 180_000 }).catch(storySoFar);
  assert.ok(await page.locator('section.card g.state.active[data-state="Monitoring"]').count(), 'Monitoring highlighted');
  assert.match((await page.locator('section.card .waiting').textContent()) ?? '', /stableLongEnough/);
  await page.screenshot({ path: `${ARTIFACTS}live-view-monitoring.png`, fullPage: true });

  await page.waitForSelector('section.card[data-phase="Completed"]', { timeout: 240_000 }).catch(storySoFar);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${ARTIFACTS}live-view-completed.png`, fullPage: true });
  assert.ok(await page.locator('section.card g.state.active[data-state="Completed"]').count(), 'Completed highlighted');
  assert.match((await page.locator('section.card .timeline').textContent()) ?? '', /step terminate done/);

  const seen = await page.evaluate<string[]>('window.seen');
  const phases = seen.map((e) => e.split('|')[0]).filter((p, i, all) => p !== all[i - 1]);
  assert.equal(phases.slice(phases.indexOf('Pending')), ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed'], `phases seen: ${seen.join(' ; ')}`);
  for (const entry of seen) {
    const [phase, active] = entry.split('|');
    assert.is(active, phase, `the highlighted state is the phase: ${entry}`);
  }
  assert.is(await page.evaluate<number>('window.loadMark'), mark, 'no reload');
  assert.equal(errors, [], 'no error on the page');

  // The event is deleted after its TTL: the page drops its card.
  await page.waitForSelector('section.card', { state: 'detached', timeout: 120_000 }).catch((err: unknown) => {
    throw new Error(`the card stayed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n--- the demo's last output ---\n${output().slice(-3000)}`);
  });
  const exit = await new Promise<number | null>((resolve) => (demo.exitCode !== null ? resolve(demo.exitCode) : demo.once('exit', resolve)));
  assert.is(exit, 0, output().slice(-2000));
});

test.run();
