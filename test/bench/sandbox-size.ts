// One size of the sandbox bench: start the sandbox with `size` spot nodes (so `size` agent
// processes, each the built bundle under the shipped memory limit with its own AEMM), measure
// an idle window, play the fallback rounds, and stop everything, sampling every child
// process's memory all along (every RSS sample during the idle window, for each agent's
// steady RSS), counting the agents the kernel OOM-killed and checking at the end that none of
// the processes is left.
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { runRound, snapshot, windowOf, type RoundFigures, type Window } from './fallback-round.js';
import { portBelowEphemeralRange } from './node-ports.js';
import { ProcessSampler, sandboxChildren, type ProcessPeak } from './process-sampler.js';

export interface SizeOptions {
  size: number;
  scale: number;
  rounds: number;
  /** Events per round, played at once on as many spot nodes. */
  events: number;
  idleMs: number;
  startGapMs: number;
  roundTimeoutMs: number;
  /** The run stops when the machine's available memory falls under this. */
  memoryFloorKb: number;
  logDir: string;
  say: (line: string) => void;
}

export interface SizeFigures {
  size: number;
  ok: boolean;
  reason?: string;
  /** startSandbox until `size` agents answer /readyz. */
  startupSeconds?: number;
  stopSeconds?: number;
  totalSeconds: number;
  settings?: Record<string, string>;
  /** How the agents' memory was limited, in the sandbox's words. */
  agentMemory?: string;
  /** Nodes whose agent the kernel killed for outgrowing its memory limit (undefined: the sandbox never started). */
  oomKilled?: string[];
  idle?: Window;
  rounds: RoundFigures[];
  processes: Omit<ProcessPeak, 'cmdline'>[];
  minAvailableMiB: number;
  leftovers: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err));

export async function runSize(o: SizeOptions): Promise<SizeFigures> {
  const started = Date.now();
  const figures: SizeFigures = { size: o.size, ok: false, totalSeconds: 0, rounds: [], processes: [], minAvailableMiB: 0, leftovers: [] };
  let sandbox: Sandbox | undefined;
  const sampler = new ProcessSampler(() => {
    const nodeOf = new Map(sandbox?.agents.list().map((a) => [a.process.pid, a.node]) ?? []);
    return sandboxChildren().map((c) => ({ pid: c.pid, role: c.role, name: c.role === 'agent' ? (nodeOf.get(c.pid) ?? `pid ${c.pid}`) : c.role }));
  }, o.memoryFloorKb);
  sampler.start(2000);
  const abortReason = () => {
    if (sampler.lowMemory) return sampler.lowMemory;
    return sandbox?.agents.list().map((a) => a.process.deathError()).find((e) => e !== undefined)?.message.split('\n')[0];
  };
  try {
    o.say(`${o.size} agents: starting the sandbox (one agent every ${o.startGapMs} ms)`);
    const ready = startSandbox({
      scale: o.scale,
      spotNodes: o.size,
      asgMaxSize: Math.max(20, 2 * o.size),
      readyTimeoutMs: 120_000 + o.size * (o.startGapMs + 2000),
      agentStartGapMs: o.startGapMs,
      pickNodePort: portBelowEphemeralRange,
      logDir: o.logDir,
      // The agents run the bundle the sandbox builds, under the DaemonSet's memory limit (the default).
      agentMemoryLimit: 'shipped',
      settings: { SPOT_GUARD_EVENT_TTL: '5s' },
    });
    // The sandbox waits for readiness by itself; memory is watched meanwhile.
    const watch = watchMemory(sampler);
    sandbox = await Promise.race([ready, watch.low])
      .catch(async (err: unknown) => {
        // An agent that dies ends the sandbox's wait, and it then stops everything it started.
        for (const c of sandboxChildren().filter((c) => c.role === 'agent')) {
          try {
            process.kill(c.pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        await (await ready.catch(() => undefined))?.stop();
        throw err;
      })
      .finally(() => watch.cancel());
    figures.startupSeconds = (Date.now() - started) / 1000;
    figures.settings = sandbox.settings;
    figures.agentMemory = sandbox.agentMemory;
    o.say(`${o.size} agents ready in ${figures.startupSeconds.toFixed(1)} s; ${sandbox.agentMemory}`);

    // Late agents still ask AWS which ASG their node is in: let that pass before the idle window.
    await sleep(10_000);
    const i0 = await snapshot(sandbox);
    sampler.startWindow();
    await sleep(o.idleMs);
    sampler.endWindow();
    figures.idle = windowOf(i0, await snapshot(sandbox));
    const ctx = { sandbox, size: o.size, events: o.events, scale: o.scale, timeoutMs: o.roundTimeoutMs, say: o.say, abortReason };
    for (let r = 1; r <= o.rounds; r++) {
      const abort = abortReason();
      if (abort) throw new Error(abort);
      figures.rounds.push(await runRound(ctx, r));
    }
    figures.ok = true;
  } catch (err) {
    figures.reason = message(err);
    o.say(`${o.size} agents: stopped early: ${figures.reason}`);
  } finally {
    sampler.endWindow();
    sampler.sample();
    // The live agents' cgroups are asked before stop removes them; the gone ones' are kept.
    const oomBefore = await sandbox?.agents.oomKilled().catch(() => []);
    const stopping = Date.now();
    await sandbox?.stop().catch((err: unknown) => o.say(`stopping the sandbox failed: ${message(err)}`));
    figures.stopSeconds = (Date.now() - stopping) / 1000;
    if (sandbox) {
      figures.oomKilled = [...new Set([...(oomBefore ?? []), ...(await sandbox.agents.oomKilled().catch(() => []))])].sort();
      if (figures.oomKilled.length > 0) o.say(`${o.size} agents: OOM-killed: ${figures.oomKilled.join(', ')}`);
    }
    sampler.stop();
    figures.leftovers = sampler.leftovers();
    figures.processes = [...sampler.peaks.values()].map(({ cmdline: _cmdline, ...p }) => p);
    figures.minAvailableMiB = Math.round(sampler.minAvailableKb / 1024);
    figures.totalSeconds = (Date.now() - started) / 1000;
  }
  return figures;
}

/** `low` rejects once the sampler reports low memory (checked every second) unless cancelled. */
function watchMemory(sampler: ProcessSampler): { low: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const low = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (!sampler.lowMemory) return;
      clearInterval(timer);
      reject(new Error(sampler.lowMemory));
    }, 1000);
  });
  return { low, cancel: () => clearInterval(timer) };
}
