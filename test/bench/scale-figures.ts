// What the scale bench reads at the edges of each window, and the window between two readings:
// kube-apiserver's own counters (every request by verb and resource, the watch events it sent,
// the watches open), the requests the agents and the bench itself sent (tallied by their
// KubeConfigs), the simulator's AWS call counters, and CPU seconds and RSS of the processes
// that matter, from /proc.
import { readFileSync } from 'node:fs';
import type { ControlPlane } from '../../dev/sandbox/control-plane.js';
import { apiServerMetricsText, diffCounts, parseRequests, sumCounts, type Counts } from './apiserver-writes.js';
import { LIST_PAGE_SIZE } from '../../runtime/kube/paged-list.js';
import { statusKb } from './process-sampler.js';
import type { HostStatus } from './scale-host.js';

/** What the agents' process says of itself besides its tallies. */
export type HostInfo = Omit<HostStatus, 'requests' | 'refused' | 'perAgent'>;

const ALL_VERBS = new Set(['GET', 'LIST', 'WATCH', 'POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY', 'CONNECT']);
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY']);

/** Linux reports CPU time in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const USER_HZ = 100;

export interface ApiReading {
  /** apiserver_request_total, every verb ("LIST nodes", "PUT leases → 409"). */
  requests: Counts;
  /** apiserver_watch_events_total: events sent to watchers, by kind. */
  watchEvents: Counts;
  /** apiserver_watch_events_sizes_sum: their bytes, by kind. */
  watchEventBytes: Counts;
  /** apiserver_longrunning_requests for WATCH: watches open now, by resource. */
  watches: Counts;
}

function labelsOf(line: string): { labels: Record<string, string>; value: number } {
  const close = line.lastIndexOf('}');
  const labels: Record<string, string> = {};
  for (const m of line.slice(0, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
  return { labels, value: Number(line.slice(close + 1).trim()) };
}

/** The samples of one metric, summed by `keyOf` of their labels (undefined: left out). */
export function parseMetric(text: string, name: string, keyOf: (labels: Record<string, string>) => string | undefined): Counts {
  const out: Counts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const { labels, value } = labelsOf(line);
    const key = keyOf(labels);
    if (key !== undefined && Number.isFinite(value)) out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

export function parseApiReading(text: string): ApiReading {
  const kind = (l: Record<string, string>) => l.kind ?? l.resource ?? '?';
  return {
    requests: parseRequests(text, ALL_VERBS),
    watchEvents: parseMetric(text, 'apiserver_watch_events_total', kind),
    watchEventBytes: parseMetric(text, 'apiserver_watch_events_sizes_sum', kind),
    watches: parseMetric(text, 'apiserver_longrunning_requests', (l) => (l.verb === 'WATCH' ? l.resource || '?' : undefined)),
  };
}

export async function readApi(plane: ControlPlane): Promise<ApiReading> {
  return parseApiReading(await apiServerMetricsText(plane));
}

export interface ProcReading {
  /** utime + stime, seconds. */
  cpuSeconds: number;
  rssMiB: number;
  hwmMiB: number;
}

export function readProc(pid: number): ProcReading | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command (which may hold spaces) start at state, field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = statusKb(pid, 'VmRSS');
  const hwm = statusKb(pid, 'VmHWM');
  if (rss === undefined || hwm === undefined) return undefined;
  return { cpuSeconds: ticks / USER_HZ, rssMiB: Math.round(rss / 1024), hwmMiB: Math.round(hwm / 1024) };
}

export interface Reading {
  at: number;
  api: ApiReading;
  /** The agents' own requests (scale-host.ts), all agents together. */
  agents: Counts;
  /** The agents' requests kube-apiserver answered with an error. */
  agentsRefused: Counts;
  /** Per node, its agent's requests other than watches (cumulative). */
  perAgent: Record<string, number>;
  /** The bench's own requests (it watches the events and reads nodes). */
  bench: Counts;
  aws: Counts;
  procs: Record<string, ProcReading>;
  host: HostInfo;
}

export interface Window {
  seconds: number;
  requests: Counts;
  watchEvents: Counts;
  watchEventBytes: Counts;
  agents: Counts;
  agentsRefused: Counts;
  /** Per node whose agent ran at both edges, its non-watch requests in the window. */
  perAgent: Record<string, number>;
  bench: Counts;
  aws: Counts;
  cpuSeconds: Record<string, number>;
  /** RSS at the window's end. */
  rssMiB: Record<string, number>;
  /** The agents' process's event-loop delay over the window (when nothing else asked it meanwhile), heap and agents at its end. */
  host: HostInfo;
}

export function windowOf(a: Reading, b: Reading): Window {
  const perAgent: Record<string, number> = {};
  for (const [node, n] of Object.entries(b.perAgent)) if (node in a.perAgent) perAgent[node] = n - (a.perAgent[node] ?? 0);
  const cpuSeconds: Record<string, number> = {};
  const rssMiB: Record<string, number> = {};
  for (const [name, p] of Object.entries(b.procs)) {
    const before = a.procs[name];
    if (before) cpuSeconds[name] = Math.round((p.cpuSeconds - before.cpuSeconds) * 100) / 100;
    rssMiB[name] = p.rssMiB;
  }
  return {
    seconds: (b.at - a.at) / 1000,
    requests: diffCounts(a.api.requests, b.api.requests),
    watchEvents: diffCounts(a.api.watchEvents, b.api.watchEvents),
    watchEventBytes: diffCounts(a.api.watchEventBytes, b.api.watchEventBytes),
    agents: diffCounts(a.agents, b.agents),
    agentsRefused: diffCounts(a.agentsRefused, b.agentsRefused),
    perAgent,
    bench: diffCounts(a.bench, b.bench),
    aws: diffCounts(a.aws, b.aws),
    cpuSeconds,
    rssMiB,
    host: b.host,
  };
}

/** Writes every cluster makes while nothing happens: node Lease renewals, kubelet status reports, and a controller's refused endpoints write. */
export const BACKGROUND_WRITES: ReadonlySet<string> = new Set(['PUT leases', 'PATCH nodes/status', 'POST endpoints → 422']);

export const isWatch = (key: string) => key.startsWith('WATCH ') || key === 'WATCH';
export const isWrite = (key: string) => WRITE_VERBS.has(key.split(' ')[0] ?? '');
export const isRefused = (key: string) => key.includes(' → ');
export const isEventObject = (key: string) => / spotguardfallbackevents(\/|$| )/.test(key);

/** Requests other than watches. */
export const nonWatch = (c: Counts) => sumCounts(c, (k) => !isWatch(k));

/** a − rate × seconds, key by key (never below zero): a window's counts less what the idle rate would have given. */
export function lessIdle(a: Counts, idle: Counts, idleSeconds: number, seconds: number): Counts {
  const out: Counts = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(idle)])) {
    const v = (a[key] ?? 0) - ((idle[key] ?? 0) / idleSeconds) * seconds;
    if (Math.abs(v) >= 0.05) out[key] = Math.round(v * 10) / 10;
  }
  return out;
}

/** The `n` biggest entries, biggest first. */
export function top(c: Counts, n: number, keep: (key: string) => boolean = () => true): [string, number][] {
  return Object.entries(c)
    .filter(([k]) => keep(k))
    .sort((x, y) => y[1] - x[1])
    .slice(0, n);
}

/**
 * The agents' requests that keep their three watches going, and the rest. Each agent watches
 * Nodes, SpotGuardFallbackEvents and rebalance-response Leases, and every (re)start of one of
 * those watches (the agent's own start, and the restart every 10 minutes) lists its resource
 * first, in pages: so each WATCH comes with one list, and a third of the watches are of each
 * resource. A list of the same resources beyond that is the agent's own work (an expired
 * event's TTL, say).
 */
export function splitUpkeep(c: Counts, nodes: number): { upkeep: Counts; rest: Counts } {
  const restarts = sumCounts(c, isWatch) / 3;
  const lists: Counts = { 'LIST nodes': restarts * Math.max(1, Math.ceil(nodes / LIST_PAGE_SIZE)), 'LIST leases': restarts, 'LIST spotguardfallbackevents': restarts };
  const upkeep: Counts = {};
  const rest: Counts = {};
  for (const [key, v] of Object.entries(c)) {
    const mine = isWatch(key) ? v : Math.min(v, lists[key] ?? 0);
    if (mine > 0) upkeep[key] = mine;
    if (v - mine > 0) rest[key] = v - mine;
  }
  return { upkeep, rest };
}
