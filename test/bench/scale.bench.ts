// Spot Guard at 1,000 nodes (issue 14, point 5): the sandbox's control plane with 1,000 KWOK
// nodes in the spot ASG, and the agents of as many of them as memory and CPU allow, all in one Node.js
// process (scale-host.ts), each with its own identity, clients, connections and watches. At
// each agent count it measures an idle window and one fallback event from its rebalance
// recommendation to its deletion: kube-apiserver requests (its own counter, and the agents'
// share from their clients), watch events delivered, refused writes, kube-apiserver and etcd
// CPU seconds and RSS, the agents' process RSS, and spot stable → drain started. Prints a
// table and writes docs/scale.md and docs/scale.json. A benchmark, not a test.
//
//   npm run bench:scale                                  1,000 nodes, agents 100, 300, 1,000
//   npm run bench:scale -- --nodes 50 --agents 20 --no-docs
//
// Flags: --nodes 1000  --agents 1000 (the largest agent count)  --steps 100,300 (smaller counts
// measured first; the largest is always last)  --idle-seconds 60  --events 1 (per count, at
// once)  --scale 15 (durations divided by)  --node-status-report-seconds 300 (each node's
// kubelet status report; 0: none)  --max-starting 25 (agents starting at once)
// --memory-floor-gib 3 (stop below this much available memory)  --event-timeout-seconds 600
// --imds quiet|aemm (the agents' IMDS: one in their process without HTTP, or one shared AEMM)
// --log-dir DIR (agents' logs, and scale.json after each count)  --docs-dir docs  --no-docs
// --render-only (docs/scale.md again from docs/scale.json)
// A count also ends when memory falls under the floor, or when the agents' process can start
// no more agents (fewer than one synced per 10 s over 2 minutes); Ctrl-C ends the count under
// way and still writes what was measured.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { numberArg } from './bench-args.js';
import { meminfoKb } from './process-sampler.js';
import { AgentHost } from './scale-agents.js';
import { startScaleCluster, type ScaleCluster } from './scale-cluster.js';
import { renderScaleMarkdown, summariseStep, consoleSummary, type ScaleRun, type StepFigures } from './scale-docs.js';
import { playEvent, Roster } from './scale-event.js';
import { diffCounts, sumCounts } from './apiserver-writes.js';
import { BACKGROUND_WRITES, isWrite, readApi, readProc, top, windowOf, type ApiReading, type ProcReading, type Reading } from './scale-figures.js';

// Imported rather than run (uvu's test:unit walks every file under test/): measure nothing.
const isMain = process.argv[1] === fileURLToPath(import.meta.url);
const { values } = parseArgs({
  args: isMain ? process.argv.slice(2) : [],
  options: {
    nodes: { type: 'string', default: '1000' },
    agents: { type: 'string', default: '1000' },
    steps: { type: 'string', default: '100,300' },
    'idle-seconds': { type: 'string', default: '60' },
    events: { type: 'string', default: '1' },
    scale: { type: 'string', default: '15' },
    'node-status-report-seconds': { type: 'string', default: '300' },
    'max-starting': { type: 'string', default: '25' },
    imds: { type: 'string', default: 'quiet' },
    'memory-floor-gib': { type: 'string', default: '3' },
    'event-timeout-seconds': { type: 'string', default: '600' },
    'log-dir': { type: 'string' },
    // While developing the bench: a CPU profile of the agents' process, written here when it ends.
    'profile-agents': { type: 'string' },
    'docs-dir': { type: 'string', default: fileURLToPath(new URL('../../docs/', import.meta.url)) },
    'no-docs': { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
  },
  strict: true,
});

const number = (name: keyof typeof values, min: number): number => numberArg(values, name, min);
const GiB = 1024 * 1024;
const docsDir = values['docs-dir'] ?? 'docs';
const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Fewer than one agent synced every 10 s over this long, while more wait to start, ends a count. */
const STALL_WINDOW_MS = 120_000;

function options() {
  const nodes = number('nodes', 1);
  const agents = number('agents', 1);
  if (agents > nodes) throw new Error(`--agents ${agents}: at most one agent per node (--nodes ${nodes})`);
  const steps = [...new Set([...(values.steps ?? '').split(',').filter((s) => s.trim()).map((s) => Number(s.trim())), agents])].filter((s) => s <= agents).sort((a, b) => a - b);
  if (steps.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--steps ${values.steps}: whole numbers such as 100,300`);
  return {
    nodes,
    agents,
    steps,
    idleSeconds: number('idle-seconds', 5),
    events: number('events', 0),
    scale: number('scale', 1),
    statusReportSeconds: number('node-status-report-seconds', 0),
    maxStarting: number('max-starting', 1),
    memoryFloorGiB: number('memory-floor-gib', 0.5),
    eventTimeoutSeconds: number('event-timeout-seconds', 60),
    imds: imdsChoice(values.imds),
  };
}

function imdsChoice(value: string | undefined): 'aemm' | 'quiet' {
  if (value === 'aemm' || value === 'quiet') return value;
  throw new Error(`--imds ${String(value)}: aemm (every agent polls one AEMM over HTTP) or quiet (an IMDS in the agents' process with no notice)`);
}

/** Children of this process running `program`, by the name of what they run. */
function childrenRunning(program: string): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '') === program) pids.push(pid);
      } catch {
        // gone
      }
    }
  }
  return pids;
}

/**
 * Waits (at least 15 s, at most 5 min) until a 10 s stretch has no write but the background's,
 * and returns how long that took.
 */
async function waitQuiet(readApiNow: () => Promise<ApiReading>, abortReason: () => string | undefined): Promise<number> {
  const started = Date.now();
  await sleep(5000);
  let last = await readApiNow();
  for (let told = Date.now(); ; ) {
    await sleep(10_000);
    const abort = abortReason();
    if (abort) throw new Error(abort);
    const now = await readApiNow();
    const writes = Object.fromEntries(Object.entries(diffCounts(last.requests, now.requests)).filter(([k]) => isWrite(k) && !BACKGROUND_WRITES.has(k)));
    last = now;
    if (sumCounts(writes) === 0 || Date.now() - started > 5 * 60_000) return (Date.now() - started) / 1000;
    if (Date.now() - told > 30_000) {
      say(`  the cluster is still busy: in 10 s ${top(writes, 4).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      told = Date.now();
    }
  }
}

async function measure(): Promise<{ run: ScaleRun; steps: StepFigures[] }> {
  const o = options();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    nproc: availableParallelism(),
    memTotalGiB: Math.round((meminfoKb('MemTotal') / GiB) * 10) / 10,
    memAvailableGiB: Math.round((meminfoKb('MemAvailable') / GiB) * 10) / 10,
    loadAverage: loadavg(),
    kernel: release(),
    node: process.version,
  };
  const logDir = values['log-dir'] ?? (await mkdtemp(join(tmpdir(), 'spot-guard-scale-')));
  await mkdir(logDir, { recursive: true });
  say(`machine: ${machine.nproc} cores, ${machine.memTotalGiB} GiB (${machine.memAvailableGiB} GiB available); logs in ${logDir}`);
  const floorKb = o.memoryFloorGiB * GiB;
  const started = Date.now();
  const steps: StepFigures[] = [];
  const skipped: ScaleRun['skipped'] = [];
  let cluster: ScaleCluster | undefined;
  let host: AgentHost | undefined;
  let lowMemory: string | undefined;
  let minAvailableKb = Infinity;
  let setupSeconds = 0;
  const peaks: Record<string, number> = {};
  let sampler: NodeJS.Timeout | undefined;
  let heapLimitMiB = 0;
  let baselineMiB: Record<string, number> | undefined;

  try {
    cluster = await startScaleCluster({ nodes: o.nodes, scale: o.scale, statusReportSeconds: o.statusReportSeconds, imds: o.imds, say });
    const { sandbox } = cluster;
    const { plane, sim } = sandbox;
    // Room for every agent: V8 would otherwise stop the process at a few GiB; the memory floor stops the run first.
    heapLimitMiB = Math.floor(meminfoKb('MemTotal') / 1024 - 2048);
    host = await AgentHost.start({
      kubeconfigPath: cluster.agentKubeconfigPath,
      settings: sandbox.settings,
      awsEndpoint: sim.endpoint,
      logFile: join(logDir, 'agents.log'),
      outputFile: join(logDir, 'agents-process.log'),
      heapLimitMiB,
      maxStarting: o.maxStarting,
      execArgv: values['profile-agents'] ? ['--cpu-prof', `--cpu-prof-dir=${values['profile-agents']}`] : [],
    });
    setupSeconds = (Date.now() - started) / 1000;
    const h = host;
    const c = cluster;
    const pids = (): Record<string, number | undefined> => ({
      'kube-apiserver': plane.processes.apiServer.pid,
      etcd: plane.processes.etcd.pid,
      'kube-controller-manager': plane.processes.controllerManager?.pid,
      'kube-scheduler': plane.processes.scheduler?.pid,
      kwok: childrenRunning('kwok')[0],
      agents: h.pid,
      'shared AEMM': c.sharedImds?.process.pid,
      bench: process.pid,
    });
    const procs = (): Record<string, ProcReading> => {
      const out: Record<string, ProcReading> = {};
      for (const [name, pid] of Object.entries(pids())) {
        const p = pid ? readProc(pid) : undefined;
        if (p) out[name] = p;
      }
      return out;
    };
    sampler = setInterval(() => {
      for (const [name, p] of Object.entries(procs())) peaks[name] = Math.max(peaks[name] ?? 0, p.hwmMiB);
      const available = meminfoKb('MemAvailable');
      minAvailableKb = Math.min(minAvailableKb, available);
      if (available < floorKb && !lowMemory) {
        lowMemory = `available memory fell to ${Math.round(available / 1024)} MiB, under the floor of ${Math.round(floorKb / 1024)} MiB`;
        say(`STOPPING: ${lowMemory}`);
        void h.halt().catch(() => undefined);
      }
    }, 2000);
    // Ctrl-C ends the count under way as a failure and still writes what was measured; a second one ends the bench.
    let interrupted: string | undefined;
    process.on('SIGINT', () => {
      if (interrupted) process.exit(130);
      interrupted = 'interrupted (SIGINT)';
      say(`STOPPING: ${interrupted}`);
      void h.halt().catch(() => undefined);
    });
    const abortReason = () => lowMemory ?? h.death ?? interrupted;
    const read = async (gc = false): Promise<Reading> => {
      const [api, status, aws] = await Promise.all([readApi(plane), h.status(gc), sim.control.calls()]);
      const { requests, refused, perAgent, ...rest } = status;
      return { at: Date.now(), api, agents: requests, agentsRefused: refused, perAgent, bench: { ...c.benchRequests }, aws, procs: procs(), host: rest };
    };

    const roster = new Roster(h, c);
    const baseline = await read(true);
    baselineMiB = { ...Object.fromEntries(Object.entries(baseline.procs).map(([k, p]) => [k, p.rssMiB])), 'agents heap': baseline.host.heapUsedMiB };
    let previous: { agents: number; hostRssMiB: number; apiRssMiB: number } = { agents: 0, hostRssMiB: baseline.procs.agents?.rssMiB ?? 0, apiRssMiB: baseline.procs['kube-apiserver']?.rssMiB ?? 0 };
    const base = previous;
    for (const count of o.steps) {
      // What the next count would take, at the memory each agent took so far (agents' process and kube-apiserver).
      if (previous.agents > 0) {
        const perAgentMiB = (previous.hostRssMiB - base.hostRssMiB + (previous.apiRssMiB - base.apiRssMiB)) / previous.agents;
        const needMiB = 1.15 * perAgentMiB * (count - roster.agents.size);
        const spareMiB = (meminfoKb('MemAvailable') - floorKb) / 1024;
        if (needMiB > spareMiB) {
          const reason = `${count} agents would need about ${(needMiB / 1024).toFixed(1)} GiB more (${perAgentMiB.toFixed(1)} MiB per agent in the agents' process and kube-apiserver at ${previous.agents} agents, plus 15%), but only ${(spareMiB / 1024).toFixed(1)} GiB is available above the ${o.memoryFloorGiB} GiB floor`;
          say(`${count} agents: skipped: ${reason}`);
          skipped.push({ agents: count, reason });
          break;
        }
      }
      const step: StepFigures = { agents: count, ok: false, procs: {}, peaksMiB: {} };
      steps.push(step);
      try {
        say(`${count} agents: starting ${count - roster.agents.size} more (at most ${o.maxStarting} starting at once)`);
        const t0 = Date.now();
        const s0 = await read();
        step.added = await roster.grow(count, await c.daemonSetPods());
        // Starts that have all but stopped mean the agents' process is out of CPU: say so rather than wait.
        const progress: { at: number; synced: number; cpu: number }[] = [];
        for (let last = 0; ; ) {
          const abort = abortReason();
          if (abort) throw new Error(abort);
          const s = await h.status();
          if (s.synced >= roster.agents.size && s.queued === 0) break;
          progress.push({ at: Date.now(), synced: s.synced, cpu: readProc(h.pid)?.cpuSeconds ?? 0 });
          const then = progress.find((p) => p.at >= Date.now() - STALL_WINDOW_MS - 1000);
          if (then && Date.now() - t0 > STALL_WINDOW_MS && Date.now() - then.at >= STALL_WINDOW_MS - 2000 && s.synced - then.synced < STALL_WINDOW_MS / 10_000) {
            const busy = ((progress.at(-1)?.cpu ?? 0) - then.cpu) / ((Date.now() - then.at) / 1000);
            throw new Error(
              `the agents' process could start no more agents: ${s.synced} of ${s.agents} started agents synced (${s.queued} still queued), ${s.synced - then.synced} in the last ${STALL_WINDOW_MS / 60_000} minutes, while it used ${Math.round(busy * 100)}% of a core; ${Math.round(meminfoKb('MemAvailable') / 1024)} MiB of memory was still available`,
            );
          }
          if (Date.now() - last > 15_000) {
            say(`  ${s.synced} of ${s.agents} started agents synced, ${s.ready} ready${s.imdsFailing ? ` (${s.imdsFailing} unready for a failed IMDS poll)` : ''}, ${s.queued} queued; agents' process ${s.rssMiB} MiB RSS, heap ${s.heapUsedMiB} MiB; ${Math.round(meminfoKb('MemAvailable') / 1024)} MiB available`);
            last = Date.now();
          }
          if (Date.now() - t0 > 60_000 + count * 2000) throw new Error(`only ${s.synced} of ${s.agents} agents synced after ${Math.round((Date.now() - t0) / 1000)} s`);
          await sleep(1000);
        }
        step.startSeconds = (Date.now() - t0) / 1000;
        step.start = windowOf(s0, await read());
        // The last agents' first requests (their node, their ASG) are over, and so is whatever
        // the cluster still did (at the first count: the controllers' work on the new nodes).
        step.quietSeconds = await waitQuiet(() => readApi(plane), abortReason);
        say(`${count} agents synced in ${step.startSeconds.toFixed(1)} s; the cluster quiet ${step.quietSeconds.toFixed(0)} s later`);
        const i0 = await read();
        for (const end = Date.now() + o.idleSeconds * 1000; Date.now() < end; await sleep(1000)) {
          const abort = abortReason();
          if (abort) throw new Error(abort);
        }
        const i1 = await read();
        step.idle = windowOf(i0, i1);
        // The heap the agents hold, not what the last minute left for the collector.
        const { requests: _r, refused: _f, perAgent: _p, ...held } = await h.status(true);
        step.idleHost = held;
        step.agentsRssAfterGcMiB = readProc(h.pid)?.rssMiB;
        // A full collection of a heap of GiBs stops every agent for seconds: let them catch up.
        await sleep(10_000);
        step.watchesOpen = i1.api.watches;
        step.procs = i1.procs;
        say(`${count} agents: idle ${o.idleSeconds} s: ${summariseStep(step, o, baselineMiB).idleLine}`);
        previous = { agents: roster.agents.size, hostRssMiB: step.agentsRssAfterGcMiB ?? i1.procs.agents?.rssMiB ?? 0, apiRssMiB: i1.procs['kube-apiserver']?.rssMiB ?? 0 };

        if (o.events > 0) {
          say(`${count} agents: ${o.events} fallback event${o.events === 1 ? '' : 's'}`);
          step.event = await playEvent({ cluster: c, host: h, roster, nodes: o.nodes, events: o.events, scale: o.scale, timeoutMs: o.eventTimeoutSeconds * 1000, read, say, abortReason });
          say(`${count} agents: ${summariseStep(step, o, baselineMiB).eventLine}`);
        }
        step.ok = true;
      } catch (err) {
        step.reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
        say(`${count} agents: stopped: ${step.reason}`);
        break;
      } finally {
        step.peaksMiB = { ...peaks };
        step.minAvailableMiB = Math.round(minAvailableKb / 1024);
        // Whatever happens later, this count's figures are on disk (render them with --render-only --docs-dir LOGDIR).
        await writeFile(join(logDir, 'scale.json'), `${JSON.stringify({ ...runInfo(), steps }, null, 2)}\n`).catch(() => undefined);
      }
    }
  } finally {
    clearInterval(sampler);
    say('stopping the agents and the sandbox');
    await host?.shutdown().catch(() => host?.kill());
    await cluster?.stop().catch((err: unknown) => say(`stopping the sandbox failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  return { run: runInfo(), steps };

  function runInfo(): ScaleRun {
    // Where files went is this machine's business, not part of the command to repeat.
    const args = process.argv.slice(2).filter((a, i, all) => !/^--(docs|log)-dir/.test(a) && !/^--(docs|log)-dir$/.test(all[i - 1] ?? ''));
    return {
      generatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      command: `npm run bench:scale${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
      machine,
      options: o,
      settings: cluster?.sandbox.settings ?? {},
      heapLimitMiB,
      setupSeconds,
      totalMinutes: (Date.now() - started) / 60_000,
      minAvailableMiB: Math.round(minAvailableKb / 1024),
      peaksMiB: peaks,
      baselineMiB,
      skipped,
      lowMemory,
    };
  }
}

async function report(run: ScaleRun, steps: StepFigures[], write: boolean): Promise<void> {
  process.stdout.write(`\n${consoleSummary(run, steps)}\n`);
  if (!write) return;
  await mkdir(docsDir, { recursive: true });
  await writeFile(join(docsDir, 'scale.md'), renderScaleMarkdown(run, steps));
  await writeFile(join(docsDir, 'scale.json'), `${JSON.stringify({ ...run, steps }, null, 2)}\n`);
  say(`wrote ${join(docsDir, 'scale.md')} and ${join(docsDir, 'scale.json')}`);
}

if (isMain && values['render-only']) {
  const { steps, ...run } = JSON.parse(await readFile(join(docsDir, 'scale.json'), 'utf8')) as ScaleRun & { steps: StepFigures[] };
  await report(run, steps, true);
} else if (isMain) {
  const { run, steps } = await measure();
  await report(run, steps, !values['no-docs']);
  process.exit(steps.length > 0 && steps.every((s) => s.ok) ? 0 : 1);
}
