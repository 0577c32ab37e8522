// Whether the pods a drain evicted are running again elsewhere, as a pure function of the
// drain's record (status.scaleDown.evicted) and the pods of those controllers now. An evicted
// pod is not moved: its controller makes a new one, which the scheduler places. So a
// replacement is a pod of the same controller, created since the drain began (a pod that
// existed before is not a replacement, however it runs), not on the drained node, not on its way
// out, and Running (or Succeeded: a Job's replacement may already have finished its work).
import type { V1Pod } from '@kubernetes/client-node';
import type { EvictedPods } from '../../crds/spotguardfallbackevent.types.js';
import { controllerOf, firstFew, NAMED_PODS, podRef } from './drain-policy.js';

export interface RescheduleProgress {
  /** Every evicted pod has a replacement that runs. */
  done: boolean;
  /** How many evicted pods the record holds, and how many of them have a running replacement. */
  evicted: number;
  replaced: number;
  /** One line per controller still short of replacements: which are Pending and why. */
  waiting: string[];
}

const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
const isUp = (pod: V1Pod): boolean => pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded';

/** Why a replacement does not run yet, in the scheduler's own words where it gave them. */
function whyNotRunning(pod: V1Pod): string {
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Failed') return `Failed${pod.status?.message ? `: ${pod.status.message}` : pod.status?.reason ? `: ${pod.status.reason}` : ''}`;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `${phase}, not scheduled: ${scheduled.message || scheduled.reason || 'no reason given'}`;
  if (pod.spec?.nodeName) return `${phase} on node ${pod.spec.nodeName}`;
  return `${phase}, not scheduled yet`;
}

export function rescheduleProgress(evicted: readonly EvictedPods[], pods: readonly V1Pod[], drainedNode: string): RescheduleProgress {
  const progress: RescheduleProgress = { done: true, evicted: 0, replaced: 0, waiting: [] };
  for (const record of evicted) {
    // creationTimestamp has whole seconds, and `since` is the second the drain began in.
    const since = Math.floor(Date.parse(record.since) / 1000) * 1000;
    const replacements = pods
      .filter((p) => (p.metadata?.namespace ?? 'default') === record.namespace && controllerOf(p)?.uid === record.uid)
      .filter((p) => p.spec?.nodeName !== drainedNode && !p.metadata?.deletionTimestamp && created(p) >= since)
      .sort((a, b) => podRef(a).localeCompare(podRef(b)));
    const up = replacements.filter(isUp);
    const replaced = Math.min(up.length, record.pods);
    progress.evicted += record.pods;
    progress.replaced += replaced;
    if (replaced === record.pods) continue;
    progress.done = false;
    const short = record.pods - replaced;
    const pending = replacements.filter((p) => !isUp(p)).slice(0, short);
    const notCreated = short - pending.length;
    const parts = firstFew(pending.map((p) => `${podRef(p)} ${whyNotRunning(p)}`), NAMED_PODS, '; ');
    const missing = notCreated > 0 ? `${parts ? '; ' : ''}${notCreated} not created yet` : '';
    progress.waiting.push(`${record.kind} ${record.namespace}/${record.name}: ${replaced} of ${record.pods} replaced (${parts}${missing})`);
  }
  return progress;
}

/** The progress as one line that stays short for any number of controllers. */
export function describeWaiting(progress: RescheduleProgress): string {
  const short = progress.evicted - progress.replaced;
  return `${short} of ${progress.evicted} evicted ${progress.evicted === 1 ? 'pod has' : 'pods have'} no running replacement yet: ${firstFew(progress.waiting, NAMED_PODS, '; ')}`;
}
