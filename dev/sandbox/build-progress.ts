// The binaries a command needs, with the build's progress printed as it goes: a cold build
// takes minutes, and a command that prints nothing for that long looks hung. Each step is
// printed as it starts and, while one runs long, a line every 30 s says how long so far.
import { homedir } from 'node:os';
import { binaryCacheDir, resolveBinaries, type BinaryName, type Binaries } from './binaries.js';

export interface BuildProgressOptions {
  /** Where lines go (the command's stderr, so that stdout keeps its contract). */
  write?: (line: string) => void;
  everyMs?: number;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

const formatElapsed = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

export async function resolveBinariesWithProgress<K extends BinaryName>(
  needs: readonly K[],
  prefix: string,
  options: BuildProgressOptions = {},
): Promise<Pick<Binaries, K>> {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const everyMs = options.everyMs ?? 30_000;
  const now = options.now ?? Date.now;
  const home = homedir();
  const cache = binaryCacheDir(options.env);
  const shownCache = cache.startsWith(`${home}/`) ? `~${cache.slice(home.length)}` : cache;
  let step = '';
  let stepStarted = 0;
  let buildStarted: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onProgress = (line: string): void => {
    write(`${prefix}: ${line}`);
    step = line;
    stepStarted = now();
    buildStarted ??= stepStarted;
    clearInterval(timer);
    timer = setInterval(() => write(`${prefix}: ${step}, ${formatElapsed(now() - stepStarted)} so far; once, cached in ${shownCache}`), everyMs);
  };
  try {
    const binaries = await resolveBinaries(needs, { env: options.env, onProgress });
    if (buildStarted !== undefined) write(`${prefix}: built in ${formatElapsed(now() - buildStarted)}; later runs start from ${shownCache}`);
    return binaries;
  } finally {
    clearInterval(timer);
  }
}
