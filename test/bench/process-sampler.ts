// Samples the memory of the processes a bench run started (every agent, every AEMM, the
// control plane) from /proc, keeps each one's peak, watches the machine's available memory so
// a run can stop before it starves whoever else uses the machine, and afterwards says which
// of them, if any, are still alive.
import { readdirSync, readFileSync } from 'node:fs';

/** `agent-child`: a process an agent started (tsx's esbuild service when its cache is off). */
export type Role = 'agent' | 'agent-child' | 'aemm' | 'kube-apiserver' | 'etcd';

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
export function statusKb(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
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

/** The children of this process that a sandbox starts, by what they run, and the agents' own children. */
export function sandboxChildren(): { pid: number; role: Role; parent?: number }[] {
  const out: { pid: number; role: Role; parent?: number }[] = [];
  for (const pid of childrenOf(process.pid)) {
    const argv = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
    const program = argv[0]?.split('/').pop() ?? '';
    const role: Role | undefined =
      program === 'etcd' ? 'etcd'
      : program === 'kube-apiserver' ? 'kube-apiserver'
      : program === 'ec2-metadata-mock' ? 'aemm'
      : argv.some((a) => a.endsWith('bin/spot-guard.js')) && argv.includes('agent') ? 'agent'
      : undefined;
    if (pid > 0 && role) out.push({ pid, role });
    if (role === 'agent') for (const child of childrenOf(pid)) out.push({ pid: child, role: 'agent-child', parent: pid });
  }
  return out;
}

export class ProcessSampler {
  readonly peaks = new Map<number, ProcessPeak>();
  minAvailableKb = Infinity;
  /** Set once available memory fell under the floor; the run should stop. */
  lowMemory: string | undefined;
  private timer: NodeJS.Timeout | undefined;

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
      } else this.peaks.set(t.pid, { ...t, hwmKb: hwm, rssKb: rss, cmdline: cmdlineOf(t.pid) ?? '' });
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
