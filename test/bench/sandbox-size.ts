// One size of the sandbox bench: start the sandbox with `size` spot nodes (so `size` agent
// processes, each with its own AEMM), measure an idle window, play the fallback rounds, and
// stop everything, sampling every child process's memory all along and checking at the end
// that none of them is left.
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
  /** Let agents share tsx's transform cache (as `npm start` does) instead of compiling at every start (as the image does). */
  tsxCache: boolean;
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
    const agentName = (pid: number | undefined) => nodeOf.get(pid ?? 0) ?? `pid ${pid}`;
    return sandboxChildren().map((c) => ({ pid: c.pid, role: c.role, name: c.role === 'agent' ? agentName(c.pid) : c.role === 'agent-child' ? `${agentName(c.parent)}'s child` : c.role }));
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
      // The image sets TSX_DISABLE_CACHE (read-only root filesystem): every agent compiles at start.
      settings: { SPOT_GUARD_EVENT_TTL: '5s', ...(o.tsxCache ? {} : { TSX_DISABLE_CACHE: '1' }) },
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
    o.say(`${o.size} agents ready in ${figures.startupSeconds.toFixed(1)} s`);

    // Late agents still ask AWS which ASG their node is in: let that pass before the idle window.
    await sleep(10_000);
    const i0 = await snapshot(sandbox);
    await sleep(o.idleMs);
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
    sampler.sample();
    const stopping = Date.now();
    await sandbox?.stop().catch((err: unknown) => o.say(`stopping the sandbox failed: ${message(err)}`));
    figures.stopSeconds = (Date.now() - stopping) / 1000;
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
