// docs/scale.md and the console summary of the scale bench: each agent count's raw windows
// boiled down to the figures issue 14 asks for, each beside its goal where the issue sets one.
// Written by the bench; edit this file, not the output.
import { sumCounts, type Counts } from './apiserver-writes.js';
import type { Machine } from './bench-docs.js';
import { stat, type Stat } from './bench-report.js';
import type { EventFigures } from './scale-event.js';
import { LIST_PAGE_SIZE } from '../../runtime/kube/paged-list.js';
import { HOST_SEMI_SPACE_MIB } from './scale-agents.js';
import { BACKGROUND_WRITES, isEventObject, isRefused, isWatch, isWrite, lessIdle, nonWatch, splitUpkeep, top, type HostInfo, type ProcReading, type Window } from './scale-figures.js';

export interface ScaleOptions {
  nodes: number;
  agents: number;
  steps: number[];
  idleSeconds: number;
  events: number;
  scale: number;
  statusReportSeconds: number;
  maxStarting: number;
  memoryFloorGiB: number;
  eventTimeoutSeconds: number;
  imds?: 'aemm' | 'quiet';
}

export interface ScaleRun {
  generatedAt: string;
  command: string;
  machine: Machine;
  options: ScaleOptions;
  settings: Record<string, string>;
  heapLimitMiB: number;
  setupSeconds: number;
  totalMinutes: number;
  minAvailableMiB: number;
  /** Peak RSS (VmHWM) of each process over the run. */
  peaksMiB: Record<string, number>;
  /** RSS of each process with every node up and no agent started. */
  baselineMiB?: Record<string, number>;
  skipped: { agents: number; reason: string }[];
  lowMemory?: string;
  /** Said by whoever ran the bench, added to scale.json by hand (what the console showed when a run was stopped, say). */
  notes?: string[];
}

export interface StepFigures {
  agents: number;
  ok: boolean;
  reason?: string;
  /** From asking for the agents to every one ready. */
  startSeconds?: number;
  /** From then until the cluster made no write but its background's for 10 s. */
  quietSeconds?: number;
  /** From asking for the agents to every one ready: what each agent's start costs (and its 10-minute relist repeats). */
  start?: Window;
  /** Agents started at this count. */
  added?: number;
  /** The agents' process RSS right after a full collection at the idle window's end. */
  agentsRssAfterGcMiB?: number;
  idle?: Window;
  idleHost?: HostInfo;
  /** Watches open at the idle window's end, by resource. */
  watchesOpen?: Counts;
  /** Every process at the idle window's end. */
  procs: Record<string, ProcReading>;
  event?: EventFigures;
  peaksMiB: Record<string, number>;
  minAvailableMiB?: number;
}

export interface StepSummary {
  agents: number;
  ok: boolean;
  note?: string;
  start?: {
    added: number;
    /** Each new agent's requests while it started, by request. */
    requestsPerAgent: Counts;
    /** CPU per agent started, ms. */
    cpuMsPerAgent: Record<string, number>;
  };
  idle?: {
    seconds: number;
    /** kube-apiserver, every client, watches left out. */
    requestsPerSecond: number;
    /** The agents' own, watches left out. */
    agentRequestsPerSecond: number;
    agentRequestsPerAgentMinute: number;
    /** Of them, the lists that (re)started watches: the 10-minute restarts that fell in the window. */
    relistsPerAgentMinute: number;
    /** Agents whose watches restarted in the window. */
    agentsRelisting: number;
    /** The rest: what the agents asked besides keeping their watches. */
    otherPerAgentMinute: number;
    /** Over 10 minutes: the rest, and each agent's restart of its three watches once (its lists). */
    steadyPerAgentMinute: number;
    /** The agent that sent the most in the window, per minute. */
    busiestAgentPerMinute: number;
    watchesOpened: number;
    watchEventsPerSecond: number;
    nodeWatchEventsPerSecond: number;
    watchMiBPerSecond: number;
    watchesOpen: number;
    cpuSecondsPerMinute: Record<string, number>;
    rssMiB: Record<string, number>;
    /** The agents' process RSS above its RSS with no agent, per agent. */
    agentProcessMiBPerAgent?: number;
    /** Its V8 heap after a full collection, above the same with no agent, per agent. */
    heapMiBPerAgent?: number;
    loopDelayP99Ms: number;
    heapUsedMiB: number;
    topRequests: [string, number][];
    topAgentRequests: [string, number][];
  };
  event?: {
    count: number;
    responseSeconds: number;
    lifecycleSeconds: number;
    /** Response and lifecycle windows together, less the idle rate, per event. */
    requests: number;
    agentRequests: number;
    /** The agents' lists and watches of (re)started watches in the event's windows: the agents started on the new nodes, and restarts that fell in them. */
    agentWatchUpkeep: number;
    eventObjectWrites: number;
    /** Every client's writes kube-apiserver refused (its own counter), per event. */
    refusedWrites: number;
    refused: Counts;
    /** Of them the agents' (from the answers they got), per event. */
    agentRefusedWrites: number;
    agentRefused: Counts;
    watchEvents: number;
    watchEventsByKind: Counts;
    aws: number;
    restoredToDrainSeconds: Stat;
    windowEndToDrainSeconds: Stat;
    cpuSeconds: Record<string, number>;
    byRequest: Counts;
    agentByRequest: Counts;
    holders: string[][];
  };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export function summariseStep(s: StepFigures, o: Pick<ScaleOptions, 'events' | 'nodes'>, baselineMiB?: Record<string, number>): StepSummary & { idleLine: string; eventLine: string } {
  const out: StepSummary = { agents: s.agents, ok: s.ok, note: s.reason };
  const nodes = o.nodes;
  if (s.start && s.added) {
    const added = s.added;
    out.start = {
      added,
      requestsPerAgent: Object.fromEntries(Object.entries(s.start.agents).map(([k, v]) => [k, r2(v / added)])),
      cpuMsPerAgent: Object.fromEntries(Object.entries(s.start.cpuSeconds).map(([k, v]) => [k, Math.round((v / added) * 1000)])),
    };
  }
  const w = s.idle;
  if (w) {
    const perMin = 60 / w.seconds;
    const agentsRunning = Object.keys(w.perAgent).length || s.agents;
    const cpu: Record<string, number> = {};
    for (const [name, sec] of Object.entries(w.cpuSeconds)) cpu[name] = r2(sec * perMin);
    const base = baselineMiB?.agents;
    const idleSplit = splitUpkeep(w.agents, nodes);
    out.idle = {
      seconds: r1(w.seconds),
      requestsPerSecond: r2(nonWatch(w.requests) / w.seconds),
      agentRequestsPerSecond: r2(nonWatch(w.agents) / w.seconds),
      agentRequestsPerAgentMinute: r2((nonWatch(w.agents) / agentsRunning) * perMin),
      relistsPerAgentMinute: r2((nonWatch(idleSplit.upkeep) / agentsRunning) * perMin),
      agentsRelisting: Math.round(sumCounts(w.agents, isWatch) / 3),
      otherPerAgentMinute: r2((nonWatch(idleSplit.rest) / agentsRunning) * perMin),
      steadyPerAgentMinute: r2((nonWatch(idleSplit.rest) / agentsRunning) * perMin + (2 + Math.max(1, Math.ceil(nodes / LIST_PAGE_SIZE))) / 10),
      busiestAgentPerMinute: r2(Math.max(0, ...Object.values(w.perAgent)) * perMin),
      watchesOpened: sumCounts(w.requests, isWatch),
      watchEventsPerSecond: r1(sumCounts(w.watchEvents) / w.seconds),
      nodeWatchEventsPerSecond: r1((w.watchEvents.Node ?? w.watchEvents.nodes ?? 0) / w.seconds),
      watchMiBPerSecond: r2(sumCounts(w.watchEventBytes) / w.seconds / 2 ** 20),
      watchesOpen: sumCounts(s.watchesOpen ?? {}),
      cpuSecondsPerMinute: cpu,
      rssMiB: w.rssMiB,
      agentProcessMiBPerAgent: base !== undefined && (s.agentsRssAfterGcMiB ?? w.rssMiB.agents) !== undefined ? r2(((s.agentsRssAfterGcMiB ?? w.rssMiB.agents ?? 0) - base) / agentsRunning) : undefined,
      heapMiBPerAgent: baselineMiB?.['agents heap'] !== undefined && s.idleHost ? r2((s.idleHost.heapUsedMiB - baselineMiB['agents heap']) / agentsRunning) : undefined,
      loopDelayP99Ms: w.host.loopDelayMs.p99,
      heapUsedMiB: s.idleHost?.heapUsedMiB ?? w.host.heapUsedMiB,
      topRequests: top(w.requests, 8, (k) => !isWatch(k)).map(([k, v]) => [k, r2(v / w.seconds)]),
      topAgentRequests: top(idleSplit.rest, 8, (k) => !isWatch(k)).map(([k, v]) => [k, r2((v / agentsRunning) * perMin)]),
    };
  }
  const e = s.event;
  if (e && w) {
    const n = e.events.length || o.events;
    const seconds = e.response.seconds + e.lifecycle.seconds;
    const sum = (pick: (x: Window) => Counts) => {
      const c: Counts = {};
      for (const x of [e.response, e.lifecycle]) for (const [k, v] of Object.entries(pick(x))) c[k] = (c[k] ?? 0) + v;
      return c;
    };
    const perEvent = (c: Counts) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r1(v / n)]));
    // Every client's: the agents' own (exact, from their clients) and everyone else's less what
    // the idle rate gives, node Lease renewals and status reports left out: at ~100 a second
    // they would bury an event's requests in their own noise.
    const othersOf = (x: Pick<Window, 'requests' | 'agents'>): Counts =>
      Object.fromEntries(Object.entries(x.requests).flatMap(([k, v]) => (BACKGROUND_WRITES.has(k) ? [] : [[k, Math.max(0, v - (x.agents[k] ?? 0))]])));
    const others = lessIdle(othersOf({ requests: sum((x) => x.requests), agents: sum((x) => x.agents) }), othersOf(w), w.seconds, seconds);
    // The agents' own work, raw: idle, they ask nothing but to keep their watches, and whose
    // 10-minute restarts fall in a window is chance, so those are set apart rather than netted.
    // Nodes: an event adds one (the on-demand node) while it lasts.
    const eventSplit = splitUpkeep(sum((x) => x.agents), nodes + n);
    const agents = eventSplit.rest;
    const requests: Counts = { ...others };
    for (const [k, v] of Object.entries(agents)) requests[k] = r1((requests[k] ?? 0) + v);
    const watchEvents = lessIdle(sum((x) => x.watchEvents), w.watchEvents, w.seconds, seconds);
    const aws = lessIdle(sum((x) => x.aws), w.aws, w.seconds, seconds);
    const refused = Object.fromEntries(Object.entries(lessIdle(sum((x) => x.requests), w.requests, w.seconds, seconds)).filter(([k, v]) => isWrite(k) && isRefused(k) && v > 0));
    const agentRefused = Object.fromEntries(Object.entries(sum((x) => x.agentsRefused)).filter(([k]) => isWrite(k)));
    const cpu: Record<string, number> = {};
    for (const x of [e.response, e.lifecycle]) for (const [k, v] of Object.entries(x.cpuSeconds)) cpu[k] = r1((cpu[k] ?? 0) + v / n);
    out.event = {
      count: n,
      responseSeconds: r1(e.response.seconds),
      lifecycleSeconds: r1(e.lifecycle.seconds),
      requests: r1(nonWatch(requests) / n),
      agentRequests: r1(nonWatch(agents) / n),
      agentWatchUpkeep: r1(sumCounts(eventSplit.upkeep) / n),
      eventObjectWrites: r1(sumCounts(sum((x) => x.requests), (k) => isWrite(k) && isEventObject(k)) / n),
      refusedWrites: r1(sumCounts(refused) / n),
      refused: perEvent(refused),
      agentRefusedWrites: r1(sumCounts(agentRefused) / n),
      agentRefused: perEvent(agentRefused),
      watchEvents: r1(sumCounts(watchEvents) / n),
      watchEventsByKind: perEvent(watchEvents),
      aws: r1(sumCounts(aws) / n),
      restoredToDrainSeconds: stat(e.timings.flatMap((t) => (t.restoredToDrainSeconds === undefined ? [] : [t.restoredToDrainSeconds]))),
      windowEndToDrainSeconds: stat(e.timings.flatMap((t) => (t.windowEndToDrainSeconds === undefined ? [] : [t.windowEndToDrainSeconds]))),
      cpuSeconds: cpu,
      byRequest: perEvent(Object.fromEntries(Object.entries(requests).filter(([k]) => !isWatch(k)))),
      agentByRequest: perEvent(Object.fromEntries(Object.entries(agents).filter(([k]) => !isWatch(k)))),
      holders: e.timings.map((t) => t.claimHolders),
    };
  }
  const i = out.idle;
  const ev = out.event;
  return {
    ...out,
    idleLine: i
      ? `kube-apiserver ${i.requestsPerSecond} requests/s (agents ${i.agentRequestsPerSecond}/s = ${i.agentRequestsPerAgentMinute} per agent per minute), ${i.watchEventsPerSecond} watch events/s, ${i.watchesOpen} watches open; agents' process ${i.rssMiB.agents ?? '?'} MiB, kube-apiserver ${i.rssMiB['kube-apiserver'] ?? '?'} MiB`
      : '',
    eventLine: ev
      ? `per event ${ev.requests} requests (agents ${ev.agentRequests}), ${ev.eventObjectWrites} SGFE writes, ${ev.agentRefusedWrites} refused agent writes (${ev.refusedWrites} from every client), ${ev.watchEvents} watch events; restored→drain ${ev.restoredToDrainSeconds.median ?? '?'} s`
      : '',
  };
}

const cell = (v: number | string | undefined) => (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '–' : String(v));
const table = (head: string[], rows: (string | number | undefined)[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

function mainTables(run: ScaleRun, steps: StepFigures[]): { idle: string; event: string; resources: string } {
  const sums = steps.map((s) => summariseStep(s, run.options, run.baselineMiB));
  const idle = table(
    ['agents', 'kube-apiserver requests/s (all clients, no watches)', 'agents\' requests per agent per minute beyond watches, in the window (goal ≤ 1)', 'of them relists (agents whose watches restarted)', 'the rest', 'steady state over 10 min (goal ≤ 1)', 'watch events delivered/s (of them Node)', 'watch MiB/s', 'watches open'],
    sums.map((s) => [
      s.agents,
      s.idle?.requestsPerSecond,
      s.idle?.agentRequestsPerAgentMinute,
      s.idle ? `${s.idle.relistsPerAgentMinute} (${s.idle.agentsRelisting})` : undefined,
      s.idle?.otherPerAgentMinute,
      s.idle?.steadyPerAgentMinute,
      s.idle ? `${s.idle.watchEventsPerSecond} (${s.idle.nodeWatchEventsPerSecond})` : undefined,
      s.idle?.watchMiBPerSecond,
      s.idle?.watchesOpen,
    ]),
  );
  const event = table(
    ['agents', 'kube-apiserver requests/event (every client; node heartbeats and the agents\' watch restarts left out)', 'agents\' requests/event, beyond keeping their watches (lists and watches of (re)starts apart)', 'SGFE writes/event (goal ≤ 12 at shipped durations)', 'refused writes/event: agents\' (goal ≤ 1) / every client\'s, net of idle', 'watch events delivered/event (net of idle)', 'AWS calls/event', 'spot stable → drain started, s (goal ≤ 2)', 'response / lifecycle (s)'],
    sums.map((s) => [s.agents, s.event?.requests, s.event ? `${s.event.agentRequests} (${s.event.agentWatchUpkeep})` : undefined, s.event?.eventObjectWrites, s.event ? `${s.event.agentRefusedWrites} / ${s.event.refusedWrites}` : undefined, s.event?.watchEvents, s.event?.aws, s.event ? `${cell(s.event.restoredToDrainSeconds.median)} (window end → drain ${cell(s.event.windowEndToDrainSeconds.median)})` : undefined, s.event ? `${s.event.responseSeconds} / ${s.event.lifecycleSeconds}` : undefined]),
  );
  const procs = ['kube-apiserver', 'etcd', 'agents'];
  const resources = table(
    ['agents', ...procs.map((p) => `${p} CPU s/min idle`), ...procs.map((p) => `${p} RSS MiB (peak)`), 'agents\' process RSS MiB per agent (after a full GC)', 'agents\' heap MiB per agent (after a full GC)', 'event-loop delay p99 idle (ms)', 'CPU s per event: kube-apiserver / etcd / agents', 'least available memory (MiB)'],
    sums.map((s, i) => [
      s.agents,
      ...procs.map((p) => s.idle?.cpuSecondsPerMinute[p]),
      ...procs.map((p) => (s.idle ? `${cell(s.idle.rssMiB[p])} (${cell(steps[i]?.peaksMiB[p])})` : undefined)),
      s.idle?.agentProcessMiBPerAgent,
      s.idle?.heapMiBPerAgent,
      s.idle?.loopDelayP99Ms,
      s.event ? procs.map((p) => cell(s.event?.cpuSeconds[p])).join(' / ') : undefined,
      steps[i]?.minAvailableMiB,
    ]),
  );
  return { idle, event, resources };
}

export function consoleSummary(run: ScaleRun, steps: StepFigures[]): string {
  const t = mainTables(run, steps);
  const notes = [...steps.filter((s) => !s.ok).map((s) => `${s.agents} agents stopped: ${s.reason ?? '?'}`), ...run.skipped.map((s) => `${s.agents} agents not run: ${s.reason}`)];
  return [`Idle (${run.options.nodes} nodes)`, t.idle, '', 'Per event', t.event, '', 'Resources', t.resources, '', ...notes].join('\n');
}

const list = (items: readonly string[]) => items.map((i) => `- ${i}`).join('\n');
/** The entries as "key value" from the biggest, the ones under `least` left out (noise, or less than the idle rate gave). */
const pairs = (c: Counts | [string, number][], least = 0) =>
  (Array.isArray(c) ? c : Object.entries(c).sort((a, b) => b[1] - a[1]))
    .filter(([, v]) => v >= least)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/**
 * The agents' CPU: what an agent takes idle between its watch restarts (from the largest count
 * whose idle window had none), what one restart takes (from a window that had some, over that),
 * and how many agents one event loop (60 CPU seconds a minute at most) can carry with both.
 */
function cpuLimit(run: ScaleRun, sums: StepSummary[]): string[] {
  const quiet = [...sums].reverse().find((s) => s.idle && s.idle.agentsRelisting === 0 && s.idle.cpuSecondsPerMinute.agents !== undefined);
  const busy = [...sums].reverse().find((s) => s.idle && s.idle.agentsRelisting > 0 && s.idle.cpuSecondsPerMinute.agents !== undefined);
  if (!quiet?.idle) return [];
  const steady = (quiet.idle.cpuSecondsPerMinute.agents ?? 0) / quiet.agents;
  const lines = [
    `**CPU.** Between watch restarts, idle, the agents took ${r2(steady * quiet.agents)} CPU seconds a minute at ${quiet.agents} agents: ${r2((steady * 1000) / 60)} ms a second each (their 1 s clocks, their IMDS polls, and every Node update their node watches deliver: ${quiet.idle.nodeWatchEventsPerSecond} a second at ${quiet.agents} agents, ${r2(quiet.idle.nodeWatchEventsPerSecond / (quiet.agents + 5))} for each). kube-apiserver took ${quiet.idle.cpuSecondsPerMinute['kube-apiserver'] ?? '?'} and etcd ${quiet.idle.cpuSecondsPerMinute.etcd ?? '?'} of the machine's ${run.machine.nproc * 60}.`,
  ];
  if (busy?.idle) {
    const windowMin = busy.idle.seconds / 60;
    const cpuInWindow = (busy.idle.cpuSecondsPerMinute.agents ?? 0) * windowMin;
    const perRestart = (cpuInWindow - steady * busy.agents * windowMin) / busy.idle.agentsRelisting;
    const longRun = steady + perRestart / 10;
    const apiPerStart = [...sums].reverse().find((s) => s.start)?.start?.cpuMsPerAgent['kube-apiserver'];
    lines.push(
      `**CPU of the watch restarts.** In the idle window at ${busy.agents} agents, ${busy.idle.agentsRelisting} agents restarted their watches (10 minutes after they started) and the agents' process took ${busy.idle.cpuSecondsPerMinute.agents} CPU seconds a minute, its event loop up to ${busy.idle.loopDelayP99Ms} ms late (p99): about ${r2(perRestart)} CPU seconds for each restart, most of it reading ${run.options.nodes} Nodes into the client's typed objects${apiPerStart !== undefined ? ` (kube-apiserver spent about ${apiPerStart} ms on each agent's start, whose lists a restart repeats)` : ''}. With one restart every 10 minutes an agent takes about ${r2((longRun * 1000) / 60)} CPU ms a second in the long run, so one event loop (60 CPU seconds a minute at most, with every other process on ${run.machine.nproc} cores beside it) carries at most about ${Math.floor(60 / longRun)} agents of a ${run.options.nodes}-node cluster: that, not memory, is what stops one process short of ${run.options.agents}. On a cluster each agent does this on its own node, once every 10 minutes.`,
    );
  }
  return lines;
}

/** Memory and CPU at the largest count measured, and what they say about larger ones. */
function limits(run: ScaleRun, steps: StepFigures[], sums: StepSummary[]): string[] {
  const i = [...sums].reverse().findIndex((s) => s.idle);
  if (i < 0) return ['No count reached its idle window: nothing to say.'];
  const s = [...sums].reverse()[i];
  const f = [...steps].reverse()[i];
  const idle = s?.idle;
  if (!s || !f || !idle) return [];
  const out: string[] = [];
  const others = Object.entries(idle.rssMiB).filter(([k]) => k !== 'agents').reduce((n, [, v]) => n + v, 0);
  const perAgent = idle.agentProcessMiBPerAgent;
  if (perAgent && perAgent > 0) {
    const room = run.machine.memTotalGiB * 1024 - run.options.memoryFloorGiB * 1024 - others - (run.baselineMiB?.agents ?? 0);
    out.push(
      `**Memory.** At ${s.agents} agents the agents' process held ${idle.heapMiBPerAgent ?? '?'} MiB of V8 heap per agent after a full collection (${perAgent} MiB of RSS per agent); every agent keeps its own copy of every Node, so this grows with the node count as well as with the agents. The other processes held ${Math.round(others)} MiB. On this machine (${run.machine.memTotalGiB} GiB, ${run.options.memoryFloorGiB} GiB left to others) one process could hold about ${Math.floor(room / perAgent)} such agents, before the CPU below.`,
    );
  }
  out.push(...cpuLimit(run, sums));
  for (const skipped of run.skipped) out.push(`**Not run: ${skipped.agents} agents.** ${skipped.reason}.`);
  for (const stopped of steps.filter((x) => !x.ok)) out.push(`**Stopped at ${stopped.agents} agents.** ${stopped.reason ?? '?'}.`);
  if (run.skipped.length === 0 && steps.every((x) => x.ok)) out.push(`Every count asked for ran (the largest, ${s.agents} agents, is the bench's --agents).`);
  return out;
}

export function renderScaleMarkdown(run: ScaleRun, steps: StepFigures[]): string {
  const o = run.options;
  const t = mainTables(run, steps);
  const sums = steps.map((s) => summariseStep(s, o, run.baselineMiB));
  const largest = [...steps].reverse().find((s) => s.ok);
  const details = sums.map((s, i) => {
    const f = steps[i];
    const lines = [`### ${s.agents} agents`, ''];
    if (!s.ok) lines.push(`Stopped: ${s.note ?? '?'}`, '');
    if (f?.startSeconds !== undefined) lines.push(`- started (the agents added at this count, to all ready): ${f.startSeconds.toFixed(0)} s; then the cluster quiet (no write but node Lease renewals and status reports for 10 s) after ${f.quietSeconds?.toFixed(0) ?? '?'} s`);
    if (s.start) {
      lines.push(
        `- each of the ${s.start.added} agents started here sent while it started: ${pairs(s.start.requestsPerAgent)}; CPU per agent started (ms): ${pairs(s.start.cpuMsPerAgent)}`,
      );
    }
    if (s.idle) {
      lines.push(
        `- idle window ${s.idle.seconds} s; kube-apiserver requests/s by request, every client: ${pairs(s.idle.topRequests)}`,
        `- the agents' requests per agent per minute besides keeping their watches, by request (those of at least 0.01): ${pairs(s.idle.topAgentRequests, 0.01)}; ${s.idle.agentsRelisting} agents restarted their watches in the window (${s.idle.relistsPerAgentMinute} list requests per agent per minute)`,
        `- watches open by resource: ${pairs(top(f?.watchesOpen ?? {}, 4))}, and ${sumCounts(f?.watchesOpen ?? {}) - sumCounts(Object.fromEntries(top(f?.watchesOpen ?? {}, 4)))} more (the controllers' and KWOK's, one or two per resource)`,
        `- CPU seconds per minute, idle: ${pairs(s.idle.cpuSecondsPerMinute)}`,
        `- RSS at the window's end (MiB): ${pairs(s.idle.rssMiB)}; the agents' V8 heap ${s.idle.heapUsedMiB} MiB after a full collection`,
        ...(f?.idle ? [`- the agents' process over the window: event loop ${f.idle.host.loopDelayMs.p50} / ${f.idle.host.loopDelayMs.p99} / ${f.idle.host.loopDelayMs.max} ms late (p50 / p99 / max); at its end ${f.idle.host.agents} agents, ${f.idle.host.synced ?? '?'} synced, ${f.idle.host.ready} ready${f.idle.host.imdsFailing ? ` (${f.idle.host.imdsFailing} unready only for a failed IMDS poll)` : ''}`] : []),
      );
    }
    if (s.event) {
      lines.push(
        `- event(s): ${f?.event?.events.join(', ') ?? ''} on ${f?.event?.nodes.join(', ') ?? ''}; claim holders in turn: ${s.event.holders.map((h) => h.join(' → ') || 'none seen').join('; ')}; drained by ${f?.event?.timings.map((x) => x.drainBy ?? '?').join(', ') ?? ''}`,
        `- kube-apiserver requests per event, every client (the agents' as they counted them, everyone else's net of idle; node Lease renewals, status reports and the agents' watch restarts left out; those of at least 1): ${pairs(s.event.byRequest, 1)}`,
        `- of them the agents', besides keeping their watches: ${pairs(s.event.agentByRequest)}; and ${s.event.agentWatchUpkeep} lists and watches of (re)started watches (the agents started on the on-demand node and the spot replacement, and 10-minute restarts that fell in the windows)`,
        `- refused writes per event, every client: ${pairs(s.event.refused)}; the agents': ${pairs(s.event.agentRefused)}`,
        `- watch events per event, net of idle, by kind (those of at least 5): ${pairs(s.event.watchEventsByKind, 5)}`,
      );
    }
    return lines.join('\n');
  });
  // What an agent's start cost, at the largest count measured: its 10-minute watch restart lists the same again.
  const lastStartOf = [...sums].reverse().find((s) => s.start);
  const lastStart = lastStartOf?.start;
  const lists = lastStart ? sumCounts(lastStart.requestsPerAgent, (k) => k.startsWith('LIST ')) : undefined;
  const relist = lastStart
    ? ` Measured as the ${lastStart.added} agents added for the ${lastStartOf?.agents}-agent count started, each agent's start listed ${r2(lists ?? 0)} times (${pairs(Object.fromEntries(Object.entries(lastStart.requestsPerAgent).filter(([k]) => k.startsWith('LIST '))))}) and cost kube-apiserver about ${lastStart.cpuMsPerAgent['kube-apiserver'] ?? '?'} ms of CPU (its watches and first reads included); a restart every 10 minutes repeats the lists, about ${r2((lists ?? 0) / 10)} LIST requests per agent per minute.`
    : '';
  return `# Scale benchmark: ${o.nodes} nodes

Written by \`npm run bench:scale\` (test/bench/scale.bench.ts) on ${run.generatedAt}; run it again rather than editing this page. The raw figures are in [scale.json](scale.json). Issue 14, point 5.

## Setup

- **The cluster is the sandbox's** (dev/sandbox/sandbox.ts \`startSandbox\`): kube-apiserver, etcd, kube-controller-manager and kube-scheduler, the shipped CRD, RBAC, ConfigMap and DaemonSet, the AWS capacity simulator with the ConfigMap's ASG pair, durations divided by ${o.scale}. It is started with no agent process; the spot ASG is then scaled to ${o.nodes}: the simulator launches the instances and registers each as a Node, KWOK (the sandbox's kubelet) reports it Ready and renews its node Lease every 10 s, the node lifecycle controller lifts its not-ready taint, and the DaemonSet controller puts a pod on it, which KWOK runs.
- **Kubelet status reports**: ${o.statusReportSeconds > 0 ? `a kubelet also posts its node's status when nothing changed, every 5 minutes by default (nodeStatusReportFrequency); KWOK with the sandbox's stages does not, so the bench posts it for every node, one node at a time, each node every ${o.statusReportSeconds} s (a strategic merge patch of the conditions' heartbeat times). Each is a Node update that every node watch receives.` : 'off for this run (--node-status-report-seconds 0): Nodes change only when something happens to them.'}
- **The agents** are instances of the real \`Agent\` class (runtime/agent/agent.ts), built as \`spot-guard agent\` builds them (runtime/agent/agent.command.ts), all in one Node.js process (test/bench/scale-host.ts). Below ${o.nodes} agents they run on nodes taken in a fixed shuffled order, each as that node's DaemonSet pod, under the shipped ServiceAccount and RBAC, with the settings of the sandbox's agents (the shipped ConfigMap, durations divided by ${o.scale}). Agents come and go with their nodes during an event, as the DaemonSet's would: the at-risk node's agent stops when its instance is reclaimed, and the on-demand node and the spot replacement each get one.
- **Each agent has its own**: pod name and node name; KubeConfig and API clients (so its own lists and watches: SpotGuardFallbackEvents, Nodes, rebalance-response Leases; and its own connections: @kubernetes/client-node 1.4 opens a new TLS connection for every request and one per watch); AWS SDK client; Prometheus registry (with the default process metrics); Event recorder; actors, caches, locks and clock; IMDS poll every 2 s (the rebalance-response side of the agent runs on every spot node's agent, as shipped).
- **What they share**: the one Node.js process (its event loop, its V8 heap, limited to ${run.heapLimitMiB} MiB and with a ${HOST_SEMI_SPACE_MIB} MiB young generation instead of the DaemonSet's per-agent NODE_OPTIONS, its two cores with everything else on the machine), the loaded modules, the parsed settings object, one log file, the ServiceAccount token (one token for all: in a cluster each pod has its own projected token of the same ServiceAccount), the AWS capacity simulator (as every real agent shares the Auto Scaling API), and their IMDS: ${o.imds === 'aemm' ? 'one AEMM that every agent polls over HTTP (each real node has its own)' : 'an IMDS inside the process that never has a notice, so the polls make no HTTP request (--imds quiet; each real node polls its own IMDS, which costs kube-apiserver nothing, and a thousand agents polling one AEMM through one event loop timed out; --imds aemm polls one AEMM over HTTP)'}. The at-risk node's agent is moved to an AEMM of its own (a real amazon-ec2-metadata-mock) to receive its notices.
- **Left out per agent**: the HTTP server (/healthz, /readyz, /metrics) and the live view; the bench asks each agent's readiness in the process. They make no request to kube-apiserver.
- **How it is measured**: kube-apiserver's own /metrics (\`apiserver_request_total\` for every verb, \`apiserver_watch_events_total\` and \`apiserver_watch_events_sizes\` for watch events sent, \`apiserver_longrunning_requests\` for watches open) before and after each window; the agents' own requests tallied by their KubeConfigs (kube-apiserver's counter has no user label); CPU seconds (utime + stime) and RSS of each process from /proc. *Idle*: ${o.idleSeconds} s with every agent synced and no event, once the cluster has made no write for 10 s but the node Lease renewals and status reports (at least 15 s after the last agent was ready). *Per event*: ${o.events} fallback event${o.events === 1 ? '' : 's'} at once, the sandbox bench's round (docs/bench.md): spot is exhausted and a spot node gets a rebalance recommendation; its agent falls back to on-demand, records the SGFE and protects the node; the node gets its interruption notice and its instance is reclaimed after the scaled two minutes; spot capacity comes back and the agents carry the event to Completed and delete it after its TTL (5 s). Per event means the response and lifecycle windows together, ÷ events: the agents' requests as their clients counted them, their watch restarts apart; everyone else's from kube-apiserver's counter less what the idle rate gives over as long, node Lease renewals and status reports left out (at about 100 a second they would bury an event's requests in their noise); watch events and refused writes less the idle rate.
- **Agent counts**: ${o.steps.join(', ')} agents in turn on the same cluster, each count adding agents to the last, at most ${o.maxStarting} starting at once. Before each count the memory it would take (at the last count's RSS per agent in the agents' process and kube-apiserver, plus 15%) is checked against the available memory above a floor of ${o.memoryFloorGiB} GiB, and the run stops at once if available memory falls under the floor.

## Machine

- ${run.machine.cpu}, ${run.machine.nproc} cores (nproc)
- ${run.machine.memTotalGiB} GiB memory, ${run.machine.memAvailableGiB} GiB available when the bench started; least available during the run ${run.minAvailableMiB} MiB
- load average at start ${run.machine.loadAverage.map((l) => l.toFixed(2)).join(', ')}
- Linux ${run.machine.kernel}, Node.js ${run.machine.node}

## Command

\`\`\`
${run.command}
\`\`\`

Setup (sandbox, ${o.nodes} nodes Ready, their DaemonSet pods, the agents' process): ${run.setupSeconds.toFixed(0)} s; whole run ${run.totalMinutes.toFixed(1)} min.

## Results

Largest size measured: **${largest ? `${largest.agents} agents on ${o.nodes} nodes` : 'none'}**.${run.skipped.length > 0 ? ` Not run: ${run.skipped.map((s) => `${s.agents} agents (${s.reason})`).join('; ')}.` : ''}${steps.some((s) => !s.ok) ? ` Stopped: ${steps.filter((s) => !s.ok).map((s) => `${s.agents} agents (${s.reason ?? '?'})`).join('; ')}.` : ''}

${run.notes?.length ? `Notes from the run (added to scale.json by whoever ran it):\n\n${list(run.notes)}\n\n` : ''}### Idle

${t.idle}

### Per fallback event

${t.event}

### CPU and memory

${t.resources}

Goals are issue 14's: idle API requests per agent beyond its watches (point 5), and, as docs/bench.md gives them, SGFE writes per event, refused writes per event and spot stable → drain started. SGFE writes here are at durations divided by ${o.scale}.

## What limits the size

${list(limits(run, steps, sums))}

## Notes

${list([
  `**Idle requests are per agent and per minute, beyond watches**: every request an agent sent in the idle window other than opening a watch, ÷ agents ÷ minutes. Each agent restarts its three watches every 10 minutes (the watch stream's stall watchdog, streams/kube-watch.stream.ts), and each restart lists its resource again (the nodes in pages of ${LIST_PAGE_SIZE}: ${Math.ceil(o.nodes / LIST_PAGE_SIZE)} request${Math.ceil(o.nodes / LIST_PAGE_SIZE) === 1 ? '' : 's'} at ${o.nodes} nodes): ${2 + Math.ceil(o.nodes / LIST_PAGE_SIZE)} list requests and 3 watches per agent every 10 minutes. Whose restarts fall in a ${o.idleSeconds} s window depends on when the agents started (the agents of a count start over minutes, 10 minutes before a later count's window), so the table gives the window's figure, how much of it was restarts' lists (and how many agents restarted), the rest, and the steady state over 10 minutes: the rest plus one restart's lists per agent.${relist}`,
  '**kube-apiserver\'s idle requests are mostly not the agents\'**: KWOK renews every node\'s Lease every 10 s (a kubelet does the same), the bench posts the kubelet status reports, and the controllers do their own; the details list them.',
  '**Watch events delivered** count every event kube-apiserver sent to every watcher, so a Node update counts once per node watch: one per agent, plus KWOK\'s, the controllers\' and the sandbox\'s own.',
  `**One process for every agent.** CPU seconds of "agents" are all agents together on one event loop; the event-loop delay says how late each agent's timers and watch events ran, and every latency here (spot stable → drain started among them) includes it. On a cluster each agent has its node's CPU; here they share ${run.machine.nproc} cores with kube-apiserver, etcd, KWOK, the controllers and the simulator, and with another developer's tests.`,
  '**Memory per agent** is the agents\' process RSS above its RSS before any agent started, ÷ agents: mostly each agent\'s copy of every Node (its node watch\'s cache, which the safety checks read), which grows with the cluster. A separate process per agent also pays for Node.js itself and the loaded modules (about 100 MiB each, docs/bench.md).',
  '**Spot stable → drain started** is the SpotRestored condition\'s lastTransitionTime to scaleDown.drain.startedAt, in whole seconds.',
  '**Heap per agent** is read after a full collection the bench asks for once the idle window is over (the process runs with --expose-gc for it and nothing else); it stops every agent for a moment, so the bench waits 10 s before the event.',
  '**Agents are counted synced, not ready**, before a window: an agent is synced once its event and node watches have listed and opened; one whose last IMDS poll failed is unready but synced, and the details say how many there were at the idle window\'s end.',
])}

## Details

${details.join('\n\n')}
`;
}
