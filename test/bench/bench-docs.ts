// docs/bench.md: what the sandbox bench measured, where, with which command, the table, the
// details per size and what limits the figures. Written by the bench; edit this file, not the
// output.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDuration } from '../../crds/duration.js';
import { markdownTable, mainTable, type SizeSummary } from './bench-report.js';
import type { SizeFigures } from './sandbox-size.js';

export interface Machine {
  cpu: string;
  nproc: number;
  memTotalGiB: number;
  memAvailableGiB: number;
  loadAverage: number[];
  kernel: string;
  node: string;
}

export interface RunInfo {
  generatedAt: string;
  command: string;
  machine: Machine;
  options: { sizes: number[]; scale: number; rounds: number; events: number; idleSeconds: number; startGapMs: number; reserveGiB: number };
  /** How the agents' memory was limited, in the sandbox's words (absent from runs before the agents ran the bundle). */
  agentMemory?: string;
  /** Sizes not started, with why. */
  skipped: { size: number; reason: string }[];
  summaries: SizeSummary[];
}

const list = (items: readonly string[]) => items.map((i) => `- ${i}`).join('\n');
const CONFIG_MAP = fileURLToPath(new URL('../../deploy/manifests/configmap.yaml', import.meta.url));
const seconds = (settings: Record<string, string> | undefined, name: string) => (parseDuration(settings?.[name] ?? '') ?? NaN) / 1000;
const x = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '?');

function sizeDetails(s: SizeSummary, f: SizeFigures | undefined): string {
  const parts = [`### ${s.size} agents`, ''];
  parts.push(
    list([
      `outcome: ${s.ok ? 'every round completed' : `stopped early: ${s.note ?? '?'}`}`,
      `sandbox start (${s.size} agents ready): ${s.startupSeconds ?? '–'} s; whole size: ${s.runMinutes ?? '–'} min; stop: ${f?.stopSeconds?.toFixed(1) ?? '–'} s`,
      `processes left after stop: ${s.leftovers && s.leftovers.length > 0 ? s.leftovers.join(', ') : 'none'}`,
      `agent processes sampled: ${s.agentPeakRssMiB?.n ?? 0}; peak RSS (VmHWM) median ${s.agentPeakRssMiB?.median ?? '–'} MiB, max ${s.agentPeakRssMiB?.max ?? '–'} MiB; steady RSS (median over the idle window) of the ${s.agentSteadyRssMiB?.n || '–'} agents sampled in it: median ${s.agentSteadyRssMiB?.median ?? '–'} MiB, max ${s.agentSteadyRssMiB?.max ?? '–'} MiB; RSS at the end median ${s.agentEndRssMiB?.median ?? '–'} MiB`,
      `agents OOM-killed: ${f?.oomKilled === undefined ? '–' : f.oomKilled.length === 0 ? 'none' : f.oomKilled.join(', ')}`,
      `AEMM peak RSS median ${s.aemmPeakRssMiB?.median ?? '–'} MiB over ${s.aemmPeakRssMiB?.n ?? 0} processes; kube-apiserver peak RSS ${s.apiServerPeakRssMiB ?? '–'} MiB; least available memory on the machine during the run ${s.minAvailableMiB ?? '–'} MiB`,
    ]),
  );
  if (s.aws) {
    parts.push('', 'AWS Auto Scaling calls by action (simulator counters):', '');
    parts.push(markdownTable(['action', 'per event: response', 'per event: lifecycle', 'idle, per minute'], Object.entries(s.aws.byAction).map(([a, v]) => [a, String(v.response), String(v.lifecycle), String(v.idlePerMinute)])));
  }
  if (s.writes) {
    parts.push('', 'API server writes by request (apiserver_request_total), per event with the idle rate taken off:', '');
    parts.push(markdownTable(['request', 'writer', 'per event', 'idle, per minute'], Object.entries(s.writes.byKey).map(([k, v]) => [k, v.writer, String(v.perEvent), String(v.idlePerMinute)])));
  }
  const timings = f?.rounds.flatMap((r) => r.timings.map((t) => ({ round: r.round, ...t }))) ?? [];
  if (timings.length > 0) {
    parts.push('', 'Spot stable → drain started, per event (status timestamps, whole seconds):', '');
    parts.push(
      markdownTable(
        ['round', 'event', 'spotHealthySince', 'SpotRestored', 'drain startedAt', 'restored→drain (s)', 'window end→drain (s)', 'drained by'],
        timings.map((t) => [String(t.round), t.event, t.spotHealthySince ?? '–', t.spotRestoredAt ?? '–', t.drainStartedAt ?? '–', String(t.restoredToDrainSeconds ?? '–'), String(t.windowEndToDrainSeconds ?? '–'), t.drainBy ?? '–']),
      ),
    );
  }
  if (f?.rounds.length) {
    parts.push('', 'Windows per round (seconds): response, lifecycle, settle:', '');
    parts.push(list(f.rounds.map((r) => `round ${r.round} (${r.nodes.join(', ')}): ${(r.response.ms / 1000).toFixed(1)}, ${(r.lifecycle.ms / 1000).toFixed(1)}, ${(r.settle.ms / 1000).toFixed(1)}; its ${r.timings.length} events drained by ${new Set(r.timings.map((t) => t.drainBy)).size} different agents`)));
  }
  return parts.join('\n');
}

function notes(info: RunInfo, settings: Record<string, string> | undefined): string[] {
  const { scale } = info.options;
  const shipped = (parse(readFileSync(CONFIG_MAP, 'utf8')) as { data: Record<string, string> }).data;
  const shown = ['SPOT_GUARD_MINIMUM_WAIT', 'SPOT_GUARD_SPOT_STABILITY_WINDOW', 'SPOT_GUARD_SPOT_CAPACITY_TIMEOUT', 'SPOT_GUARD_ASG_POLL_INTERVAL', 'SPOT_GUARD_CLAIM_LEASE', 'SPOT_GUARD_RECHECK_INTERVAL', 'SPOT_GUARD_TICK_INTERVAL', 'SPOT_GUARD_EVENT_TTL'];
  const poll = { here: seconds(settings, 'SPOT_GUARD_ASG_POLL_INTERVAL'), shipped: seconds(shipped, 'SPOT_GUARD_ASG_POLL_INTERVAL') };
  const lease = { here: seconds(settings, 'SPOT_GUARD_CLAIM_LEASE'), shipped: seconds(shipped, 'SPOT_GUARD_CLAIM_LEASE') };
  const pollRatio = poll.shipped / poll.here;
  const out = [
    `**Durations are the shipped ones divided by ${scale}**, in whole seconds and above each setting's floor (${shown.map((k) => `${k.replace('SPOT_GUARD_', '')}=${settings?.[k] ?? '?'}`).join(', ')}; instance launch ${x(30 / scale)} s, node Ready ${x(20 / scale)} s, interruption warning ${x(Math.max(5, 120 / scale))} s). The ASG poll interval is ${x(poll.here)} s against ${x(poll.shipped)} s shipped while events are ${scale} times shorter, so the Describe calls *per event* are ${Math.abs(pollRatio / scale - 1) < 0.05 ? 'about what the shipped durations would give' : `about ${x(pollRatio / scale)} times what the shipped durations would give`}, and one sandbox minute holds ${x(pollRatio)} minutes of shipped polling: divide the per-minute AWS figures by ${x(pollRatio)} for the shipped interval.`,
    `**Writes to the event do not depend on durations; claim heartbeats do, and go to Leases.** The holder renews its claim in the Lease spot-guard-claim-<event> every third of the claim lease for as long as the event lives, never in the event every agent watches: the writes to the event (creation, phase changes, health first seen, steps, deletion) are the same at any scale (test/runtime/agent.event-writes.test.ts), so the SGFE figure here is the shipped one. The lease is ${x(lease.here)} s here (a floor; ${x(lease.shipped / scale)} s if divided exactly) against ${x(lease.shipped)} s shipped, and events are ${scale} times shorter, so at shipped durations expect roughly ${x((scale * lease.here) / lease.shipped)} times as many claim-Lease writes per event; the rest of "lease writes" (ASG locks and rebalance-response records) do not depend on durations.`,
    '**Spot stable → drain started is not scaled**: it is made of API round trips (each step follows the commit of the one before at once, not the next 1 s tick of SPOT_GUARD_TICK_INTERVAL), so it reads as it would with shipped durations, given the same machine.',
    `**${info.options.events} events per round, at once**, ${info.options.rounds} rounds per size. The events of a round share one spot restoration, and an agent that holds the claims of several events of the same spot ASG polls it once for all of them (one shared poller per ASG per process), so the per-event AWS figures are averages that depend on how the claims fell, not a fixed cost of one event alone.`,
    '**Who writes.** kube-apiserver\'s request counter has no user label, so writers are told apart by verb and resource: SpotGuardFallbackEvents, Events, node merge patches (taint, cordon) and evictions are the agents\'; node create, replace, status and delete and pod deletes are the sandbox\'s simulator and KWOK standing in for kubelets; Leases are shared between the agents\' ASG locks, rebalance-response records and claim heartbeats, and kube-apiserver\'s own identity lease. Every request kind has its idle rate (measured over the idle window with no event) taken off before dividing by the number of events, so "lease writes/event" is the agents\' lock traffic up to that estimate. Refused writes are listed apart by code (→ 404, → 409): mostly agents losing a race (an optimistic status update, the delete after the TTL); they are load all the same and count in the totals.',
    '**Latency resolution.** Status timestamps are whole seconds, so each sample is good to about ±1 s. "restored→drain" runs from the SpotRestored condition (the holder\'s decision that spot is stable) through ReadyForScaleDown, the safety checks, ScalingDown and the taint and cordon steps to the drain step starting; "window end→drain" starts earlier, at spotHealthySince plus the stability window, and adds the tick and write that decide stability. With a handful of samples per size the p95 (nearest rank) is in effect the largest sample.',
    `**Agent memory.** Each agent runs the built bundle as the image does (\`node dist/spot-guard-agent.mjs agent\`, built by the sandbox from the sources as they were), ${settings?.NODE_OPTIONS ? `with the DaemonSet's NODE_OPTIONS (${settings.NODE_OPTIONS})` : 'with no V8 flags (the DaemonSet sets no NODE_OPTIONS)'}, under the DaemonSet's memory limit where the machine lets the sandbox make memory cgroups; in this run: ${info.agentMemory ?? '–'}. *Peak RSS* is VmHWM of each agent's Node process, read from /proc every 2 s until the process ends; agents started during the run (on replacement nodes) are included. It is reached while the agent loads its modules and moves by tens of MiB from run to run with garbage collection. *Steady RSS* is, per agent, the median of its VmRSS samples (every 2 s) over the ${info.options.idleSeconds} s idle window, with every agent started and no event; the table gives the median and the largest over the agents. *OOM-killed agents* are those the kernel killed in their memory cgroup for outgrowing the limit (the cgroup's oom_kill count); an agent killed so ends the size early. RSS is not what the limit counts: the cgroup also charges the page cache the agent touched. Each node's AEMM is a separate process, reported apart.`,
    `**The machine is small and shared**: ${info.machine.nproc} cores and ${info.machine.memTotalGiB} GiB, used at the same time by another developer's tests. Starting agents is CPU-bound (one agent every ${info.options.startGapMs} ms, each loading the bundle), and every latency includes whatever CPU contention there was.`,
    '**No workload pods**: the sandbox runs no pods, so the drain evicts nothing and the safety checks pass at once; the figures are Spot Guard\'s own overhead, not the time to move a workload.',
  ];
  const refused = info.summaries.filter((s) => s.writes).map((s) => `${Object.entries(s.writes?.byKey ?? {}).reduce((n, [k, v]) => (k.includes('→') && v.writer === 'agents' ? n + v.perEvent : n), 0).toFixed(1)} at ${s.size} agents`);
  if (refused.length > 1) {
    out.push(`**Lost races.** Refused agent writes per event: ${refused.join(', ')} (409 on status updates, 404 on deletes). A free claim and the delete after the TTL are tried in turns (rendezvous hashing over the Ready nodes, one turn of 1 s per rank), so in the common case one agent tries; a refused write is an agent whose turn came before the first one's write reached it, which grows with how loaded the machine is (every agent here shares 2 cores).`);
  }
  for (const s of info.skipped) out.push(`**${s.size} agents were not run**: ${s.reason}`);
  for (const s of info.summaries) if (!s.ok) out.push(`**${s.size} agents stopped early**: ${s.note ?? '?'}; the figures shown for it cover the rounds that completed.`);
  return out;
}

/**
 * Each figure issue 14 sets a goal for, per size, beside the goal: computed from the summaries,
 * so a rerun says whether a goal is met rather than a person reading the table.
 */
function goals(info: RunInfo, settings: Record<string, string> | undefined): string {
  const shipped = (parse(readFileSync(CONFIG_MAP, 'utf8')) as { data: Record<string, string> }).data;
  const pollRatio = seconds(shipped, 'SPOT_GUARD_ASG_POLL_INTERVAL') / seconds(settings, 'SPOT_GUARD_ASG_POLL_INTERVAL');
  const rows = [...info.summaries].sort((a, b) => a.size - b.size).map((s) => {
    const byKey = Object.entries(s.writes?.byKey ?? {});
    const sgfe = byKey.filter(([k]) => k.includes(' spotguardfallbackevents')).reduce((n, [, v]) => n + v.perEvent, 0);
    const refused = byKey.filter(([k, v]) => v.writer === 'agents' && k.includes(' → ')).reduce((n, [, v]) => n + v.perEvent, 0);
    const actions = Object.entries(s.aws?.byAction ?? {});
    const lifecycle = actions.reduce((n, [, v]) => n + v.lifecycle, 0);
    const describes = actions.filter(([a]) => a.startsWith('Describe')).reduce((n, [, v]) => n + v.lifecycle, 0);
    // Per sandbox event-minute, the Describe share of the lifecycle calls; one sandbox minute holds pollRatio shipped minutes of polling.
    const describePerShippedMinute = lifecycle > 0 && s.aws ? ((describes / lifecycle) * s.aws.lifecyclePerEventMinute) / pollRatio : NaN;
    return [String(s.size), x(sgfe), x(refused), x(describePerShippedMinute), String(s.restoredToDrainSeconds?.median ?? '–')];
  });
  const figures = rows.map((r) => r.slice(1).map(Number));
  // The largest figure of a column over the sizes (refused writes: at the largest size only).
  const worst = (column: number): number => (column === 1 ? (figures.at(-1)?.[1] ?? NaN) : Math.max(...figures.map((f) => f[column] ?? NaN)));
  return [
    markdownTable(['agents', 'SGFE writes/event (goal ≤ 12 at shipped durations)', 'refused agent writes/event (goal ≤ 1 at 200)', 'AWS Describe calls/event-minute at the shipped poll (goal ≤ 4, flat)', 'spot stable → drain started, median s (goal ≤ 2)'], rows),
    '',
    `SGFE writes per event do not depend on durations (the claim's heartbeat is in a Lease; see the notes), so the figures here are the shipped ones: that goal is **${worst(0) <= 12 ? 'met' : 'not met'}** (at most ${x(worst(0))}). Refused agent writes at the largest size: **${worst(1) <= 1 ? 'met' : 'not met'}**. Describe calls per event-minute: **${worst(2) <= 4 ? 'met' : 'not met'}**. Spot stable → drain started: **${worst(3) <= 2 ? 'met' : 'not met'}** (the largest median). Idle API requests per agent beyond its watches are measured by the 1,000-node simulation ([scale.md](scale.md)), not by this bench.`,
  ].join('\n');
}

export function renderMarkdown(info: RunInfo, figures: readonly SizeFigures[]): string {
  const m = info.machine;
  const settings = figures.find((f) => f.settings)?.settings;
  return [
    '# Sandbox benchmark',
    '',
    `Written by \`npm run bench\` (test/bench/sandbox.bench.ts) on ${info.generatedAt}; run it again rather than editing this page. The raw figures are in [bench.json](bench.json).`,
    '',
    '## What is measured',
    '',
    'For each size N, the local sandbox (real kube-apiserver and etcd, the AWS capacity simulator, and for each of N spot nodes its own amazon-ec2-metadata-mock and a real agent process running the built bundle under the shipped memory limit) is started, left idle for a while, then plays the demo\'s story in rounds: spot capacity is exhausted, several spot nodes get rebalance recommendations at once, the agents fall back to on-demand and record a SpotGuardFallbackEvent each, the nodes are interrupted and go, spot capacity comes back, and each event goes Monitoring → ReadyForScaleDown → ScalingDown → Completed and is deleted after its TTL; then the cluster settles back to N spot nodes before the next round.',
    '',
    list([
      '**AWS calls**: the simulator\'s per-action call counters, read at the edges of each window: *response* (notices → every event recorded and every at-risk node tainted and cordoned: the rebalance response), *lifecycle* (→ every event Completed and deleted: event monitoring and scale-down), and an *idle* window with no event. Per event = window calls ÷ events; per event-minute = lifecycle calls ÷ Σ(events × lifecycle minutes).',
      '**API server writes**: kube-apiserver\'s own `apiserver_request_total` for POST, PUT, PATCH, DELETE (and APPLY, DELETECOLLECTION), by resource, subresource and (for refused ones) code, scraped from /metrics with the admin token before and after each window, over the response and lifecycle windows, less the idle rate, ÷ events. *Agent writes* are SpotGuardFallbackEvents, Events, node patches and evictions, refused ones included; *lease writes* are Leases (the agents\' ASG locks); *sandbox writes* are the simulator\'s Node writes, which kubelets would make in a cluster.',
      '**Spot stable → drain started**: per event, from its final status: `scaleDown.drain.startedAt` minus the SpotRestored condition\'s `lastTransitionTime`, and minus `spotHealthySince` + the stability window.',
      '**Memory per agent**: peak RSS (VmHWM of every agent process, from /proc), steady RSS (per agent, the median of its RSS samples over the idle window), and the agents OOM-killed under the memory limit.',
    ]),
    '',
    '## Machine',
    '',
    list([`${m.cpu}, ${m.nproc} cores (nproc)`, `${m.memTotalGiB} GiB memory, ${m.memAvailableGiB} GiB available when the bench started`, `load average at start ${m.loadAverage.map((l) => l.toFixed(2)).join(', ')}`, `Linux ${m.kernel}, Node.js ${m.node}`]),
    '',
    '## Command',
    '',
    '```',
    info.command,
    '```',
    '',
    `Sizes ${info.options.sizes.join(', ')}; durations divided by ${info.options.scale}; ${info.options.rounds} rounds of ${info.options.events} events per size; idle window ${info.options.idleSeconds} s; one agent started every ${info.options.startGapMs} ms; a size is skipped when its projected memory would leave less than ${info.options.reserveGiB} GiB available.`,
    '',
    `Agents: the built bundle (\`node dist/spot-guard-agent.mjs agent\`); memory: ${info.agentMemory ?? '–'}.`,
    '',
    '## Results',
    '',
    mainTable([...info.summaries, ...info.skipped.map((s) => ({ size: s.size, ok: false, note: 'not run for lack of memory (see the notes)', events: 0 }))].sort((a, b) => a.size - b.size)),
    '',
    '## Goals',
    '',
    goals(info, settings),
    '',
    '## Notes: what limits these figures',
    '',
    list(notes(info, settings)),
    '',
    '## Details',
    '',
    info.summaries.map((s) => sizeDetails(s, figures.find((f) => f.size === s.size))).join('\n\n'),
    '',
    '## Figures as JSON',
    '',
    'The summaries above; bench.json adds every window\'s raw counters, every event\'s timestamps and every process\'s memory.',
    '',
    '```json',
    JSON.stringify({ generatedAt: info.generatedAt, machine: info.machine, options: info.options, agentMemory: info.agentMemory, skipped: info.skipped, sizes: info.summaries }, null, 2),
    '```',
    '',
  ].join('\n');
}
