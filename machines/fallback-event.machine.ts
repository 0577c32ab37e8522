// One actor per SpotGuardFallbackEvent. Its top-level states are the CRD phases; the object
// delivered by the watch (or returned by our own commit) is authoritative and moves the actor
// to the phase and step it records. Time arrives as TICK, effects leave as emitted intents,
// and shared state changes only through a commit whose result comes back as an event.
import { assign, emit, enqueueActions, setup } from 'xstate';
import { PHASES, SCALE_DOWN_STEPS, type Phase, type ScaleDownStepName } from '../crds/phases.js';
import type { FallbackEventStatus, SpotGuardFallbackEvent } from '../crds/spotguardfallbackevent.types.js';
import * as g from './fallback-event.guards.js';
import * as s from './fallback-event.status.js';
import type {
  FallbackEventContext,
  FallbackEventEvent,
  FallbackEventInput,
  FallbackEventIntent,
  SpotObservation,
} from './fallback-event.types.js';

type E<T extends FallbackEventEvent['type']> = Extract<FallbackEventEvent, { type: T }>;

/** The context as of the event: a TICK carries the time every guard should judge by. */
function at(context: FallbackEventContext, event: FallbackEventEvent): FallbackEventContext {
  return event.type === 'TICK' ? { ...context, now: event.now, peers: event.peers } : context;
}

function objectOf(event: FallbackEventEvent): SpotGuardFallbackEvent | undefined {
  if (event.type === 'OBSERVED' || event.type === 'COMMITTED') return event.object;
  if (event.type === 'CONFLICT') return event.latest;
  return undefined;
}

function observationOf(event: FallbackEventEvent): SpotObservation | undefined {
  return event.type === 'SPOT_OBSERVED' ? event.observation : undefined;
}

/** Where in ScalingDown an event is: one of its steps, or undoing them after a final failure. */
export type ScalingDownPlace = ScaleDownStepName | 'rollback';

/** Where an object puts the actor: its phase and, in ScalingDown, its current step (or the rollback). */
export function placeOf(object: SpotGuardFallbackEvent): { phase: Phase; step: ScalingDownPlace | undefined } {
  const phase = g.phaseOf(object);
  if (phase !== 'ScalingDown') return { phase, step: undefined };
  return { phase, step: g.rollbackPending(object) ? 'rollback' : (g.currentStep(object) ?? 'terminate') };
}

type Place = { phase: Phase; step?: ScalingDownPlace };

const commitIntent = (status: FallbackEventStatus, object: SpotGuardFallbackEvent): FallbackEventIntent => ({
  type: 'commit',
  status,
  resourceVersion: object.metadata?.resourceVersion,
});

/**
 * A named status change: the next status, built from the context as of the event, is held as
 * `pending` and emitted as a `commit` intent in one action, so that the drawn statechart names
 * what is recorded ("claimEvent", "recordStepFailure") rather than how. `failureTime` also
 * keeps the failure's time, which paces this actor's own retry even if the commit is lost.
 */
function commits(build: (c: FallbackEventContext, e: FallbackEventEvent) => FallbackEventStatus, options: { failureTime?: boolean } = {}) {
  return enqueueActions<FallbackEventContext, FallbackEventEvent, undefined, FallbackEventEvent, never, never, never, never, FallbackEventIntent>(({ context, event, enqueue }) => {
    const status = build(at(context, event), event);
    enqueue.assign(options.failureTime ? { pending: status, lastStepFailureAt: context.now } : { pending: status });
    enqueue.emit(commitIntent(status, context.object));
  });
}

/** A read or write of the claim's Lease: one at a time, its result comes back as LEASE or LEASE_FAILED. */
function leaseWork(intent: (c: FallbackEventContext) => FallbackEventIntent) {
  return enqueueActions<FallbackEventContext, FallbackEventEvent, undefined, FallbackEventEvent, never, never, never, never, FallbackEventIntent>(({ context, event, enqueue }) => {
    enqueue.assign({ leaseBusy: true });
    enqueue.emit(intent(at(context, event)));
  });
}

export const fallbackEventMachine = setup({
  types: {
    context: {} as FallbackEventContext,
    events: {} as FallbackEventEvent,
    input: {} as FallbackEventInput,
    emitted: {} as FallbackEventIntent,
  },
  guards: {
    /** An object that is not newer than ours (a lagging watch) changes nothing. */
    stale: ({ context, event }) => {
      const object = objectOf(event);
      return !!object && !g.isNewer(context, object);
    },
    /** The object keeps the actor where it is (same phase and step). */
    samePlace: ({ context, event }, place: Place) => {
      const object = objectOf(event);
      if (!object || (event.type === 'OBSERVED' && !g.isNewer(context, object))) return false;
      const p = placeOf(object);
      return p.phase === place.phase && (place.step === undefined || p.step === place.step);
    },
    objectPhaseIs: ({ event }, params: { phase: Phase }) => {
      const object = objectOf(event);
      return !!object && g.phaseOf(object) === params.phase;
    },
    /** The object the actor holds records this phase (an actor rebuilt from it goes there). */
    recordedPhaseIs: ({ context }, params: { phase: Phase }) => g.phaseOf(context.object) === params.phase,
    /** The object the actor holds is at this step of ScalingDown (or its rollback): the scale-down resumes there. */
    recordedStepIs: ({ context }, params: { step: ScalingDownPlace }) => placeOf(context.object).step === params.step,
    canClaim: ({ context, event }) => g.canClaim(at(context, event)),
    untrusted: ({ context, event }) => g.failDue(at(context, event)),
    // Pending has no holder: at the deadline the agent whose turn it is starts monitoring, claiming the event.
    minimumWaitElapsed: ({ context, event }) => g.monitoringDue(at(context, event)),
    stableLongEnough: ({ context, event }) => g.isHolder(at(context, event)) && g.stableLongEnough(at(context, event)),
    renewalDue: ({ context, event }) => g.renewalDue(at(context, event)),
    leaseCheckDue: ({ context, event }) => g.leaseCheckDue(at(context, event)),
    // Checks start only with no commit in flight, so no commit result can arrive during them.
    checksDue: ({ context, event }) => g.isHolder(at(context, event)) && !context.pending && g.checksDue(at(context, event)),
    stepDue: ({ context, event }, params: { step: ScalingDownPlace }) => g.isHolder(at(context, event)) && g.stepRetryDue(at(context, event), params.step),
    mayDelete: ({ context, event }) => g.mayDelete(at(context, event)),
    asgGone: ({ context, event }) => {
      const o = observationOf(event);
      return !!o && g.isHolder(context) && g.asgGone(context, o);
    },
    healthBegan: ({ context, event }) => {
      const o = observationOf(event);
      return !!o && g.isHolder(context) && g.healthBegan(context, o);
    },
    healthLost: ({ context, event }) => {
      const o = observationOf(event);
      return !!o && g.isHolder(context) && g.healthLost(context, o);
    },
    firstLook: ({ context, event }) => !!observationOf(event) && g.isHolder(context) && !context.pending && g.firstLookDue(context),
    observedUnhealthy: ({ context, event }) => {
      const o = observationOf(event);
      return !!o && g.isHolder(context) && !g.isHealthy(o);
    },
    checksPassed: ({ context, event }) =>
      event.type === 'CHECKS_DONE' && event.outcome === 'passed' && g.isHolder(context) && g.freshlyHealthy(context),
    // The block is new unless the SafetyChecksPassed condition already records this check and reason.
    checksBlockedAnew: ({ context, event }) => event.type === 'CHECKS_DONE' && event.outcome === 'blocked' && !g.blockRecorded(context.object, event.reason, event.check),
    checksUntrusted: ({ event }) => event.type === 'CHECKS_DONE' && event.outcome === 'untrusted',
    stepIs: ({ event }, params: { step: ScaleDownStepName }) =>
      (event.type === 'STEP_DONE' || event.type === 'STEP_FAILED') && event.step === params.step,
    stepRetryable: ({ event }, params: { step: ScaleDownStepName }) => event.type === 'STEP_FAILED' && event.step === params.step && event.retryable,
    rollbackRetryable: ({ event }) => event.type === 'ROLLBACK_FAILED' && event.retryable,
  },
  actions: {
    recordTime: assign({ now: ({ context, event }) => (event.type === 'TICK' ? Math.max(context.now, event.now) : context.now) }),
    adopt: assign(({ event }) => {
      const object = objectOf(event);
      return object ? { object, pending: undefined } : {};
    }),
    /** A new place: what this actor knew about the previous step or checks no longer applies. */
    forgetProgress: assign({ lastCheckAt: undefined, lastStepFailureAt: undefined, stepStartedAt: undefined, asgMissingCount: 0 }),
    recordObservation: assign(({ context, event }) => {
      const o = observationOf(event);
      if (!o) return {};
      // Counted in a row: one observation that finds every ASG starts the count again.
      return { observation: o, asgMissingCount: (o.asgsNotFound?.length ?? 0) > 0 ? context.asgMissingCount + 1 : 0 };
    }),
    commitFailed: assign({ pending: undefined }),
    // Status changes, each named for what it records: the next status is built from the latest
    // object, held as pending, and emitted as a commit intent (the runtime answers COMMITTED,
    // CONFLICT or COMMIT_FAILED).
    claimEvent: commits((c) => s.claimed(c)),
    // The claim's heartbeat goes to its Lease, not to the event every agent watches.
    renewClaim: leaseWork((c) => ({ type: 'renewLease', now: c.now })),
    readClaimLease: leaseWork(() => ({ type: 'readLease' })),
    recordLease: assign(({ event }) => (event.type === 'LEASE' ? { lease: event.lease, leaseBusy: false } : { leaseBusy: false })),
    failUntrusted: commits((c, e) => s.toFailed(c, e.type === 'CHECKS_DONE' ? e.reason : (g.untrustedReason(c) ?? 'untrusted'))),
    startMonitoring: commits((c) => s.toMonitoring(c)),
    recordHealthSeen: commits((c, e) => s.healthStarted(c, observationOf(e) ?? (g.latestObservation(c) as SpotObservation))),
    recordHealthLost: commits((c, e) => s.healthLostStatus(c, observationOf(e) ?? (g.latestObservation(c) as SpotObservation))),
    recordFirstLook: commits((c, e) => s.firstLook(c, observationOf(e) ?? (g.latestObservation(c) as SpotObservation))),
    failAsgGone: commits((c, e) => s.asgNotFound(c, observationOf(e)?.asgsNotFound ?? [c.object.spec.spotASGName])),
    recordSpotRestored: commits((c) => s.toReadyForScaleDown(c)),
    recordChecksBlocked: commits((c, e) => (e.type === 'CHECKS_DONE' ? s.checksBlocked(c, e.reason, e.check) : s.checksBlocked(c, 'safety checks did not pass'))),
    startScaleDown: commits((c) => s.toScalingDown(c)),
    completeStep: commits((c, e) => {
      const done = e as E<'STEP_DONE'>;
      return s.stepCompleted(c, done.step, done.message, done.replaced, done.dryRun === true);
    }),
    // The failure's time is kept too, so this actor paces its own retry even if the write is lost.
    recordStepFailure: commits(
      (c, e) => {
        const failed = e as E<'STEP_FAILED'>;
        return s.stepFailed(c, failed.step, failed.code, failed.message, failed.replaced);
      },
      { failureTime: true },
    ),
    /** A final failure (a step's, or the spec found untrusted mid-way): undo what was done to the node, then fail. */
    startRollback: commits((c, e) =>
      e.type === 'STEP_FAILED'
        ? s.rollbackRequested(c, `scale-down step ${e.step} failed: ${e.message}`, e.step)
        : s.rollbackRequested(c, g.untrustedReason(c) ?? 'untrusted'),
    ),
    completeRollback: commits((c, e) => {
      const done = e as E<'ROLLBACK_DONE'>;
      return s.rolledBack(c, done.untainted, done.uncordoned, done.message);
    }),
    recordRollbackFailure: commits(
      (c, e) => {
        const failed = e as E<'ROLLBACK_FAILED'>;
        return s.rollbackFailed(c, failed.code, failed.message, failed.untainted);
      },
      { failureTime: true },
    ),
    giveUpRollback: commits((c, e) => {
      const failed = e as E<'ROLLBACK_FAILED'>;
      return s.rollbackGaveUp(c, failed.code, failed.message);
    }),
    startChecks: assign({ lastCheckAt: ({ context, event }) => at(context, event).now }),
    requestChecks: emit({ type: 'runChecks' }),
    startStep: assign({ stepStartedAt: ({ context, event }) => at(context, event).now }),
    requestStep: emit((_, params: { step: ScaleDownStepName }) => ({ type: 'runStep', step: params.step })),
    requestRollback: emit({ type: 'rollBack' }),
    requestDelete: emit(({ context }) => ({ type: 'delete', resourceVersion: context.object.metadata?.resourceVersion })),
  },
}).createMachine({
  id: 'fallbackEvent',
  context: ({ input }) => ({
    object: input.object,
    agent: input.agent,
    config: input.config,
    now: input.now,
    observation: undefined,
    pending: undefined,
    lastCheckAt: undefined,
    lastStepFailureAt: undefined,
    stepStartedAt: undefined,
    asgMissingCount: 0,
    seenAt: input.now,
    lease: undefined,
    leaseBusy: false,
  }),
  initial: 'Pending',
  on: {
    OBSERVED: [{ guard: 'stale' }, ...route(PHASES)],
    // Nothing ever commits an event back to Pending.
    COMMITTED: route(PHASES.filter((p) => p !== 'Pending')),
    CONFLICT: route(PHASES),
    TICK: { actions: 'recordTime' },
    COMMIT_FAILED: { actions: 'commitFailed' },
    SPOT_OBSERVED: { actions: 'recordObservation' },
    LEASE: { actions: 'recordLease' },
    LEASE_FAILED: { actions: 'recordLease' },
  },
  states: {
    Pending: {
      initial: 'idle',
      // An actor rebuilt from an object that is past Pending goes straight to its phase.
      always: PHASES.filter((p) => p !== 'Pending').map((phase) => ({
        guard: { type: 'recordedPhaseIs', params: { phase } },
        target: phase,
      })),
      states: {
        idle: {
          on: {
            ...watchOnly({ phase: 'Pending' }),
            TICK: [
              failTransition(),
              { guard: 'minimumWaitElapsed', target: 'committing', actions: ['recordTime', 'startMonitoring'], meta: { leadsTo: 'Monitoring' } },
              // A claim an older agent took in Pending: the stand-bys find out whether it lapsed.
              leaseCheckTransition(),
            ],
          },
        },
        committing: committing({ phase: 'Pending' }),
      },
    },
    Monitoring: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            ...watchOnly({ phase: 'Monitoring' }),
            TICK: [
              claimTransition(),
              failTransition(),
              { guard: 'stableLongEnough', target: 'committing', actions: ['recordTime', 'recordSpotRestored'], meta: { leadsTo: 'ReadyForScaleDown' } },
              renewTransition(),
              leaseCheckTransition(),
            ],
            SPOT_OBSERVED: [
              asgGoneTransition(),
              { guard: 'healthBegan', target: 'committing', actions: ['recordObservation', 'recordHealthSeen'] },
              { guard: 'healthLost', target: 'committing', actions: ['recordObservation', 'recordHealthLost'] },
              { guard: 'firstLook', target: 'committing', actions: ['recordObservation', 'recordFirstLook'] },
              { actions: 'recordObservation' },
            ],
          },
        },
        committing: committing({ phase: 'Monitoring' }),
      },
    },
    ReadyForScaleDown: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            ...watchOnly({ phase: 'ReadyForScaleDown' }),
            TICK: [
              claimTransition(),
              failTransition(),
              { guard: 'checksDue', target: 'checking', actions: ['recordTime', 'startChecks', 'requestChecks'] },
              renewTransition(),
              leaseCheckTransition(),
            ],
            SPOT_OBSERVED: unhealthyTransitions(),
          },
        },
        checking: {
          on: {
            ...watchOnly({ phase: 'ReadyForScaleDown' }),
            CHECKS_DONE: [
              { guard: 'checksPassed', target: 'committing', actions: 'startScaleDown', meta: { leadsTo: 'ScalingDown' } },
              { guard: 'checksBlockedAnew', target: 'committing', actions: 'recordChecksBlocked' },
              { guard: 'checksUntrusted', target: 'committing', actions: 'failUntrusted', meta: { leadsTo: 'Failed' } },
              { target: 'idle' },
            ],
            SPOT_OBSERVED: unhealthyTransitions(),
          },
        },
        committing: committing({ phase: 'ReadyForScaleDown' }),
      },
    },
    ScalingDown: {
      initial: 'resume',
      states: {
        // Resume at the first step the status does not record as completed, or at the
        // rollback a final failure asked for.
        resume: {
          always: [...SCALE_DOWN_STEPS, 'rollback' as const].map((step) => ({
            guard: { type: 'recordedStepIs', params: { step } },
            target: step,
          })),
        },
        ...Object.fromEntries(SCALE_DOWN_STEPS.map((step) => [step, stepState(step)])),
        rollback: rollbackState(),
      },
    },
    Completed: terminalState('Completed'),
    Failed: terminalState('Failed'),
  },
});

// ---- building blocks (functions so that every phase uses the same transitions) ----

// A transition whose commit moves the event to another phase says which in `meta.leadsTo`
// (the move itself happens when the committed object comes back, through route() below).
// Nothing here reads it: it is for the phase-level chart the live view draws.

function route(phases: readonly Phase[]) {
  return phases.map((phase) => ({
    guard: { type: 'objectPhaseIs', params: { phase } },
    target: `.${phase}`,
    reenter: true,
    actions: ['adopt', 'forgetProgress'],
  }) as const);
}

/**
 * Objects that keep the actor in place only refresh what it knows. Outside `committing` no
 * commit of ours is in flight (the claim's heartbeat goes to its Lease), so only others' writes
 * arrive, by the watch.
 */
function watchOnly(place: Place) {
  return { OBSERVED: { guard: { type: 'samePlace', params: place }, actions: 'adopt' } as const };
}

/**
 * Waiting for a commit's answer. Another writer's version that keeps the actor in place sends it
 * back to decide again; our own commit that does not move the event on (a step's failure, a block
 * recorded) does too. Every commit from Pending moves the event on (to Monitoring or Failed), so
 * there only a conflict comes back.
 */
function committing(place: Place) {
  const back = { guard: { type: 'samePlace', params: place }, target: 'idle', actions: 'adopt' } as const;
  return {
    on: {
      OBSERVED: { guard: { type: 'samePlace' as const, params: place }, actions: 'adopt' as const },
      ...(place.phase === 'Pending' ? {} : { COMMITTED: back }),
      CONFLICT: back,
      COMMIT_FAILED: { target: 'idle', actions: 'commitFailed' as const },
    },
  };
}

function claimTransition() {
  return { guard: 'canClaim', target: 'committing', actions: ['recordTime', 'claimEvent'] } as const;
}

function failTransition() {
  return { guard: 'untrusted', target: 'committing', actions: ['recordTime', 'failUntrusted'], meta: { leadsTo: 'Failed' } } as const;
}

function renewTransition() {
  return { guard: 'renewalDue', actions: ['recordTime', 'renewClaim'] } as const;
}

/** A stand-by (or this agent restarted in the holder's pod) reads the claim's Lease once the claim, as it knows it, has ended. */
function leaseCheckTransition() {
  return { guard: 'leaseCheckDue', actions: ['recordTime', 'readClaimLease'] } as const;
}

/** The holder's observations found an ASG of the event missing too often in a row: Failed, touching nothing. */
function asgGoneTransition() {
  return { guard: 'asgGone', target: 'committing', actions: ['recordObservation', 'failAsgGone'], meta: { leadsTo: 'Failed' } } as const;
}

function unhealthyTransitions() {
  return [
    asgGoneTransition(),
    { guard: 'observedUnhealthy', target: 'committing', actions: ['recordObservation', 'recordHealthLost'], meta: { leadsTo: 'Monitoring' } },
    { actions: 'recordObservation' },
  ] as const;
}

/** In ScalingDown the spec turned out untrusted: what this event did to the node is undone before it fails. */
function untrustedRollbackTransition() {
  return { guard: 'untrusted', target: 'committing', actions: ['recordTime', 'startRollback'] } as const;
}

function stepState(step: ScaleDownStepName) {
  const place: Place = { phase: 'ScalingDown', step };
  return {
    initial: 'idle' as const,
    states: {
      idle: {
        on: {
          ...watchOnly(place),
          TICK: [
            claimTransition(),
            untrustedRollbackTransition(),
            { guard: { type: 'stepDue', params: { step } }, target: 'running', actions: ['recordTime', 'startStep', { type: 'requestStep', params: { step } }] } as const,
            renewTransition(),
            leaseCheckTransition(),
          ],
        },
      },
      running: {
        on: {
          ...watchOnly(place),
          // The step can take minutes (a drain): the claim is renewed meanwhile.
          TICK: renewTransition(),
          // The last step's record completes the event.
          STEP_DONE: { guard: { type: 'stepIs', params: { step } }, target: 'committing', actions: 'completeStep', ...(step === 'terminate' ? { meta: { leadsTo: 'Completed' } } : {}) },
          STEP_FAILED: [
            // Retried, with a backoff that doubles up to a cap, for as long as it takes.
            { guard: { type: 'stepRetryable', params: { step } }, target: 'committing', actions: 'recordStepFailure' },
            // Retrying cannot fix it: undo what was done to the node, then fail.
            { guard: { type: 'stepIs', params: { step } }, target: 'committing', actions: 'startRollback' },
          ],
        },
      },
      committing: committing(place),
    },
  };
}

/**
 * After a final failure: the holder removes the scale-down taint and the cordon this event put
 * on the node (only those), then commits Failed. A rollback that fails in a way retrying can fix
 * is retried with the steps' backoff; one refused for good fails the event saying what is left.
 */
function rollbackState() {
  const place: Place = { phase: 'ScalingDown', step: 'rollback' };
  return {
    initial: 'idle' as const,
    states: {
      idle: {
        on: {
          ...watchOnly(place),
          TICK: [
            claimTransition(),
            { guard: { type: 'stepDue', params: { step: 'rollback' } }, target: 'running', actions: ['recordTime', 'requestRollback'] } as const,
            renewTransition(),
            leaseCheckTransition(),
          ],
        },
      },
      running: {
        on: {
          ...watchOnly(place),
          TICK: renewTransition(),
          ROLLBACK_DONE: { target: 'committing', actions: 'completeRollback', meta: { leadsTo: 'Failed' } } as const,
          ROLLBACK_FAILED: [
            { guard: 'rollbackRetryable', target: 'committing', actions: 'recordRollbackFailure' } as const,
            { target: 'committing', actions: 'giveUpRollback', meta: { leadsTo: 'Failed' } } as const,
          ],
        },
      },
      committing: committing(place),
    },
  };
}

function terminalState(phase: 'Completed' | 'Failed') {
  return {
    initial: 'retained' as const,
    states: {
      retained: {
        on: {
          ...watchOnly({ phase }),
          TICK: { guard: 'mayDelete', target: 'deleting', actions: ['recordTime', 'requestDelete'] } as const,
        },
      },
      deleting: {
        on: {
          DELETED: { target: 'deleted' } as const,
          COMMIT_FAILED: { target: 'retained' } as const,
        },
      },
      deleted: { type: 'final' as const },
    },
  };
}
