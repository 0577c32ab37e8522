// The live view's one page: every fallback event as the fallback-event statechart (drawn from
// the machine definition, see statechart.svg.ts) with its active states highlighted, the guard
// that holds the next transition and why, and its timeline. It follows server-sent events at
// ./events, so it updates without a reload. Everything is inline: no asset from the internet.

export interface PageOptions {
  title: string;
  /** The fallback-event machine's SVG; every card gets a copy. */
  fallbackEventSvg: string;
}

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { padding: 12px 20px; background: #1d2330; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  #status { font-size: 12px; opacity: .8; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .empty { color: #667; }
  .card { background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; padding: 12px 16px; }
  .card h2 { font-size: 15px; margin: 0 0 4px; display: flex; gap: 10px; align-items: center; }
  .phase { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #e3e8f3; }
  .phase.Completed { background: #d7f2dd; } .phase.Failed { background: #f8d7d7; }
  .meta, .waiting { font-size: 13px; color: #445; }
  .waiting b { font-family: monospace; }
  .chart { overflow-x: auto; margin: 8px 0; }
  .timeline { font-size: 12px; margin: 0; padding-left: 18px; }
  .timeline time { font-family: monospace; }
`;

// Plain DOM code, no framework: it only swaps text and toggles classes.
const SCRIPT = `
  const main = document.querySelector('main');
  const status = document.getElementById('status');
  const template = document.getElementById('chart');
  const cards = new Map();
  const text = (tag, cls, value) => { const e = document.createElement(tag); if (cls) e.className = cls; e.textContent = value; return e; };
  function card(view) {
    let c = cards.get(view.name);
    if (!c) {
      c = document.createElement('section');
      c.className = 'card';
      c.dataset.event = view.name;
      c.innerHTML = '<h2><span class="name"></span><span class="phase"></span></h2><div class="meta"></div><div class="waiting"></div><div class="chart"></div><ol class="timeline"></ol>';
      c.querySelector('.chart').appendChild(template.content.cloneNode(true));
      cards.set(view.name, c);
      main.appendChild(c);
    }
    return c;
  }
  function render(views) {
    main.querySelector('.empty')?.remove();
    const names = new Set(views.map((v) => v.name));
    for (const [name, c] of cards) if (!names.has(name)) { c.remove(); cards.delete(name); }
    if (views.length === 0) main.appendChild(text('p', 'empty', 'No SpotGuardFallbackEvent yet.'));
    for (const v of views) {
      const c = card(v);
      c.dataset.phase = v.phase;
      c.querySelector('.name').textContent = v.name;
      const phase = c.querySelector('.phase');
      phase.textContent = v.phase; phase.className = 'phase ' + v.phase;
      c.querySelector('.meta').textContent = 'spot ' + v.spotASG + ' · on-demand ' + v.onDemandASG + ' · node ' + v.onDemandNode + ' (' + v.onDemandInstance + ')' + (v.holder ? ' · claim: ' + v.holder : '');
      const waiting = c.querySelector('.waiting');
      waiting.replaceChildren();
      if (v.waiting) { waiting.append('waiting on '); waiting.append(text('b', '', v.waiting.guard)); waiting.append(': ' + v.waiting.why); }
      const active = new Set(v.active);
      for (const g of c.querySelectorAll('g.state[data-state]')) g.classList.toggle('active', active.has(g.dataset.state));
      const list = c.querySelector('.timeline');
      list.replaceChildren(...v.timeline.map((e) => { const li = document.createElement('li'); li.append(text('time', '', e.at), ' ' + e.what + (e.by ? ' — ' + e.by : '')); return li; }));
    }
  }
  function connect() {
    const source = new EventSource('events');
    source.addEventListener('views', (m) => { const d = JSON.parse(m.data); render(d.views); status.textContent = 'live · ' + d.source + ' · updated ' + new Date(d.at).toLocaleTimeString(); });
    source.onerror = () => { status.textContent = 'disconnected, retrying…'; };
  }
  connect();
`;

export function viewPage(options: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(options.title)}</h1><span id="status">connecting…</span></header>
<main><p class="empty">No SpotGuardFallbackEvent yet.</p></main>
<template id="chart">${options.fallbackEventSvg}</template>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
