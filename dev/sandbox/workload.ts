// A real workload for the demo and the e2e story: a Deployment whose pods need the room of a
// third node, and a PodDisruptionBudget. The scheduler places its pods, KWOK runs them, the
// ReplicaSet replaces evicted ones and the disruption controller computes the PDB's status.
// A watch of the pods and of the PDB records what a person would want to know afterwards: how
// many pods moved, how long any pod waited to run, where they ran, whether the PDB held.
import { AppsV1Api, CoreV1Api, PolicyV1Api, type KubeConfig, type V1Pod, type V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Subscription } from 'rxjs';
import { watchResource } from '../../streams/kube-watch.stream.js';
import { informerSource } from '../../runtime/kube/informer.watch.js';

export const WORKLOAD = { namespace: 'demo', name: 'web' } as const;

/**
 * Seven pods of half a CPU: three fit on an m5.large (1930m allocatable), so whichever spot
 * node goes, its pods do not all fit on the two left and some need the replacement node; and
 * on three nodes they use about 60% of the CPU, under the scale-down's 75% limit.
 */
const REPLICAS = 7;
const CPU = '500m';
/**
 * At most three pods down at a time: a node holds at most three, and the safety checks refuse
 * a scale-down whose node holds more of a PDB's pods than it allows to be disrupted at once.
 */
export const MIN_AVAILABLE = REPLICAS - 3;

export interface WorkloadReport {
  replicas: number;
  /** Pods created after the workload first ran in full: replacements of evicted or lost pods. */
  moved: number;
  /** The longest any new pod went from creation to Running (seconds), and which pod. */
  longestPendingSeconds: number;
  longestPendingPod?: string;
  /** New pods the scheduler ever found no node for (Unschedulable), with its reason. */
  unschedulable: string[];
  /** Pods still not Running now, with the scheduler's reason. */
  notRunning: string[];
  /** Running pods now, by node. */
  runningOn: Record<string, number>;
  /** The PDB's lowest currentHealthy minus desiredHealthy once the workload ran: < 0 is a violation. */
  pdbLowestHeadroom: number;
  pdbViolations: string[];
}

export interface Workload {
  report(): WorkloadReport;
  stop(): void;
}

const labels = { app: WORKLOAD.name };

/** Creates the workload, waits until every pod runs, then watches it until stopped. */
export async function startWorkload(admin: KubeConfig, timeoutMs = 120_000): Promise<Workload> {
  const core = admin.makeApiClient(CoreV1Api);
  const apps = admin.makeApiClient(AppsV1Api);
  const policy = admin.makeApiClient(PolicyV1Api);
  const { namespace, name } = WORKLOAD;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // KWOK keeps a deleted pod for its whole grace period, where a kubelet would remove
            // it as soon as nginx exits (well under a second): 5 s keeps the story's timing close.
            terminationGracePeriodSeconds: 5,
            containers: [{ name: 'web', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: CPU, memory: '256Mi' } } }],
          },
        },
      },
    },
  });
  await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name }, spec: { minAvailable: MIN_AVAILABLE, selector: { matchLabels: labels } } } });

  const firstSeen = new Map<string, { created: number; running?: number; node?: string; phase?: string; why?: string; unschedulable?: string }>();
  const pods = watchResource<V1Pod>(
    informerSource<V1Pod & { metadata: object }>(admin, `/api/v1/namespaces/${namespace}/pods`, (page) => core.listNamespacedPod({ namespace, labelSelector: `app=${name}`, ...page }) as never),
    { keyOf: (p) => p.metadata?.name ?? '' },
  );
  const seen = (p: V1Pod): void => {
    const key = p.metadata?.name ?? '';
    if (p.metadata?.labels?.app !== name) return;
    // First seen by the watch, within moments of its creation (creationTimestamp has whole seconds).
    const entry = firstSeen.get(key) ?? { created: Date.now() };
    entry.phase = p.status?.phase;
    entry.node = p.spec?.nodeName;
    const refused = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    entry.why = refused?.message;
    if (refused?.reason === 'Unschedulable') entry.unschedulable ??= refused.message ?? 'Unschedulable';
    if (p.status?.phase === 'Running' && entry.running === undefined) entry.running = Date.now();
    firstSeen.set(key, entry);
  };
  const gone = new Set<string>();
  const subscriptions: Subscription[] = [
    pods.subscribe((e) => {
      if (e.type === 'SYNCED') e.objects.forEach(seen);
      else if (e.type === 'ADDED' || e.type === 'MODIFIED') seen(e.object);
      else if (e.type === 'DELETED') gone.add(e.object.metadata?.name ?? '');
    }),
  ];

  // Everything runs before the story starts: only what happens after counts.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = [...firstSeen].filter(([k, v]) => !gone.has(k) && v.phase === 'Running').length;
    if (running >= REPLICAS) break;
    if (Date.now() > deadline) {
      const stuck = [...firstSeen].filter(([, v]) => v.phase !== 'Running').map(([k, v]) => `${k}: ${v.why ?? v.phase ?? 'no status'}`);
      throw new Error(`the ${name} Deployment did not run ${REPLICAS} pods in ${timeoutMs / 1000} s (${running} running; ${stuck.join('; ') || 'no pods'})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const original = new Set(firstSeen.keys());

  let lowest = Number.POSITIVE_INFINITY;
  const violations: string[] = [];
  const pdbs = watchResource<V1PodDisruptionBudget>(
    informerSource<V1PodDisruptionBudget & { metadata: object }>(admin, `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`, (page) => policy.listNamespacedPodDisruptionBudget({ namespace, ...page }) as never),
    { keyOf: (p) => p.metadata?.name ?? '' },
  );
  const judge = (pdb: V1PodDisruptionBudget): void => {
    const s = pdb.status;
    if (!s) return;
    const headroom = s.currentHealthy - s.desiredHealthy;
    lowest = Math.min(lowest, headroom);
    if (headroom < 0) violations.push(`${new Date().toISOString()}: ${s.currentHealthy} healthy, ${s.desiredHealthy} required`);
  };
  subscriptions.push(
    pdbs.subscribe((e) => {
      if (e.type === 'SYNCED') e.objects.forEach(judge);
      else if (e.type === 'ADDED' || e.type === 'MODIFIED') judge(e.object);
    }),
  );

  return {
    report() {
      const live = [...firstSeen].filter(([k]) => !gone.has(k));
      const runningOn: Record<string, number> = {};
      for (const [, v] of live) if (v.phase === 'Running' && v.node) runningOn[v.node] = (runningOn[v.node] ?? 0) + 1;
      let longest = 0;
      let longestPod: string | undefined;
      for (const [k, v] of firstSeen) {
        if (original.has(k)) continue;
        const waited = ((v.running ?? (gone.has(k) ? v.created : Date.now())) - v.created) / 1000;
        if (waited > longest) [longest, longestPod] = [waited, k];
      }
      return {
        replicas: REPLICAS,
        moved: [...firstSeen.keys()].filter((k) => !original.has(k)).length,
        longestPendingSeconds: Math.round(longest * 10) / 10,
        longestPendingPod: longestPod,
        unschedulable: [...firstSeen].filter(([k, v]) => !original.has(k) && v.unschedulable).map(([k, v]) => `${k}: ${v.unschedulable}`),
        notRunning: live.filter(([, v]) => v.phase !== 'Running').map(([k, v]) => `${k}: ${v.why ?? v.phase ?? 'no status'}`),
        runningOn,
        pdbLowestHeadroom: Number.isFinite(lowest) ? lowest : 0,
        pdbViolations: violations,
      };
    },
    stop() {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}
