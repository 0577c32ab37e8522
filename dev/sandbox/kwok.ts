// KWOK as the kubelet of simulated nodes: for every Node annotated kwok.x-k8s.io/node=fake it
// holds the node's Lease, reports the node Ready (when the simulator says it is up) and plays
// the node's pods: Running once bound, gone once a deletion's grace period is over
// (kwok-stages.yaml). Nodes without the annotation are left alone, so a test can still write
// a node's status by hand beside it.
import { fileURLToPath } from 'node:url';
import { resolveBinaries } from './binaries.js';
import { assertPortFree, freePort } from './ports.js';
import { HarnessError, Supervised, waitUntil } from './supervisor.js';

/** The annotation that hands a Node to KWOK; set it when the Node is created. */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;
/**
 * When the node's kubelet reports Ready (RFC 3339); before that the node stays as registered.
 * KWOK only manages nodes that carry KWOK_NODE_ANNOTATION when it first sees them (a node that
 * gains it by an update never gets its Lease held), so the delay is told up front.
 */
export const NODE_READY_AT_ANNOTATION = 'spot-guard.aws.amazon.com/node-ready-at';

const STAGES = fileURLToPath(new URL('./kwok-stages.yaml', import.meta.url));

export interface KwokOptions {
  /** The cluster KWOK acts on (a kubeconfig with rights to update nodes and pods). */
  kubeconfigPath: string;
  binary?: string;
  /** Where KWOK's output goes, if anywhere. */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface Kwok {
  readonly process: Supervised;
  stop(): Promise<void>;
}

export async function startKwok(options: KwokOptions): Promise<Kwok> {
  const binary = options.binary ?? (await resolveBinaries(['kwok'])).kwok;
  const port = await freePort();
  await assertPortFree(port, 'kwok');
  const args = [
    `--kubeconfig=${options.kubeconfigPath}`,
    `--config=${STAGES}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
    // A kubelet's default: the node lifecycle controller reads liveness from the Lease.
    '--node-lease-duration-seconds=40',
    // Pod IPs apart from the API server's service range (10.0.0.0/24), room for many pods.
    '--cidr=10.244.0.0/16',
    // Its /healthz answers once its controllers run.
    `--server-address=127.0.0.1:${port}`,
  ];
  // KWOK also reads ~/.kwok/kwok.yaml when it exists; keep a person's own config out.
  const kwok = await Supervised.start('kwok', binary, args, { env: { ...process.env, HOME: '/nonexistent' }, logFile: options.logFile });
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
      what: `kwok's /healthz on 127.0.0.1:${port}`,
      timeoutMs: options.startTimeoutMs ?? 60_000,
      processes: [kwok],
    });
  } catch (err) {
    await kwok.stop();
    throw err instanceof HarnessError ? err : new HarnessError('kwok', String(err));
  }
  return { process: kwok, stop: () => kwok.stop() };
}
