// The wait for the reschedule (runtime/kube/reschedule.ts) as a pure decision over pod lists:
// which pods count as replacements of what the drain evicted, and what is reported while some
// are missing. The end-to-end test with real ReplicaSets, a scheduler and KWOK comes with the
// controllers in the harness.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { EvictedPods } from '../../crds/spotguardfallbackevent.types.js';
import { describeWaiting, rescheduleProgress } from '../../runtime/kube/reschedule.js';
import { pod, REPLICA_SET } from './safety-fixtures.js';

const DRAINED = 'ip-od';
const SINCE = '2025-01-15T10:00:45Z';
const at = (offsetSeconds: number): Date => new Date(Date.parse(SINCE) + offsetSeconds * 1000);
const WEB: EvictedPods = { namespace: 'default', kind: 'ReplicaSet', name: REPLICA_SET.name, uid: REPLICA_SET.uid, pods: 2, since: SINCE };

/** A pod of the web ReplicaSet, created `created` seconds after the drain began. */
function replica(name: string, node: string | undefined, phase: string, created = 5, extra: { conditions?: V1PodCondition[]; terminating?: boolean; namespace?: string; message?: string } = {}): V1Pod {
  const p = pod(name, node, { phase, terminating: extra.terminating, namespace: extra.namespace });
  p.metadata!.creationTimestamp = at(created);
  if (extra.conditions) p.status!.conditions = extra.conditions;
  if (extra.message) p.status!.message = extra.message;
  return p;
}
const unschedulable = (message: string): V1PodCondition[] => [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];

const test = suite('wait for reschedule');

test('done once every evicted pod has a replacement Running on another node', () => {
  const progress = rescheduleProgress([WEB], [replica('web-new-1', 'ip-a', 'Running'), replica('web-new-2', 'ip-b', 'Running')], DRAINED);
  assert.equal(progress, { done: true, evicted: 2, replaced: 2, waiting: [] });
});

test('nothing evicted that a controller replaces: nothing to wait for', () => {
  assert.equal(rescheduleProgress([], [replica('web-new-1', 'ip-a', 'Pending')], DRAINED), { done: true, evicted: 0, replaced: 0, waiting: [] });
});

test('a Pending replacement is reported with the scheduler\'s reason, a missing one as not created', () => {
  const pods = [
    replica('web-new-1', 'ip-a', 'Running'),
    replica('web-new-2', undefined, 'Pending', 5, { conditions: unschedulable('0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.') }),
  ];
  const progress = rescheduleProgress([{ ...WEB, pods: 3 }], pods, DRAINED);
  assert.is(progress.done, false);
  assert.equal(progress.waiting, [
    'ReplicaSet default/web-6d4f8: 1 of 3 replaced (default/web-new-2 Pending, not scheduled: 0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.; 1 not created yet)',
  ]);
  assert.is(describeWaiting(progress), `2 of 3 evicted pods have no running replacement yet: ${progress.waiting[0]}`);
});

test('scheduled but not yet Running, and Failed replacements, say so', () => {
  const pods = [replica('web-new-1', 'ip-a', 'Pending'), replica('web-new-2', 'ip-b', 'Failed', 5, { message: 'Pod was rejected: OutOfcpu' })];
  assert.equal(rescheduleProgress([WEB], pods, DRAINED).waiting, ['ReplicaSet default/web-6d4f8: 0 of 2 replaced (default/web-new-1 Pending on node ip-a; default/web-new-2 Failed: Pod was rejected: OutOfcpu)']);
});

test('what is not a replacement: older pods, pods on the drained node, Terminating pods, other controllers and namespaces', () => {
  const other = replica('api-1', 'ip-a', 'Running');
  other.metadata!.ownerReferences = [{ ...REPLICA_SET, name: 'api-5c7d9', uid: '0f5b9c3e-0000-4000-8000-00000000a002' }];
  const pods = [
    replica('web-old', 'ip-a', 'Running', -60),
    replica('web-evicted', DRAINED, 'Running', -60, { terminating: true }),
    replica('web-back-on-drained', DRAINED, 'Running'),
    replica('web-leaving', 'ip-b', 'Running', 5, { terminating: true }),
    replica('web-elsewhere', 'ip-a', 'Running', 5, { namespace: 'other' }),
    other,
  ];
  const progress = rescheduleProgress([WEB], pods, DRAINED);
  assert.equal(progress, { done: false, evicted: 2, replaced: 0, waiting: ['ReplicaSet default/web-6d4f8: 0 of 2 replaced (2 not created yet)'] });
});

test('a pod created in the second the drain began counts (creationTimestamp has whole seconds)', () => {
  const progress = rescheduleProgress([{ ...WEB, pods: 1, since: '2025-01-15T10:00:45.900Z' }], [replica('web-new-1', 'ip-a', 'Running', 0)], DRAINED);
  assert.is(progress.done, true);
});

test('a replacement that already Succeeded (a Job\'s) counts; more replacements than evictions are no harm', () => {
  const progress = rescheduleProgress([{ ...WEB, pods: 1 }], [replica('job-new', 'ip-a', 'Succeeded'), replica('web-extra', 'ip-b', 'Running')], DRAINED);
  assert.equal(progress, { done: true, evicted: 1, replaced: 1, waiting: [] });
});

test('the report stays short: five controllers named, then how many more', () => {
  const records = Array.from({ length: 7 }, (_, i): EvictedPods => ({ ...WEB, name: `web-${i}`, uid: `uid-${i}`, pods: 1 }));
  const progress = rescheduleProgress(records, [], DRAINED);
  assert.is(progress.waiting.length, 7);
  const line = describeWaiting(progress);
  assert.match(line, /^7 of 7 evicted pods have no running replacement yet: ReplicaSet default\/web-0: 0 of 1 replaced \(1 not created yet\); /);
  assert.match(line, /ReplicaSet default\/web-4: .*; and 2 more$/);
  assert.not.match(line, /web-5/);
});

test.run();
