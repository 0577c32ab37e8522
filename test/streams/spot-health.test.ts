// spotObservation: what the fallback-event machine is told about spot health, from one ASG
// snapshot and the nodes Kubernetes knows.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isHealthy } from '../../machines/fallback-event.guards.js';
import type { SpotObservation as MachineSpotObservation } from '../../machines/fallback-event.types.js';
import type { AsgInstance, ScalingActivity } from '../../runtime/autoscaling.port.js';
import type { AsgSnapshot } from '../../streams/asg-observation.stream.js';
import { spotObservation, type NodeView, type SpotObservation } from '../../streams/spot-health.js';

// streams/ declares the observation's shape again (it may not import machines/): the two
// must stay assignable both ways, or this file does not typecheck.
const toMachine = (o: SpotObservation): MachineSpotObservation => o;
const fromMachine = (o: MachineSpotObservation): SpotObservation => o;
void toMachine;
void fromMachine;

const test = suite('spot health observation');

const instance = (id: string, lifecycleState = 'InService'): AsgInstance => ({ instanceId: id, lifecycleState, healthStatus: 'Healthy', availabilityZone: 'us-east-1a' });
const activity = (statusCode: string): ScalingActivity => ({ activityId: `a-${statusCode}`, asgName: 'spot', statusCode, statusMessage: '', description: '', startTime: '2024-01-01T00:00:00.000Z' });
const node = (instanceId: string | undefined, ready = true): NodeView => ({ name: `node-${instanceId ?? 'none'}`, instanceId, ready });

function snapshot(desired: number | undefined, instances: AsgInstance[], activities: ScalingActivity[] = []): AsgSnapshot {
  return { asgName: 'spot', group: desired === undefined ? undefined : { name: 'spot', minSize: 0, maxSize: 10, desired, instances }, activities, observedAt: 1_700_000_000_000 };
}

const cases: [string, AsgSnapshot, NodeView[], Omit<SpotObservation, 'observedAt'>, boolean][] = [
  ['a settled group with every node Ready', snapshot(2, [instance('i-1'), instance('i-2')]), [node('i-1'), node('i-2')], { inService: 2, desired: 2, activitiesInProgress: 0, nodesReady: 2, nodesTotal: 2 }, true],
  [
    'nodes of other groups and nodes without an instance ID are ignored',
    snapshot(1, [instance('i-1')]),
    [node('i-1'), node('i-ondemand'), node('i-other', false), node(undefined, false)],
    { inService: 1, desired: 1, activitiesInProgress: 0, nodesReady: 1, nodesTotal: 1 },
    true,
  ],
  ['a NotReady node of the group is counted but not Ready', snapshot(2, [instance('i-1'), instance('i-2')]), [node('i-1'), node('i-2', false)], { inService: 2, desired: 2, activitiesInProgress: 0, nodesReady: 1, nodesTotal: 2 }, false],
  [
    'a node of an instance in any lifecycle state counts; only InService instances are in service',
    snapshot(2, [instance('i-1'), instance('i-2', 'Terminating'), instance('i-3', 'Pending')]),
    [node('i-1'), node('i-2', false)],
    { inService: 1, desired: 2, activitiesInProgress: 0, nodesReady: 1, nodesTotal: 2 },
    false,
  ],
  [
    'activities not yet Successful, Failed or Cancelled are in progress',
    snapshot(1, [instance('i-1')], [activity('Successful'), activity('Failed'), activity('Cancelled'), activity('InProgress'), activity('WaitingForSpotInstanceId'), activity('PreInService')]),
    [node('i-1')],
    { inService: 1, desired: 1, activitiesInProgress: 3, nodesReady: 1, nodesTotal: 1 },
    false,
  ],
  ['an absent group wants nothing, is not healthy, and is named', snapshot(undefined, []), [node('i-1')], { inService: 0, desired: 0, activitiesInProgress: 0, nodesReady: 0, nodesTotal: 0, asgsNotFound: ['spot'] }, false],
  [
    'an on-demand ASG asked about in the same call and not found is named too',
    { ...snapshot(1, [instance('i-1')]), companionsNotFound: ['od'] },
    [node('i-1')],
    { inService: 1, desired: 1, activitiesInProgress: 0, nodesReady: 1, nodesTotal: 1, asgsNotFound: ['od'] },
    true,
  ],
  ['companions that were all found add nothing', { ...snapshot(1, [instance('i-1')]), companionsNotFound: [] }, [node('i-1')], { inService: 1, desired: 1, activitiesInProgress: 0, nodesReady: 1, nodesTotal: 1 }, true],
];

for (const [name, snap, nodes, expected, healthy] of cases) {
  test(name, () => {
    const observation = spotObservation(snap, nodes);
    assert.equal(observation, { ...expected, observedAt: snap.observedAt });
    assert.is(isHealthy(observation), healthy, 'as the machine judges it');
  });
}

test.run();
