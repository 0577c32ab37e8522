// One actor per agent, for the node it runs on. "Scale first, taint later": on a rebalance
// recommendation it asks for spot capacity, falls back to on-demand when spot does not come
// in time (withdrawing the unfulfilled spot increment first, so the spot ASG does not launch
// an extra instance later), records the fallback, and taints and cordons its own node only
// once the replacement is Ready. A spot interruption notice drains the node at once. When the
// interruption does not come within the protection window, the surplus goes: the at-risk
// instance itself after a spot replacement, the on-demand node (through its recorded event's
// scale-down) after an on-demand one, the at-risk node then going back into service.
import { assign, emit, setup } from 'xstate';
import * as g from './rebalance-response.guards.js';
import type { CapacityObservation, RebalanceContext, RebalanceEvent, RebalanceInput, RebalanceIntent, ResumableStep } from './rebalance-response.types.js';

const observationOf = (e: RebalanceEvent): CapacityObservation | undefined =>
  e.type === 'SPOT_OBSERVED' || e.type === 'ON_DEMAND_OBSERVED' ? e.observation : undefined;

const at = (c: RebalanceContext, e: RebalanceEvent): RebalanceContext => (e.type === 'TICK' ? { ...c, now: Math.max(c.now, e.now) } : c);

export const rebalanceResponseMachine = setup({
  types: {
    context: {} as RebalanceContext,
    events: {} as RebalanceEvent,
    input: {} as RebalanceInput,
    emitted: {} as RebalanceIntent,
  },
  guards: {
    replacementReady: ({ event }) => {
      const o = observationOf(event);
      return !!o && g.replacementReady(o);
    },
    replacementRegistered: ({ event }) => {
      const o = observationOf(event);
      return !!o && g.replacementRegistered(o);
    },
    spotActivityFailed: ({ event }) => !!observationOf(event)?.failedActivity,
    spotTimedOut: ({ context, event }) => g.spotTimedOut(at(context, event)),
    spotScaleUpTimedOut: ({ context, event }) => g.spotScaleUpTimedOut(at(context, event)),
    onDemandTimedOut: ({ context, event }) => g.onDemandTimedOut(at(context, event)),
    retryDue: ({ context, event }) => g.retryDue(at(context, event)),
    atMaxRetryDue: ({ context, event }) => g.atMaxRetryDue(at(context, event)),
    windowPassedSpot: ({ context, event }) => g.protectionWindowPassed(at(context, event)) && context.replacement?.kind === 'spot',
    windowPassed: ({ context, event }) => g.protectionWindowPassed(at(context, event)),
    effectIs: ({ event }, params: { effect: RebalanceIntent['type'] }) => event.type === 'EFFECT_FAILED' && event.effect === params.effect,
    atMaxSize: ({ event }) => event.type === 'EFFECT_FAILED' && event.effect === 'scaleUp' && event.atMaxSize === true,
    retryableFailureOf: ({ event }, params: { effect: RebalanceIntent['type'] }) => event.type === 'EFFECT_FAILED' && event.effect === params.effect && event.retryable,
    resumedAt: ({ event }, params: { step: ResumableStep }) => event.type === 'RESUMED' && event.step === params.step,
  },
  actions: {
    recordTime: assign({ now: ({ context, event }) => at(context, event).now }),
    scaleSpot: emit(({ context }) => ({ type: 'scaleUp' as const, asg: context.config.spotASGName })),
    scaleOnDemand: emit(({ context }) => ({ type: 'scaleUp' as const, asg: context.config.onDemandASGName })),
    withdrawSpot: emit(({ context }) => ({ type: 'withdrawSpot' as const, asg: context.config.spotASGName })),
    recordFallback: emit(({ context }) => ({
      type: 'recordFallback' as const,
      spotASGName: context.config.spotASGName,
      onDemandASGName: context.config.onDemandASGName,
      onDemandInstanceID: context.replacement?.instanceId ?? '',
      onDemandNodeName: context.replacement?.nodeName ?? '',
      minimumWaitDuration: context.config.minimumWaitDuration,
    })),
    protectNode: emit(({ context }) => ({ type: 'taintAndCordon' as const, nodeName: context.nodeName })),
    drainNode: emit(({ context }) => ({ type: 'drain' as const, nodeName: context.nodeName })),
    releaseNode: emit(({ context }) => ({ type: 'release' as const, nodeName: context.nodeName })),
    retireNode: emit(({ context }) => ({ type: 'retire' as const, nodeName: context.nodeName, instanceId: context.instanceId })),
    markProtected: assign({ protectedAt: ({ context }) => context.protectedAt ?? context.now }),
    markSpotRequested: assign({ spotRequestedAt: ({ context }) => context.now }),
    // A resumed response keeps the times its record kept: its timeouts do not start again.
    markSpotScaled: assign({ spotScaledAt: ({ context }) => context.spotScaledAt ?? context.now }),
    markOnDemandScaled: assign({ onDemandScaledAt: ({ context }) => context.onDemandScaledAt ?? context.now }),
    restoreRecord: assign(({ event }) =>
      event.type === 'RESUMED'
        ? {
            spotRequestedAt: event.spotRequestedAt,
            spotScaledAt: event.spotRequestedAt,
            onDemandScaledAt: event.onDemandScaledAt,
            eventName: event.eventName,
            protectedAt: event.protectedAt,
            replacement: event.replacement,
          }
        : {},
    ),
    keepReplacement: assign({
      replacement: ({ context, event }, params: { kind: 'spot' | 'on-demand' }) => {
        const o = observationOf(event);
        return o?.instanceId && o.nodeName ? { kind: params.kind, instanceId: o.instanceId, nodeName: o.nodeName } : context.replacement;
      },
    }),
    keepEventName: assign({ eventName: ({ context, event }) => (event.type === 'RECORDED' ? event.name : context.eventName) }),
    recordFailure: assign({
      failedAt: ({ context }) => context.now,
      lastError: ({ event }) => (event.type === 'EFFECT_FAILED' ? `${event.effect}: ${event.message}` : undefined),
    }),
    clearFailure: assign({ failedAt: undefined }),
    countAtMaxRefusal: assign({ atMaxRefusals: ({ context }) => context.atMaxRefusals + 1 }),
    clearAtMaxRefusals: assign({ atMaxRefusals: 0 }),
  },
}).createMachine({
  id: 'rebalanceResponse',
  context: ({ input }) => ({
    nodeName: input.nodeName,
    instanceId: input.instanceId,
    config: input.config,
    now: input.now,
    spotRequestedAt: undefined,
    spotScaledAt: undefined,
    onDemandScaledAt: undefined,
    replacement: undefined,
    eventName: undefined,
    protectedAt: undefined,
    atMaxRefusals: 0,
    failedAt: undefined,
    lastError: undefined,
  }),
  initial: 'Idle',
  on: {
    TICK: { actions: 'recordTime' },
  },
  states: {
    Idle: {
      on: {
        REBALANCE_RECOMMENDED: { target: 'Responding', actions: 'markSpotRequested' },
        INTERRUPTION_NOTICED: 'Draining',
        // Each step is asked for again: the capacity ledger, the event's request annotation and
        // the idempotent taint make a repeat find its work done.
        RESUMED: [
          { guard: { type: 'resumedAt', params: { step: 'spot' } }, target: 'Responding.ScalingSpot', actions: 'restoreRecord' },
          { guard: { type: 'resumedAt', params: { step: 'on-demand' } }, target: 'Responding.FallingBack.ScalingOnDemand', actions: 'restoreRecord' },
          { guard: { type: 'resumedAt', params: { step: 'recorded' } }, target: 'Responding.Recording', actions: 'restoreRecord' },
          { guard: { type: 'resumedAt', params: { step: 'protected' } }, target: 'Responding.Protecting', actions: 'restoreRecord' },
          { guard: { type: 'resumedAt', params: { step: 'retiring' } }, target: 'Retiring', actions: 'restoreRecord' },
        ],
      },
    },
    // The node keeps its pods until a replacement is Ready; an interruption ends that wait.
    Responding: {
      initial: 'ScalingSpot',
      on: { INTERRUPTION_NOTICED: '#rebalanceResponse.Draining' },
      states: {
        // A throttled call or a lock held elsewhere says nothing about spot capacity: the spot
        // increment is asked for again until the spot capacity timeout, and only then (through
        // Withdrawing, since a timed-out call may still have landed) falls back. A refusal that
        // retrying cannot fix (e.g. the ASG at MaxSize) leaves nothing to withdraw.
        ScalingSpot: {
          entry: ['scaleSpot', 'clearFailure'],
          on: {
            SCALED: { target: 'AwaitingSpot', actions: 'markSpotScaled' },
            EFFECT_FAILED: [
              { guard: { type: 'retryableFailureOf', params: { effect: 'scaleUp' } }, actions: 'recordFailure' },
              { guard: { type: 'effectIs', params: { effect: 'scaleUp' } }, target: 'FallingBack.ScalingOnDemand', actions: 'recordFailure' },
            ],
            TICK: [
              { guard: 'spotScaleUpTimedOut', target: 'FallingBack', actions: 'recordTime' },
              { guard: 'retryDue', target: 'ScalingSpot', reenter: true, actions: 'recordTime' },
            ],
          },
        },
        AwaitingSpot: {
          tags: ['observe-spot'],
          on: {
            SPOT_OBSERVED: [
              { guard: 'replacementReady', target: 'Protecting', actions: { type: 'keepReplacement', params: { kind: 'spot' } } },
              { guard: 'spotActivityFailed', target: 'FallingBack' },
            ],
            TICK: { guard: 'spotTimedOut', target: 'FallingBack', actions: 'recordTime' },
          },
        },
        FallingBack: {
          initial: 'Withdrawing',
          states: {
            // A spot launch that became a Ready node while the withdrawal was asked for is kept
            // as the replacement (the withdrawal finds every instance launched for it serving).
            Withdrawing: effect('Withdrawing', 'withdrawSpot', 'withdrawSpot', {
              SPOT_WITHDRAWN: 'ScalingOnDemand',
              SPOT_OBSERVED: { guard: 'replacementReady', target: '#rebalanceResponse.Responding.Protecting', actions: { type: 'keepReplacement', params: { kind: 'spot' } } },
            }),
            ScalingOnDemand: effect('ScalingOnDemand', 'scaleUp', 'scaleOnDemand', {
              SCALED: { target: '#rebalanceResponse.Responding.AwaitingOnDemand', actions: ['markOnDemandScaled', 'clearAtMaxRefusals'] },
              EFFECT_FAILED: [
                // Refused for good (the ASG at its max size): wait, visibly, for a person to raise it.
                { guard: 'atMaxSize', target: '#rebalanceResponse.Responding.OnDemandAtMaxSize', actions: ['recordFailure', 'countAtMaxRefusal'] },
                { guard: { type: 'effectIs', params: { effect: 'scaleUp' } }, actions: 'recordFailure' },
              ],
            }),
          },
        },
        // The on-demand ASG is at its max size: the node keeps its pods (nothing is tainted) and
        // the increment is asked for again after a doubling, capped pause. The runtime reports
        // the state once per episode (log, Kubernetes Event, metric) through its tag.
        OnDemandAtMaxSize: {
          tags: ['on-demand-at-max-size'],
          on: {
            TICK: { guard: 'atMaxRetryDue', target: 'FallingBack.ScalingOnDemand', actions: 'recordTime' },
          },
        },
        AwaitingOnDemand: {
          tags: ['observe-on-demand'],
          on: {
            ON_DEMAND_OBSERVED: { guard: 'replacementRegistered', target: 'Recording', actions: { type: 'keepReplacement', params: { kind: 'on-demand' } } },
            TICK: { guard: 'onDemandTimedOut', target: '#rebalanceResponse.GaveUp', actions: 'recordTime' },
          },
        },
        Recording: effect('Recording', 'recordFallback', 'recordFallback', {
          RECORDED: { target: 'AwaitingReady', actions: 'keepEventName' },
        }),
        AwaitingReady: {
          tags: ['observe-on-demand'],
          on: {
            ON_DEMAND_OBSERVED: { guard: 'replacementReady', target: 'Protecting' },
            TICK: { guard: 'onDemandTimedOut', target: '#rebalanceResponse.GaveUp', actions: 'recordTime' },
          },
        },
        Protecting: effect('Protecting', 'taintAndCordon', 'protectNode', { NODE_PROTECTED: { target: '#rebalanceResponse.Protected', actions: 'markProtected' } }),
      },
    },
    // Replacement Ready, own node tainted and cordoned; the interruption may still come.
    Protected: {
      on: {
        INTERRUPTION_NOTICED: 'Draining',
        TICK: [
          { guard: 'windowPassedSpot', target: 'Retiring', actions: 'recordTime' },
          { guard: 'windowPassed', target: 'Releasing', actions: 'recordTime' },
        ],
      },
    },
    // Two spot nodes where one is needed: the one EC2 flagged goes, as ASG Capacity Rebalancing does.
    Retiring: effect('Retiring', 'retire', 'retireNode', { NODE_RETIRED: 'Retired', INTERRUPTION_NOTICED: 'Draining' }),
    Retired: { type: 'final' },
    // Spot is short and this node is spot capacity: it serves again; the on-demand node's event scales it down.
    Releasing: effect('Releasing', 'release', 'releaseNode', { NODE_RELEASED: 'Released', INTERRUPTION_NOTICED: 'Draining' }),
    Released: {
      on: { INTERRUPTION_NOTICED: 'Draining' },
    },
    // No replacement arrived: the node is left untainted so no capacity is lost.
    GaveUp: {
      tags: ['gave-up'],
      on: { INTERRUPTION_NOTICED: 'Draining' },
    },
    Draining: effect('Draining', 'drain', 'drainNode', { NODE_DRAINED: 'Drained' }),
    Drained: { type: 'final' },
  },
});

/**
 * A state that asks for one effect on entry and waits for its result; a failed effect is
 * asked for again once the backoff has passed (re-entering the state re-emits it).
 */
function effect<const K extends string, const T extends Record<string, unknown>>(
  self: K,
  name: RebalanceIntent['type'],
  request: 'scaleOnDemand' | 'withdrawSpot' | 'recordFallback' | 'protectNode' | 'drainNode' | 'releaseNode' | 'retireNode',
  on: T,
) {
  return {
    entry: [request, 'clearFailure'] as const,
    on: {
      EFFECT_FAILED: { guard: { type: 'effectIs' as const, params: { effect: name } }, actions: 'recordFailure' as const },
      TICK: { guard: 'retryDue' as const, target: self, reenter: true, actions: 'recordTime' as const },
      ...on,
    },
  };
}
