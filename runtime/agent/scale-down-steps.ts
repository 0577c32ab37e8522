// The five scale-down steps the claim holder runs for an event in ScalingDown. Each is
// idempotent: a step that an earlier holder did (but could not record before it died) finds
// its work done and reports success, so resuming never repeats a step harmfully.
import type { ScaleDownStepName } from '../../crds/phases.js';
import type { EvictedPods, SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import { AwsError, type AutoScalingPort } from '../autoscaling.port.js';
import { CapacityError, type CapacityPort } from '../capacity/capacity.port.js';
import { firstFew, podRef, scaleDownRules, type DrainSettings } from '../kube/drain-policy.js';
import { KubeError } from '../kube/kube-errors.js';
import { DrainError, SCALE_DOWN_CORDONED_BY, SCALE_DOWN_TAINT, SCALE_DOWN_TAINTED_BY, type ControlledPods, type NodeMark, type NodePort } from '../kube/nodes.port.js';
import { describeWaiting, rescheduleProgress } from '../kube/reschedule.js';
import type { Logger } from '../log.js';
import { membershipUntrustedReason, targetUntrustedReason } from './trust.js';

/**
 * replaced: what a drain evicted that its controllers recreate, recorded in status for the next step.
 * dryRun: the step was only logged (SPOT_GUARD_DRY_RUN); a fact the status records as a field, never read back from the message.
 */
export type StepResult =
  | { ok: true; message?: string; replaced?: EvictedPods[]; dryRun?: boolean }
  | { ok: false; code: string; message: string; retryable: boolean; replaced?: EvictedPods[] };

export interface StepDeps {
  nodes: NodePort;
  /** Where the replacements of evicted pods are looked for. */
  pods: ControlledPods;
  autoscaling: AutoScalingPort;
  /** The terminate step lowers desired capacity under the ASG's lock, as every other change does. */
  capacity: Pick<CapacityPort, 'terminate'>;
  /** What the drain may evict beyond kubectl's defaults (the SPOT_GUARD_DRAIN_* settings). */
  drain: DrainSettings;
  /** How long the drain retries refused evictions, and how long the pods have to run again elsewhere. */
  evictionTimeoutMs: number;
  /** How often waitForReschedule looks at the node and the replacements. */
  pollIntervalMs?: number;
  dryRun: boolean;
  log: Logger;
  signal?: AbortSignal;
}

const untrusted = (message: string): StepResult => ({ ok: false, code: 'Untrusted', message, retryable: false });

/**
 * Whether retrying can fix a failure. Final: the API server refusing the request itself
 * (Forbidden, Invalid) or AWS refusing it as malformed (Invalid), and what trust.ts refuses.
 * AWS's AccessDenied is retried: the SDK reports expired or rotated credentials under it as
 * well as a missing permission, and either is fixed without touching the event (the
 * credentials renew, a person fixes the IAM role) while giving up would leave the instance
 * billing with nobody to scale it down; /readyz and the StepRetrying condition say so meanwhile.
 */
function failure(err: unknown): StepResult {
  if (err instanceof DrainError) return { ok: false, code: `Drain${err.code}`, message: err.message, retryable: true, replaced: err.replaced };
  if (err instanceof KubeError) return { ok: false, code: err.code, message: err.message, retryable: err.code !== 'Forbidden' && err.code !== 'Invalid' };
  // The lock stayed held, was lost or its ledger is unreadable: nothing was terminated, or a retry finds it done.
  if (err instanceof CapacityError) return { ok: false, code: err.code, message: err.message, retryable: true };
  if (err instanceof AwsError) return { ok: false, code: err.code, message: err.message, retryable: err.code !== 'Invalid' };
  return { ok: false, code: 'Unknown', message: err instanceof Error ? err.message : String(err), retryable: true };
}

/**
 * The marks the scale-down writes beside its taint and cordon: the event's uid, so that a
 * rollback undoes only what this event did (never a cordon someone else made, never what a
 * forged event merely names). No uid (an object not from the API server): no marks.
 */
export function scaleDownMarks(event: SpotGuardFallbackEvent): { tainted: NodeMark; cordoned: NodeMark } | undefined {
  const uid = event.metadata?.uid;
  return uid ? { tainted: { key: SCALE_DOWN_TAINTED_BY, value: uid }, cordoned: { key: SCALE_DOWN_CORDONED_BY, value: uid } } : undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export async function runStep(step: ScaleDownStepName, event: SpotGuardFallbackEvent, deps: StepDeps): Promise<StepResult> {
  const { spec } = event;
  const node = spec.onDemandNodeName;
  const log = deps.log.child({ event: event.metadata?.name, node, step });
  try {
    switch (step) {
      case 'taint': {
        const reason = await targetUntrustedReason(spec, deps.nodes, deps.autoscaling);
        if (reason) return untrusted(reason);
        if (deps.dryRun) return dry(log, `would taint node ${node} with ${SCALE_DOWN_TAINT.key}`);
        const changed = await deps.nodes.taint(node, SCALE_DOWN_TAINT, scaleDownMarks(event)?.tainted);
        log.info({ changed }, 'tainted on-demand node');
        return { ok: true, message: changed ? undefined : 'already tainted' };
      }
      case 'cordon': {
        const current = await deps.nodes.getNode(node);
        if (!current) return untrusted(`node ${node} does not exist`);
        if (current.instanceId !== spec.onDemandInstanceID) return untrusted(`node ${node} no longer runs instance ${spec.onDemandInstanceID}`);
        if (deps.dryRun) return dry(log, `would cordon node ${node}`);
        const changed = await deps.nodes.cordon(node, scaleDownMarks(event)?.cordoned);
        log.info({ changed }, 'cordoned on-demand node');
        return { ok: true, message: changed ? undefined : 'already cordoned' };
      }
      case 'drain': {
        const current = await deps.nodes.getNode(node);
        if (current && current.instanceId !== spec.onDemandInstanceID) return untrusted(`node ${node} no longer runs instance ${spec.onDemandInstanceID}`);
        if (!current) return { ok: true, message: 'node already gone' };
        if (deps.dryRun) return dry(log, `would drain node ${node}`);
        const result = await deps.nodes.drain(node, { rules: scaleDownRules(deps.drain), timeoutMs: deps.evictionTimeoutMs, signal: deps.signal });
        log.info({ evicted: result.evicted.length, skipped: result.skipped.length }, 'drained on-demand node');
        return { ok: true, message: `${result.evicted.length} pods evicted, ${result.skipped.length} skipped`, replaced: result.replaced };
      }
      case 'waitForReschedule': {
        if (deps.dryRun) return dry(log, `would wait for the pods of node ${node} to be rescheduled`);
        // Recorded by the drain, whichever agent ran it: this step may run on another one.
        const evicted = event.status?.scaleDown?.evicted ?? [];
        const deadline = Date.now() + deps.evictionTimeoutMs;
        for (;;) {
          const remaining = await deps.nodes.remainingPods(node).catch((err: unknown) => {
            if (err instanceof KubeError && err.code === 'NotFound') return [];
            throw err;
          });
          const due = Date.now() >= deadline || deps.signal?.aborted;
          // While pods are still leaving there is no need to list the replacements yet (a
          // namespace can hold thousands of pods), except to report at the end.
          if (remaining.length > 0 && !due) {
            await sleep(deps.pollIntervalMs ?? 2000, deps.signal);
            continue;
          }
          const look = evicted.length > 0 && !deps.signal?.aborted;
          const progress = rescheduleProgress(evicted, look ? await deps.pods.controlledPods(evicted, deps.signal) : [], node);
          if (remaining.length === 0 && progress.done) {
            return { ok: true, message: progress.evicted > 0 ? `${progress.replaced} evicted pods running again elsewhere` : undefined };
          }
          if (due) {
            // The pods still on the node come first: until they are gone, their grace periods run.
            const still = remaining.length > 0 ? `${remaining.length} pods still on node ${node}: ${firstFew(remaining.map(podRef))}` : undefined;
            const message = [still, progress.done ? undefined : describeWaiting(progress)].filter(Boolean).join('; ');
            return { ok: false, code: remaining.length > 0 ? 'PodsRemain' : 'NotRescheduled', message, retryable: true };
          }
          await sleep(deps.pollIntervalMs ?? 2000, deps.signal);
        }
      }
      case 'terminate': {
        const instanceId = spec.onDemandInstanceID ?? '';
        const membership = await deps.autoscaling.describeInstance(instanceId);
        // Terminated by an earlier holder that died before recording it: done, never twice.
        if (!membership || /^Terminat/.test(membership.lifecycleState)) return { ok: true, message: `instance ${instanceId} already terminated` };
        // The same answer says whether the instance is still the on-demand ASG's: one call, not two.
        const reason = membershipUntrustedReason(spec, membership);
        if (reason) return untrusted(reason);
        if (deps.dryRun) return dry(log, `would terminate instance ${instanceId} in ASG ${spec.onDemandASGName} and lower its desired capacity`);
        await deps.capacity.terminate(spec.onDemandASGName, instanceId);
        log.info({ asg: spec.onDemandASGName, instance: instanceId }, 'terminated on-demand instance');
        return { ok: true, message: `instance ${instanceId} terminated` };
      }
    }
  } catch (err) {
    const result = failure(err);
    log.warn({ code: result.ok ? undefined : result.code, err: err instanceof Error ? err.message : String(err) }, 'scale-down step failed');
    return result;
  }
}

/** untainted on a failure: the taint was removed before the cordon could be, so the next attempt finds no mark for it. */
export type RollbackResult = { ok: true; untainted: boolean; uncordoned: boolean; message: string } | { ok: false; code: string; message: string; retryable: boolean; untainted: boolean };

/**
 * Undoes what this event's scale-down did to its node after a final failure: the scale-down
 * taint and the cordon, each only if the node carries this event's mark (written in the same
 * patch as the change), so a node someone else cordoned, or one a forged event merely names,
 * is left as it is. A node that is gone (its instance terminated) has nothing to undo.
 * Idempotent: a second run finds no marks and reports nothing undone.
 */
export async function rollBack(event: SpotGuardFallbackEvent, deps: Pick<StepDeps, 'nodes' | 'dryRun' | 'log'>): Promise<RollbackResult> {
  const node = event.spec.onDemandNodeName;
  const log = deps.log.child({ event: event.metadata?.name, node, step: 'rollback' });
  const marks = scaleDownMarks(event);
  if (deps.dryRun || !marks) {
    // A dry run changed nothing, and an event without a uid could not have marked anything.
    return { ok: true, untainted: false, uncordoned: false, message: `nothing of this event to undo on node ${node}${deps.dryRun ? ' (dry run)' : ''}` };
  }
  let untainted = false;
  try {
    untainted = await deps.nodes.untaint(node, SCALE_DOWN_TAINT, marks.tainted);
    const uncordoned = await deps.nodes.uncordon(node, marks.cordoned);
    log.info({ untainted, uncordoned }, 'rolled back on-demand node');
    return { ok: true, untainted, uncordoned, message: undoneMessage(node, untainted, uncordoned) };
  } catch (err) {
    if (err instanceof KubeError && err.code === 'NotFound') return { ok: true, untainted, uncordoned: false, message: `node ${node} is gone: nothing to undo` };
    const result = failure(err);
    const failed = result.ok ? { code: 'Unknown', message: String(err), retryable: true } : result;
    log.warn({ code: failed.code, err: failed.message, untainted }, 'could not roll back on-demand node');
    return { ok: false, code: failed.code, message: failed.message, retryable: failed.retryable, untainted };
  }
}

/** What a rollback undid, in words. */
export function undoneMessage(node: string, untainted: boolean, uncordoned: boolean): string {
  if (untainted && uncordoned) return `removed the scale-down taint ${SCALE_DOWN_TAINT.key} from node ${node} and uncordoned it`;
  if (untainted) return `removed the scale-down taint ${SCALE_DOWN_TAINT.key} from node ${node}`;
  if (uncordoned) return `uncordoned node ${node}`;
  return `nothing of this event to undo on node ${node}`;
}

function dry(log: Logger, action: string): StepResult {
  log.info({ dryRun: true }, action);
  return { ok: true, message: `dry run: ${action}`, dryRun: true };
}
