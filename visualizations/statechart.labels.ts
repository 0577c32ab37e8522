// The words of a statechart drawing and how much room they take. Text is set in a monospace
// font so its width is known without a browser: every glyph is CHAR_EM of the font size wide.
import type { StatechartEdge, StatechartNode } from './statechart.graph.js';

export const FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
export const TITLE_SIZE = 13;
export const TEXT_SIZE = 11;
export const LINE_HEIGHT = 15;
const CHAR_EM = 0.61;
/** Longer label lines break after a ' | ', ', ' or before a ' [' / ' / '. */
const MAX_CHARS = 34;

export const REENTER_MARK = '↻';

/**
 * One row of text: a state's entry or exit actions, or a group of transitions that read the
 * same (`COMMITTED | CONFLICT [samePlace]`). `lines` is the text broken to fit.
 */
export interface TextRow {
  kind: 'entry' | 'exit' | 'transitions';
  text: string;
  lines: string[];
  /** The event types of the transitions in the row (empty for entry/exit; '' for eventless). */
  events: string[];
  /** The ids of the transitions in the row. */
  transitions: string[];
}

/**
 * A guard's or action's name as words: `withdrawSpotIncrement` → `withdraw spot increment`,
 * `and(checksDue, stepIs)` → `and(checks due, step is)`. Acronyms stay upper case
 * (`failASGGone` → `fail ASG gone`) and so do event names (`STEP_DONE`), which are read as names.
 */
export function inWords(name: string): string {
  return name.replace(/[A-Za-z][A-Za-z0-9_]*/g, (word) => {
    if (/^[A-Z0-9_]+$/.test(word)) return word;
    return word
      .split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
      .map((part) => (/^[A-Z0-9]{2,}$/.test(part) ? part : part.toLowerCase()))
      .join(' ');
  });
}

export function textWidth(text: string, size = TEXT_SIZE): number {
  return Math.ceil([...text].length * size * CHAR_EM);
}

export function rowsWidth(rows: readonly TextRow[]): number {
  return Math.max(0, ...rows.flatMap((r) => r.lines.map((l) => textWidth(l))));
}

export function rowsHeight(rows: readonly TextRow[]): number {
  return rows.reduce((n, r) => n + r.lines.length, 0) * LINE_HEIGHT;
}

/** A state's own rows: entry and exit actions, then its targetless transitions. */
export function stateRows(node: StatechartNode, targetless: readonly StatechartEdge[]): TextRow[] {
  const rows: TextRow[] = [];
  if (node.entry.length) rows.push(row('entry', `entry / ${node.entry.map(inWords).join(', ')}`, [], []));
  if (node.exit.length) rows.push(row('exit', `exit / ${node.exit.map(inWords).join(', ')}`, [], []));
  return [...rows, ...transitionRows(targetless, true)];
}

/** The label of an arrow: its transitions' events and guards (actions are in the tooltip). */
export function linkRows(edges: readonly StatechartEdge[]): TextRow[] {
  return transitionRows(edges, false);
}

/**
 * Transitions grouped into as few rows as possible: either the ones that differ only by event
 * (`OBSERVED | CONFLICT [same place] / adopt`) or the ones that differ only by guard
 * (`TICK [can claim | untrusted]`), whichever gives fewer rows. Rows keep definition order.
 * Guards and actions are written in words; the arrow's tooltip keeps their names in the code.
 */
function transitionRows(edges: readonly StatechartEdge[], withActions: boolean): TextRow[] {
  const guard = (e: StatechartEdge) => (e.guard === undefined ? '' : inWords(e.guard));
  const tail = (e: StatechartEdge) => `${withActions && e.actions.length ? ` / ${e.actions.map(inWords).join(', ')}` : ''}${e.reenter ? ` ${REENTER_MARK}` : ''}`;
  const byGuard = group(edges, (e) => `${guard(e)}\n${tail(e)}`, (list) => {
    const first = list[0] as StatechartEdge;
    return `${unique(list.map(eventLabel)).join(' | ')}${first.guard ? ` [${guard(first)}]` : ''}${tail(first)}`;
  });
  const byEvent = group(edges, (e) => `${eventLabel(e)}\n${e.guard ? 'guarded' : ''}\n${tail(e)}`, (list) => {
    const first = list[0] as StatechartEdge;
    return `${eventLabel(first)}${first.guard ? ` [${unique(list.map(guard)).join(' | ')}]` : ''}${tail(first)}`;
  });
  return byEvent.length < byGuard.length ? byEvent : byGuard;
}

function group(edges: readonly StatechartEdge[], key: (e: StatechartEdge) => string, text: (list: StatechartEdge[]) => string): TextRow[] {
  const groups = new Map<string, StatechartEdge[]>();
  for (const e of edges) groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
  return [...groups.values()].map((list) =>
    row('transitions', text(list), unique(list.map((e) => e.event)), list.map((e) => e.id)),
  );
}

export function eventLabel(edge: StatechartEdge): string {
  return edge.eventless ? 'always' : edge.event;
}

function row(kind: TextRow['kind'], text: string, events: string[], transitions: string[]): TextRow {
  return { kind, text, lines: wrap(text), events, transitions };
}

function unique<T>(list: T[]): T[] {
  return [...new Set(list)];
}

/** Breaks `text` into lines of at most MAX_CHARS where it can; continuation lines are indented. */
export function wrap(text: string, max = MAX_CHARS): string[] {
  const pieces = text.split(/(?<=\| |, )|(?= \[| \/ )/);
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    if (line && [...line].length + [...piece].length > max) {
      lines.push(line.trimEnd());
      line = `  ${piece.trimStart()}`;
    } else {
      line += piece;
    }
  }
  if (line) lines.push(line.trimEnd());
  return lines;
}
