// The live view's server: the page with the diagram, the views as JSON, server-sent events on
// every change, and nothing but GET.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PHASES } from '../../crds/phases.js';
import { LiveViews } from '../../runtime/view/live-views.js';
import { startViewServer, type ViewServer } from '../../runtime/view/view.server.js';
import { MIN, seedEvent, T0 } from '../machines/fixtures.js';

const test = suite<{ views: LiveViews; server: ViewServer }>('live view server');

test.before(async (ctx) => {
  ctx.views = new LiveViews({ minimumWaitMs: 10 * MIN, stabilityWindowMs: 2 * MIN, ttlMs: 24 * 60 * MIN }, 'spot-guard-test', () => T0 + MIN);
  ctx.server = await startViewServer({ host: '127.0.0.1', port: 0, views: ctx.views, refreshMs: 60_000 });
});
test.after(async (ctx) => {
  await ctx.server?.close();
});

test('the page carries the drawn statechart with every phase, and no external asset', async ({ server }) => {
  const res = await fetch(server.url);
  assert.is(res.status, 200);
  const html = await res.text();
  for (const phase of PHASES) assert.ok(html.includes(`data-state="${phase}"`), `phase ${phase} drawn`);
  assert.not.match(html, /(src|href)="https?:/, 'nothing loaded from elsewhere');
});

test('/views and the event stream follow the events; a deleted event disappears', async ({ server, views }) => {
  const controller = new AbortController();
  const res = await fetch(`${server.url}events`, { signal: controller.signal });
  assert.is(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const nextFrame = async (): Promise<{ views: { name: string; phase: string; waiting?: { why: string } }[] }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (data) return JSON.parse(data) as never;
        continue;
      }
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error('stream ended');
      buffer += decoder.decode(chunk.value as Uint8Array);
    }
  };
  assert.equal((await nextFrame()).views, [], 'the first frame: nothing yet');
  views.update(seedEvent({ phase: 'Pending' }));
  const frame = await nextFrame();
  assert.is(frame.views[0]?.phase, 'Pending');
  assert.is(frame.views[0]?.waiting?.why, 'minimum wait: 9m left');
  const json = (await (await fetch(`${server.url}views`)).json()) as { source: string; views: unknown[] };
  assert.is(json.source, 'spot-guard-test');
  assert.is(json.views.length, 1);
  views.remove('fallback-1736938845-abc123');
  assert.equal((await nextFrame()).views, []);
  controller.abort();
});

test('read-only: anything but GET is refused', async ({ server }) => {
  const res = await fetch(`${server.url}views`, { method: 'POST', body: '{}' });
  assert.is(res.status, 405);
  assert.is((await fetch(`${server.url}nope`)).status, 404);
});

test.run();
