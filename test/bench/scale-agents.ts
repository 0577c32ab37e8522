// The bench's side of scale-host.ts: forks the one Node.js process that runs every agent, with
// a V8 heap large enough for all of them (the DaemonSet's per-agent NODE_OPTIONS cannot apply to
// a process that hosts a thousand), and asks it to start, stop and report on agents.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentSpec, HostReply, HostRequest, HostStatus } from './scale-host.js';

const HOST = fileURLToPath(new URL('./scale-host.ts', import.meta.url));
export const HOST_SEMI_SPACE_MIB = 32;

export interface AgentHostOptions {
  kubeconfigPath: string;
  settings: Record<string, string>;
  awsEndpoint: string;
  /** The agents' JSON log lines, all in one file. */
  logFile: string;
  /** The host's own output (a crash's stack, V8's heap report). */
  outputFile: string;
  heapLimitMiB: number;
  /** Agents started and not yet ready at any one time. */
  maxStarting: number;
  /** More flags for node (a --cpu-prof while developing the bench). */
  execArgv?: string[];
}

export class AgentHost {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Why the host is gone, once it is. */
  death: string | undefined;
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: HostReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) w?.resolve(reply.value);
      else w?.reject(new Error(reply.error));
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.death = `the agents' process exited (${signal ? `signal ${signal}` : `code ${code}`})`;
        for (const w of this.waiting.values()) w.reject(new Error(this.death));
        this.waiting.clear();
        resolve();
      });
    });
  }

  static async start(o: AgentHostOptions): Promise<AgentHost> {
    const child = fork(HOST, [], {
      // --expose-gc: the bench asks for a full collection before it reads the heap, never otherwise.
      // A young generation the size of a thousand agents' garbage, so that what dies young dies
      // there instead of in a heap of many GiB that every major collection walks.
      execArgv: ['--import', 'tsx', `--max-old-space-size=${o.heapLimitMiB}`, `--max-semi-space-size=${HOST_SEMI_SPACE_MIB}`, '--expose-gc', ...(o.execArgv ?? [])],
      // Nothing of the bench's own environment that could point the agents elsewhere.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const out = createWriteStream(o.outputFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const host = new AgentHost(child);
    await host.request({ type: 'init', kubeconfigPath: o.kubeconfigPath, settings: o.settings, awsEndpoint: o.awsEndpoint, logFile: o.logFile, maxStarting: o.maxStarting });
    return host;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private request(req: HostRequest): Promise<unknown> {
    if (this.death) return Promise.reject(new Error(this.death));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, req });
    });
  }

  start(agents: AgentSpec[]): Promise<unknown> {
    return this.request({ type: 'start', agents });
  }

  halt(): Promise<unknown> {
    return this.request({ type: 'halt' });
  }

  stop(nodes: string[]): Promise<unknown> {
    return this.request({ type: 'stop', nodes });
  }

  imds(node: string, url: string): Promise<unknown> {
    return this.request({ type: 'imds', node, url });
  }

  status(gc = false): Promise<HostStatus> {
    return this.request({ type: 'status', gc }) as Promise<HostStatus>;
  }

  /** Every agent stopped as on SIGTERM, then the process ends; killed if that takes longer than `graceMs`. */
  async shutdown(graceMs = 60_000): Promise<void> {
    if (this.death) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.request({ type: 'shutdown' }).catch(() => undefined);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
