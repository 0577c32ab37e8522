// The one evictability rule (runtime/kube/drain-policy.ts), as a table: each pod on the node and
// what a scale-down drain does with it under kubectl's defaults, with both kubectl-named settings
// on, and what a spot interruption's drain does. The safety checks and the drain both read it;
// test/runtime/nodes.kube.test.ts shows the drain doing it against a real API server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Pod } from '@kubernetes/client-node';
import { alwaysLeft, disposition, INTERRUPTION_RULES, scaleDownRules, type PodDisposition } from '../../runtime/kube/drain-policy.js';
import { pod } from './safety-fixtures.js';

const DEFAULTS = scaleDownRules({ deleteEmptyDirData: false, force: false });
const ALLOWED = scaleDownRules({ deleteEmptyDirData: true, force: true });

const leave = (reason: 'DaemonSet' | 'Mirror' | 'Terminating'): PodDisposition => ({ action: 'leave', reason });
const evict: PodDisposition = { action: 'evict', finished: false };
const remove: PodDisposition = { action: 'evict', finished: true };
const refuse = (...refusals: Extract<PodDisposition, { action: 'refuse' }>['refusals']): PodDisposition => ({ action: 'refuse', refusals });

const N = 'ip-od';
const rows: [string, V1Pod, PodDisposition, PodDisposition, PodDisposition][] = [
  // name, pod, kubectl's defaults, both settings on, interruption
  ['a ReplicaSet pod', pod('web', N), evict, evict, evict],
  ['a DaemonSet pod, whatever it carries', pod('ds', N, { daemonSet: true, emptyDir: true, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }), leave('DaemonSet'), leave('DaemonSet'), leave('DaemonSet')],
  ['a mirror pod', pod('static', N, { bare: true, annotations: { 'kubernetes.io/config.mirror': 'abc' } }), leave('Mirror'), leave('Mirror'), leave('Mirror')],
  ['a Terminating pod, even one that would be refused', pod('going', N, { bare: true, terminating: true }), leave('Terminating'), leave('Terminating'), leave('Terminating')],
  ['a Succeeded pod without a controller, with emptyDir data', pod('job', N, { bare: true, emptyDir: true, phase: 'Succeeded' }), remove, remove, remove],
  ['a Failed pod that opted out', pod('crashed', N, { phase: 'Failed', annotations: { 'spot-guard.aws.amazon.com/do-not-evict': 'true' } }), remove, remove, remove],
  ['a finished DaemonSet pod (kubectl removes it too)', pod('ds-done', N, { daemonSet: true, phase: 'Succeeded' }), remove, remove, remove],
  ['a pod with emptyDir data', pod('cache', N, { emptyDir: true }), refuse('EmptyDir'), evict, evict],
  ['a pod without a controller', pod('debug', N, { bare: true }), refuse('NoController'), evict, evict],
  ['a pod without a controller, with emptyDir data', pod('scratch', N, { bare: true, emptyDir: true }), refuse('EmptyDir', 'NoController'), evict, evict],
  ['do-not-evict "true"', pod('a', N, { annotations: { 'spot-guard.aws.amazon.com/do-not-evict': 'true' } }), refuse('OptedOut'), refuse('OptedOut'), evict],
  ['do-not-evict "false" opts nothing out', pod('b', N, { annotations: { 'spot-guard.aws.amazon.com/do-not-evict': 'false' } }), evict, evict, evict],
  ['karpenter.sh/do-not-disrupt "true"', pod('c', N, { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }), refuse('DoNotDisrupt'), refuse('DoNotDisrupt'), evict],
  ['safe-to-evict "false"', pod('d', N, { annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } }), refuse('NotSafeToEvict'), refuse('NotSafeToEvict'), evict],
  ['safe-to-evict "true" lifts nothing kubectl refuses', pod('e', N, { emptyDir: true, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } }), refuse('EmptyDir'), evict, evict],
];

const test = suite('drain policy');

for (const [name, p, defaults, allowed, interruption] of rows) {
  test(name, () => {
    assert.equal(disposition(p, DEFAULTS), defaults, 'kubectl defaults');
    assert.equal(disposition(p, ALLOWED), allowed, 'both settings on');
    assert.equal(disposition(p, INTERRUPTION_RULES), interruption, 'spot interruption');
  });
}

test('an owner that is not the controller does not count as one', () => {
  const owned = pod('owned', N, { bare: true });
  owned.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u-1' }];
  assert.equal(disposition(owned, DEFAULTS), refuse('NoController'));
});

test('what stays on a drained node: mirror pods and DaemonSet pods that have not finished', () => {
  const left = rows.filter(([, p]) => alwaysLeft(p)).map(([name]) => name);
  assert.equal(left, ['a DaemonSet pod, whatever it carries', 'a mirror pod']);
});

test.run();
