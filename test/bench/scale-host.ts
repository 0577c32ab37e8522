// The agents of the scale bench (scale.bench.ts), all in this one Node.js process: each is the
// real Agent class built as `spot-guard agent` builds it (runtime/agent/agent.command.ts), with
// its own pod identity, its own KubeConfig and API clients (so its own connections, lists and
// watches), its own AWS SDK client, metrics registry, Event recorder and IMDS client. What they
// share is this process: its event loop, its V8 heap, one log file, the loaded modules and the
// settings object.
//
// The bench forks this file and drives it over IPC (HostRequest). Every request an agent sends
// to kube-apiserver is also tallied here, from the agent's KubeConfig (CountingKubeConfig), so
// the bench can tell the agents' requests from everyone else's; kube-apiserver's own counter
// has no user label.
import { subscribe } from 'node:diagnostics_channel';
import { createWriteStream } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { Agent } from '../../runtime/agent/agent.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AwsAuthHealth } from '../../runtime/aws-auth.health.js';
import { loadConfig, type Config } from '../../runtime/config.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import type { ImdsPort } from '../../runtime/imds.port.js';
import { EventRecorder } from '../../runtime/kube/events.recorder.js';
import { createLogger, type Logger } from '../../runtime/log.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import type { Counts } from './apiserver-writes.js';

/** One agent to start: the node it runs on, its DaemonSet pod's name, its IMDS. */
export interface AgentSpec {
  node: string;
  pod: string;
  imdsUrl: string;
}

export type HostRequest =
  | { type: 'init'; kubeconfigPath: string; settings: Record<string, string>; awsEndpoint: string; logFile: string; maxStarting: number }
  /** Queued; started one after another, with at most `maxStarting` not yet synced at a time. */
  | { type: 'start'; agents: AgentSpec[] }
  /** Forgets the queue (the agents already started keep running). */
  | { type: 'halt' }
  /** As the node goes: each agent gets SIGTERM's treatment (its claims released). */
  | { type: 'stop'; nodes: string[] }
  /** The node's IMDS moves (the bench plays a notice with an AEMM of its own). */
  | { type: 'imds'; node: string; url: string }
  /** With `gc`, a full garbage collection first, so the heap figure is what the agents hold. */
  | { type: 'status'; gc?: boolean }
  | { type: 'shutdown' };

export interface HostStatus {
  agents: number;
  ready: number;
  /**
   * Agents whose watches have all synced (their event and node lists read, their watches open),
   * ready or not: an agent whose last IMDS poll failed is unready, and with every agent's polls
   * on one event loop and one AEMM that says more about this process than about the agent.
   */
  synced: number;
  /** Agents unready only because their last IMDS poll failed. */
  imdsFailing: number;
  queued: number;
  /** Every request the agents sent, by verb and resource ("LIST nodes", "PUT spotguardfallbackevents/status"); WATCH for each watch opened. */
  requests: Counts;
  /** The agents' requests kube-apiserver answered with an error, by request and code ("PUT spotguardfallbackevents/status → 409"). */
  refused: Counts;
  /** Per node, the requests its agent sent that were not watches (cumulative, since it started). */
  perAgent: Record<string, number>;
  /** Why some agents are not ready (a few, with their nodes). */
  notReady: string[];
  /** Event-loop delay since the previous status, ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
  heapUsedMiB: number;
  heapLimitMiB: number;
  rssMiB: number;
}

export type HostReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

/** "LIST nodes", "GET nodes", "PUT spotguardfallbackevents/status": what kube-apiserver's counter would call the request. */
export function requestKey(method: string, url: string): string {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter(Boolean);
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = '?', name, sub] = rest;
  const verb = method.toUpperCase() === 'GET' ? (u.searchParams.get('watch') === 'true' ? 'WATCH' : name === undefined ? 'LIST' : 'GET') : method.toUpperCase();
  return `${verb} ${resource}${sub ? `/${sub}` : ''}`;
}

/**
 * A KubeConfig that tallies every request made with it. @kubernetes/client-node asks its
 * KubeConfig to authenticate each API call (applySecurityAuthentication, with the request in
 * hand) and each watch (applyToFetchOptions, without the path), so both are seen here.
 */
export class CountingKubeConfig extends KubeConfig {
  constructor(private readonly tally: (key: string) => void) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.tally(requestKey(context.getHttpMethod(), context.getUrl()));
    return super.applySecurityAuthentication(context);
  }

  override async applyToFetchOptions(opts: RequestOptions): ReturnType<KubeConfig['applyToFetchOptions']> {
    this.tally('WATCH');
    return super.applyToFetchOptions(opts);
  }
}

/** An IMDS URL that stands for one in this process that never has a notice, reached without HTTP. */
export const QUIET_IMDS = 'quiet:';

/** An instance whose metadata never has a notice: what every node's IMDS says almost always. */
const quiet: ImdsPort = {
  rebalanceRecommendation: () => Promise.resolve(undefined),
  instanceAction: () => Promise.resolve(undefined),
};

/** The real IMDS client (or the quiet one), pointed elsewhere when the bench plays a notice for this node. */
class MovableImds implements ImdsPort {
  private client: ImdsPort;
  constructor(url: string) {
    this.client = url === QUIET_IMDS ? quiet : new ImdsHttpClient({ endpoint: url });
  }
  point(url: string): void {
    this.client = url === QUIET_IMDS ? quiet : new ImdsHttpClient({ endpoint: url });
  }
  rebalanceRecommendation() {
    return this.client.rebalanceRecommendation();
  }
  instanceAction() {
    return this.client.instanceAction();
  }
}

interface Running {
  spec: AgentSpec;
  agent: Agent;
  imds: MovableImds;
  autoscaling: AwsAutoScaling;
  requests: number;
}

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** Its event and node watches have synced (what /readyz asks first). */
function synced(agent: Agent): boolean {
  const { checks } = agent.readiness();
  return checks.eventWatch?.ok === true && checks.nodeWatch?.ok === true;
}

class Host {
  private readonly running = new Map<string, Running>();
  private readonly queue: AgentSpec[] = [];
  /** Started and not yet seen synced. */
  private readonly starting = new Set<string>();
  private readonly requests: Counts = {};
  private readonly refused: Counts = {};
  private readonly loop = monitorEventLoopDelay({ resolution: 20 });
  private init: Extract<HostRequest, { type: 'init' }> | undefined;
  private config: Config | undefined;
  private log: Logger | undefined;
  private pump: NodeJS.Timeout | undefined;

  constructor() {
    this.loop.enable();
    // Every answer kube-apiserver gives an agent passes here (node-fetch runs on node:http);
    // the AWS SDK's calls to the simulator and IMDS polls do not ask /api or /apis.
    subscribe('http.client.response.finish', (message) => {
      const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
      const code = response.statusCode ?? 0;
      if (code < 300 || !/^\/apis?\//.test(request.path)) return;
      const key = `${requestKey(request.method, `https://${request.host}${request.path}`)} → ${code}`;
      this.refused[key] = (this.refused[key] ?? 0) + 1;
    });
  }

  handle(req: HostRequest): unknown {
    switch (req.type) {
      case 'init': {
        const loaded = loadConfig(req.settings);
        if (!loaded.ok) throw new Error(`settings refused: ${loaded.problems.join('; ')}`);
        this.init = req;
        this.config = loaded.config;
        this.log = createLogger({ level: loaded.config.logLevel, destination: createWriteStream(req.logFile, { flags: 'a' }), base: {} });
        this.pump = setInterval(() => this.startQueued(), 50);
        return undefined;
      }
      case 'start':
        this.queue.push(...req.agents.filter((a) => !this.running.has(a.node)));
        return undefined;
      case 'halt':
        this.queue.length = 0;
        return undefined;
      case 'stop':
        return Promise.all(req.nodes.map((n) => this.stopAgent(n, true))).then(() => undefined);
      case 'imds': {
        const r = this.running.get(req.node);
        if (!r) throw new Error(`no agent on node ${req.node}`);
        r.imds.point(req.url);
        return undefined;
      }
      case 'status':
        if (req.gc) (globalThis as { gc?: () => void }).gc?.();
        return this.status();
      case 'shutdown':
        this.queue.length = 0;
        clearInterval(this.pump);
        return Promise.all([...this.running.keys()].map((n) => this.stopAgent(n, true))).then(() => undefined);
    }
  }

  private startQueued(): void {
    const { init, config, log } = this;
    if (!init || !config || !log) return;
    for (const node of this.starting) {
      const r = this.running.get(node);
      if (!r || synced(r.agent)) this.starting.delete(node);
    }
    while (this.queue.length > 0 && this.starting.size < init.maxStarting) {
      const spec = this.queue.shift();
      if (!spec || this.running.has(spec.node)) continue;
      this.startAgent(spec, init, config, log);
      this.starting.add(spec.node);
    }
  }

  /** As runAgent builds it, less the HTTP endpoints and the live view (the bench asks readiness directly). */
  private startAgent(spec: AgentSpec, init: NonNullable<Host['init']>, config: Config, root: Logger): void {
    const identity = { podName: spec.pod, nodeName: spec.node };
    const entry = { requests: 0 } as Running;
    const kubeConfig = new CountingKubeConfig((key) => {
      this.requests[key] = (this.requests[key] ?? 0) + 1;
      if (key !== 'WATCH') entry.requests++;
    });
    kubeConfig.loadFromFile(init.kubeconfigPath);
    const log = root.child({ pod: spec.pod, node: spec.node });
    const metrics = new AgentMetrics({ asgPairs: config.asgPairs });
    const awsAuth = new AwsAuthHealth();
    const autoscaling = new AwsAutoScaling({ region: config.awsRegion ?? '', endpoint: init.awsEndpoint, credentials: CREDENTIALS }, (action, outcome, message) => {
      metrics.awsCall(action, outcome);
      awsAuth.observe(action, outcome, message);
    });
    const imds = new MovableImds(spec.imdsUrl);
    const agent = new Agent({ identity, config, kubeConfig, autoscaling, log, metrics, awsAuth, events: new EventRecorder(kubeConfig, identity, log), imds });
    Object.assign(entry, { spec, agent, imds, autoscaling });
    this.running.set(spec.node, entry);
    agent.start();
  }

  private async stopAgent(node: string, release: boolean): Promise<void> {
    const r = this.running.get(node);
    if (!r) return;
    this.running.delete(node);
    await r.agent.stop({ release }).catch(() => undefined);
    r.autoscaling.destroy();
  }

  private status(): HostStatus {
    const notReady: string[] = [];
    let ready = 0;
    let inSync = 0;
    let imdsFailing = 0;
    const perAgent: Record<string, number> = {};
    for (const [node, r] of this.running) {
      perAgent[node] = r.requests;
      const readiness = r.agent.readiness();
      if (readiness.ready) ready++;
      if (synced(r.agent)) inSync++;
      if (!readiness.ready && Object.entries(readiness.checks).every(([k, c]) => c.ok || k === 'imds')) imdsFailing++;
      else if (notReady.length < 3) notReady.push(`${node}: ${Object.entries(readiness.checks).filter(([, c]) => !c.ok).map(([k, c]) => `${k} ${c.detail ?? ''}`).join('; ')}`);
    }
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const loopDelayMs = { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) };
    this.loop.reset();
    const heap = getHeapStatistics();
    return {
      agents: this.running.size,
      ready,
      synced: inSync,
      imdsFailing,
      queued: this.queue.length,
      requests: { ...this.requests },
      refused: { ...this.refused },
      perAgent,
      notReady,
      loopDelayMs,
      heapUsedMiB: Math.round(heap.used_heap_size / 2 ** 20),
      heapLimitMiB: Math.round(heap.heap_size_limit / 2 ** 20),
      rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
    };
  }
}

// Only as the bench's child: imported (uvu walks test/), it does nothing.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  const host = new Host();
  const send = process.send.bind(process);
  process.on('message', (message: { id: number; req: HostRequest }) => {
    void Promise.resolve()
      .then(() => host.handle(message.req))
      .then(
        (value): HostReply => ({ id: message.id, ok: true, value }),
        (err: unknown): HostReply => ({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      )
      .then((reply) =>
        send(reply, undefined, undefined, () => {
          if (message.req.type === 'shutdown') process.exit(0);
        }),
      );
  });
  // The bench gone (killed, crashed): nothing here should outlive it.
  process.on('disconnect', () => process.exit(0));
}
