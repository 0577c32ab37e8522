// The browser the live-view test drives: Debian's chromium (playwright-core downloads none).
// A fresh machine has none, so the harness brings it, as it does the Go binaries and moto: on
// first use it installs the package with apt-get when it may (root, apt-get on the PATH).
// It lives here rather than in test/run.js so that running the test file alone works too;
// only that file needs a browser, so it still happens at most once per `npm test`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Expected failures are values: `problem` is one line saying what to do. */
export type ChromiumResult = { executable: string } | { problem: string };

const HOW = `install Debian's chromium package (apt-get install chromium, as root) or set SPOT_GUARD_CHROMIUM to a Chromium binary`;
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

async function aptGet(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  await promisify(execFile)('apt-get', args, {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: INSTALL_TIMEOUT_MS,
  });
}

const lastLine = (err: unknown): string => {
  const { stderr, message } = err as { stderr?: string; message?: string };
  return (stderr?.trim() || message || String(err)).split('\n').pop() ?? '';
};

export async function ensureChromium(env: NodeJS.ProcessEnv = process.env, log = (line: string) => process.stderr.write(`${line}\n`)): Promise<ChromiumResult> {
  const chosen = env.SPOT_GUARD_CHROMIUM;
  if (chosen) return existsSync(chosen) ? { executable: chosen } : { problem: `SPOT_GUARD_CHROMIUM=${chosen} does not exist: point it at a Chromium binary, or unset it to use ${DEBIAN_CHROMIUM}` };
  if (existsSync(DEBIAN_CHROMIUM)) return { executable: DEBIAN_CHROMIUM };
  if (process.getuid?.() !== 0 || !onPath('apt-get', env)) return { problem: `no Chromium at ${DEBIAN_CHROMIUM} and it cannot be installed here (needs root and apt-get): ${HOW}` };

  log(`chromium: ${DEBIAN_CHROMIUM} is missing; installing Debian's chromium package with apt-get (once, takes a minute or two)`);
  const started = Date.now();
  try {
    await aptGet(['update', '-qq'], env);
    await aptGet(['install', '-y', '-qq', '--no-install-recommends', 'chromium'], env);
  } catch (err) {
    return { problem: `apt-get could not install chromium (${lastLine(err)}): ${HOW}` };
  }
  if (!existsSync(DEBIAN_CHROMIUM)) return { problem: `apt-get installed chromium but ${DEBIAN_CHROMIUM} is not there: ${HOW}` };
  log(`chromium: installed in ${Math.round((Date.now() - started) / 1000)}s`);
  return { executable: DEBIAN_CHROMIUM };
}
