// The live statechart view in a real browser (playwright-core driving Debian's Chromium,
// headless) while the demo story runs: the card's phase badge and the phase highlighted in the
// phase-level chart move Pending → Monitoring → (ReadyForScaleDown) → ScalingDown → Completed
// without a reload; it says what the event waits for and which agent holds it; the full
// statechart is folded in a closed <details>. Screenshots at two phases are saved in
// test-artifacts/ (the Monitoring one is docs/live-view.png, see docs/statecharts.md).
// Chromium is installed on first use when missing (see ../harness/chromium.ts).
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

test('the phase badge and the highlighted phase follow the event through every phase, live', async ({ browser, output, demo, noBrowser }) => {
  if (noBrowser) assert.unreachable(noBrowser);
  const url = await waitFor(() => `the demo's view URL (output: ${output().slice(-2000)})`, () => /live statechart view: (http:\/\/\S+)/.exec(output())?.[1], 180_000);
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  // Every change of the card's phase, its badge and the phase highlighted in the phase-level
  // chart, as the page sees it; and whether the holder line ever named an agent.
  // (A string, not a function: the page has the DOM, this process's TypeScript does not.)
  await page.evaluate(`(() => {
    window.loadMark = Math.random();
    window.seen = [];
    window.holders = new Set();
    const record = () => {
      const card = document.querySelector('section.card');
      if (!card) return;
      const active = [...card.querySelectorAll('.chart.phases g.state.active[data-state]')].map((g) => g.getAttribute('data-state'));
      const entry = card.getAttribute('data-phase') + '|' + card.querySelector('.phase').textContent + '|' + active.join(',');
      if (window.seen[window.seen.length - 1] !== entry) window.seen.push(entry);
      const holder = card.querySelector('.claim .holder');
      if (holder) window.holders.add(holder.textContent);
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
  assert.ok(await page.locator('section.card .chart.phases g.state.active[data-state="Monitoring"]').count(), 'Monitoring highlighted');
  assert.match((await page.locator('section.card .waiting').textContent()) ?? '', /^Waiting for spot to (be|stay) healthy/);
  // The full statechart is there, folded, its active states highlighted too.
  assert.is(await page.evaluate<boolean>(`document.querySelector('section.card details.all-states').open`), false, 'All states folded');
  assert.is(await page.locator('section.card details.all-states svg[data-machine="fallbackEvent"] g.state.active[data-state="Monitoring"]').count(), 1);
  await page.screenshot({ path: `${ARTIFACTS}live-view-monitoring.png`, fullPage: true });

  await page.waitForSelector('section.card[data-phase="Completed"]', { timeout: 240_000 }).catch(storySoFar);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${ARTIFACTS}live-view-completed.png`, fullPage: true });
  assert.ok(await page.locator('section.card .chart.phases g.state.active[data-state="Completed"]').count(), 'Completed highlighted');
  assert.match((await page.locator('section.card .timeline').textContent()) ?? '', /step terminate done/);

  const seen = await page.evaluate<string[]>('window.seen');
  const phases = seen.map((e) => e.split('|')[0]).filter((p, i, all) => p !== all[i - 1]);
  // The page shows the event as it is each time it is pushed (at most every 100 ms): a phase
  // that lasts less (ReadyForScaleDown, whose checks pass at once here) may never be drawn, but
  // what is drawn comes in the phases' order, and the timeline keeps every one of them.
  const order = ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown', 'Completed'];
  const drawn = phases.slice(phases.indexOf('Pending'));
  assert.equal(drawn, order.filter((p) => drawn.includes(p)), `phases drawn in order: ${seen.join(' ; ')}`);
  for (const p of ['Pending', 'Monitoring', 'Completed']) assert.ok(drawn.includes(p), `${p} drawn: ${seen.join(' ; ')}`);
  const timeline = (await page.locator('section.card .timeline').textContent()) ?? '';
  for (const p of ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown']) assert.match(timeline, `: ${p}`, `the timeline names ${p}`);
  for (const entry of seen) {
    const [phase, badge, active] = entry.split('|');
    assert.equal([badge, active], [phase, phase], `the badge and the highlighted state are the phase: ${entry}`);
  }
  assert.ok((await page.evaluate<string[]>('[...window.holders]')).some(Boolean), 'the holder line named an agent');
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
