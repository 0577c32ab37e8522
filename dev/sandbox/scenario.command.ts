// `spot-guard scenario --kubeconfig FILE ACTION`: plays a scenario on a running sandbox, found
// from its kubeconfig alone. The kubeconfig reaches the API server; the sandbox's ConfigMap
// (scenario-control.ts) says where the AWS capacity simulator and the sandbox's own scenario
// control listen. Every action is one call: it prints one line (or, for `state`, JSON) and
// exits 0, or prints one line saying what failed and exits 1 (2 for a usage error).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { INJECTABLE, type InjectableError } from '../simulator/aws.wording.js';
import { ControlError, SimulatorControl } from '../simulator/control.client.js';
import type { FaultRuleState } from '../simulator/control.types.js';
import { SANDBOX_CONFIG_MAP, type Interruption, type SandboxDirectory } from './scenario-control.js';

export const SCENARIO_USAGE = `  scenario [--kubeconfig FILE] ACTION
                              play a scenario on a running sandbox, found from its kubeconfig
                              (default sandbox.kubeconfig); ACTION is one of:
      state                   JSON: every ASG, its sizes, its instances and their nodes
      spot exhaust [ASG]      EC2 has no spot capacity left for ASG (default: the sandbox's
                              spot ASG): its spot launches fail until restored
      spot restore [ASG]      spot capacity for ASG is back
      rebalance NODE          EC2 recommends rebalancing NODE (its IMDS serves the notice)
      interrupt NODE          NODE's spot interruption notice; EC2 reclaims its instance after
                              the warning (two minutes divided by the sandbox's scale)
      kill NODE               NODE's agent is SIGKILLed and restarted in the same pod, as the
                              kubelet restarts a container that died (an OOM kill, a crash)
      fault ACTION RATE|COUNT [--error E]
                              the simulator fails an Auto Scaling ACTION ('*': every action):
                              a share of its calls (0.5 or 50%) or its next COUNT calls, with
                              E = ${Object.keys(INJECTABLE).join(' | ')} (default Throttling)
      fault clear [ACTION]    stop failing ACTION (default: every action)
`;

class UsageError extends Error {}

/** The one state a scenario needs, as `state` prints it. */
export interface ScenarioState {
  spotAsg: string;
  onDemandAsg: string;
  groups: {
    name: string;
    capacityType: 'spot' | 'on-demand';
    desired: number;
    min: number;
    max: number;
    /** Spot launches EC2 still grants (null: no limit). */
    spotPool: number | null;
    instances: { id: string; lifecycleState: string; node: string; nodeRegistered: boolean; nodeReady: boolean }[];
  }[];
  /** The Auto Scaling failures being injected. */
  faults: FaultRuleState[];
}

export async function runScenarioCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { kubeconfig: { type: 'string' }, error: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  const kubeconfig = resolve(values.kubeconfig ?? 'sandbox.kubeconfig');
  try {
    const plan = planOf(action, rest, values.error);
    const sandbox = await findSandbox(kubeconfig);
    process.stdout.write(`${await plan(sandbox)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
}

function usage(problem: string): number {
  process.stderr.write(`spot-guard scenario: ${problem}\nusage: spot-guard\n${SCENARIO_USAGE}`);
  return 2;
}

interface FoundSandbox {
  directory: SandboxDirectory;
  sim: SimulatorControl;
  /** POST to the sandbox's scenario control; its refusal as an Error with its words. */
  post<T>(path: string, body: unknown): Promise<T>;
}

type Plan = (sandbox: FoundSandbox) => Promise<string>;

/** Checks the words before anything is called, so a usage error changes nothing. */
function planOf(action: string | undefined, args: string[], error: string | undefined): Plan {
  const arity = (min: number, max: number, shape: string): void => {
    if (args.length < min || args.length > max) throw new UsageError(`${shape} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  };
  if (error !== undefined && action !== 'fault') throw new UsageError('--error belongs to fault');
  switch (action) {
    case 'state':
      arity(0, 0, 'state');
      return async (s) => JSON.stringify(await stateOf(s), null, 2);
    case 'spot': {
      const [verb, asg] = args;
      if (verb !== 'exhaust' && verb !== 'restore') throw new UsageError(`spot ${verb ?? ''}: expected spot exhaust [ASG] or spot restore [ASG]`);
      arity(1, 2, `spot ${verb}`);
      return async (s) => {
        const group = asg ?? s.directory.spotAsg;
        if (verb === 'exhaust') {
          await simulator(s.sim.exhaustSpotPool(group));
          return `spot capacity for ${group} exhausted: its spot launches fail until restored`;
        }
        await simulator(s.sim.restoreSpotPool(group));
        return `spot capacity for ${group} restored`;
      };
    }
    case 'kill':
      arity(1, 1, 'kill NODE');
      return async (s) => {
        await s.post('/kill', { node: args[0] ?? '' });
        return `the agent of ${args[0] ?? ''} was killed (SIGKILL) and restarted in its pod`;
      };
    case 'rebalance':
    case 'interrupt': {
      arity(1, 1, `${action} NODE`);
      const node = args[0] ?? '';
      if (action === 'rebalance') {
        return async (s) => {
          await s.post('/rebalance', { node });
          return `EC2 recommends rebalancing ${node}: its IMDS serves the recommendation`;
        };
      }
      return async (s) => {
        const i = await s.post<Interruption>('/interrupt', { node });
        return `spot interruption notice for ${node} (${i.instanceId}): EC2 reclaims it at ${new Date(i.reclaimAt).toISOString()}, in ${Math.round((i.reclaimAt - Date.now()) / 1000)} s`;
      };
    }
    case 'fault':
      return faultPlan(args, error);
    case undefined:
      throw new UsageError('no action given');
    default:
      throw new UsageError(`unknown action "${action}"`);
  }
}

function faultPlan(args: string[], error: string | undefined): Plan {
  if (args[0] === 'clear') {
    if (args.length > 2) throw new UsageError(`fault clear takes at most one ACTION, got ${args.length - 1}`);
    if (error !== undefined) throw new UsageError('--error belongs to fault ACTION RATE|COUNT');
    const action = args[1];
    return async (s) => {
      await simulator(s.sim.clearFaults(action));
      return action === undefined ? 'no Auto Scaling action fails any more' : `${action} no longer fails`;
    };
  }
  const [action, amount] = args;
  if (action === undefined || amount === undefined || args.length !== 2) throw new UsageError('expected fault ACTION RATE|COUNT or fault clear [ACTION]');
  const kind = error ?? 'Throttling';
  if (!Object.hasOwn(INJECTABLE, kind)) throw new UsageError(`--error ${kind}: one of ${Object.keys(INJECTABLE).join(', ')}`);
  const how = faultAmount(amount);
  const rule = { action, error: kind as InjectableError, ...how };
  return async (s) => {
    await simulator(s.sim.injectFault(rule));
    const which = action === '*' ? 'every Auto Scaling action' : action;
    return how.times !== undefined
      ? `${which} fails its next ${how.times} call${how.times === 1 ? '' : 's'} with ${kind}`
      : `${which} fails ${+(how.rate * 100).toFixed(2)}% of its calls with ${kind} until cleared`;
  };
}

/** A whole number is a count of calls; 0.25 or 25% is a share of them. */
export function faultAmount(text: string): { times: number; rate?: undefined } | { rate: number; times?: undefined } {
  if (/^\d+$/.test(text)) {
    const times = Number(text);
    if (times < 1) throw new UsageError(`${text}: a count of calls must be at least 1`);
    return { times };
  }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const rate = percent ? Number(percent[1]) / 100 : /^\d*\.\d+$/.test(text) ? Number(text) : NaN;
  if (!(rate > 0 && rate <= 1)) throw new UsageError(`${text}: not a count of calls (3) or a share of them from 0 to 1 (0.5 or 50%)`);
  return { rate };
}

async function stateOf(s: FoundSandbox): Promise<ScenarioState> {
  const [state, nodes] = await Promise.all([simulator(s.sim.state()), simulator(s.sim.nodes())]);
  const nodeOf = new Map(nodes.map((n) => [n.instanceId, n]));
  return {
    spotAsg: s.directory.spotAsg,
    onDemandAsg: s.directory.onDemandAsg,
    groups: state.groups.map((g) => ({
      name: g.name,
      capacityType: g.capacityType,
      desired: g.desiredCapacity,
      min: g.minSize,
      max: g.maxSize,
      spotPool: g.spotPool,
      instances: g.instances.map((i) => ({
        id: i.instanceId,
        lifecycleState: i.lifecycleState,
        node: i.nodeName,
        nodeRegistered: nodeOf.get(i.instanceId)?.registered ?? false,
        nodeReady: nodeOf.get(i.instanceId)?.ready ?? false,
      })),
    })),
    faults: state.faults,
  };
}

/** The simulator's refusal in its own words ("no group x"), not the request's. */
async function simulator<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ControlError) throw new Error(`the simulator refused: ${err.reason}`);
    throw new Error(`the sandbox's simulator does not answer (${causeOf(err)}); has the sandbox stopped?`);
  }
}

const ANSWER_TIMEOUT_MS = 15_000;

/** The sandbox behind a kubeconfig, or one line saying why there is none. */
async function findSandbox(kubeconfigPath: string): Promise<FoundSandbox> {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfigPath);
  } catch (err) {
    throw new Error(`cannot read the kubeconfig ${kubeconfigPath}: ${causeOf(err)}`);
  }
  const server = kc.getCurrentCluster()?.server ?? '(no cluster)';
  const core = kc.makeApiClient(CoreV1Api);
  let data: Record<string, string> | undefined;
  try {
    const read = core.readNamespacedConfigMap(SANDBOX_CONFIG_MAP);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS).unref());
    data = (await Promise.race([read, timeout])).data;
  } catch (err) {
    const status = (err as { code?: unknown }).code;
    if (status === 404) throw new Error(`no sandbox behind ${kubeconfigPath}: ${server} has no ConfigMap ${SANDBOX_CONFIG_MAP.namespace}/${SANDBOX_CONFIG_MAP.name}, so it is not a spot-guard sandbox`);
    if (typeof status === 'number') throw new Error(`no sandbox behind ${kubeconfigPath}: ${server} answered HTTP ${status} for ConfigMap ${SANDBOX_CONFIG_MAP.namespace}/${SANDBOX_CONFIG_MAP.name}`);
    throw new Error(`no sandbox behind ${kubeconfigPath}: the API server ${server} does not answer (${causeOf(err)})`);
  }
  const directory = data as Partial<SandboxDirectory> | undefined;
  if (!directory?.control || !directory.simulator || !directory.spotAsg || !directory.onDemandAsg) {
    throw new Error(`no sandbox behind ${kubeconfigPath}: ConfigMap ${SANDBOX_CONFIG_MAP.namespace}/${SANDBOX_CONFIG_MAP.name} lacks control, simulator, spotAsg or onDemandAsg`);
  }
  const found = directory as SandboxDirectory;
  return {
    directory: found,
    sim: new SimulatorControl(found.simulator),
    async post<T>(path: string, body: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${found.control}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
      } catch (err) {
        throw new Error(`the sandbox behind ${kubeconfigPath} does not answer at ${found.control} (${causeOf(err)}); has it stopped?`);
      }
      const answer = (await res.json().catch(() => ({}))) as T & { error?: string };
      if (!res.ok) throw new Error(answer.error ?? `the sandbox answered HTTP ${res.status}`);
      return answer;
    },
  };
}

/** The most telling words of an error: a connection error's code, else its message. */
function causeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: string; cause?: { code?: unknown; message?: string } };
  if (typeof e.cause?.code === 'string') return e.cause.code;
  if (typeof e.code === 'string') return e.code;
  return (e.cause?.message ?? e.message ?? String(err)).split('\n')[0] ?? '';
}
