// Recording a fallback: the SpotGuardFallbackEvent for the on-demand instance that replaces an
// at-risk spot node, created while holding the on-demand ASG's lock so that two responses that
// fall back at once record two different instances. Shared by the at-risk node's own agent
// and by any agent that finishes a response whose agent is gone.
import { parseDuration } from '../../crds/duration.js';
import { fitMessage } from '../../crds/message.js';
import { COMPONENT_VALUE } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { AsgPair } from '../../machines/fallback-event.types.js';
import type { NodeView } from '../../streams/spot-health.js';
import type { AsgDescription, AutoScalingPort } from '../autoscaling.port.js';
import type { AsgLocks } from '../capacity/asg-lock.port.js';
import type { EventRecorder } from '../kube/events.recorder.js';
import type { FallbackEventStore } from '../kube/fallback-event.store.js';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';
import type { Notifier } from '../notify/notification.js';

/** Names the rebalance notice an event was recorded for, so a retried record finds its own. */
export const REQUEST_ANNOTATION = `${COMPONENT_VALUE}.aws.amazon.com/request`;

export interface FallbackRecordDeps {
  locks: AsgLocks;
  autoscaling: AutoScalingPort;
  store: FallbackEventStore;
  nodeViews: () => readonly NodeView[];
  now: () => number;
  log: Logger;
  metrics?: AgentMetrics;
  events?: EventRecorder;
  /** Told of the event this agent's create made (webhooks); only the creator tells it, so it is told once. */
  notifier?: Notifier;
}

export interface FallbackRequest {
  requestId: string;
  pair: AsgPair;
  /** The at-risk node the on-demand instance replaces. */
  atRiskNode: string;
  /** The on-demand ASG's instances before the response's increment. */
  before: readonly string[];
  minimumWaitDuration: string;
  /**
   * The on-demand ASG as a caller that observes it already knows it (the at-risk node's own
   * agent, through the shared ASG poller); without it the group is described here.
   */
  onDemandGroup?: () => Promise<AsgDescription | undefined>;
}

/**
 * Under the on-demand ASG's lock: the event already recorded for this request, else a new one
 * for the first instance launched since the increment, registered as a node, that no event
 * records yet; undefined while there is none.
 */
export async function recordFallback(deps: FallbackRecordDeps, request: FallbackRequest): Promise<SpotGuardFallbackEvent | undefined> {
  const lock = await deps.locks.acquire(request.pair.onDemand, 60_000);
  try {
    // Read afresh, not from a watch: an event another agent recorded a moment ago under this
    // lock must be seen, or two responses would record one instance.
    const { items } = await deps.store.list();
    return items.find((e) => e.metadata?.annotations?.[REQUEST_ANNOTATION] === request.requestId) ?? (await createEvent(deps, request, items));
  } finally {
    await lock.release().catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release asg lock'));
  }
}

async function createEvent(deps: FallbackRecordDeps, request: FallbackRequest, existing: readonly SpotGuardFallbackEvent[]): Promise<SpotGuardFallbackEvent | undefined> {
  const { pair } = request;
  const taken = new Set(existing.map((e) => e.spec.onDemandInstanceID ?? ''));
  const before = new Set(request.before);
  const group = request.onDemandGroup
    ? await request.onDemandGroup()
    : (await deps.autoscaling.describeGroups([pair.onDemand])).find((g) => g.name === pair.onDemand);
  const nodes = deps.nodeViews();
  const candidate = group?.instances
    .filter((i) => !before.has(i.instanceId) && !taken.has(i.instanceId))
    .map((i) => ({ instanceId: i.instanceId, node: nodes.find((n) => n.instanceId === i.instanceId) }))
    .find((c) => c.node);
  if (!candidate?.node) return undefined;
  const spec = {
    spotASGName: pair.spot,
    onDemandASGName: pair.onDemand,
    onDemandInstanceID: candidate.instanceId,
    onDemandNodeName: candidate.node.name,
    timestamp: new Date(deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    minimumWaitDuration: request.minimumWaitDuration,
  };
  const waitEnds = new Date(deps.now() + (parseDuration(request.minimumWaitDuration) ?? 0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const message = fitMessage(`Fallback to on-demand completed (replacing ${request.atRiskNode}), waiting ${request.minimumWaitDuration} before monitoring spot, until ${waitEnds}`);
  const event = await deps.store.create(spec, { phase: 'Pending', spotCapacityRestored: false, scaleDownInitiated: false, message }, { [REQUEST_ANNOTATION]: request.requestId });
  deps.log.info({ event: event.metadata?.name, asg: pair.onDemand, instance: spec.onDemandInstanceID, onDemandNode: spec.onDemandNodeName, atRiskNode: request.atRiskNode }, 'recorded fallback event');
  deps.metrics?.fallback(pair.spot, pair.onDemand);
  void deps.events?.record(
    { kind: 'SpotGuardFallbackEvent', name: event.metadata?.name ?? '', namespace: event.metadata?.namespace, uid: event.metadata?.uid, apiVersion: event.apiVersion },
    'Normal',
    'FellBackToOnDemand',
    `spot capacity for ${pair.spot} did not arrive; on-demand node ${spec.onDemandNodeName} (${spec.onDemandInstanceID}) replaces ${request.atRiskNode}`,
  );
  deps.notifier?.notify('FallbackRecorded', event);
  return event;
}
