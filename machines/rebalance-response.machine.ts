// One actor per agent, for the node it runs on. "Scale first, taint later": on a rebalance
// recommendation it asks for spot capacity, falls back to on-demand when spot does not come
// in time (withdrawing the unfulfilled spot increment first, so the spot ASG does not launch
// an extra instance later), records the fallback, and taints and cordons its own node only
// once the replacement is Ready. A spot interruption notice drains the node at once.
import { assign, emit, setup } from 'xstate';
import * as g from './rebalance-response.guards.js';
import type { CapacityObservation, RebalanceContext, RebalanceEvent, RebalanceInput, RebalanceIntent } from './rebalance-response.types.js';

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
    effectIs: ({ event }, params: { effect: RebalanceIntent['type'] }) => event.type === 'EFFECT_FAILED' && event.effect === params.effect,
    atMaxSize: ({ event }) => event.type === 'EFFECT_FAILED' && event.effect === 'scaleUp' && event.atMaxSize === true,
    retryableFailureOf: ({ event }, params: { effect: RebalanceIntent['type'] }) => event.type === 'EFFECT_FAILED' && event.effect === params.effect && event.retryable,
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
    markSpotRequested: assign({ spotRequestedAt: ({ context }) => context.now }),
    markSpotScaled: assign({ spotScaledAt: ({ context }) => context.now }),
    markOnDemandScaled: assign({ onDemandScaledAt: ({ context }) => context.now }),
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
            Withdrawing: effect('Withdrawing', 'withdrawSpot', 'withdrawSpot', { SPOT_WITHDRAWN: 'ScalingOnDemand' }),
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
          on: {
            ON_DEMAND_OBSERVED: { guard: 'replacementRegistered', target: 'Recording', actions: { type: 'keepReplacement', params: { kind: 'on-demand' } } },
            TICK: { guard: 'onDemandTimedOut', target: '#rebalanceResponse.GaveUp', actions: 'recordTime' },
          },
        },
        Recording: effect('Recording', 'recordFallback', 'recordFallback', {
          RECORDED: { target: 'AwaitingReady', actions: 'keepEventName' },
        }),
        AwaitingReady: {
          on: {
            ON_DEMAND_OBSERVED: { guard: 'replacementReady', target: 'Protecting' },
            TICK: { guard: 'onDemandTimedOut', target: '#rebalanceResponse.GaveUp', actions: 'recordTime' },
          },
        },
        Protecting: effect('Protecting', 'taintAndCordon', 'protectNode', { NODE_PROTECTED: '#rebalanceResponse.Protected' }),
      },
    },
    // Replacement Ready, own node tainted and cordoned; the interruption may still come.
    Protected: {
      on: { INTERRUPTION_NOTICED: 'Draining' },
    },
    // No replacement arrived: the node is left untainted so no capacity is lost.
    GaveUp: {
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
  request: 'scaleOnDemand' | 'withdrawSpot' | 'recordFallback' | 'protectNode' | 'drainNode',
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
