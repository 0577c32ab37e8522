// `spot-guard demo`: the seed's whole timeline on the sandbox, with its durations divided by
// `scale`. Rebalance on spot node A while spot capacity is exhausted; the agents fall back to
// on-demand and record the event; A is interrupted and goes; the event waits, spot returns and
// stays stable, one agent drains and terminates the on-demand node, and the event is deleted
// after its TTL. The `kubectl get sgfe` table is printed at each phase change.
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { parseDuration } from '../../crds/duration.js';
import { PHASES, type Phase } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { instanceIdOf } from '../../runtime/kube/provider-id.js';
import { PhaseFollower } from './phase-follower.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import type { Interruption } from './scenario-control.js';
import { MIN_AVAILABLE, startWorkload, WORKLOAD, type Workload, type WorkloadReport } from './workload.js';

export interface DemoOptions {
  scale: number;
  kubeconfigPath?: string;
  ttl: string;
  logDir?: string;
  out?: NodeJS.WritableStream;
  /** Port of the live view on 127.0.0.1 (default: any free port). */
  viewPort?: number;
  /** Longest the whole story may take before it is called failed. */
  timeoutMs?: number;
}

export interface DemoResult {
  ok: boolean;
  reason?: string;
  phases: { phase: Phase | 'Deleted'; at: number }[];
  onDemandSeconds?: number;
  stableToScaleDownSeconds?: number;
  calls?: Record<string, number>;
  /** The workload's record: pods moved, waits, where they run, the PDB. */
  workload?: WorkloadReport;
  /** The spot node that was interrupted and the on-demand node that was scaled down. */
  interruptedNode?: string;
  onDemandNode?: string;
}

const SPOT_LABEL = 'eks.amazonaws.com/capacityType';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsOf = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;

class StoryError extends Error {}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const say = (line: string) => out.write(`${progressClear(out)}${new Date().toISOString().slice(11, 19)}  ${line}\n`);
  const started = Date.now();
  say(`starting the sandbox (durations divided by ${options.scale})`);
  const sandbox = await startSandbox({ scale: options.scale, kubeconfigPath: options.kubeconfigPath, logDir: options.logDir, settings: { SPOT_GUARD_EVENT_TTL: options.ttl }, viewPort: options.viewPort });
  const result: DemoResult = { ok: false, phases: [] };
  let workload: Workload | undefined;
  try {
    say(`sandbox ready in ${secondsOf(Date.now() - started)}: ${sandbox.agents.list().length} agents, kubeconfig ${sandbox.plane.kubeconfigPath}`);
    say(`live statechart view: ${sandbox.view.url}`);
    say(sandbox.agentMemory);
    workload = await startWorkload(sandbox.admin);
    const placed = Object.entries(workload.report().runningOn).map(([node, n]) => `${n} on ${node}`).join(', ');
    say(`workload: Deployment ${WORKLOAD.namespace}/${WORKLOAD.name}, ${workload.report().replicas} pods of 500m CPU (${placed}), PDB minAvailable ${MIN_AVAILABLE}`);
    await story(sandbox, options, say, result);
    result.workload = workload.report();
    sayWorkload(result, say);
    result.ok = true;
  } catch (err) {
    result.reason = err instanceof Error ? err.message : String(err);
  } finally {
    workload?.stop();
    result.calls = await sandbox.sim.control.calls().catch(() => undefined);
    await sandbox.stop();
  }
  return result;
}

async function story(sandbox: Sandbox, options: DemoOptions, say: (line: string) => void, result: DemoResult): Promise<void> {
  const { sim, pair, admin } = sandbox;
  const core = admin.makeApiClient(CoreV1Api);
  const store = new FallbackEventStore(admin);
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  const spotNodes = (await core.listNode()).items.filter((n) => n.metadata?.labels?.[SPOT_LABEL] === 'SPOT');
  const nodeA = spotNodes[0];
  const nodeAName = nodeA?.metadata?.name ?? '';
  const instanceA = instanceIdOf(nodeA?.spec?.providerID) ?? '';
  if (!nodeAName || !instanceA) throw new StoryError('the simulator registered no spot node');
  result.interruptedNode = nodeAName;

  await sim.control.exhaustSpotPool(pair.spot);
  say(`spot capacity for ${pair.spot} exhausted (the simulator refuses new spot launches)`);
  await sandbox.scenario.rebalance(nodeAName);
  say(`EC2 rebalance recommendation for ${nodeAName} (${instanceA}); its agent scales ${pair.spot} first`);

  const table = async (why: string) => {
    const got = await sandbox.plane.kubectl(['get', 'sgfe', '-n', 'kube-system']);
    say(`${why}\n$ kubectl get sgfe -n kube-system\n${got.stdout.trimEnd() || got.stderr.trimEnd()}`);
  };
  // Every phase from a watch: ReadyForScaleDown can last less than this loop's pause.
  const follower = new PhaseFollower(store);
  try {
    await follow(sandbox, options, say, result, { store, core, deadline, nodeAName, instanceA, table, follower });
  } finally {
    follower.stop();
  }
}

interface Story {
  store: FallbackEventStore;
  core: CoreV1Api;
  deadline: number;
  nodeAName: string;
  instanceA: string;
  table: (why: string) => Promise<void>;
  follower: PhaseFollower;
}

async function follow(sandbox: Sandbox, options: DemoOptions, say: (line: string) => void, result: DemoResult, story: Story): Promise<void> {
  const { sim, pair, settings } = sandbox;
  const { store, core, deadline, nodeAName, instanceA, table, follower } = story;
  let phase: Phase | undefined;
  let event: SpotGuardFallbackEvent | undefined;
  let interruption: Interruption | undefined;
  let instanceGone = false;
  let restored = false;
  for (;;) {
    if (Date.now() > deadline) throw new StoryError(`the story did not finish in time; last phase ${phase ?? 'none'}: ${event?.status?.message ?? ''}`);
    const items = (await store.list()).items;
    const current = event ? items.find((e) => e.metadata?.name === event?.metadata?.name) : items[0];
    if (event && !current) {
      result.phases.push({ phase: 'Deleted', at: Date.now() });
      // The story ends once the live view shows it too, so whoever watches the page sees the
      // event go before the sandbox stops (its watch may come a moment after this list).
      const name = event.metadata?.name ?? '';
      for (const until = Date.now() + 10_000; sandbox.view.shows(name) && Date.now() < until; ) await sleep(100);
      await table(`event ${event.metadata?.name} deleted after its TTL (${options.ttl})`);
      summarise(event, result, say);
      return;
    }
    if (current) {
      event = current;
      // Each phase the watch saw and the story has not told yet, in order.
      for (const seen of follower.phases(current.metadata?.name ?? '').slice(result.phases.length)) {
        phase = seen.phase;
        result.phases.push({ phase, at: seen.at });
        await table(`event ${current.metadata?.name}: ${phase} (${seen.message ?? ''})`);
        if (phase === 'Failed') throw new StoryError(`the event failed: ${seen.message ?? ''}`);
      }
    }
    // A's agent taints A only once the replacement is Ready; then the spot interruption comes.
    if (interruption === undefined && (await isProtected(core, nodeAName))) {
      interruption = await sandbox.scenario.interrupt(nodeAName);
      say(`spot interruption notice for ${nodeAName}: EC2 reclaims it in ${secondsOf(interruption.reclaimAt - Date.now())}`);
    }
    if (interruption !== undefined && !instanceGone && (await sim.control.nodes()).every((n) => n.instanceId !== instanceA || n.lifecycleState === 'Terminating')) {
      instanceGone = true;
      say(`${nodeAName} reclaimed by EC2: its instance terminates, its node and its agent go; the event lives on in etcd`);
    }
    if (phase === 'Monitoring' && instanceGone && !restored) {
      await sim.control.restoreSpotPool(pair.spot);
      restored = true;
      say(`spot capacity for ${pair.spot} restored: the ASG replaces ${nodeAName}`);
    }
    progress(options.out ?? process.stdout, `${phase ?? 'no event yet'}: ${waitingFor(event, settings)}`);
    await sleep(500);
  }
}

async function isProtected(core: CoreV1Api, name: string): Promise<boolean> {
  const node: V1Node | undefined = await core.readNode({ name }).catch(() => undefined);
  return !!node?.spec?.unschedulable && !!node.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key);
}

/** What the current phase waits for, and how long that should take. */
function waitingFor(event: SpotGuardFallbackEvent | undefined, settings: Record<string, string>): string {
  if (!event) return 'waiting for the spot scale-up to time out and the fallback to be recorded';
  const s = event.status ?? {};
  const now = Date.now();
  switch (s.phase ?? 'Pending') {
    case 'Pending': {
      const wait = parseDuration(event.spec.minimumWaitDuration ?? '') ?? 0;
      return `minimum wait, ${secondsOf(Date.parse(event.spec.timestamp) + wait - now)} left`;
    }
    case 'Monitoring': {
      const h = s.spotHealth;
      const window = parseDuration(settings.SPOT_GUARD_SPOT_STABILITY_WINDOW ?? '') ?? 0;
      const spot = h ? `spot ${h.inService}/${h.desired} InService, nodes Ready ${h.nodesReady ?? 0}/${h.nodesTotal ?? 0}` : 'no spot observation yet';
      return s.spotHealthySince ? `${spot}; stable for ${secondsOf(window - (now - Date.parse(s.spotHealthySince)))} more` : `${spot}; waiting for spot to be healthy`;
    }
    case 'ReadyForScaleDown':
      return 'safety checks before the drain';
    case 'ScalingDown':
      return s.message ?? 'scaling down';
    default: {
      const ttl = parseDuration(settings.SPOT_GUARD_EVENT_TTL ?? '') ?? 0;
      return `deleted after the TTL, ${secondsOf(Date.parse(s.completionTime ?? '') + ttl - now)} left`;
    }
  }
}

function summarise(event: SpotGuardFallbackEvent, result: DemoResult, say: (line: string) => void): void {
  const s = event.status ?? {};
  result.onDemandNode = event.spec.onDemandNodeName;
  const start = Date.parse(event.spec.timestamp);
  const end = Date.parse(s.scaleDown?.terminate?.completedAt ?? s.completionTime ?? '');
  const stable = Date.parse(s.conditions?.find((c) => c.type === 'SpotRestored')?.lastTransitionTime ?? '');
  const scaleDown = Date.parse(s.scaleDown?.startedAt ?? '');
  if (!Number.isNaN(start) && !Number.isNaN(end)) result.onDemandSeconds = (end - start) / 1000;
  if (!Number.isNaN(stable) && !Number.isNaN(scaleDown)) result.stableToScaleDownSeconds = (scaleDown - stable) / 1000;
  say(
    [
      'summary',
      `  on-demand node ${event.spec.onDemandNodeName} (${event.spec.onDemandInstanceID}) ran ${result.onDemandSeconds === undefined ? '?' : (result.onDemandSeconds / 60).toFixed(1)} minutes (${result.onDemandSeconds ?? '?'} s)`,
      `  spot stable → scale-down started: ${result.stableToScaleDownSeconds ?? '?'} s`,
      `  phases: ${result.phases.map((p) => p.phase).join(' → ')}`,
    ].join('\n'),
  );
}

/** What happened to the workload, watched rather than assumed. */
function sayWorkload(result: DemoResult, say: (line: string) => void): void {
  const w = result.workload;
  if (!w) return;
  const gone = [result.interruptedNode, result.onDemandNode].filter((n): n is string => !!n);
  const left = gone.filter((n) => (w.runningOn[n] ?? 0) > 0);
  say(
    [
      `workload ${WORKLOAD.namespace}/${WORKLOAD.name}`,
      `  pods moved: ${w.moved} (replacements of evicted pods, each placed by kube-scheduler)`,
      `  longest a new pod waited to run: ${w.longestPendingSeconds} s${w.longestPendingPod ? ` (${w.longestPendingPod})` : ''} (goal: 0 s, scale first, taint later)`,
      `  pods the scheduler found no node for: ${w.unschedulable.length === 0 ? 'none' : w.unschedulable.join('; ')}`,
      `  PDB: ${w.pdbViolations.length === 0 ? `never violated (at its lowest, ${w.pdbLowestHeadroom} healthy ${w.pdbLowestHeadroom === 1 ? 'pod' : 'pods'} above minAvailable)` : `VIOLATED ${w.pdbViolations.length} times: ${w.pdbViolations.slice(0, 3).join('; ')}`}`,
      `  running now: ${Object.entries(w.runningOn).map(([node, n]) => `${n} on ${node}`).join(', ') || 'none'}${w.notRunning.length > 0 ? `; NOT running: ${w.notRunning.join('; ')}` : ''}`,
      `  on the nodes that went (${gone.join(', ')}): ${left.length === 0 ? 'none' : left.join(', ')}`,
    ].join('\n'),
  );
}

// One progress line, rewritten in place on a terminal; elsewhere nothing (logs stay clean).
let progressShown = false;
function progress(out: NodeJS.WritableStream, line: string): void {
  if (!(out as { isTTY?: boolean }).isTTY) return;
  out.write(`\r\x1b[2K… ${line}`);
  progressShown = true;
}
function progressClear(out: NodeJS.WritableStream): string {
  if (!progressShown || !(out as { isTTY?: boolean }).isTTY) return '';
  progressShown = false;
  return '\r\x1b[2K';
}

export const DEMO_PHASES: readonly (Phase | 'Deleted')[] = [...PHASES.filter((p) => p !== 'Failed'), 'Deleted'];
