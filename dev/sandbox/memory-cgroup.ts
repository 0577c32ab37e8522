// A memory cgroup per sandbox agent, so an agent that outgrows the shipped memory limit is
// OOM-killed here as the kubelet's cgroup would kill it on a node. Each cgroup is made below
// the one this process runs in (never beside it: whoever runs the sandbox keeps accounting for
// everything it starts), on cgroup v1's memory controller (`memory.limit_in_bytes`) or v2's
// unified hierarchy (`memory.max`). Where neither is writable (not root, a read-only mount),
// `openMemoryCgroups` says why and the sandbox runs its agents unlimited, saying so.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MemoryCgroup {
  readonly path: string;
  readonly limitBytes: number;
  /** `command args...` wrapped so the process enters this cgroup before it runs anything. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The highest memory use the kernel charged to the cgroup, page cache included. */
  peakBytes(): Promise<number | undefined>;
  /** How many processes the kernel killed for outgrowing the limit. */
  oomKills(): Promise<number>;
  remove(): Promise<void>;
}

export type MemoryCgroups = { ok: true; create(name: string, limitBytes: number): Promise<MemoryCgroup>; removeAll(): Promise<void> } | { ok: false; reason: string };

const V1_ROOT = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';

/** This process's own cgroup for `controller` (v1), or its unified-hierarchy cgroup (v2). */
function ownCgroup(selfCgroup: string, controller: 'memory' | ''): string | undefined {
  for (const line of selfCgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controller === '' ? controllers === '' : controllers.split(',').includes(controller)) return path;
  }
  return undefined;
}

async function writable(dir: string): Promise<string | undefined> {
  const probe = join(dir, `spot-guard-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

interface Flavour {
  version: 'v1' | 'v2';
  limitFile: string;
  peak(dir: string): Promise<number | undefined>;
  oomKills(dir: string): Promise<number>;
}

const readNumber = async (file: string): Promise<number | undefined> => {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const n = Number(text?.trim());
  return text === undefined || !Number.isFinite(n) ? undefined : n;
};

const oomKillCount = async (file: string): Promise<number> => Number(/^oom_kill (\d+)$/m.exec((await readFile(file, 'utf8').catch(() => '')) ?? '')?.[1] ?? 0);

const V1: Flavour = {
  version: 'v1',
  limitFile: 'memory.limit_in_bytes',
  peak: (dir) => readNumber(join(dir, 'memory.max_usage_in_bytes')),
  oomKills: (dir) => oomKillCount(join(dir, 'memory.oom_control')),
};

const V2: Flavour = {
  version: 'v2',
  limitFile: 'memory.max',
  peak: (dir) => readNumber(join(dir, 'memory.peak')),
  oomKills: (dir) => oomKillCount(join(dir, 'memory.events')),
};

/**
 * The cgroup parent the sandbox's agents go under, or why there is none. `prefix` names this
 * sandbox's own group (one per sandbox process, removed by `removeAll`).
 */
export async function openMemoryCgroups(prefix = `spot-guard-${process.pid}`, selfCgroup = readFileSync('/proc/self/cgroup', 'utf8')): Promise<MemoryCgroups> {
  const v1 = ownCgroup(selfCgroup, 'memory');
  const v2 = ownCgroup(selfCgroup, '');
  let flavour: Flavour | undefined;
  let parent: string | undefined;
  const refused: string[] = [];
  if (v1 !== undefined) {
    const dir = join(V1_ROOT, v1);
    const why = await writable(dir);
    if (why === undefined) [flavour, parent] = [V1, dir];
    else refused.push(`cgroup v1 memory controller at ${dir} is not writable (${why})`);
  }
  if (!flavour && v2 !== undefined) {
    const dir = join(V2_ROOT, v2);
    const controllers = await readFile(join(dir, 'cgroup.controllers'), 'utf8').catch(() => '');
    const why = controllers.split(/\s+/).includes('memory') ? await writable(dir) : 'no memory controller there';
    if (why === undefined) [flavour, parent] = [V2, dir];
    else refused.push(`cgroup v2 at ${dir} cannot hold a memory-limited group (${why})`);
  }
  if (!flavour || !parent) return { ok: false, reason: refused.join('; ') || 'this machine mounts no cgroup memory controller' };
  const base = join(parent, prefix);
  await mkdir(base, { recursive: true });
  // v2 applies memory.max only where the parent delegates the memory controller.
  if (flavour.version === 'v2') await writeFile(join(base, 'cgroup.subtree_control'), '+memory').catch(() => undefined);
  const made = new Set<MemoryCgroup>();
  const f = flavour;
  return {
    ok: true,
    async create(name, limitBytes) {
      const dir = join(base, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, f.limitFile), String(limitBytes));
      // No swap on the way to the limit: the kubelet's pods get none either.
      if (f.version === 'v1') await writeFile(join(dir, 'memory.swappiness'), '0').catch(() => undefined);
      else await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      const group: MemoryCgroup = {
        path: dir,
        limitBytes,
        wrap: (command, args) => ({
          command: '/bin/sh',
          args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, command, ...args],
        }),
        peakBytes: () => f.peak(dir),
        oomKills: () => f.oomKills(dir),
        async remove() {
          made.delete(group);
          // The kernel refuses while a process is still in it; it is gone by now or soon.
          for (let i = 0; i < 20; i++) {
            try {
              await rmdir(dir);
              return;
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        },
      };
      made.add(group);
      return group;
    },
    async removeAll() {
      await Promise.all([...made].map((g) => g.remove()));
      await rmdir(base).catch(() => undefined);
    },
  };
}
