// The placement check against the real kube-scheduler: each fixture is a small cluster (nodes,
// the pods that stay, volumes) and the pods a drain of node `drain` would move. The check's
// answer (checkSafety on a snapshot of the fixture) is compared with what kube-scheduler does
// with the same pods on the same nodes, where `drain` is cordoned and tainted as the agent
// leaves it. The check may only say "fits" where the scheduler places every pod; where the two
// differ the check is the stricter one, and the fixture says why.
import { CoreV1Api, type V1Node, type V1PersistentVolume, type V1PersistentVolumeClaim, type V1Pod, type V1PodSpec, type V1Taint } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { KWOK_NODE_ANNOTATION, startKwok, type Kwok } from '../../dev/sandbox/kwok.js';
import { REBALANCE_TAINT, SCALE_DOWN_TAINT } from '../../runtime/kube/nodes.port.js';
import { checkSafety, type ClusterSnapshot } from '../../runtime/safety/safety-checks.js';
import { waitFor } from '../harness/agent-world.js';

interface NodeSpec {
  name: string;
  cpu?: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
}

interface PodSpec {
  name: string;
  labels?: Record<string, string>;
  cpu?: string;
  spec?: Partial<V1PodSpec>;
}

interface Fixture {
  name: string;
  /** Nodes besides `drain` (which every fixture has: 4 cpu, zone a). */
  nodes: NodeSpec[];
  /** Pods that stay, each on its node. */
  staying?: (PodSpec & { node: string })[];
  /** The pods a drain of `drain` moves. */
  moving: PodSpec[];
  /** A zonal volume and its claim, bound, for pods that name the claim `data`. */
  volumeZone?: string;
  /** The check's answer and the scheduler's. */
  fits: boolean;
  scheduled: boolean;
  /** Where they differ: why the check is the stricter one. */
  why?: string;
}

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const web = { app: 'web' };
const antiAffinity = (key: string, namespaceSelector?: object): Partial<V1PodSpec> => ({
  affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: key, labelSelector: { matchLabels: web }, ...(namespaceSelector ? { namespaceSelector } : {}) }] } },
});
const spread = (key: string): Partial<V1PodSpec> => ({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: web } }] });
const withClaim: Partial<V1PodSpec> = { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] };
const hostPort = (port: number): Partial<V1PodSpec> => ({ containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: port, hostPort: port }] }] });

const FIXTURES: Fixture[] = [
  { name: 'requests that fit', nodes: [{ name: 'b', cpu: '2' }], moving: [{ name: 'p', cpu: '1500m' }], fits: true, scheduled: true },
  { name: 'requests too large for any node', nodes: [{ name: 'b', cpu: '2' }, { name: 'c', cpu: '2' }], moving: [{ name: 'p', cpu: '2500m' }], fits: false, scheduled: false },
  {
    name: 'requests that fit one by one but not together',
    nodes: [{ name: 'b', cpu: '2' }],
    staying: [{ name: 's', node: 'b', cpu: '1' }],
    moving: [{ name: 'p', cpu: '600m' }, { name: 'q', cpu: '600m' }],
    fits: false,
    scheduled: false,
  },
  { name: 'nodeSelector no other node matches', nodes: [{ name: 'b' }], moving: [{ name: 'p', spec: { nodeSelector: { disk: 'ssd' } } }], fits: false, scheduled: false },
  { name: 'nodeSelector another node matches', nodes: [{ name: 'b' }, { name: 'c', labels: { disk: 'ssd' } }], moving: [{ name: 'p', spec: { nodeSelector: { disk: 'ssd' } } }], fits: true, scheduled: true },
  {
    name: 'required node affinity to a zone with no other node',
    nodes: [{ name: 'b', labels: { [ZONE]: 'us-east-1a' } }],
    moving: [{ name: 'p', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['us-east-1b'] }] }] } } } } }],
    fits: false,
    scheduled: false,
  },
  { name: 'a taint not tolerated', nodes: [{ name: 'b', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }], moving: [{ name: 'p' }], fits: false, scheduled: false },
  {
    name: 'a taint tolerated',
    nodes: [{ name: 'b', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }],
    moving: [{ name: 'p', spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } }],
    fits: true,
    scheduled: true,
  },
  {
    name: 'pod anti-affinity per host: two replicas, one other node',
    nodes: [{ name: 'b' }],
    moving: [{ name: 'p', labels: web, spec: antiAffinity(HOST) }, { name: 'q', labels: web, spec: antiAffinity(HOST) }],
    fits: false,
    scheduled: false,
  },
  {
    name: 'pod anti-affinity per host: two replicas, two other nodes',
    nodes: [{ name: 'b' }, { name: 'c' }],
    moving: [{ name: 'p', labels: web, spec: antiAffinity(HOST) }, { name: 'q', labels: web, spec: antiAffinity(HOST) }],
    fits: true,
    scheduled: true,
  },
  {
    name: "a staying pod's anti-affinity turns the moving pod away",
    nodes: [{ name: 'b' }],
    staying: [{ name: 's', node: 'b', labels: { app: 'db' }, spec: antiAffinity(HOST) }],
    moving: [{ name: 'p', labels: web }],
    fits: false,
    scheduled: false,
  },
  {
    name: 'topology spread per host, the cordoned node still a domain',
    nodes: [{ name: 'b' }, { name: 'c' }],
    staying: [{ name: 's1', node: 'b', labels: web }, { name: 's2', node: 'c', labels: web }],
    moving: [{ name: 'p', labels: web, spec: spread(HOST) }],
    fits: false,
    scheduled: false,
  },
  {
    name: 'topology spread per host with room to spread',
    nodes: [{ name: 'b' }, { name: 'c' }],
    staying: [{ name: 's1', node: 'b', labels: web }],
    moving: [{ name: 'p', labels: web, spec: spread(HOST) }],
    fits: true,
    scheduled: true,
  },
  {
    name: 'a zonal volume and no other node in its zone',
    nodes: [{ name: 'b', labels: { [ZONE]: 'us-east-1b' } }],
    volumeZone: 'us-east-1a',
    moving: [{ name: 'p', spec: withClaim }],
    fits: false,
    scheduled: false,
  },
  {
    name: 'a zonal volume and another node in its zone',
    nodes: [{ name: 'b', labels: { [ZONE]: 'us-east-1b' } }, { name: 'c', labels: { [ZONE]: 'us-east-1a' } }],
    volumeZone: 'us-east-1a',
    moving: [{ name: 'p', spec: withClaim }],
    fits: true,
    scheduled: true,
  },
  { name: 'a host port already taken', nodes: [{ name: 'b' }], staying: [{ name: 's', node: 'b', spec: hostPort(8080) }], moving: [{ name: 'p', spec: hostPort(8080) }], fits: false, scheduled: false },
  { name: 'a host port free elsewhere', nodes: [{ name: 'b' }, { name: 'c' }], staying: [{ name: 's', node: 'b', spec: hostPort(8080) }], moving: [{ name: 'p', spec: hostPort(8080) }], fits: true, scheduled: true },
  {
    name: 'anti-affinity across namespaces chosen by their labels',
    nodes: [{ name: 'b' }],
    staying: [{ name: 's', node: 'b', labels: web }],
    moving: [{ name: 'p', labels: { app: 'api' }, spec: antiAffinity(HOST, { matchLabels: { team: 'other' } }) }],
    fits: false,
    scheduled: true,
    why: 'the snapshot holds no namespace labels, so a namespaceSelector with labels is read as every namespace: the staying web pod (in a namespace without team=other) counts',
  },
];

const test = suite('placement check versus kube-scheduler');
let plane: ControlPlane;
let kwok: Kwok;
let core: CoreV1Api;

test.before(async () => {
  plane = await startControlPlane({ controllers: true });
  kwok = await startKwok({ kubeconfigPath: plane.kubeconfigPath, logFile: `${plane.dir}/logs/kwok.log` });
  core = plane.kubeConfig().makeApiClient(CoreV1Api);
});

test.after(async () => {
  await kwok?.stop();
  await plane?.stop();
});

const nodeName = (f: number, n: string): string => `f${f}-${n}`;

function nodeObject(f: number, spec: NodeSpec): V1Node {
  const name = nodeName(f, spec.name);
  const cpu = spec.cpu ?? '4';
  return {
    metadata: { name, labels: { [HOST]: name, [ZONE]: 'us-east-1a', fixture: String(f), ...spec.labels }, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } },
    spec: { taints: spec.taints },
    status: { allocatable: { cpu, memory: '16Gi', pods: '110' }, capacity: { cpu, memory: '16Gi', pods: '110' } },
  };
}

function podObject(namespace: string, spec: PodSpec, node?: string): V1Pod {
  const containers = spec.spec?.containers ?? [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }];
  return {
    metadata: { name: spec.name, namespace, labels: spec.labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '00000000-0000-0000-0000-000000000001', controller: true }] },
    spec: {
      ...spec.spec,
      nodeName: node,
      containers: containers.map((c) => ({ ...c, resources: { requests: { cpu: spec.cpu ?? '100m', memory: '128Mi' } } })),
    },
  };
}

const ownerless = (pod: V1Pod): V1Pod => ({ ...pod, metadata: { ...pod.metadata, ownerReferences: undefined } });

/** What kube-scheduler does with the moving pods: all bound, or some Unschedulable (and why). */
async function schedule(namespace: string, pods: V1Pod[]): Promise<{ scheduled: boolean; why: string[] }> {
  for (const pod of pods) await core.createNamespacedPod({ namespace, body: ownerless(pod) });
  return waitFor(`the scheduler to decide on every pod in ${namespace}`, async () => {
    const listed = (await core.listNamespacedPod({ namespace })).items.filter((p) => pods.some((m) => m.metadata?.name === p.metadata?.name));
    const unschedulable = listed.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'));
    const bound = listed.filter((p) => p.spec?.nodeName);
    if (bound.length + unschedulable.length < pods.length) return undefined;
    return { scheduled: unschedulable.length === 0, why: unschedulable.map((p) => `${p.metadata?.name}: ${p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? ''}`) };
  }, 60_000, 250);
}

FIXTURES.forEach((fixture, f) => {
  test(fixture.name, async () => {
    const namespace = `fixture-${f}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // The node being scaled down, as the agent leaves it: tainted and cordoned.
    const drain = nodeObject(f, { name: 'drain' });
    drain.spec = { unschedulable: true, taints: [{ ...SCALE_DOWN_TAINT }] };
    const nodes = [drain, ...fixture.nodes.map((n) => nodeObject(f, n))];
    const claims: V1PersistentVolumeClaim[] = [];
    const volumes: V1PersistentVolume[] = [];
    try {
      for (const node of nodes) await core.createNode({ body: node });
      // Ready by KWOK, and the not-ready taint lifted by the node lifecycle controller (which
      // taints the cordoned node unschedulable, as it should).
      const ready = await waitFor(`the nodes of ${fixture.name} to be Ready and schedulable`, async () => {
        const listed = (await core.listNode({ labelSelector: `fixture=${f}` })).items;
        const all = listed.length === nodes.length && listed.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/') && t.key !== 'node.kubernetes.io/unschedulable'));
        return all ? listed : undefined;
      }, 60_000, 250);
      if (fixture.volumeZone) {
        const pv: V1PersistentVolume = {
          metadata: { name: `${namespace}-data` },
          spec: {
            capacity: { storage: '1Gi' },
            accessModes: ['ReadWriteOnce'],
            storageClassName: '',
            hostPath: { path: '/tmp/data' },
            claimRef: { namespace, name: 'data' },
            nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [fixture.volumeZone] }] }] } },
          },
        };
        await core.createPersistentVolume({ body: pv });
        await core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: pv.metadata?.name, resources: { requests: { storage: '1Gi' } } } } });
        // Bound by the controller-manager's volume binder, as a claim in use would be.
        claims.push(await waitFor('the claim to be Bound', async () => {
          const c = await core.readNamespacedPersistentVolumeClaim({ namespace, name: 'data' });
          return c.status?.phase === 'Bound' ? c : undefined;
        }, 60_000, 250));
        volumes.push(await core.readPersistentVolume({ name: pv.metadata?.name ?? '' }));
      }
      const staying = (fixture.staying ?? []).map((s) => podObject(namespace, s, nodeName(f, s.node)));
      for (const pod of staying) await core.createNamespacedPod({ namespace, body: ownerless(pod) });
      const moving = fixture.moving.map((m) => podObject(namespace, m));

      const snapshot: ClusterSnapshot = {
        nodes: ready,
        pods: [...staying, ...moving.map((m) => ({ ...m, spec: { ...m.spec, containers: m.spec?.containers ?? [], nodeName: drain.metadata?.name } }))],
        pdbs: [],
        claims,
        volumes,
      };
      const verdict = checkSafety(snapshot, drain.metadata?.name ?? '', { maxUtilizationPercent: 100, leavingTaintKeys: [SCALE_DOWN_TAINT.key, REBALANCE_TAINT.key], drain: { deleteEmptyDirData: false, force: false } });
      const scheduler = await schedule(namespace, moving);

      const said = verdict.ok ? 'fits' : `does not fit (${verdict.reason})`;
      assert.is(verdict.ok, fixture.fits, `the check says the pods ${said}`);
      assert.is(scheduler.scheduled, fixture.scheduled, `kube-scheduler ${scheduler.scheduled ? 'placed every pod' : `left pods Pending: ${scheduler.why.join('; ')}`}`);
      if (verdict.ok) assert.ok(scheduler.scheduled, 'a "fits" is a promise: the scheduler placed every pod');
      if (fixture.fits !== fixture.scheduled) assert.ok(fixture.why, 'where the check and the scheduler differ, the fixture says why');
    } finally {
      for (const node of nodes) await core.deleteNode({ name: node.metadata?.name ?? '' }).catch(() => undefined);
      for (const pv of volumes) await core.deletePersistentVolume({ name: pv.metadata?.name ?? '' }).catch(() => undefined);
      await waitFor('the fixture nodes to be gone', async () => (await core.listNode({ labelSelector: `fixture=${f}` })).items.length === 0 || undefined, 30_000, 250);
    }
  });
});

test.run();
