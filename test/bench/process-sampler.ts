// Samples the memory of the processes a bench run started (every agent, every AEMM, the
// control plane) from /proc, keeps each one's peak, watches the machine's available memory so
// a run can stop before it starves whoever else uses the machine, and afterwards says which
// of them, if any, are still alive. Between `startWindow` and `endWindow` it also keeps every
// RSS sample, so each process's steady RSS is the median of what it held over that window.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

export type Role = 'agent' | 'aemm' | 'kube-apiserver' | 'etcd';

export interface Tracked {
  pid: number;
  role: Role;
  name: string;
}

export interface ProcessPeak extends Tracked {
  /** VmHWM: the peak resident set size the kernel saw, in kB. */
  hwmKb: number;
  /** VmRSS at the last sample, in kB. */
  rssKb: number;
  /** RssFile at the last sample, in kB: file-backed pages (the node binary's text, mostly), shared by every process that maps the same file. */
  fileKb?: number;
  /** The median VmRSS over the sampling window (`startWindow` to `endWindow`), in kB, where the process was sampled in it. */
  windowRssKb?: number;
  /** How many samples that median is taken over. */
  windowSamples?: number;
  cmdline: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A field of /proc/<pid>/status in kB; undefined once the process is gone. */
export function statusKb(pid: number | 'self', field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : undefined;
}

export function meminfoKb(field: 'MemAvailable' | 'MemTotal'): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read('/proc/meminfo') ?? '')?.[1] ?? NaN);
}

function cmdlineOf(pid: number): string | undefined {
  return read(`/proc/${pid}/cmdline`)?.split('\0').join(' ').trim();
}

/** Alive and not a zombie, and still the same program (a reused pid is not ours). */
function alive(p: ProcessPeak): boolean {
  const stat = read(`/proc/${p.pid}/stat`);
  if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
  return cmdlineOf(p.pid) === p.cmdline;
}

/** Children of `pid` started from any of its threads. */
function childrenOf(pid: number): number[] {
  return taskIds(pid).flatMap((tid) => (read(`/proc/${pid}/task/${tid}/children`)?.trim().split(/\s+/) ?? []).filter(Boolean).map(Number));
}

function taskIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** The sandbox's agent: the built bundle run by node with `agent` (`node dist/spot-guard-agent.mjs agent`). */
const AGENT_BUNDLE = 'spot-guard-agent.mjs';

/**
 * What a child of ours runs, by its command line. An agent in a memory cgroup starts as
 * `/bin/sh -c '... exec "$@"' <cgroup> node dist/spot-guard-agent.mjs agent` and execs into
 * node under the same pid: the shell, for the moment it lives, is not the agent yet.
 */
export function roleOf(argv: readonly string[]): Role | undefined {
  const program = basename(argv[0] ?? '');
  if (program === 'etcd') return 'etcd';
  if (program === 'kube-apiserver') return 'kube-apiserver';
  if (program === 'ec2-metadata-mock') return 'aemm';
  if (/^(ba|da)?sh$/.test(program)) return undefined;
  const bundle = argv.findIndex((a) => basename(a) === AGENT_BUNDLE);
  return bundle > 0 && argv[bundle + 1] === 'agent' ? 'agent' : undefined;
}

/** The children of this process that a sandbox starts, by what they run. */
export function sandboxChildren(): { pid: number; role: Role }[] {
  const out: { pid: number; role: Role }[] = [];
  for (const pid of childrenOf(process.pid)) {
    const role = roleOf(read(`/proc/${pid}/cmdline`)?.split('\0') ?? []);
    if (pid > 0 && role) out.push({ pid, role });
  }
  return out;
}

function median(values: readonly number[]): number | undefined {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length === 0 ? undefined : v.length % 2 ? v[mid] : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2;
}

export class ProcessSampler {
  readonly peaks = new Map<number, ProcessPeak>();
  minAvailableKb = Infinity;
  /** Set once available memory fell under the floor; the run should stop. */
  lowMemory: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Every RSS sample (kB) of every process while a window is open. */
  private window: Map<number, number[]> | undefined;

  constructor(
    private readonly tracked: () => Tracked[],
    private readonly floorKb: number,
  ) {}

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Keeps every RSS sample from now (this one included) until `endWindow`. */
  startWindow(): void {
    this.window = new Map();
    this.sample();
  }

  /** Takes a last sample and sets each sampled process's `windowRssKb` to the median of its samples. */
  endWindow(): void {
    if (!this.window) return;
    this.sample();
    for (const [pid, samples] of this.window) {
      const p = this.peaks.get(pid);
      if (!p) continue;
      p.windowRssKb = median(samples);
      p.windowSamples = samples.length;
    }
    this.window = undefined;
  }

  sample(): void {
    for (const t of this.tracked()) {
      const hwm = statusKb(t.pid, 'VmHWM');
      const rss = statusKb(t.pid, 'VmRSS');
      if (hwm === undefined || rss === undefined) continue;
      const known = this.peaks.get(t.pid);
      if (known) {
        known.name = t.name;
        known.hwmKb = Math.max(known.hwmKb, hwm);
        known.rssKb = rss;
        known.fileKb = statusKb(t.pid, 'RssFile');
      } else this.peaks.set(t.pid, { ...t, hwmKb: hwm, rssKb: rss, fileKb: statusKb(t.pid, 'RssFile'), cmdline: cmdlineOf(t.pid) ?? '' });
      const samples = this.window?.get(t.pid) ?? [];
      if (this.window) this.window.set(t.pid, [...samples, rss]);
    }
    const available = meminfoKb('MemAvailable');
    this.minAvailableKb = Math.min(this.minAvailableKb, available);
    if (available < this.floorKb && !this.lowMemory) {
      this.lowMemory = `available memory fell to ${Math.round(available / 1024)} MiB, under the floor of ${Math.round(this.floorKb / 1024)} MiB`;
    }
  }

  of(role: Role): ProcessPeak[] {
    return [...this.peaks.values()].filter((p) => p.role === role);
  }

  /** Every sampled process still running, and any child of ours running one of these programs. */
  leftovers(): string[] {
    const seen = [...this.peaks.values()].filter(alive).map((p) => `${p.role} ${p.name} (pid ${p.pid})`);
    const stray = sandboxChildren()
      .filter((c) => !this.peaks.has(c.pid))
      .map((c) => `${c.role} (pid ${c.pid})`);
    return [...seen, ...stray];
  }
}
