// Starts the child processes the sandbox and the test harness run (etcd, kube-apiserver,
// AEMM, moto), keeps the tail of their output for error messages, and makes sure none of
// them outlives this process: on normal exit, on SIGINT/SIGTERM and on an uncaught error.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';

/** A harness failure that names the component that failed. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(
    readonly component: string,
    message: string,
    readonly logTail = '',
  ) {
    super(`${component}: ${message}${logTail ? `\n--- last output of ${component} ---\n${logTail}` : ''}`);
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Every line the child prints is also appended here. */
  logFile?: string;
}

const TAIL_BYTES = 16 * 1024;
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only when nobody else handles the signal: the sandbox CLI installs its own handler
    // that stops children gracefully, and this one is the backstop.
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export class Supervised {
  readonly exited: Promise<ExitInfo>;
  private tail = '';
  private exit: ExitInfo | undefined;
  private spawnError: Error | undefined;
  private readonly log: WriteStream | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    logFile: string | undefined,
  ) {
    this.log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    const onData = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
      this.log?.write(chunk);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.spawnError = err;
        this.exit = { code: null, signal: null };
        live.delete(child);
        resolve(this.exit);
      });
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(child);
        this.log?.end();
        resolve(this.exit);
      });
    });
  }

  /** Starts `command`; rejects with a HarnessError if the binary is missing or not executable. */
  static async start(name: string, command: string, args: string[], options: StartOptions = {}): Promise<Supervised> {
    try {
      await access(command, constants.X_OK);
    } catch {
      throw new HarnessError(name, `binary ${command} is missing or not executable`);
    }
    installExitHooks();
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    return new Supervised(name, child, options.logFile);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  logTail(lines = 30): string {
    return this.tail.split('\n').slice(-lines - 1).join('\n').trimEnd();
  }

  /** The error to report if the process has died; undefined while it runs. */
  deathError(): HarnessError | undefined {
    if (this.exit === undefined) return undefined;
    if (this.spawnError) return new HarnessError(this.name, `could not start: ${this.spawnError.message}`);
    const how = this.exit.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit.code}`;
    return new HarnessError(this.name, `exited unexpectedly (${how})`, this.logTail());
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exit !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends a signal without waiting (tests use it to make a child die). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked on every poll; a process that died ends the wait at once with its error. */
  processes?: Supervised[];
}

/** Polls `probe` until it returns true; errors thrown by the probe count as "not yet". */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    for (const p of options.processes ?? []) {
      const dead = p.deathError();
      if (dead) throw dead;
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const culprit = options.processes?.[options.processes.length - 1];
      throw new HarnessError(
        culprit?.name ?? options.what,
        `not ready after ${options.timeoutMs} ms waiting for ${options.what}${lastError ? ` (last error: ${lastError})` : ''}`,
        culprit?.logTail() ?? '',
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
