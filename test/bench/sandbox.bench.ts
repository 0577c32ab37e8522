// Spot Guard's load and latency on the sandbox at several sizes: AWS calls per event, API
// server writes per event, spot stable → drain started, and peak and steady RSS per agent
// process and OOM kills, with every agent a real process (the built bundle, under the
// DaemonSet's memory limit) with its own AEMM. Prints a table and writes docs/bench.md and
// docs/bench.json. A benchmark, not a test: nothing here passes or fails.
//
//   npm run bench                          sizes 10, 50 and 200 (a size that would not fit in
//                                          memory is skipped and said so)
//   npm run bench -- --sizes 10 --rounds 1 --no-docs
//   npm run bench -- --render-only         docs/bench.md again from docs/bench.json, measuring
//                                          nothing (after a change to how figures are shown)
//
// Flags: --sizes 10,50,200  --scale 15 (durations divided by; 15 turns the 15 s ASG poll
// interval into exactly its 1 s floor)  --rounds 3  --events 3 (per round, at once)
// --idle-seconds 30  --start-gap-ms 1000  --round-timeout-seconds 600  --reserve-gib 3
// (memory left to others)  --memory-floor-gib 1.5 (stop a run below this)  --log-dir DIR (agent
// logs; default a new temporary directory)  --docs-dir docs  --no-docs
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { numberArg } from './bench-args.js';
import { renderMarkdown, type RunInfo } from './bench-docs.js';
import { consoleTable, summarise, type SizeSummary } from './bench-report.js';
import { meminfoKb } from './process-sampler.js';
import { runSize, type SizeFigures } from './sandbox-size.js';

// Imported rather than run (uvu's test:unit walks every file under test/): measure nothing.
const isMain = process.argv[1] === fileURLToPath(import.meta.url);
const { values } = parseArgs({
  args: isMain ? process.argv.slice(2) : [],
  options: {
    sizes: { type: 'string', default: '10,50,200' },
    scale: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    events: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '30' },
    'start-gap-ms': { type: 'string', default: '1000' },
    'round-timeout-seconds': { type: 'string', default: '600' },
    'reserve-gib': { type: 'string', default: '3' },
    'memory-floor-gib': { type: 'string', default: '1.5' },
    'log-dir': { type: 'string' },
    'docs-dir': { type: 'string', default: fileURLToPath(new URL('../../docs/', import.meta.url)) },
    'no-docs': { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
  },
  strict: true,
});

const number = (name: keyof typeof values, min: number): number => numberArg(values, name, min);
const sizes = (values.sizes ?? '').split(',').map((s) => Number(s.trim()));
if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--sizes ${values.sizes}: must be whole numbers such as 10,50,200`);
sizes.sort((a, b) => a - b);
const options = {
  sizes,
  scale: number('scale', 1),
  rounds: number('rounds', 1),
  events: number('events', 1),
  idleSeconds: number('idle-seconds', 1),
  startGapMs: number('start-gap-ms', 0),
  reserveGiB: number('reserve-gib', 0),
};
const GiB = 1024 * 1024;
const memoryFloorKb = number('memory-floor-gib', 0.5) * GiB;
const docsDir = values['docs-dir'] ?? 'docs';
const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);

/** Every size in turn; a size whose memory would not fit is skipped, with why. */
async function measure(): Promise<{ info: RunInfo; figures: SizeFigures[] }> {
  // What one size needs: per agent its Node process and its AEMM as they settle, for the size
  // plus the nodes a round adds; the extra an agent takes while it starts, for the few starting
  // at once; the control plane and the bench. Agent figures start from an estimate for the
  // bundle and then follow each size's measured steady RSS and largest peak; the run itself
  // also stops when available memory falls under the floor.
  let agentSteadyKb = 100 * 1024;
  let agentPeakKb = 200 * 1024;
  let measured = false;
  const PER_NODE_EXTRA_KB = 20 * 1024;
  const STARTING_AT_ONCE = 10;
  // The control plane, the bench, and the node binary's text that every agent maps from the
  // same file (file-backed pages are in each agent's RSS but in memory once).
  const FIXED_KB = 1 * GiB;
  let sharedFileKb = 0;
  const projectedKb = (size: number) => (size + options.events + 2) * (agentSteadyKb + PER_NODE_EXTRA_KB) + STARTING_AT_ONCE * Math.max(0, agentPeakKb - sharedFileKb - agentSteadyKb) + FIXED_KB + sharedFileKb;

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    nproc: availableParallelism(),
    memTotalGiB: Math.round((meminfoKb('MemTotal') / GiB) * 10) / 10,
    memAvailableGiB: Math.round((meminfoKb('MemAvailable') / GiB) * 10) / 10,
    loadAverage: loadavg(),
    kernel: release(),
    node: process.version,
  };
  const logRoot = values['log-dir'] ?? (await mkdtemp(join(tmpdir(), 'spot-guard-bench-')));
  say(`machine: ${machine.nproc} cores, ${machine.memTotalGiB} GiB (${machine.memAvailableGiB} GiB available); agent logs in ${logRoot}`);

  const figures: SizeFigures[] = [];
  const skipped: RunInfo['skipped'] = [];
  for (const size of sizes) {
    const available = meminfoKb('MemAvailable');
    const need = projectedKb(size);
    if (need > available - options.reserveGiB * GiB) {
      const reason = `${size} agents would need about ${(need / GiB).toFixed(1)} GiB (${Math.round(agentSteadyKb / 1024)} MiB per agent process once settled, not counting the ${Math.round(sharedFileKb / 1024)} MiB of file-backed pages they share, ${Math.round(agentPeakKb / 1024)} MiB at its peak: ${measured ? 'the median steady RSS of the last size measured less the shared pages, plus 10%, and its largest peak' : 'an estimate for the bundle, before any measurement'}; ${PER_NODE_EXTRA_KB / 1024} MiB per node for its AEMM, ${FIXED_KB / GiB} GiB for the control plane and the bench), but ${(available / GiB).toFixed(1)} GiB was available and ${options.reserveGiB} GiB of it is left to others; the agent processes alone would take ${((size * agentSteadyKb) / GiB).toFixed(1)} GiB`;
      say(`${size} agents: skipped: ${reason}`);
      skipped.push({ size, reason });
      continue;
    }
    const logDir = join(logRoot, `agents-${size}`);
    await mkdir(logDir, { recursive: true });
    const f = await runSize({
      size,
      scale: options.scale,
      rounds: options.rounds,
      events: options.events,
      idleMs: options.idleSeconds * 1000,
      startGapMs: options.startGapMs,
      roundTimeoutMs: number('round-timeout-seconds', 60) * 1000,
      memoryFloorKb,
      logDir,
      say,
    });
    figures.push(f);
    const agents = f.processes.filter((p) => p.role === 'agent');
    if (agents.length > 0) {
      agentPeakKb = Math.max(...agents.map((p) => p.hwmKb));
      // The median of the agents' steady RSS (the end RSS if the idle window was not reached), with a margin.
      const summary = summarise(f);
      const steadyMiB = summary.agentSteadyRssMiB?.median ?? summary.agentEndRssMiB?.median;
      // What each agent adds is its RSS less the file-backed pages all of them share.
      const files = agents.map((p) => p.fileKb ?? 0).sort((a, b) => a - b);
      sharedFileKb = files[Math.floor(files.length / 2)] ?? 0;
      if (steadyMiB) [agentSteadyKb, measured] = [1.1 * (steadyMiB * 1024 - sharedFileKb), true];
    }
    say(`${size} agents: done in ${(f.totalSeconds / 60).toFixed(1)} min; left over: ${f.leftovers.length > 0 ? f.leftovers.join(', ') : 'nothing'}`);
  }

  // Where files went is this machine's business, not part of the command to repeat.
  const args = process.argv.slice(2).filter((a, i, all) => !/^--(docs|log)-dir/.test(a) && !/^--(docs|log)-dir$/.test(all[i - 1] ?? ''));
  const info: RunInfo = {
    generatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    machine,
    options,
    agentMemory: figures.find((f) => f.agentMemory)?.agentMemory,
    skipped,
    summaries: figures.map(summarise),
  };
  return { info, figures };
}

async function report(info: RunInfo, figures: SizeFigures[], write: boolean): Promise<void> {
  const shown: SizeSummary[] = [...info.summaries, ...info.skipped.map((s) => ({ size: s.size, ok: false, note: 'not run for lack of memory (below)', events: 0 }))].sort((a, b) => a.size - b.size);
  process.stdout.write(`\n${consoleTable(shown)}\n`);
  for (const s of info.skipped) process.stdout.write(`${s.size} agents not run: ${s.reason}\n`);
  for (const s of info.summaries) if (!s.ok) process.stdout.write(`${s.size} agents stopped early: ${s.note ?? '?'}\n`);
  if (!write) return;
  await mkdir(docsDir, { recursive: true });
  await writeFile(join(docsDir, 'bench.md'), renderMarkdown(info, figures));
  await writeFile(join(docsDir, 'bench.json'), `${JSON.stringify({ ...info, figures }, null, 2)}\n`);
  say(`wrote ${join(docsDir, 'bench.md')} and ${join(docsDir, 'bench.json')}`);
}

if (isMain && values['render-only']) {
  // The figures as measured; only how they are summed up and shown is new.
  const { figures, ...saved } = JSON.parse(await readFile(join(docsDir, 'bench.json'), 'utf8')) as RunInfo & { figures: SizeFigures[] };
  await report({ ...saved, summaries: figures.map(summarise) }, figures, true);
} else if (isMain) {
  const { info, figures } = await measure();
  await report(info, figures, !values['no-docs']);
  process.exitCode = figures.some((f) => f.leftovers.length > 0) ? 1 : 0;
}
