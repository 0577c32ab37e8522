// The safety checks before a drain (DESIGN.md invariant 6), table-driven: each row is a small
// cluster and the verdict the drain of ip-od must get. Refusals name the check and the reason
// an operator would read; go-aheads name where every pod lands.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSafety, type ClusterSnapshot, type SafetyOptions } from '../../runtime/safety/safety-checks.js';
import { podRequests } from '../../runtime/safety/resources.js';
import { formatCpu, formatMemory, parseQuantity, QuantityError } from '../../runtime/safety/quantity.js';
import { node, pdb, pod, requiredAffinity } from './safety-fixtures.js';

const LEAVING = 'aws-node-termination-handler/rebalance-recommendation';
const OPTIONS: SafetyOptions = { maxUtilizationPercent: 75, leavingTaintKeys: [LEAVING], drain: { deleteEmptyDirData: false, force: false } };
const ALLOW_ALL = { drain: { deleteEmptyDirData: true, force: true } };
const OD = 'ip-od';

interface Row {
  name: string;
  snapshot: Partial<ClusterSnapshot>;
  options?: Partial<SafetyOptions>;
}
interface Refusal extends Row {
  check: 'pods' | 'pdb' | 'capacity' | 'drain' | 'scaleDownDisabled' | 'node';
  reason: string | RegExp;
}
interface GoAhead extends Row {
  placements: Record<string, string>;
  summary: string | RegExp;
}

const verdictOf = (row: Row) =>
  checkSafety({ nodes: [], pods: [], pdbs: [], ...row.snapshot }, OD, { ...OPTIONS, ...row.options });

const refusals: Refusal[] = [
  {
    name: 'a pod too big for any other node',
    snapshot: { nodes: [node(OD, { cpu: '8' }), node('ip-a', { cpu: '2' })], pods: [pod('big', OD, { cpu: '4' }), pod('x', 'ip-a', { cpu: '500m' })] },
    check: 'pods',
    reason: 'pod default/big needs 4 cpu; no Ready schedulable node has room (ip-a: 1.5 cpu free)',
  },
  {
    name: 'a pod too big in memory',
    snapshot: { nodes: [node(OD), node('ip-a', { memory: '4Gi' })], pods: [pod('big', OD, { memory: '3Gi' }), pod('x', 'ip-a', { memory: '1536Mi' })] },
    check: 'pods',
    reason: 'pod default/big needs 3Gi memory; no Ready schedulable node has room (ip-a: 2.5Gi memory free)',
  },
  {
    name: 'no pod slot left on the other node',
    snapshot: { nodes: [node(OD), node('ip-a', { pods: '1' })], pods: [pod('web', OD, { cpu: '100m' }), pod('x', 'ip-a')] },
    check: 'pods',
    reason: 'pod default/web needs 0.1 cpu; no Ready schedulable node has room (ip-a: 0 pod slots free)',
  },
  {
    name: 'an init container larger than the app containers sets the request',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '2' })],
      pods: [pod('web', OD, { cpu: '1', initContainers: [{ name: 'migrate', resources: { requests: { cpu: '3' } } }] })],
    },
    check: 'pods',
    reason: /^pod default\/web needs 3 cpu; .*ip-a: 2 cpu free/,
  },
  {
    name: 'the RuntimeClass overhead is added to the request',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '2' })], pods: [pod('web', OD, { cpu: '1900m', overhead: { cpu: '200m' } })] },
    check: 'pods',
    reason: /^pod default\/web needs 2\.1 cpu; .*ip-a: 2 cpu free/,
  },
  {
    name: 'packing one millicore past the exact fit',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '2' }), node('ip-b', { cpu: '2' })],
      pods: [pod('p1', OD, { cpu: '1500m' }), pod('p2', OD, { cpu: '1.5' }), pod('p3', OD, { cpu: '501m' }), pod('p4', OD, { cpu: '0.5' })],
    },
    options: { maxUtilizationPercent: 100 },
    check: 'pods',
    reason: 'pod default/p3 needs 0.501 cpu; no Ready schedulable node has room (ip-a: 0.5 cpu free; ip-b: 0.5 cpu free)',
  },
  {
    name: 'a terminating pod on the other node still holds its requests',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '2' })], pods: [pod('web', OD, { cpu: '1' }), pod('old', 'ip-a', { cpu: '1500m', terminating: true })] },
    check: 'pods',
    reason: /ip-a: 0\.5 cpu free/,
  },
  {
    name: 'a nodeSelector no other node matches',
    snapshot: {
      nodes: [node(OD, { labels: { 'topology.kubernetes.io/zone': 'us-east-1b' } }), node('ip-a', { labels: { 'topology.kubernetes.io/zone': 'us-east-1a' } })],
      pods: [pod('web', OD, { nodeSelector: { 'topology.kubernetes.io/zone': 'us-east-1b' } })],
    },
    check: 'pods',
    reason: 'pod default/web needs a pod slot; no Ready schedulable node has room (ip-a: nodeSelector topology.kubernetes.io/zone=us-east-1b not matched)',
  },
  {
    name: 'required node affinity unmet by every term',
    snapshot: {
      nodes: [node(OD), node('ip-a', { labels: { 'node.kubernetes.io/instance-type': 'm5.xlarge' } })],
      pods: [
        pod('web', OD, {
          affinity: requiredAffinity(
            { matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ip-z'] }] },
          ),
        }),
      ],
    },
    check: 'pods',
    reason: /ip-a: required node affinity not matched/,
  },
  {
    name: 'required node affinity with Gt on an equal value',
    snapshot: {
      nodes: [node(OD), node('ip-a', { labels: { 'example.com/generation': '5' } })],
      pods: [pod('web', OD, { affinity: requiredAffinity({ matchExpressions: [{ key: 'example.com/generation', operator: 'Gt', values: ['5'] }] }) })],
    },
    check: 'pods',
    reason: /ip-a: required node affinity not matched/,
  },
  {
    name: 'the only free node has a taint the pod does not tolerate',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '1' }), node('ip-g', { cpu: '8', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })],
      pods: [pod('web', OD, { cpu: '500m', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }] }), pod('x', 'ip-a', { cpu: '1' })],
    },
    check: 'pods',
    reason: 'pod default/web needs 0.5 cpu; no Ready schedulable node has room (ip-a: 0 cpu free; ip-g: taint dedicated=gpu:NoSchedule not tolerated)',
  },
  {
    name: 'a toleration for another effect does not tolerate a NoExecute taint',
    snapshot: {
      nodes: [node(OD), node('ip-a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] })],
      pods: [pod('web', OD, { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] })],
    },
    check: 'pods',
    reason: /ip-a: taint dedicated=gpu:NoExecute not tolerated/,
  },
  {
    name: 'the only other node is NotReady',
    snapshot: { nodes: [node(OD), node('ip-a', { ready: false })], pods: [pod('web', OD, { cpu: '100m' })] },
    check: 'pods',
    reason: 'pod default/web needs 0.1 cpu; no Ready schedulable node has room (ip-a: NotReady)',
  },
  {
    name: 'the only other node is cordoned',
    snapshot: { nodes: [node(OD), node('ip-a', { unschedulable: true })], pods: [pod('web', OD, { cpu: '100m' })] },
    check: 'pods',
    reason: /\(ip-a: cordoned\)$/,
  },
  {
    name: 'the only other node carries a leaving taint, even a PreferNoSchedule one',
    snapshot: { nodes: [node(OD), node('ip-a', { taints: [{ key: LEAVING, effect: 'PreferNoSchedule' }] })], pods: [pod('web', OD, { cpu: '100m' })] },
    check: 'pods',
    reason: `pod default/web needs 0.1 cpu; no Ready schedulable node has room (ip-a: taint ${LEAVING}:PreferNoSchedule marks it leaving)`,
  },
  {
    name: 'no other node at all',
    snapshot: { nodes: [node(OD)], pods: [pod('web', OD, { cpu: '100m' })] },
    check: 'pods',
    reason: 'pod default/web needs 0.1 cpu; no other node in the cluster',
  },
  {
    name: 'an empty node but nothing Ready would remain',
    snapshot: { nodes: [node(OD), node('ip-a', { ready: false })] },
    check: 'capacity',
    reason: 'no Ready schedulable node would remain after removing ip-od',
  },
  {
    name: 'a PDB with disruptionsAllowed 0',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('web-1', OD, { labels: { app: 'web' } })], pdbs: [pdb('web', { matchLabels: { app: 'web' } }, 0)] },
    check: 'pdb',
    reason: 'PDB default/web allows 0 disruptions, the node has 1 of its pods',
  },
  {
    name: 'a PDB allowing 1 with 2 covered pods on the node',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [pod('web-1', OD, { labels: { app: 'web' } }), pod('web-2', OD, { labels: { app: 'web' } }), pod('web-3', 'ip-a', { labels: { app: 'web' } })],
      pdbs: [pdb('web', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, 1)],
    },
    check: 'pdb',
    reason: 'PDB default/web allows 1 disruptions, the node has 2 of its pods',
  },
  {
    name: 'a PDB without status allows nothing',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('web-1', OD, { labels: { app: 'web' } })], pdbs: [pdb('web', { matchLabels: { app: 'web' } }, undefined)] },
    check: 'pdb',
    reason: 'PDB default/web allows 0 disruptions, the node has 1 of its pods',
  },
  {
    name: 'an empty PDB selector covers every pod in its namespace',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('a', OD), pod('b', OD), pod('c', OD, { namespace: 'other' })], pdbs: [pdb('all', {}, 1)] },
    check: 'pdb',
    reason: 'PDB default/all allows 1 disruptions, the node has 2 of its pods',
  },
  {
    name: 'a PDB whose status the disruption controller has not caught up with',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [pod('web-1', OD, { labels: { app: 'web' } })],
      pdbs: [{ ...pdb('web', { matchLabels: { app: 'web' } }, 5), metadata: { name: 'web', namespace: 'default', generation: 2 } }],
    },
    check: 'pdb',
    reason: 'PDB default/web allows 0 disruptions (its status is stale), the node has 1 of its pods',
  },
  {
    name: 'a pod covered by two PDBs, which the eviction API refuses',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [pod('web-1', OD, { labels: { app: 'web', tier: 'front' } })],
      pdbs: [pdb('by-app', { matchLabels: { app: 'web' } }, 5), pdb('by-tier', { matchLabels: { tier: 'front' } }, 5)],
    },
    check: 'pdb',
    reason: 'pod default/web-1 is covered by more than one PDB (default/by-app, default/by-tier), which the eviction API refuses',
  },
  {
    name: 'the opt-out annotation, reported before a failing PDB',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [pod('web', OD, { annotations: { 'spot-guard.aws.amazon.com/do-not-evict': 'true' } })],
      pdbs: [pdb('web', { matchLabels: { app: 'web' } }, 0)],
    },
    check: 'drain',
    reason: 'the drain would be refused: 1 pod opted out with spot-guard.aws.amazon.com/do-not-evict: "true": default/web',
  },
  {
    name: 'cluster-autoscaler safe-to-evict "false", whatever the settings allow',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('db', OD, { namespace: 'data', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } })] },
    options: ALLOW_ALL,
    check: 'drain',
    reason: 'the drain would be refused: 1 pod opted out with cluster-autoscaler.kubernetes.io/safe-to-evict: "false": data/db',
  },
  {
    name: 'Karpenter do-not-disrupt "true", whatever the settings allow',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('batch', OD, { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })] },
    options: ALLOW_ALL,
    check: 'drain',
    reason: 'the drain would be refused: 1 pod opted out with karpenter.sh/do-not-disrupt: "true": default/batch',
  },
  {
    name: 'a pod with emptyDir data, naming the setting that allows it',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('cache', OD, { emptyDir: true }), pod('web', OD)] },
    check: 'drain',
    reason: 'the drain would be refused: 1 pod with emptyDir data that eviction deletes (SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA=true allows it): default/cache',
  },
  {
    name: 'a pod no controller would recreate, naming the setting that allows it',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('debug', OD, { bare: true }), pod('web', OD)] },
    check: 'drain',
    reason: 'the drain would be refused: 1 pod without a controller to recreate it (SPOT_GUARD_DRAIN_FORCE=true allows it): default/debug',
  },
  {
    name: 'a setting that lifts one of two refusals of a pod leaves the other',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('scratch', OD, { bare: true, emptyDir: true })] },
    options: { drain: { deleteEmptyDirData: true, force: false } },
    check: 'drain',
    reason: 'the drain would be refused: 1 pod without a controller to recreate it (SPOT_GUARD_DRAIN_FORCE=true allows it): default/scratch',
  },
  {
    name: 'every refusal at once: each group names its first five pods and how many more, a pod refused twice is named twice',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [
        ...Array.from({ length: 8 }, (_, i) => pod(`cache-${i}`, OD, { emptyDir: true })),
        pod('debug', OD, { bare: true, emptyDir: true }),
        pod('db', OD, { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
      ],
    },
    check: 'drain',
    reason:
      'the drain would be refused: 1 pod opted out with karpenter.sh/do-not-disrupt: "true": default/db; ' +
      '9 pods with emptyDir data that eviction deletes (SPOT_GUARD_DRAIN_DELETE_EMPTYDIR_DATA=true allows them): default/cache-0, default/cache-1, default/cache-2, default/cache-3, default/cache-4, and 4 more; ' +
      '1 pod without a controller to recreate it (SPOT_GUARD_DRAIN_FORCE=true allows it): default/debug',
  },
  {
    name: 'the node opts out of scale-down the cluster autoscaler\'s way, even with nothing on it',
    snapshot: { nodes: [{ ...node(OD), metadata: { name: OD, annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' } } }, node('ip-a')] },
    options: ALLOW_ALL,
    check: 'scaleDownDisabled',
    reason: 'node ip-od opts out with cluster-autoscaler.kubernetes.io/scale-down-disabled: "true"',
  },
  {
    name: 'cpu utilisation over the threshold after removal',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '10', memory: '64Gi' })], pods: [pod('web', OD, { cpu: '3' }), pod('x', 'ip-a', { cpu: '5200m' })] },
    check: 'capacity',
    reason: 'utilisation after removal would be 82% cpu, over the 75% limit',
  },
  {
    name: 'memory utilisation over the threshold while cpu is fine',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '10', memory: '10Gi' })], pods: [pod('web', OD, { cpu: '1', memory: '4Gi' }), pod('x', 'ip-a', { memory: '5Gi' })] },
    check: 'capacity',
    reason: 'utilisation after removal would be 90% memory, over the 75% limit',
  },
  {
    name: 'utilisation one millicore over the limit',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '4' })], pods: [pod('web', OD, { cpu: '1001m' }), pod('x', 'ip-a', { cpu: '2' })] },
    check: 'capacity',
    reason: 'utilisation after removal would be 75.1% cpu, over the 75% limit',
  },
  {
    name: 'the node is not in the cluster',
    snapshot: { nodes: [node('ip-a')] },
    check: 'node',
    reason: 'node ip-od not found',
  },
];

const goAheads: GoAhead[] = [
  {
    name: 'packing across two nodes that fills both exactly',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '2' }), node('ip-b', { cpu: '2' })],
      pods: [pod('p3', OD, { cpu: '500m' }), pod('p1', OD, { cpu: '1500m' }), pod('p4', OD, { cpu: '0.5' }), pod('p2', OD, { cpu: '1.5' })],
    },
    options: { maxUtilizationPercent: 100 },
    placements: { 'default/p1': 'ip-a', 'default/p2': 'ip-b', 'default/p3': 'ip-a', 'default/p4': 'ip-b' },
    summary: '4 pods fit on 2 nodes, no PDB covers them, utilisation after removal 100% (limit 100%)',
  },
  {
    name: 'largest first: the big pod takes the big node, the small one the small node',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '3' }), node('ip-b', { cpu: '1' })], pods: [pod('small', OD, { cpu: '1' }), pod('big', OD, { cpu: '3' })] },
    options: { maxUtilizationPercent: 100 },
    placements: { 'default/big': 'ip-a', 'default/small': 'ip-b' },
    summary: /^2 pods fit on 2 nodes/,
  },
  {
    name: 'the summary an operator reads',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '10' }), node('ip-b', { cpu: '10' })],
      pods: [pod('w1', OD, { cpu: '4', labels: { app: 'w' } }), pod('w2', OD, { cpu: '4' }), pod('w3', OD, { cpu: '800m' }), pod('x', 'ip-a', { cpu: '2' }), pod('y', 'ip-b', { cpu: '2' })],
      pdbs: [pdb('w', { matchLabels: { app: 'w' } }, 1)],
    },
    placements: { 'default/w1': 'ip-a', 'default/w2': 'ip-a', 'default/w3': 'ip-b' },
    summary: '3 pods fit on 2 nodes, PDBs allow, utilisation after removal 64% (limit 75%)',
  },
  {
    name: 'DaemonSet, mirror, finished and terminating pods are ignored however large',
    snapshot: {
      nodes: [node(OD), node('ip-a', { cpu: '4' })],
      pods: [
        pod('ds', OD, { cpu: '100', daemonSet: true, annotations: { 'spot-guard.aws.amazon.com/do-not-evict': 'true' } }),
        pod('static', OD, { cpu: '100', annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
        pod('job', OD, { cpu: '100', phase: 'Succeeded' }),
        pod('crashed', OD, { cpu: '100', phase: 'Failed' }),
        pod('leaving', OD, { cpu: '100', terminating: true }),
        pod('done', 'ip-a', { cpu: '100', phase: 'Succeeded' }),
        pod('x', 'ip-a', { cpu: '1' }),
      ],
      pdbs: [pdb('all', {}, 0)],
    },
    placements: {},
    summary: 'no pods to move, utilisation after removal 25% (limit 75%)',
  },
  {
    name: 'DaemonSet, mirror and finished pods are never refused, whatever they hold or lack',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [
        pod('ds', OD, { daemonSet: true, emptyDir: true, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
        pod('static', OD, { bare: true, emptyDir: true, annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
        pod('job', OD, { bare: true, emptyDir: true, phase: 'Succeeded', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } }),
      ],
    },
    placements: {},
    summary: /^no pods to move, /,
  },
  {
    name: 'the kubectl-named settings allow emptyDir data and pods without a controller',
    snapshot: { nodes: [node(OD), node('ip-a')], pods: [pod('cache', OD, { emptyDir: true }), pod('debug', OD, { bare: true })] },
    options: ALLOW_ALL,
    placements: { 'default/cache': 'ip-a', 'default/debug': 'ip-a' },
    summary: /^2 pods fit on 1 node, /,
  },
  {
    name: 'a PDB allowing enough; PDBs in other namespaces or without a selector do not apply',
    snapshot: {
      nodes: [node(OD), node('ip-a')],
      pods: [pod('web-1', OD, { labels: { app: 'web' } }), pod('web-2', OD, { labels: { app: 'web' } })],
      pdbs: [pdb('web', { matchLabels: { app: 'web' } }, 2), pdb('web', { matchLabels: { app: 'web' } }, 0, 'other'), pdb('nothing', undefined, 0)],
    },
    placements: { 'default/web-1': 'ip-a', 'default/web-2': 'ip-a' },
    summary: /^2 pods fit on 1 node, PDBs allow, /,
  },
  {
    name: 'an Equal toleration tolerates its taint; PreferNoSchedule needs none',
    snapshot: {
      nodes: [node(OD), node('ip-g', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] })],
      pods: [pod('web', OD, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] })],
    },
    placements: { 'default/web': 'ip-g' },
    summary: /^1 pod fits on 1 node, /,
  },
  {
    name: 'an Exists toleration without effect tolerates every effect of its key',
    snapshot: {
      nodes: [node(OD), node('ip-g', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'dedicated', value: 'x', effect: 'NoExecute' }] })],
      pods: [pod('web', OD, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] })],
    },
    placements: { 'default/web': 'ip-g' },
    summary: /^1 pod fits/,
  },
  {
    name: 'an empty key with Exists tolerates everything',
    snapshot: { nodes: [node(OD), node('ip-g', { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: 'c', effect: 'NoExecute' }] })], pods: [pod('web', OD, { tolerations: [{ operator: 'Exists' }] })] },
    placements: { 'default/web': 'ip-g' },
    summary: /^1 pod fits/,
  },
  {
    name: 'nodeSelector and affinity steer pods past nodes with more room',
    snapshot: {
      nodes: [
        node(OD),
        node('ip-a', { cpu: '16', labels: { zone: 'a' } }),
        node('ip-b', { labels: { zone: 'b', 'example.com/generation': '7' } }),
        node('ip-c', { labels: { zone: 'c' } }),
      ],
      pods: [
        pod('by-selector', OD, { nodeSelector: { zone: 'b' } }),
        pod('by-second-term', OD, {
          affinity: requiredAffinity(
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
            { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a', 'b'] }, { key: 'example.com/generation', operator: 'DoesNotExist' }] },
          ),
        }),
        pod('by-field', OD, { affinity: requiredAffinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ip-b'] }] }) }),
        pod('by-number', OD, { affinity: requiredAffinity({ matchExpressions: [{ key: 'example.com/generation', operator: 'Gt', values: ['6'] }, { key: 'example.com/generation', operator: 'Lt', values: ['8'] }] }) }),
      ],
    },
    placements: { 'default/by-selector': 'ip-b', 'default/by-second-term': 'ip-c', 'default/by-field': 'ip-b', 'default/by-number': 'ip-b' },
    summary: /^4 pods fit on 2 nodes/,
  },
  {
    name: 'an empty node',
    snapshot: { nodes: [node(OD), node('ip-a', { cpu: '4', memory: '16Gi' })], pods: [pod('x', 'ip-a', { cpu: '1', memory: '2Gi' })] },
    placements: {},
    summary: 'no pods to move, utilisation after removal 25% (limit 75%)',
  },
];

const test = suite('safety checks');

for (const row of refusals) {
  test(`refused: ${row.name}`, () => {
    const verdict = verdictOf(row);
    assert.is(verdict.ok, false, JSON.stringify(verdict));
    if (verdict.ok) return;
    assert.is(verdict.check, row.check, verdict.reason);
    if (typeof row.reason === 'string') assert.is(verdict.reason, row.reason);
    else assert.match(verdict.reason, row.reason);
  });
}

for (const row of goAheads) {
  test(`goes ahead: ${row.name}`, () => {
    const verdict = verdictOf(row);
    assert.ok(verdict.ok, JSON.stringify(verdict));
    if (!verdict.ok) return;
    assert.equal(verdict.placements, row.placements);
    if (typeof row.summary === 'string') assert.is(verdict.summary, row.summary);
    else assert.match(verdict.summary, row.summary);
  });
}

test('utilizationPercent is the larger of cpu and memory', () => {
  const verdict = checkSafety(
    { nodes: [node(OD), node('ip-a', { cpu: '10', memory: '10Gi' })], pods: [pod('web', OD, { cpu: '1', memory: '3Gi' }), pod('x', 'ip-a', { cpu: '1', memory: '2Gi' })], pdbs: [] },
    OD,
    OPTIONS,
  );
  assert.ok(verdict.ok, JSON.stringify(verdict));
  if (verdict.ok) assert.is(verdict.utilizationPercent, 50);
});

test('pod requests follow the Kubernetes rules for sidecars, init containers, limits and overhead', () => {
  const gi = 2n ** 30n * 1_000_000_000n;
  const withSidecar = pod('web', OD, { cpu: '1', memory: '1Gi', overhead: { cpu: '250m' } });
  withSidecar.spec!.initContainers = [
    { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '1', memory: '1Gi' } } },
    { name: 'migrate', resources: { requests: { cpu: '2' } } },
  ];
  // Init peak: the migrate container beside the proxy, 3 cpu; steady: app + proxy, 2 cpu, 2Gi.
  assert.equal(podRequests(withSidecar), { cpu: 3_250_000_000n, memory: 2n * gi, pods: 1n });

  const limitsOnly = pod('lim', OD);
  limitsOnly.spec!.containers = [{ name: 'a', resources: { limits: { cpu: '500m', memory: '1Gi' } } }, { name: 'b' }];
  assert.equal(podRequests(limitsOnly), { cpu: 500_000_000n, memory: gi, pods: 1n });

  const podLevel = pod('pl', OD, { cpu: '1', memory: '1Gi' });
  podLevel.spec!.resources = { requests: { cpu: '3' } };
  assert.equal(podRequests(podLevel), { cpu: 3_000_000_000n, memory: gi, pods: 1n });
});

const quantities = suite('quantity parser');
const N = 1_000_000_000n;

for (const [text, nanos] of [
  ['2', 2n * N],
  ['250m', 250_000_000n],
  ['1500m', 1_500_000_000n],
  ['0.5', 500_000_000n],
  ['.5', 500_000_000n],
  ['1.', N],
  ['+1', N],
  ['-1', -N],
  ['100n', 100n],
  ['1u', 1000n],
  ['0.0000000001', 1n],
  ['1k', 1000n * N],
  ['1M', 10n ** 6n * N],
  ['1G', 10n ** 9n * N],
  ['1T', 10n ** 12n * N],
  ['1P', 10n ** 15n * N],
  ['12E', 12n * 10n ** 18n * N],
  ['1Ki', 1024n * N],
  ['123Mi', 123n * 2n ** 20n * N],
  ['1.5Gi', 3n * 2n ** 29n * N],
  ['1Ti', 2n ** 40n * N],
  ['1Pi', 2n ** 50n * N],
  ['1Ei', 2n ** 60n * N],
  ['128974848', 128974848n * N],
  ['129e6', 129n * 10n ** 6n * N],
  ['1e3', 1000n * N],
  ['1E3', 1000n * N],
  ['1.5e3', 1500n * N],
  ['1e-3', 1_000_000n],
  ['0', 0n],
] as const) {
  quantities(`parses ${text}`, () => assert.is(parseQuantity(text), nanos));
}

quantities('refuses what is not a quantity', () => {
  for (const text of ['', 'abc', '1.5.5', '1Mii', '1 Gi', 'Gi', '1e', '1ee3', '1K', '1KI', '1e3Mi', '--1', '1e999999']) {
    assert.throws(() => parseQuantity(text), (err: unknown) => err instanceof QuantityError, text);
  }
});

quantities('formats cpu and memory for messages, never overstating what is free', () => {
  assert.is(formatCpu(parseQuantity('1500m')), '1.5');
  assert.is(formatCpu(parseQuantity('499m')), '0.499');
  assert.is(formatCpu(parseQuantity('1n')), '0');
  assert.is(formatMemory(parseQuantity('2560Mi')), '2.5Gi');
  assert.is(formatMemory(parseQuantity('1023')), '1023');
  assert.is(formatMemory(parseQuantity('1.999Gi')), '1.99Gi');
});

test.run();
quantities.run();
