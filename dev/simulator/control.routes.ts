// The JSON control API under /control/: what a scenario can do to the simulated cloud that
// no AWS API offers (create groups, run a spot pool dry, reclaim an instance, make AWS fail)
// and what it can read back (state, call counts, which Node each instance became).
//
//   GET    /control/state                             groups with their instances, delays, faults
//   POST   /control/reset                             forget groups, instances, activities, faults, counts
//   POST   /control/groups                            GroupSpec → 201 Group
//   POST   /control/groups/:name/spot-pool/exhaust    no spot launch succeeds from now on
//   POST   /control/groups/:name/spot-pool/restore    { size? } → that many more (or any number)
//   POST   /control/delays                            { launchMs?, terminateMs?, nodeReadyMs?, launchRetryMs? }
//   POST   /control/instances/:id/interrupt           EC2 takes the instance back → its Activity
//   POST   /control/instances/:id/move                { group } → the Instance, now in that group (DetachInstances + AttachInstances)
//   POST   /control/faults                            { action | '*', error, times | rate, seed? }
//   GET    /control/faults                            the rules still active
//   DELETE /control/faults[?action=…]                 clear them
//   GET    /control/calls                             { action: calls } (injected failures included)
//   GET    /control/calls/injected                    { action: injected failures }
//   DELETE /control/calls                             reset the counts
//   GET    /control/nodes                             [{ instanceId, nodeName, groupName, lifecycleState, registered, ready }]
import { ScenarioError, type CloudModel } from './cloud.model.js';
import type { CallCounter } from './call.counter.js';
import type { FaultRule, GroupSpec, NodeMapping, RestoreSpotPool, SimulatorState } from './control.types.js';
import type { FaultInjector } from './fault.injector.js';

export interface ControlDeps {
  model: CloudModel;
  faults: FaultInjector;
  counter: CallCounter;
  nodes(): NodeMapping[];
}

export interface ControlReply {
  status: number;
  json?: unknown;
}

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ScenarioError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function stateOf(deps: ControlDeps): SimulatorState {
  return {
    now: deps.model.now,
    delays: deps.model.currentDelays(),
    groups: deps.model.listGroups().map((g) => ({ ...g, instances: deps.model.instancesOf(g.name) })),
    faults: deps.faults.list(),
  };
}

/** `path` is what follows /control/, without the query string. */
export function handleControl(deps: ControlDeps, method: string, path: string, query: URLSearchParams, body: unknown): ControlReply {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${method} ${parts.map((p, i) => (i % 2 === 1 && ['groups', 'instances'].includes(parts[i - 1] ?? '') ? ':id' : p)).join('/')}`;
  const id = parts[1] ?? '';
  const { model, faults, counter } = deps;
  switch (route) {
    case 'GET state':
      return { status: 200, json: stateOf(deps) };
    case 'POST reset':
      model.reset();
      faults.clear();
      counter.reset();
      return { status: 204 };
    case 'POST groups':
      return { status: 201, json: model.createGroup(object(body) as unknown as GroupSpec) };
    case 'POST groups/:id/spot-pool/exhaust':
      model.exhaustSpotPool(id);
      return { status: 200, json: { spotPool: model.group(id)?.spotPool ?? null } };
    case 'POST groups/:id/spot-pool/restore':
      model.restoreSpotPool(id, (object(body) as RestoreSpotPool).size);
      return { status: 200, json: { spotPool: model.group(id)?.spotPool ?? null } };
    case 'POST delays':
      return { status: 200, json: model.setDelays(object(body)) };
    case 'POST instances/:id/interrupt':
      return { status: 200, json: model.interrupt(id) };
    case 'POST instances/:id/move': {
      const group = object(body).group;
      if (typeof group !== 'string' || group === '') throw new ScenarioError(400, 'a move needs { group }');
      return { status: 200, json: model.moveInstance(id, group) };
    }
    case 'POST faults':
      return { status: 201, json: faults.add(object(body) as unknown as FaultRule) };
    case 'GET faults':
      return { status: 200, json: faults.list() };
    case 'DELETE faults':
      faults.clear(query.get('action') ?? undefined);
      return { status: 204 };
    case 'GET calls':
      return { status: 200, json: counter.calls() };
    case 'GET calls/injected':
      return { status: 200, json: counter.injectedFailures() };
    case 'DELETE calls':
      counter.reset();
      return { status: 204 };
    case 'GET nodes':
      return { status: 200, json: deps.nodes() };
    default:
      throw new ScenarioError(404, `no control route ${method} /control/${path}`);
  }
}
