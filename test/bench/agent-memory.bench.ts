// `npm run bench:memory`: the memory of one agent process that watches N fallback events and
// the cluster's nodes, on the sandbox at the shipped durations. One agent runs (on the first
// spot node); the on-demand ASG is scaled to N instances, so N more Nodes register, and one
// SGFE is recorded per on-demand node, as N fallbacks would leave them: Pending, each waiting
// its ten-minute minimum, claimed and renewed by the agent. The agent's RSS is sampled from
// /proc every second: the peak (VmHWM) and the steady figure (median RSS of the last half of
// the run, once every event has been seen).
//
//   npm run bench:memory -- [--events 100] [--minutes 3] [--variant bundle|tsx]
//                           [--node-options=...] [--env NAME=VALUE]... [--limit shipped|none|BYTES]
//                           [--json FILE]
//
// `--variant tsx` runs the TypeScript sources through tsx (what the image ran before it was
// compiled); `--node PATH` runs the agent on another Node.js binary.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { SANDBOX_REGION, agentDeath, startSandbox } from '../../dev/sandbox/sandbox.js';
import { statusKb } from './process-sampler.js';

const BIN = fileURLToPath(new URL('../../bin/spot-guard.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`bench:memory: ${line}\n`);

export interface MemoryFigures {
  variant: string;
  node: string;
  nodeOptions: string;
  /** Other environment that shapes memory (glibc's MALLOC_*, libuv's UV_*). */
  env: Record<string, string>;
  events: number;
  nodes: number;
  limit: string;
  peakMiB: number;
  steadyMiB: number;
  /**
   * Steady RSS split: anonymous memory (the agent's own: V8's heap, malloc) and file-backed
   * pages (mostly the node binary's text, shared by every process that runs it, and reclaimable).
   */
  steadyAnonMiB: number;
  steadyFileMiB: number;
  /** The cgroup's own peak, page cache included (what the kubelet's limit counts). */
  cgroupPeakMiB?: number;
  samples: number;
  /** From the agent's own /metrics at the end: V8's heap (used, total) and external memory. */
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
}

async function heapFigures(httpUrl: string): Promise<Pick<MemoryFigures, 'heapUsedMiB' | 'heapTotalMiB' | 'externalMiB'>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text().catch(() => '');
  const metric = (name: string) => {
    const value = Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]);
    return Number.isFinite(value) ? Math.round((value / 2 ** 20) * 10) / 10 : undefined;
  };
  return { heapUsedMiB: metric('nodejs_heap_size_used_bytes'), heapTotalMiB: metric('nodejs_heap_size_total_bytes'), externalMiB: metric('nodejs_external_memory_bytes') };
}

const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export async function measureAgentMemory(options: { events: number; minutes: number; variant: 'bundle' | 'tsx'; nodeBinary?: string; nodeOptions?: string; env?: Record<string, string>; limit: 'shipped' | 'none' | number }): Promise<MemoryFigures> {
  let agentNode: string | undefined;
  const node = options.nodeBinary ?? process.execPath;
  const agentArgs = [BIN, 'agent'];
  const sandbox = await startSandbox({
    spotNodes: 1,
    asgMaxSize: options.events + 5,
    agentsOn: (n) => (agentNode ??= n) === n,
    // The bundle is built by the sandbox unless other arguments are given; tsx runs the sources.
    agentArgs: options.variant === 'tsx' ? agentArgs : undefined,
    agentMemoryLimit: options.limit,
    agentNodeOptions: options.nodeOptions,
    settings: options.env,
    agentNodeBinary: options.nodeBinary,
  });
  try {
    const agent = sandbox.agents.list()[0];
    const pid = agent?.process.pid;
    if (!agent || !pid) throw new Error('no agent started');
    say(`agent on ${agent.node} (pid ${pid}); ${sandbox.agentMemory}`);
    const aws = new AwsAutoScaling({ region: SANDBOX_REGION, endpoint: sandbox.sim.endpoint, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
    await aws.setDesiredCapacity(sandbox.pair.onDemand, options.events);
    aws.destroy();
    for (;;) {
      const ready = (await sandbox.sim.control.nodes()).filter((n) => n.groupName === sandbox.pair.onDemand && n.registered);
      if (ready.length >= options.events) break;
      const dead = await agentDeath(agent);
      if (dead) throw dead;
      await sleep(1000);
    }
    const onDemand = (await sandbox.sim.control.nodes()).filter((n) => n.groupName === sandbox.pair.onDemand);
    const store = new FallbackEventStore(sandbox.admin);
    for (const n of onDemand.slice(0, options.events)) {
      await store.create({ spotASGName: sandbox.pair.spot, onDemandASGName: sandbox.pair.onDemand, onDemandInstanceID: n.instanceId, onDemandNodeName: n.nodeName, timestamp: new Date().toISOString() });
    }
    const nodes = (await sandbox.sim.control.nodes()).filter((n) => n.registered).length;
    say(`${options.events} events recorded, ${nodes} nodes; sampling for ${options.minutes} min`);
    const rss: number[] = [];
    const anon: number[] = [];
    const file: number[] = [];
    const end = Date.now() + options.minutes * 60_000;
    while (Date.now() < end) {
      const kb = statusKb(pid, 'VmRSS');
      if (kb === undefined) throw (await agentDeath(agent)) ?? new Error('the agent is gone');
      rss.push(kb);
      anon.push(statusKb(pid, 'RssAnon') ?? NaN);
      file.push(statusKb(pid, 'RssFile') ?? NaN);
      await sleep(1000);
    }
    const peakKb = statusKb(pid, 'VmHWM') ?? NaN;
    const median = (samples: number[]) => {
      const half = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
      return half[Math.floor(half.length / 2)] ?? NaN;
    };
    const cgroupPeak = await agent.memory?.peakBytes();
    const heap = await heapFigures(agent.httpUrl);
    return {
      variant: options.variant,
      node: node === process.execPath ? `node ${process.version}` : node,
      nodeOptions: sandbox.settings.NODE_OPTIONS ?? '',
      env: Object.fromEntries(Object.entries(sandbox.settings).filter(([k]) => /^(MALLOC_|UV_)/.test(k))),
      events: options.events,
      nodes,
      limit: sandbox.agentMemory,
      peakMiB: mib(peakKb),
      steadyMiB: mib(median(rss)),
      steadyAnonMiB: mib(median(anon)),
      steadyFileMiB: mib(median(file)),
      cgroupPeakMiB: cgroupPeak === undefined ? undefined : Math.round((cgroupPeak / 2 ** 20) * 10) / 10,
      samples: rss.length,
      ...heap,
    };
  } finally {
    await sandbox.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100' },
      minutes: { type: 'string', default: '3' },
      variant: { type: 'string', default: 'bundle' },
      node: { type: 'string' },
      'node-options': { type: 'string' },
      limit: { type: 'string', default: 'shipped' },
      json: { type: 'string' },
      env: { type: 'string', multiple: true },
    },
  });
  const limit = values.limit === 'shipped' || values.limit === 'none' ? values.limit : Number(values.limit);
  const figures = await measureAgentMemory({
    events: Number(values.events),
    minutes: Number(values.minutes),
    variant: values.variant === 'tsx' ? 'tsx' : 'bundle',
    nodeBinary: values.node,
    nodeOptions: values['node-options'],
    env: Object.fromEntries((values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
    limit,
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(figures, null, 2)}\n`);
}
