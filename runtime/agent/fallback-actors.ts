// The actor system: one fallback-event actor per SpotGuardFallbackEvent, created when the
// watch delivers the object (or the agent starts and lists it), fed every later version as
// OBSERVED, every clock tick as TICK, and stopped when the object is deleted. It performs
// the intents the machines emit and sends their results back as events; the actors' state
// is a cache of the objects, so a restarted agent rebuilds it from the watch alone.
import { filter, map, type Subscription } from 'rxjs';
import { createActor, type Actor, type InspectionEvent, type Observer, type SnapshotFrom } from 'xstate';
import type { Phase, SafetyCheck } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { isHolder, isTerminal, monitoringTurn, phaseOf } from '../../machines/fallback-event.guards.js';
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import type { AgentIdentity, ChecksOutcome, ClaimLease, FallbackEventConfig, FallbackEventIntent } from '../../machines/fallback-event.types.js';
import type { AsgObserver } from '../../streams/asg-observation.stream.js';
import { spotObservation, type NodeView } from '../../streams/spot-health.js';
import type { ClaimLeases } from '../kube/claim-lease.js';
import type { FallbackEventStore } from '../kube/fallback-event.store.js';
import type { Logger } from '../log.js';
import { rollBack, runStep, type RollbackResult, type StepDeps, type StepResult } from './scale-down-steps.js';

type FallbackActor = Actor<typeof fallbackEventMachine>;
/** check: which safety check blocked, for the condition's reason. */
export type ChecksResult = { outcome: ChecksOutcome; reason: string; check?: SafetyCheck };
export type FallbackSnapshot = SnapshotFrom<typeof fallbackEventMachine>;

/** What the actor system reports to the rest of the agent (metrics, Events, the live view). */
export interface FallbackObserver {
  /** This agent saw the event in a new phase (every agent sees every change). */
  phaseSeen?(event: SpotGuardFallbackEvent, from: Phase | undefined, to: Phase): void;
  /** This agent's own commit moved the event to a new phase (exactly one agent per change). */
  phaseCommitted?(event: SpotGuardFallbackEvent, from: Phase, to: Phase): void;
  stepFinished?(event: SpotGuardFallbackEvent, step: string, result: StepResult): void;
  rollbackFinished?(event: SpotGuardFallbackEvent, result: RollbackResult): void;
  /** This agent's own commit landed: `before` is the object it was computed from (one agent per change). */
  committed?(before: SpotGuardFallbackEvent, after: SpotGuardFallbackEvent): void;
  /** The holder's observation found ASGs of the event missing (each time; the machine decides when they are gone). */
  asgsNotFound?(event: SpotGuardFallbackEvent, asgs: readonly string[]): void;
  conflict?(event: SpotGuardFallbackEvent): void;
  takeover?(event: SpotGuardFallbackEvent, previousHolder: string): void;
  snapshot?(name: string, snapshot: FallbackSnapshot | undefined): void;
}

export interface FallbackActorsDeps {
  agent: AgentIdentity;
  config: FallbackEventConfig;
  store: FallbackEventStore;
  /** The claims' heartbeats (claim-lease.ts). */
  claimLeases: Pick<ClaimLeases, 'read' | 'renew' | 'forget'>;
  asgObserver: AsgObserver;
  /** The nodes as the node watch last saw them, for the spot-health observation. */
  nodeViews: () => readonly NodeView[];
  runChecks: (event: SpotGuardFallbackEvent) => Promise<ChecksResult>;
  steps: Omit<StepDeps, 'log' | 'signal'>;
  now: () => number;
  log: Logger;
  observer?: FallbackObserver;
  /** Every actor's inspection events (e.g. to Stately's inspector); none by default. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

interface Entry {
  name: string;
  actor: FallbackActor;
  spot: Subscription | undefined;
  abort: AbortController;
  phase: Phase | undefined;
  stopped: boolean;
}

const SPOT_WATCHING: readonly Phase[] = ['Monitoring', 'ReadyForScaleDown'];
const nameOf = (o: SpotGuardFallbackEvent): string => o.metadata?.name ?? '';
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class FallbackActors {
  private peers: readonly string[] | undefined;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: FallbackActorsDeps) {}

  /** The full list after a (re)list: new objects get actors, vanished ones lose theirs. */
  synced(objects: readonly SpotGuardFallbackEvent[]): void {
    const present = new Set(objects.map(nameOf));
    for (const name of [...this.entries.keys()]) if (!present.has(name)) this.remove(name);
    for (const o of objects) this.upsert(o);
  }

  upsert(object: SpotGuardFallbackEvent): void {
    const name = nameOf(object);
    const entry = this.entries.get(name);
    if (entry) {
      this.send(entry, { type: 'OBSERVED', object });
      return;
    }
    this.create(object);
  }

  deleted(object: SpotGuardFallbackEvent): void {
    const entry = this.entries.get(nameOf(object));
    if (!entry) return;
    this.send(entry, { type: 'DELETED' });
    this.remove(entry.name);
  }

  /** `peers`: the Ready nodes, whose agents take turns at a free claim (see claimRank). */
  tick(now: number, peers?: readonly string[]): void {
    this.peers = peers;
    for (const entry of this.entries.values()) this.send(entry, { type: 'TICK', now, peers });
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  snapshot(name: string): FallbackSnapshot | undefined {
    return this.entries.get(name)?.actor.getSnapshot();
  }

  phases(): Record<Phase, number> {
    const counts: Record<Phase, number> = { Pending: 0, Monitoring: 0, ReadyForScaleDown: 0, ScalingDown: 0, Completed: 0, Failed: 0 };
    for (const e of this.entries.values()) counts[phaseOf(e.actor.getSnapshot().context.object)]++;
    return counts;
  }

  /**
   * Gives up the claims this agent holds on unfinished events, so another agent takes over at
   * once: the claim stays in status with releasedAt, so the next agent in the event's ranking
   * takes it (a removed claim would leave every agent's turn long past: a herd).
   */
  async releaseClaims(): Promise<number> {
    let released = 0;
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        const { context } = entry.actor.getSnapshot();
        const now = this.deps.now();
        const claim = context.object.status?.claim;
        if (!claim || !isHolder({ ...context, now }) || isTerminal(context.object)) return;
        const status = { ...context.object.status, claim: { ...claim, releasedAt: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z') } };
        try {
          const result = await this.deps.store.commitStatus(context.object, status);
          if (result.outcome === 'committed') released++;
        } catch (err) {
          this.deps.log.warn({ event: entry.name, err: message(err) }, 'could not release claim');
        }
      }),
    );
    return released;
  }

  /** Stops every actor and what it runs. Claims are kept (see releaseClaims). */
  stop(): void {
    for (const name of [...this.entries.keys()]) this.remove(name);
  }

  private create(object: SpotGuardFallbackEvent): void {
    const name = nameOf(object);
    const actor = createActor(fallbackEventMachine, { input: { object, agent: this.deps.agent, config: this.deps.config, now: this.deps.now() }, inspect: this.deps.inspect, systemId: name });
    const entry: Entry = { name, actor, spot: undefined, abort: new AbortController(), phase: undefined, stopped: false };
    this.entries.set(name, entry);
    actor.on('commit', (intent) => void this.commit(entry, intent));
    actor.on('runChecks', () => void this.checks(entry));
    actor.on('runStep', (intent) => void this.step(entry, intent.step));
    actor.on('rollBack', () => void this.rollback(entry));
    actor.on('delete', (intent) => void this.delete(entry, intent));
    actor.on('renewLease', (intent) => void this.lease(entry, (object) => this.deps.claimLeases.renew(object, intent.now, this.deps.config.claimLeaseSeconds)));
    actor.on('readLease', () => void this.lease(entry, (object) => this.deps.claimLeases.read(object)));
    actor.subscribe({
      next: (snapshot) => this.changed(entry, snapshot),
      error: (err) => this.deps.log.error({ event: name, err: message(err) }, 'fallback-event actor failed'),
    });
    actor.start();
    this.changed(entry, actor.getSnapshot());
  }

  private remove(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.stopped = true;
    entry.abort.abort();
    entry.spot?.unsubscribe();
    this.deps.claimLeases.forget(entry.actor.getSnapshot().context.object);
    entry.actor.stop();
    this.entries.delete(name);
    this.deps.observer?.snapshot?.(name, undefined);
  }

  private send(entry: Entry, event: Parameters<FallbackActor['send']>[0]): void {
    if (!entry.stopped) entry.actor.send(event);
  }

  private changed(entry: Entry, snapshot: FallbackSnapshot): void {
    if (entry.stopped) return;
    const { context } = snapshot;
    const phase = phaseOf(context.object);
    if (phase !== entry.phase) {
      const from = entry.phase;
      entry.phase = phase;
      this.deps.log.debug({ event: entry.name, from, to: phase }, 'saw phase change');
      this.deps.observer?.phaseSeen?.(context.object, from, phase);
    }
    // Only the claim holder observes AWS (invariant 8); the others read what it records. At the
    // end of the minimum wait the agent whose turn it is looks first, to start Monitoring with it:
    // only once the peers are known (the node list has synced), or every agent would rank first.
    const current = { ...context, now: Math.max(context.now, this.deps.now()), peers: this.peers };
    const myTurn = phase === 'Pending' && (this.peers?.length ?? 0) > 0 && monitoringTurn(current);
    const watchSpot = (SPOT_WATCHING.includes(phase) && isHolder(current)) || myTurn;
    if (watchSpot && !entry.spot) {
      const { spec } = context.object;
      // The on-demand ASG is asked about in the same call: a deleted one fails the event too.
      entry.spot = this.deps.asgObserver
        .observe(spec.spotASGName, [spec.onDemandASGName])
        .pipe(
          filter((e) => {
            if (e.type === 'ASG_ERROR') this.deps.log.warn({ event: entry.name, asg: e.asgName, code: e.code, err: e.message }, 'could not observe spot asg');
            return e.type === 'ASG_OBSERVED';
          }),
          map((e) => (e.type === 'ASG_OBSERVED' ? spotObservation(e.snapshot, this.deps.nodeViews()) : undefined)),
        )
        .subscribe((observation) => {
          if (!observation) return;
          if (observation.asgsNotFound) {
            this.deps.log.warn({ event: entry.name, asg: observation.asgsNotFound.join(',') }, 'found no asg');
            this.deps.observer?.asgsNotFound?.(entry.actor.getSnapshot().context.object, observation.asgsNotFound);
          }
          this.send(entry, { type: 'SPOT_OBSERVED', observation });
        });
    } else if (!watchSpot && entry.spot) {
      entry.spot.unsubscribe();
      entry.spot = undefined;
    }
    this.deps.observer?.snapshot?.(entry.name, snapshot);
  }

  private async commit(entry: Entry, intent: Extract<FallbackEventIntent, { type: 'commit' }>): Promise<void> {
    const base = entry.actor.getSnapshot().context.object;
    const previousHolder = base.status?.claim?.holder;
    const object: SpotGuardFallbackEvent = { ...base, metadata: { ...base.metadata, resourceVersion: intent.resourceVersion } };
    try {
      const result = await this.deps.store.commitStatus(object, intent.status);
      if (result.outcome === 'committed') {
        if (previousHolder && previousHolder !== this.deps.agent.id && result.event.status?.claim?.holder === this.deps.agent.id) {
          this.deps.log.info({ event: entry.name, previousHolder }, 'took over expired claim');
          this.deps.observer?.takeover?.(result.event, previousHolder);
        }
        const from = phaseOf(base);
        const to = phaseOf(result.event);
        if (from !== to) {
          this.deps.log.info({ event: entry.name, node: base.spec.onDemandNodeName, asg: base.spec.onDemandASGName, from, to, message: result.event.status?.message }, 'moved event to new phase');
          this.deps.observer?.phaseCommitted?.(result.event, from, to);
        }
        this.deps.observer?.committed?.(base, result.event);
        this.send(entry, { type: 'COMMITTED', object: result.event });
        // The machine decides its next move (the checks, the next step) only on a TICK: give it
        // one now, so each step follows the commit it waits for instead of the clock's next
        // tick (issue 14). It moves nothing a clock tick would not; a CONFLICT or a failed
        // write still waits for the clock, which paces a retry.
        this.send(entry, { type: 'TICK', now: this.deps.now(), peers: this.peers });
      } else if (result.outcome === 'conflict') {
        this.deps.observer?.conflict?.(result.latest);
        this.send(entry, { type: 'CONFLICT', latest: result.latest });
      } else {
        this.remove(entry.name);
      }
    } catch (err) {
      this.deps.log.warn({ event: entry.name, err: message(err) }, 'could not commit status');
      this.send(entry, { type: 'COMMIT_FAILED', code: (err as { code?: string }).code ?? 'Unknown', message: message(err) });
    }
  }

  /** A renewal or read of the event's claim Lease; its answer comes back as LEASE (then a TICK: a lapsed claim is taken at once) or LEASE_FAILED. */
  private async lease(entry: Entry, work: (object: SpotGuardFallbackEvent) => Promise<ClaimLease>): Promise<void> {
    try {
      const lease = await work(entry.actor.getSnapshot().context.object);
      this.send(entry, { type: 'LEASE', lease });
      this.send(entry, { type: 'TICK', now: this.deps.now(), peers: this.peers });
    } catch (err) {
      this.deps.log.warn({ event: entry.name, err: message(err) }, 'could not read or renew claim lease');
      this.send(entry, { type: 'LEASE_FAILED', code: (err as { code?: string }).code ?? 'Unknown', message: message(err) });
    }
  }

  private async checks(entry: Entry): Promise<void> {
    const object = entry.actor.getSnapshot().context.object;
    let result: ChecksResult;
    try {
      result = await this.deps.runChecks(object);
    } catch (err) {
      result = { outcome: 'blocked', reason: `safety checks could not run: ${message(err)}`, check: 'error' };
    }
    this.deps.log.info({ event: entry.name, node: object.spec.onDemandNodeName, outcome: result.outcome, check: result.check, reason: result.reason }, 'ran safety checks');
    this.send(entry, { type: 'CHECKS_DONE', ...result });
  }

  private async step(entry: Entry, step: Parameters<typeof runStep>[0]): Promise<void> {
    const object = entry.actor.getSnapshot().context.object;
    const result = await runStep(step, object, { ...this.deps.steps, log: this.deps.log, signal: entry.abort.signal });
    if (entry.stopped) return;
    this.deps.observer?.stepFinished?.(object, step, result);
    if (result.ok) this.send(entry, { type: 'STEP_DONE', step, message: result.message, replaced: result.replaced, ...(result.dryRun ? { dryRun: true } : {}) });
    else this.send(entry, { type: 'STEP_FAILED', step, code: result.code, message: result.message, retryable: result.retryable, replaced: result.replaced });
  }

  private async rollback(entry: Entry): Promise<void> {
    const object = entry.actor.getSnapshot().context.object;
    const result = await rollBack(object, { nodes: this.deps.steps.nodes, dryRun: this.deps.steps.dryRun, log: this.deps.log });
    if (entry.stopped) return;
    this.deps.observer?.rollbackFinished?.(object, result);
    if (result.ok) this.send(entry, { type: 'ROLLBACK_DONE', untainted: result.untainted, uncordoned: result.uncordoned, message: result.message });
    else this.send(entry, { type: 'ROLLBACK_FAILED', code: result.code, message: result.message, retryable: result.retryable, untainted: result.untainted });
  }

  /** Every event this agent has an actor for, as last known. */
  objects(): SpotGuardFallbackEvent[] {
    return [...this.entries.values()].map((e) => e.actor.getSnapshot().context.object);
  }

  private async delete(entry: Entry, intent: Extract<FallbackEventIntent, { type: 'delete' }>): Promise<void> {
    try {
      const outcome = await this.deps.store.delete(entry.name, intent.resourceVersion);
      if (outcome === 'conflict') {
        this.send(entry, { type: 'COMMIT_FAILED', code: 'Conflict', message: 'changed before it could be deleted' });
        return;
      }
      this.deps.log.info({ event: entry.name }, 'deleted expired event');
      this.send(entry, { type: 'DELETED' });
      this.remove(entry.name);
    } catch (err) {
      this.send(entry, { type: 'COMMIT_FAILED', code: (err as { code?: string }).code ?? 'Unknown', message: message(err) });
    }
  }
}
