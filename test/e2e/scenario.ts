// End-to-end scenarios on the whole sandbox: control plane, AWS capacity simulator, one AEMM
// and one real agent process per node. Helpers read the truth from the API server and from
// the simulator through the real AWS adapter; a watch keeps every phase each event went
// through (dev/sandbox/phase-follower.ts), so a test can assert the order and the timing of its
// transitions, however short a phase is.
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { parseDuration } from '../../crds/duration.js';
import type { Phase } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { REBALANCE_TAINT } from '../../runtime/kube/nodes.port.js';
import { instanceIdOf } from '../../runtime/kube/provider-id.js';
import { PhaseFollower } from '../../dev/sandbox/phase-follower.js';
import { SANDBOX_REGION, startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { waitFor } from '../harness/agent-world.js';

export const SPOT_LABEL = 'eks.amazonaws.com/capacityType';

export class Scenario {
  readonly core: CoreV1Api;
  readonly store: FallbackEventStore;
  readonly aws: AwsAutoScaling;
  /** Every phase each event was seen in, in order, with when it was first seen. */
  private readonly follower: PhaseFollower;

  constructor(readonly sandbox: Sandbox) {
    this.core = sandbox.admin.makeApiClient(CoreV1Api);
    this.store = new FallbackEventStore(sandbox.admin);
    this.aws = new AwsAutoScaling({ region: SANDBOX_REGION, endpoint: sandbox.sim.endpoint, credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } });
    this.follower = new PhaseFollower(this.store);
  }

  get spot(): string {
    return this.sandbox.pair.spot;
  }

  get onDemand(): string {
    return this.sandbox.pair.onDemand;
  }

  setting(name: string): number {
    return parseDuration(this.sandbox.settings[name] ?? '') ?? NaN;
  }

  async spotNodes(): Promise<V1Node[]> {
    return (await this.core.listNode()).items.filter((n) => n.metadata?.labels?.[SPOT_LABEL] === 'SPOT').sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  instanceOf(node: V1Node | undefined): string {
    return instanceIdOf(node?.spec?.providerID) ?? '';
  }

  async desired(): Promise<{ spot: number; onDemand: number }> {
    const groups = await this.aws.describeGroups([this.spot, this.onDemand]);
    return { spot: groups.find((g) => g.name === this.spot)?.desired ?? -1, onDemand: groups.find((g) => g.name === this.onDemand)?.desired ?? -1 };
  }

  async inService(asg: string): Promise<string[]> {
    const [group] = await this.aws.describeGroups([asg]);
    return group?.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId) ?? [];
  }

  /** Instances the ASG terminated or had terminated, from its scaling activities. */
  async terminations(asg: string): Promise<string[]> {
    const activities = await this.aws.describeActivities(asg, 100);
    return activities.map((a) => /^Terminating EC2 instance: (i-\w+)/.exec(a.description)?.[1]).filter((id): id is string => id !== undefined);
  }

  async events(): Promise<SpotGuardFallbackEvent[]> {
    return (await this.store.list()).items;
  }

  async isProtected(node: string): Promise<boolean> {
    const n = await this.core.readNode({ name: node }).catch(() => undefined);
    return !!n?.spec?.unschedulable && !!n.spec.taints?.some((t) => t.key === REBALANCE_TAINT.key);
  }

  /** Waits for the event to reach `phase`; a Failed event ends the wait at once. */
  /** The event's first version in `phase`, as the watch delivered it: a phase that has already passed counts. */
  async waitPhase(name: string, phase: Phase, timeoutMs = 180_000): Promise<SpotGuardFallbackEvent> {
    let last: SpotGuardFallbackEvent | undefined;
    return waitFor(() => `${name} in ${phase} (last: ${last?.status?.phase ?? 'none'}, ${last?.status?.message ?? ''})`, () => {
      const seen = this.follower.phases(name);
      last = seen.at(-1)?.object;
      if (last?.status?.phase === 'Failed' && phase !== 'Failed') throw new FailedEvent(`${name} Failed: ${last.status.message ?? ''}`);
      return Promise.resolve(seen.find((p) => p.phase === phase)?.object);
    }, timeoutMs, 250).catch((err: unknown) => {
      throw err instanceof FailedEvent ? err : new Error(err instanceof Error ? err.message : String(err));
    });
  }

  /** When the watch first delivered the event in `phase` (waiting for it if need be). */
  async seenAt(name: string, phase: Phase): Promise<number> {
    return waitFor(`the watch to see ${name} in ${phase}`, () => Promise.resolve(this.follower.phases(name).find((p) => p.phase === phase)?.at), 10_000, 100);
  }

  /** `kubectl describe sgfe NAME`, as an operator runs it. */
  async describe(name: string): Promise<string> {
    const res = await this.sandbox.plane.kubectl(['describe', 'sgfe', name, '-n', this.store.namespace]);
    if (res.code !== 0) throw new Error(`kubectl describe sgfe ${name}: ${res.stderr}`);
    return res.stdout;
  }

  phases(name: string): Phase[] {
    return this.follower.phases(name).map((p) => p.phase);
  }

  async stop(): Promise<void> {
    this.follower.stop();
    this.aws.destroy();
    await this.sandbox.stop();
  }
}

class FailedEvent extends Error {}

export async function startScenario(options: { scale?: number; ttl?: string; spotNodes?: number; settings?: Record<string, string> } = {}): Promise<Scenario> {
  const sandbox = await startSandbox({
    scale: options.scale ?? 20,
    spotNodes: options.spotNodes,
    logDir: process.env.SPOT_GUARD_E2E_LOGS,
    settings: { SPOT_GUARD_EVENT_TTL: options.ttl ?? '5s', ...options.settings },
  });
  return new Scenario(sandbox);
}

/**
 * The common opening once spot has run dry: EC2 recommends rebalancing `node`, its agent falls
 * back to on-demand and records the event. Returns it once the at-risk node is protected.
 */
export async function fallBack(s: Scenario, node: string): Promise<SpotGuardFallbackEvent> {
  const before = new Set((await s.events()).map((e) => e.metadata?.name));
  await s.sandbox.agents.rebalance(node);
  const event = await waitFor(`a fallback event for ${node}`, async () => (await s.events()).find((e) => !before.has(e.metadata?.name) && e.metadata?.annotations?.['spot-guard.aws.amazon.com/request']?.startsWith(`${node}@`)), 120_000);
  await waitFor(`${node} tainted and cordoned`, () => s.isProtected(node), 120_000);
  return event;
}
