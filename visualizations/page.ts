// The live view's one page. Each fallback event is a card that answers, in this order, what an
// operator asks: which phase it is in, what it waits for and for how long, which agent holds it,
// what happened when; then the phase-level chart with its phase highlighted, and the full
// statechart (every sub-state, drawn from the machine definition, see statechart.svg.ts) one
// click away, folded. It follows server-sent events at ./events, so it updates without a reload
// (the server sends every second, which moves the countdowns). Everything is inline: no asset
// from the internet.

export interface PageOptions {
  title: string;
  /** The fallback-event machine's full SVG; every card gets a copy, folded. */
  fallbackEventSvg: string;
  /** The same machine at the level of its phases; every card gets a copy. */
  fallbackEventPhasesSvg: string;
}

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { padding: 12px 20px; background: #1d2330; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  #status { font-size: 12px; opacity: .8; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .empty { color: #667; }
  .card { background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; padding: 12px 16px; }
  .card h2 { font-size: 16px; margin: 0; display: flex; gap: 10px; align-items: center; }
  .phase { font-size: 13px; padding: 2px 10px; border-radius: 10px; background: #ffe8cc; color: #d9480f; }
  .phase.Completed { background: #d7f2dd; color: #2b8a3e; } .phase.Failed { background: #f8d7d7; color: #c92a2a; }
  .meta { font-size: 12px; color: #667; margin: 2px 0 8px; }
  .waiting { font-size: 15px; margin: 4px 0 0; }
  .waiting .left { font-weight: 600; color: #d9480f; font-variant-numeric: tabular-nums; }
  .waiting .since { color: #445; font-variant-numeric: tabular-nums; }
  .why { font-size: 13px; color: #445; margin: 0 0 6px; }
  .claim { font-size: 13px; margin: 4px 0 8px; }
  .claim.lapsed .expiry { color: #c92a2a; }
  .timeline { font-size: 12px; margin: 0 0 8px; padding-left: 18px; }
  .timeline time { font-family: monospace; }
  .chart { overflow-x: auto; margin: 8px 0; }
  .chart.phases svg { max-width: 100%; height: auto; }
  details.all-states summary { cursor: pointer; font-size: 13px; color: #445; }
`;

// Plain DOM code, no framework: it only swaps text and toggles classes.
const SCRIPT = `
  const main = document.querySelector('main');
  const status = document.getElementById('status');
  const phasesChart = document.getElementById('phases-chart');
  const fullChart = document.getElementById('full-chart');
  const cards = new Map();
  const text = (tag, cls, value) => { const e = document.createElement(tag); if (cls) e.className = cls; e.textContent = value; return e; };
  function card(view) {
    let c = cards.get(view.name);
    if (!c) {
      c = document.createElement('section');
      c.className = 'card';
      c.dataset.event = view.name;
      c.innerHTML = '<h2><span class="name"></span><span class="phase"></span></h2><div class="meta"></div>'
        + '<p class="waiting"></p><p class="why"></p><p class="claim"></p><ol class="timeline"></ol>'
        + '<div class="chart phases"></div><details class="all-states"><summary>All states</summary><div class="chart full"></div></details>';
      c.querySelector('.chart.phases').appendChild(phasesChart.content.cloneNode(true));
      c.querySelector('.chart.full').appendChild(fullChart.content.cloneNode(true));
      cards.set(view.name, c);
      main.appendChild(c);
    }
    return c;
  }
  function waiting(el, why, w, phase) {
    el.replaceChildren(); why.replaceChildren();
    if (!w) { el.textContent = 'Not waiting on any guard (' + phase + ')'; return; }
    const what = text('b', 'what', w.what);
    what.title = 'guard ' + w.guard;
    el.append('Waiting for ', what);
    if (w.left) el.append(' · ', text('span', 'left', w.left + ' left'));
    if (w.sinceAgo) {
      const since = text('span', 'since', (phase === 'ScalingDown' ? 'at this step' : 'in ' + phase) + ' for ' + w.sinceAgo);
      since.title = 'since ' + w.since;
      el.append(' · ', since);
    }
    why.textContent = w.why;
  }
  function claim(el, c) {
    el.replaceChildren();
    el.classList.toggle('lapsed', !!(c && c.expiredAgo));
    if (!c) { el.textContent = 'Held by no agent'; return; }
    el.append('Held by ', text('b', 'holder', c.holder), c.node ? ' on ' + c.node : '', ' · renewed ' + c.renewedAgo + ' ago · ');
    const expiry = c.expiresIn ? 'expires in ' + c.expiresIn
      : c.renewsInLease ? 'renews in its claim Lease (not read here)'
      : (c.released ? 'released ' : 'lapsed ') + c.expiredAgo + ' ago';
    el.append(text('span', 'expiry', expiry));
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
      c.querySelector('.meta').textContent = 'spot ' + v.spotASG + ' · on-demand ' + v.onDemandASG + ' · node ' + v.onDemandNode + ' (' + v.onDemandInstance + ')';
      waiting(c.querySelector('.waiting'), c.querySelector('.why'), v.waiting, v.phase);
      claim(c.querySelector('.claim'), v.claim);
      const list = c.querySelector('.timeline');
      list.replaceChildren(...v.timeline.map((e) => { const li = document.createElement('li'); li.append(text('time', '', e.at), ' ' + e.what + (e.by ? ' — ' + e.by : '')); return li; }));
      // Both charts: the phase-level one has the phases, the full one every state on the active path.
      const active = new Set(v.active);
      for (const g of c.querySelectorAll('g.state[data-state]')) g.classList.toggle('active', active.has(g.dataset.state));
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
<template id="phases-chart">${options.fallbackEventPhasesSvg}</template>
<template id="full-chart">${options.fallbackEventSvg}</template>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
