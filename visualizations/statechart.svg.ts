// A laid-out statechart as one self-contained SVG string: no external font, image, script or
// stylesheet, so it can be served by an agent in an air-gapped cluster or saved as a file.
//
// Hooks for a live page (it toggles classes, the SVG's own <style> does the rest):
// - `g.state[data-state="<path>"]` for every state ('' is the machine itself), nested like the
//   states; class `active` highlights it (`activePaths` of the snapshot's value gives the paths).
// - `g.edge[data-source][data-target][data-event][data-transitions]` for every arrow; class
//   `taken` highlights it. `data-event` lists the arrow's event types (eventless ones add none),
//   `data-transitions` the ids of its transitions (`StatechartEdge.id`).
// - `text.row[data-event][data-transitions]` inside a state for its targetless transitions.
import type { AnyStateMachine } from 'xstate';
import { statechartGraph } from './statechart.graph.js';
import { PHASES_NOTE, phaseGraph } from './statechart.phases.js';
import { FONT_FAMILY, LINE_HEIGHT, REENTER_MARK, TEXT_SIZE, TITLE_SIZE, textWidth, type TextRow } from './statechart.labels.js';
import { PAD, TITLE_HEIGHT, layoutStatechart, type LaidOutLink, type LaidOutState, type LayoutOptions, type Point, type StatechartLayout } from './statechart.layout.js';

export interface SvgOptions {
  /** A key below the drawing explaining its marks (default true), or lines of text to put there instead. */
  legend?: boolean | string[];
}

const LEGEND_HEIGHT = 28;
const LEGEND_LEFT = 12;

/** The SVG of `machine`'s definition: graph, layout and drawing in one call. */
export async function renderStatechart(machine: AnyStateMachine, options: SvgOptions & LayoutOptions = {}): Promise<string> {
  return statechartSvg(await layoutStatechart(statechartGraph(machine), options), options);
}

/** The SVG of `machine` collapsed to its top-level states (statechart.phases.ts), with a note in place of the key. */
export async function renderPhaseChart(machine: AnyStateMachine, options: LayoutOptions = {}): Promise<string> {
  return statechartSvg(await layoutStatechart(phaseGraph(statechartGraph(machine)), options), { legend: PHASES_NOTE });
}

/** The SVG document of `layout`. Ids inside it are prefixed with the machine id, so several can share a page. */
export function statechartSvg(layout: StatechartLayout, options: SvgOptions = {}): string {
  const prefix = idSafe(layout.machine);
  const wanted = options.legend ?? true;
  const legend = Array.isArray(wanted) ? drawNote(layout.height, wanted) : wanted ? drawLegend(layout.height, prefix) : undefined;
  const width = Math.ceil(Math.max(layout.width, legend?.width ?? 0));
  const height = Math.ceil(layout.height + (legend?.height ?? 0));
  const children = new Map<string | undefined, LaidOutState[]>();
  for (const s of layout.states) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);

  const drawState = (s: LaidOutState): string => {
    const classes = ['state', s.compound ? 'compound' : 'atomic', s.initial ? 'initial' : '', s.final ? 'final' : ''].filter(Boolean).join(' ');
    const inner = (children.get(s.id) ?? []).map(drawState).join('');
    return `<g class="${classes}" data-state="${esc(s.id)}" data-depth="${s.depth}">${box(s)}${header(s)}${inner}</g>`;
  };
  const roots = children.get(undefined) ?? [];

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart" data-machine="${esc(layout.machine)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT_FAMILY)}">`,
    `<title>${esc(layout.machine)} statechart</title>`,
    `<style>${css(prefix)}</style>`,
    `<defs>${marker(`${prefix}-arrow`, '#5c636a')}${marker(`${prefix}-arrow-taken`, '#d9480f')}</defs>`,
    `<rect class="background" width="${width}" height="${height}"/>`,
    `<g class="states">${roots.map(drawState).join('')}</g>`,
    `<g class="initials">${layout.initials.map((i) => `<g class="initial-marker" data-state="${esc(i.parent)}" data-target="${esc(i.target)}"><circle cx="${i.dot.x}" cy="${i.dot.y}" r="${i.dot.r - 1}"/><path d="${path(i.points)}" marker-end="url(#${prefix}-arrow)"/></g>`).join('')}</g>`,
    `<g class="edges">${layout.links.map((l) => drawLink(l, prefix)).join('')}</g>`,
    legend?.markup ?? '',
    '</svg>',
  ].join('\n');
}

function box(s: LaidOutState): string {
  const r = s.compound ? 10 : 8;
  const outer = `<rect class="box" x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" rx="${r}"/>`;
  // A final state keeps its name and gets a second border inside the first.
  return s.final ? `${outer}<rect class="inner-box" x="${s.x + 3}" y="${s.y + 3}" width="${s.width - 6}" height="${s.height - 6}" rx="${r - 2}"/>` : outer;
}

function header(s: LaidOutState): string {
  const x = s.x + PAD;
  const alone = !s.compound && s.rows.length === 0;
  const titleY = alone ? s.y + s.height / 2 + TITLE_SIZE * 0.35 : s.y + 16;
  const title = `<text class="title" x="${x}" y="${round(titleY)}">${esc(s.label)}</text>`;
  let line = 0;
  const rows = s.rows
    .map((r) => {
      const first = s.y + TITLE_HEIGHT + line * LINE_HEIGHT + TEXT_SIZE - 1;
      line += r.lines.length;
      return rowText(r, x, first, `row ${r.kind}`);
    })
    .join('');
  const headerBottom = s.y + TITLE_HEIGHT + line * LINE_HEIGHT + 3;
  const divider = s.compound ? `<line class="divider" x1="${s.x}" x2="${s.x + s.width}" y1="${round(headerBottom)}" y2="${round(headerBottom)}"/>` : '';
  return title + rows + divider;
}

function rowText(r: TextRow, x: number, firstBaseline: number, cls: string): string {
  const attrs = r.kind === 'transitions' ? ` data-event="${esc(r.events.filter(Boolean).join(' '))}" data-transitions="${esc(r.transitions.join(' '))}"` : '';
  const spans = r.lines.map((l, i) => `<tspan x="${x}" y="${round(firstBaseline + i * LINE_HEIGHT)}" xml:space="preserve">${esc(l)}</tspan>`).join('');
  return `<text class="${cls}"${attrs}>${spans}</text>`;
}

function drawLink(l: LaidOutLink, prefix: string): string {
  const classes = ['edge', l.kind, l.eventless ? 'eventless' : ''].filter(Boolean).join(' ');
  const label = l.label
    ? `<g class="edge-label"><rect x="${l.label.x}" y="${l.label.y}" width="${l.label.width}" height="${l.label.height}" rx="3"/>${rowsAt(l.label.rows, l.label.x + 3, l.label.y + TEXT_SIZE)}</g>`
    : '';
  return (
    `<g class="${classes}" data-source="${esc(l.source)}" data-target="${esc(l.target)}" data-event="${esc(l.events.filter(Boolean).join(' '))}" data-transitions="${esc(l.transitions.join(' '))}">` +
    `<title>${esc(l.detail.join('\n'))}</title><path d="${path(l.points)}" marker-end="url(#${prefix}-arrow)"/>${label}</g>`
  );
}

function rowsAt(rows: readonly TextRow[], x: number, firstBaseline: number): string {
  let line = 0;
  return rows
    .map((r) => {
      const text = rowText(r, x, firstBaseline + line * LINE_HEIGHT, 'label');
      line += r.lines.length;
      return text;
    })
    .join('');
}

/** The key under the drawing, one line; returns its markup and its size. */
function drawLegend(top: number, prefix: string): { markup: string; width: number; height: number } {
  const arrow = (x: number, cls: string) => `<path class="legend-line${cls}" d="M${x},-4 H${x + 26}" marker-end="url(#${prefix}-arrow)"/>`;
  const items: [mark: (x: number) => string, markWidth: number, text: string][] = [
    [(x) => `<circle class="legend-dot" cx="${x + 5}" cy="-4" r="5"/>${arrow(x + 12, '')}`, 44, 'initial state'],
    [(x) => arrow(x, ' eventless'), 34, 'always (eventless)'],
    [() => '', 0, `${REENTER_MARK} re-enters the target`],
    [() => '', 0, 'rows in a state: entry/exit actions, transitions that stay (actions only)'],
  ];
  let x = 0;
  const parts = items.map(([mark, markWidth, text]) => {
    const part = `${mark(x)}<text x="${x + markWidth}" y="0">${esc(text)}</text>`;
    x += markWidth + textWidth(text) + 28;
    return part;
  });
  return { markup: `<g class="legend" transform="translate(${LEGEND_LEFT} ${round(top + 16)})">${parts.join('')}</g>`, width: LEGEND_LEFT + x, height: LEGEND_HEIGHT };
}

/** Lines of text under the drawing, in place of the key. */
function drawNote(top: number, lines: readonly string[]): { markup: string; width: number; height: number } {
  const text = lines.map((l, i) => `<text x="0" y="${i * LINE_HEIGHT}">${esc(l)}</text>`).join('');
  const width = LEGEND_LEFT + Math.max(0, ...lines.map((l) => textWidth(l))) + LEGEND_LEFT;
  return { markup: `<g class="legend" transform="translate(${LEGEND_LEFT} ${round(top + 16)})">${text}</g>`, width, height: LEGEND_HEIGHT + (lines.length - 1) * LINE_HEIGHT };
}

function marker(id: string, color: string): string {
  return `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="${color}"/></marker>`;
}

function css(prefix: string): string {
  return [
    '.background{fill:#ffffff}',
    '.state>.box{fill:#ffffff;stroke:#495057;stroke-width:1.3}',
    '.state.compound>.box{fill:#f8f9fa}',
    '.state.compound[data-depth="2"]>.box,.state.compound[data-depth="4"]>.box{fill:#eef1f4}',
    '.state[data-depth="0"]>.box{fill:#ffffff;stroke:#343a40;stroke-width:1.6}',
    '.state>.inner-box{fill:none;stroke:#495057;stroke-width:1.3}',
    '.state>.divider{stroke:#ced4da;stroke-width:1}',
    `.title{font-size:${TITLE_SIZE}px;font-weight:bold;fill:#212529}`,
    `.row,.label{font-size:${TEXT_SIZE}px;fill:#495057}`,
    '.row.entry,.row.exit{fill:#1864ab}',
    // As specific as the depth rules above, and later, so an active state wins at any depth.
    '.statechart .state.active>.box{fill:#fff4e6;stroke:#e8590c;stroke-width:3}',
    '.statechart .state.active>.title{fill:#d9480f}',
    '.edge>path,.initial-marker>path,.legend-line{fill:none;stroke:#5c636a;stroke-width:1.3}',
    '.edge.eventless>path,.legend-line.eventless{stroke-dasharray:5 3}',
    '.edge-label>rect{fill:#ffffff;fill-opacity:0.9}',
    '.label{fill:#343a40}',
    `.edge.taken>path{stroke:#d9480f;stroke-width:2.6;marker-end:url(#${prefix}-arrow-taken)}`,
    '.edge.taken .label{fill:#d9480f;font-weight:bold}',
    '.initial-marker>circle,.legend-dot{fill:#212529}',
    `.legend text{font-size:${TEXT_SIZE}px;fill:#495057}`,
  ].join('');
}

function path(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function idSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_') || 'machine';
}

const round = (n: number) => Math.round(n * 10) / 10;
