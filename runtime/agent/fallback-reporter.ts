// What the fallback-event actors do, told to the operator: Kubernetes Events on the events and
// nodes they act on, and the metrics an alert reads. Each report comes from the one agent that
// did the thing (its step, its commit), so a change is reported once, not once per agent.
import { ConditionType } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { needsAttention, retryingStep } from '../../machines/fallback-event.guards.js';
import { failureCause } from '../../machines/fallback-event.status.js';
import type { FallbackEventConfig } from '../../machines/fallback-event.types.js';
import type { EventRecorder, EventTarget } from '../kube/events.recorder.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import type { Notifier } from '../notify/notification.js';
import type { FallbackObserver } from './fallback-actors.js';

export interface ReporterDeps {
  config: FallbackEventConfig;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
  /** Told of the Completed and Failed commits this agent made (webhooks). */
  notifier?: Notifier;
  /** Told everything too (the live view). */
  observer?: FallbackObserver;
}

const eventTarget = (e: SpotGuardFallbackEvent): EventTarget => ({ kind: 'SpotGuardFallbackEvent', name: e.metadata?.name ?? '', namespace: e.metadata?.namespace, uid: e.metadata?.uid, apiVersion: e.apiVersion });
const nodeTarget = (e: SpotGuardFallbackEvent): EventTarget => ({ kind: 'Node', name: e.spec.onDemandNodeName });
const capitalised = (step: string): string => `${step[0]?.toUpperCase() ?? ''}${step.slice(1)}`;

/** Event reasons on a SpotGuardFallbackEvent beyond its phase changes (which are named after the phase). */
export const EventReason = {
  /** A scale-down step (or the rollback) failed in a way retrying can fix; the message says when it is tried again. */
  StepRetrying: 'ScaleDownStepRetrying',
  /** The same, once it has failed SPOT_GUARD_MAX_STEP_ATTEMPTS times in a row: a person should look. */
  StepNeedsAttention: 'ScaleDownStepNeedsAttention',
  /** A failure retrying cannot fix: what the scale-down did to the node is being undone. */
  RollingBack: 'ScaleDownRollingBack',
  /** The scale-down taint and cordon this event made were removed (on the event and on the node). */
  NodeRestored: 'NodeRestored',
  /** An ASG of the event was not found by DescribeAutoScalingGroups (the event fails if it stays missing). */
  AsgNotFound: 'AsgNotFound',
} as const;

export function fallbackReporter(deps: ReporterDeps): FallbackObserver {
  const { metrics, events, observer, config, log, notifier } = deps;
  return {
    ...observer,
    phaseCommitted: (e, from, to) => {
      void events?.record(eventTarget(e), to === 'Failed' ? 'Warning' : 'Normal', to, e.status?.message ?? `${from} → ${to}`);
      if (to === 'Failed') metrics?.failedEvent(failureCause(e.status));
      // The commit that made the change is this agent's alone (the others' writes were refused
      // on resourceVersion), so the notification goes out once, after the write and beside it.
      if (to === 'Failed') notifier?.notify('EventFailed', e);
      if (to === 'Completed') notifier?.notify('ScaleDownCompleted', e);
      if (to === 'Completed') {
        const end = Date.parse(e.status?.completionTime ?? '');
        const start = Date.parse(e.spec.timestamp);
        if (!Number.isNaN(end) && !Number.isNaN(start)) metrics?.addOnDemandNodeSeconds((end - start) / 1000);
        const stable = Date.parse(e.status?.conditions?.find((c) => c.type === ConditionType.SpotRestored)?.lastTransitionTime ?? '');
        if (!Number.isNaN(end) && !Number.isNaN(stable)) metrics?.observeScaleDownDuration((end - stable) / 1000);
      }
      observer?.phaseCommitted?.(e, from, to);
    },
    stepFinished: (e, step, result) => {
      metrics?.scaleDownStep(step, result.ok ? 'ok' : result.code);
      if (!result.ok) metrics?.scaleDownStepFailure(step, result.code, result.retryable);
      void events?.record(
        nodeTarget(e),
        result.ok ? 'Normal' : 'Warning',
        result.ok ? `SpotGuardScaleDown${capitalised(step)}` : 'SpotGuardScaleDownStepFailed',
        result.ok ? `scale-down step ${step} done for ${e.metadata?.name}${result.message ? `: ${result.message}` : ''}` : `scale-down step ${step} failed for ${e.metadata?.name}: ${result.message}`,
      );
      observer?.stepFinished?.(e, step, result);
    },
    rollbackFinished: (e, result) => {
      metrics?.scaleDownStep('rollback', result.ok ? 'ok' : result.code);
      if (!result.ok) metrics?.scaleDownStepFailure('rollback', result.code, result.retryable);
      if (result.ok && (result.untainted || result.uncordoned)) {
        void events?.record(nodeTarget(e), 'Normal', EventReason.NodeRestored, `${result.message}: event ${e.metadata?.name} failed (${e.status?.scaleDown?.rollback?.reason ?? 'scale-down failed'})`);
      }
      observer?.rollbackFinished?.(e, result);
    },
    committed: (before, after) => {
      // Once per recorded attempt: the backoff paces them, the recorder counts repeats.
      const retry = retryingStep(after);
      const was = retryingStep(before);
      if (retry && (retry.step !== was?.step || retry.attempts !== was.attempts)) {
        const attention = needsAttention(config, retry.attempts);
        const condition = after.status?.conditions?.find((c) => c.type === ConditionType.StepRetrying);
        const message = condition?.message ?? `${retry.step} failed ${retry.attempts} times, next attempt at ${retry.nextAttemptAt}`;
        void events?.record(eventTarget(after), 'Warning', attention ? EventReason.StepNeedsAttention : EventReason.StepRetrying, message);
        const fields = { event: after.metadata?.name, step: retry.step, attempts: retry.attempts, next: retry.nextAttemptAt, code: condition?.reason };
        if (attention) log.warn(fields, 'scale-down step keeps failing');
        else log.info(fields, 'will retry scale-down step');
      }
      const rollback = after.status?.scaleDown?.rollback;
      if (rollback && !before.status?.scaleDown?.rollback) {
        void events?.record(eventTarget(after), 'Warning', EventReason.RollingBack, after.status?.message ?? rollback.reason);
        log.warn({ event: after.metadata?.name, node: after.spec.onDemandNodeName, reason: rollback.reason }, 'rolling back scale-down');
      }
      if (rollback?.completedAt && !before.status?.scaleDown?.rollback?.completedAt && (rollback.untainted || rollback.uncordoned)) {
        void events?.record(eventTarget(after), 'Normal', EventReason.NodeRestored, rollback.message ?? 'node restored');
      }
      observer?.committed?.(before, after);
    },
    asgsNotFound: (e, asgs) => {
      const named = asgs.map((asg) => `${asg === e.spec.spotASGName ? 'spot' : 'on-demand'} ASG ${asg}`).join(' and ');
      // One message per missing set: the recorder counts the repeats on one Event.
      void events?.record(eventTarget(e), 'Warning', EventReason.AsgNotFound, `DescribeAutoScalingGroups returned no ${named}; the event fails if it stays missing (${config.asgMissingObservations} observations in a row)`);
      observer?.asgsNotFound?.(e, asgs);
    },
    conflict: (e) => {
      metrics?.optimisticConflict();
      observer?.conflict?.(e);
    },
    takeover: (e, previous) => {
      metrics?.claimTakeover();
      observer?.takeover?.(e, previous);
    },
  };
}

/** The retrying and needing-attention gauges, recounted from every event this agent knows. */
export function reportRetrying(metrics: AgentMetrics | undefined, objects: readonly SpotGuardFallbackEvent[], config: FallbackEventConfig): void {
  if (!metrics) return;
  const retrying: Record<string, number> = {};
  const attention: Record<string, number> = {};
  for (const object of objects) {
    const retry = retryingStep(object);
    if (!retry) continue;
    retrying[retry.step] = (retrying[retry.step] ?? 0) + 1;
    if (needsAttention(config, retry.attempts)) attention[retry.step] = (attention[retry.step] ?? 0) + 1;
  }
  metrics.setRetryingSteps(retrying, attention);
}
