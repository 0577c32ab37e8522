// The sandbox bench's figures: each size's raw counters and samples boiled down to the numbers
// the table shows, the table itself (console and Markdown), and docs/bench.md around it.
import { sumCounts, writerOf, type Counts } from './apiserver-writes.js';
import type { SizeFigures } from './sandbox-size.js';

export interface Stat {
  n: number;
  median?: number;
  p95?: number;
  max?: number;
}

export interface SizeSummary {
  size: number;
  ok: boolean;
  /** Why the size did not run, or stopped early. */
  note?: string;
  events: number;
  startupSeconds?: number;
  runMinutes?: number;
  aws?: {
    responsePerEvent: number;
    lifecyclePerEvent: number;
    /** Lifecycle calls ÷ Σ(events × lifecycle window minutes). */
    lifecyclePerEventMinute: number;
    idlePerMinute: number;
    byAction: Record<string, { response: number; lifecycle: number; idlePerMinute: number }>;
  };
  writes?: {
    agentsPerEvent: number;
    sandboxPerEvent: number;
    leasesPerEvent: number;
    idlePerMinute: number;
    /** Per event, the idle rate taken off; writer as writerOf tells. */
    byKey: Record<string, { writer: string; perEvent: number; idlePerMinute: number }>;
  };
  restoredToDrainSeconds?: Stat;
  windowEndToDrainSeconds?: Stat;
  /** VmHWM of every agent process. */
  agentPeakRssMiB?: Stat;
  /** Per agent sampled over the idle window, the median of its RSS samples. */
  agentSteadyRssMiB?: Stat;
  /** VmRSS of every agent process at its last sample (the end of the run, or when it went). */
  agentEndRssMiB?: Stat;
  /** Agents the kernel killed for outgrowing their memory limit (undefined: not known, as in runs before it was counted). */
  oomKills?: number;
  aemmPeakRssMiB?: Stat;
  apiServerPeakRssMiB?: number;
  minAvailableMiB?: number;
  leftovers?: string[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Median and nearest-rank 95th percentile. */
export function stat(values: readonly number[]): Stat {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return { n: 0 };
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? NaN;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? (v[mid] ?? NaN) : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2;
  return { n: v.length, median: round1(median), p95: round1(at(0.95)), max: round1(v.at(-1) ?? NaN) };
}

function add(into: Counts, from: Counts): Counts {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

export function summarise(f: SizeFigures): SizeSummary {
  const events = f.rounds.reduce((n, r) => n + r.events.length, 0);
  const s: SizeSummary = { size: f.size, ok: f.ok, note: f.reason, events, startupSeconds: f.startupSeconds && round1(f.startupSeconds), runMinutes: round1(f.totalSeconds / 60) };
  const mib = (kb: number) => kb / 1024;
  const agents = f.processes.filter((p) => p.role === 'agent');
  s.agentPeakRssMiB = stat(agents.map((p) => mib(p.hwmKb)));
  s.agentSteadyRssMiB = stat(agents.flatMap((p) => (p.windowRssKb === undefined ? [] : [mib(p.windowRssKb)])));
  s.agentEndRssMiB = stat(agents.map((p) => mib(p.rssKb)));
  s.oomKills = f.oomKilled?.length;
  s.aemmPeakRssMiB = stat(f.processes.filter((p) => p.role === 'aemm').map((p) => mib(p.hwmKb)));
  const api = f.processes.find((p) => p.role === 'kube-apiserver');
  s.apiServerPeakRssMiB = api && Math.round(mib(api.hwmKb));
  s.minAvailableMiB = f.minAvailableMiB;
  s.leftovers = f.leftovers;
  if (!f.idle || events === 0) return s;

  const idleMin = f.idle.ms / 60_000;
  const response = f.rounds.reduce<Counts>((c, r) => add(c, r.response.aws), {});
  const lifecycle = f.rounds.reduce<Counts>((c, r) => add(c, r.lifecycle.aws), {});
  const eventMinutes = f.rounds.reduce((n, r) => n + (r.events.length * r.lifecycle.ms) / 60_000, 0);
  const actions = [...new Set([...Object.keys(response), ...Object.keys(lifecycle), ...Object.keys(f.idle.aws)])].sort();
  s.aws = {
    responsePerEvent: round1(sumCounts(response) / events),
    lifecyclePerEvent: round1(sumCounts(lifecycle) / events),
    lifecyclePerEventMinute: round1(sumCounts(lifecycle) / eventMinutes),
    idlePerMinute: round1(sumCounts(f.idle.aws) / idleMin),
    byAction: Object.fromEntries(
      actions.map((a) => [a, { response: round1((response[a] ?? 0) / events), lifecycle: round1((lifecycle[a] ?? 0) / events), idlePerMinute: round1((f.idle?.aws[a] ?? 0) / idleMin) }]),
    ),
  };

  // Writes over the response and lifecycle windows, less what the idle rate would have written anyway.
  const written = f.rounds.reduce<Counts>((c, r) => add(add(c, r.response.writes), r.lifecycle.writes), {});
  const eventMs = f.rounds.reduce((n, r) => n + r.response.ms + r.lifecycle.ms, 0);
  const byKey: NonNullable<SizeSummary['writes']>['byKey'] = {};
  for (const key of [...new Set([...Object.keys(written), ...Object.keys(f.idle.writes)])].sort()) {
    const rate = (f.idle.writes[key] ?? 0) / f.idle.ms;
    byKey[key] = { writer: writerOf(key), perEvent: round1(Math.max(0, (written[key] ?? 0) - rate * eventMs) / events), idlePerMinute: round1(rate * 60_000) };
  }
  const by = (w: string) => round1(Object.values(byKey).reduce((n, k) => (k.writer === w ? n + k.perEvent : n), 0));
  s.writes = { agentsPerEvent: by('agents'), sandboxPerEvent: by('sandbox'), leasesPerEvent: by('shared'), idlePerMinute: round1(sumCounts(f.idle.writes) / idleMin), byKey };

  const timings = f.rounds.flatMap((r) => r.timings);
  s.restoredToDrainSeconds = stat(timings.flatMap((t) => (t.restoredToDrainSeconds === undefined ? [] : [t.restoredToDrainSeconds])));
  s.windowEndToDrainSeconds = stat(timings.flatMap((t) => (t.windowEndToDrainSeconds === undefined ? [] : [t.windowEndToDrainSeconds])));
  return s;
}

const HEADERS = [
  'agents',
  'events',
  'start (s)',
  'AWS calls/event: response',
  'AWS calls/event: lifecycle',
  'lifecycle AWS calls/event-min',
  'idle AWS calls/min',
  'agent writes/event',
  'lease writes/event',
  'sandbox writes/event',
  'restored→drain median/p95 (s)',
  'window end→drain median/p95 (s)',
  'agent peak RSS median/max (MiB)',
  'agent steady RSS median/max (MiB)',
  'OOM-killed agents',
  'run (min)',
];

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : String(x));
const pair = (s: Stat | undefined) => (s && s.n > 0 ? `${fmt(s.median)} / ${fmt(s.p95)}` : '–');
const mibPair = (s: Stat | undefined) => (s && s.n > 0 ? `${Math.round(s.median ?? NaN)} / ${Math.round(s.max ?? NaN)}` : '–');

export function rows(summaries: readonly SizeSummary[]): string[][] {
  return summaries.map((s) => {
    // Memory and OOM kills are known for a size that started, whether or not an event completed.
    const memory = [mibPair(s.agentPeakRssMiB), mibPair(s.agentSteadyRssMiB), fmt(s.oomKills)];
    if (!s.aws || !s.writes) {
      const tail = s.agentPeakRssMiB ? [...memory, fmt(s.runMinutes)] : [];
      return [String(s.size), String(s.events), fmt(s.startupSeconds), s.note ?? 'no event completed', ...HEADERS.slice(4, HEADERS.length - tail.length).map(() => ''), ...tail];
    }
    return [
      String(s.size) + (s.ok ? '' : ' (stopped early)'),
      String(s.events),
      fmt(s.startupSeconds),
      fmt(s.aws.responsePerEvent),
      fmt(s.aws.lifecyclePerEvent),
      fmt(s.aws.lifecyclePerEventMinute),
      fmt(s.aws.idlePerMinute),
      fmt(s.writes.agentsPerEvent),
      fmt(s.writes.leasesPerEvent),
      fmt(s.writes.sandboxPerEvent),
      pair(s.restoredToDrainSeconds),
      pair(s.windowEndToDrainSeconds),
      ...memory,
      fmt(s.runMinutes),
    ];
  });
}

export function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

export function consoleTable(summaries: readonly SizeSummary[]): string {
  const body = rows(summaries);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(HEADERS), ...body.map(line)].join('\n');
}

export function mainTable(summaries: readonly SizeSummary[]): string {
  return markdownTable(HEADERS, rows(summaries));
}
