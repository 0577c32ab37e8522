// What a running sandbox lets a scenario do that only the sandbox process can: serve a node's
// EC2 notices (its AEMM is a child of this process) and reclaim an interrupted instance once
// the warning has run out. It listens on loopback and says where in a ConfigMap, so that
// `spot-guard scenario --kubeconfig FILE` finds everything from the kubeconfig alone (see
// scenario.command.ts); the simulator's own control API does the rest.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { SimulatorControl } from '../simulator/control.client.js';
import type { NodeAgents } from './node-agents.js';

/** Where a sandbox says how to reach it: a ConfigMap any admin kubeconfig can read. */
export const SANDBOX_CONFIG_MAP = { namespace: 'kube-system', name: 'spot-guard-sandbox' } as const;

/** The ConfigMap's data. */
export interface SandboxDirectory {
  /** This process's scenario control (notices), http://127.0.0.1:PORT. */
  control: string;
  /** The AWS capacity simulator: its Auto Scaling endpoint and, under /control/, its own API. */
  simulator: string;
  spotAsg: string;
  onDemandAsg: string;
  /** The sandbox's durations are the shipped ones divided by this. */
  scale: string;
}

export interface Interruption {
  node: string;
  instanceId: string;
  /** When EC2 takes the instance back (epoch ms). */
  reclaimAt: number;
}

export interface ScenarioControlOptions {
  admin: KubeConfig;
  agents: NodeAgents;
  sim: { endpoint: string; control: SimulatorControl };
  pair: { spot: string; onDemand: string };
  scale: number;
  /** Told when a reclaim fails (the instance may be gone already). */
  onProblem?: (message: string) => void;
}

export class UnknownNode extends Error {}

export interface ScenarioControl {
  readonly url: string;
  /** EC2 recommends rebalancing the node: its AEMM serves the recommendation from now on. */
  rebalance(node: string): Promise<void>;
  /** The node's spot interruption notice now, and EC2 reclaims its instance after the warning. */
  interrupt(node: string): Promise<Interruption>;
  /** The node's agent is SIGKILLed and restarted in the same pod, as the kubelet restarts a container. */
  kill(node: string): Promise<void>;
  close(): Promise<void>;
}

/** EC2 warns two minutes before it reclaims a spot instance; the sandbox divides that by its scale. */
export function interruptionWarningMs(scale: number): number {
  return Math.max(1000, 120_000 / scale);
}

export async function startScenarioControl(options: ScenarioControlOptions): Promise<ScenarioControl> {
  const { agents, sim } = options;
  const reclaims = new Set<NodeJS.Timeout>();

  const instanceOf = async (node: string): Promise<string> => {
    const mapping = await sim.control.nodes();
    const found = mapping.find((m) => m.nodeName === node && m.lifecycleState !== 'Terminating');
    if (found && agents.get(node)) return found.instanceId;
    if (found) throw new UnknownNode(`node ${node} runs no agent in this sandbox, so it has no IMDS to serve a notice`);
    const live = mapping.filter((m) => m.registered && m.lifecycleState !== 'Terminating').map((m) => m.nodeName);
    throw new UnknownNode(`no node ${node} in the sandbox (its nodes: ${live.sort().join(', ') || 'none'})`);
  };

  const control: Omit<ScenarioControl, 'url' | 'close'> = {
    async rebalance(node) {
      await instanceOf(node);
      await agents.rebalance(node);
    },
    async interrupt(node) {
      const instanceId = await instanceOf(node);
      await agents.interrupt(node);
      const warning = interruptionWarningMs(options.scale);
      const timer = setTimeout(() => {
        reclaims.delete(timer);
        sim.control.interrupt(instanceId).catch((err: unknown) => options.onProblem?.(`could not reclaim ${instanceId} (${node}): ${err instanceof Error ? err.message : String(err)}`));
      }, warning);
      reclaims.add(timer);
      return { node, instanceId, reclaimAt: Date.now() + warning };
    },
    async kill(node) {
      await instanceOf(node);
      await agents.kill(node);
    },
  };

  const server = createServer((req, res) => void route(control, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const directory: SandboxDirectory = { control: url, simulator: sim.endpoint, spotAsg: options.pair.spot, onDemandAsg: options.pair.onDemand, scale: String(options.scale) };
  await options.admin.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: SANDBOX_CONFIG_MAP.namespace,
    body: { metadata: { name: SANDBOX_CONFIG_MAP.name, labels: { 'app.kubernetes.io/part-of': 'spot-guard-sandbox' } }, data: { ...directory } },
  });
  return {
    url,
    ...control,
    async close() {
      for (const t of reclaims) clearTimeout(t);
      await closeServer(server);
    },
  };
}

/** POST /rebalance, /interrupt and /kill, each with {"node": NAME}; errors as {"error": "..."}. */
async function route(control: Omit<ScenarioControl, 'url' | 'close'>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  try {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'POST' || !['/rebalance', '/interrupt', '/kill'].includes(path)) return reply(404, { error: `${req.method} ${path}: not a scenario action (POST /rebalance, /interrupt or /kill)` });
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const node = (JSON.parse(text || '{}') as { node?: unknown }).node;
    if (typeof node !== 'string' || node === '') return reply(400, { error: 'the body must be {"node": NAME}' });
    if (path === '/rebalance' || path === '/kill') {
      await (path === '/rebalance' ? control.rebalance(node) : control.kill(node));
      return reply(200, { node });
    }
    return reply(200, await control.interrupt(node));
  } catch (err) {
    reply(err instanceof UnknownNode ? 404 : err instanceof SyntaxError ? 400 : 500, { error: err instanceof Error ? err.message : String(err) });
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
