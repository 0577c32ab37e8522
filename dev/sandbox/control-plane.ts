// A real Kubernetes control plane on loopback: etcd and kube-apiserver (RBAC on, a static
// admin token, service-account tokens signed with a key made per start), plus a kubeconfig.
//
// By default that is all: no scheduler, no controller-manager, so pods are never scheduled,
// deleted pods stay Terminating, PDB status is never computed and no namespace gets its default
// ServiceAccount (the ServiceAccount admission plugin is off for that reason). That keeps the
// many suites that only store objects lean.
//
// With `controllers`, kube-scheduler and kube-controller-manager of the same version run too,
// each under its own identity so that the built-in RBAC roles apply: pods are scheduled,
// ReplicaSets replace evicted pods, the disruption controller computes PDB status, the node
// lifecycle controller lifts the not-ready taint. Nodes and their pods still need a kubelet:
// KWOK (kwok.ts) plays it for the nodes that ask for it.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { CONTROL_PLANE_BINARIES, CONTROLLER_BINARIES, resolveBinaries, type ControlPlaneBinaries, type ControllerBinaries } from './binaries.js';
import { assertPortFree, freePort } from './ports.js';
import { HarnessError, Supervised, waitUntil } from './supervisor.js';

export interface ControlPlaneOptions {
  binaries?: ControlPlaneBinaries & Partial<ControllerBinaries>;
  /** Also run kube-scheduler and kube-controller-manager (default false). */
  controllers?: boolean;
  /** Fixed ports; by default free ones are chosen. */
  etcdPort?: number;
  apiServerPort?: number;
  /** Where to write the kubeconfig; by default inside the working directory. */
  kubeconfigPath?: string;
  startTimeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly adminToken: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly caData: string;
  readonly dir: string;
  /** etcd's client URL (plain HTTP on loopback), for tests that act on the store itself. */
  readonly etcdUrl: string;
  readonly binaries: ControlPlaneBinaries & Partial<ControllerBinaries>;
  /** Whether kube-scheduler and kube-controller-manager run. */
  readonly controllers: boolean;
  readonly processes: { etcd: Supervised; apiServer: Supervised; scheduler?: Supervised; controllerManager?: Supervised };
  /** Stops kube-apiserver and starts it again on the same port with the same state (etcd stays). */
  restartApiServer(downMs?: number): Promise<void>;
  kubeConfig(): KubeConfig;
  /** Runs the real kubectl against this control plane; never throws on a non-zero exit. */
  kubectl(args: string[], options?: { input?: string; kubeconfig?: string }): Promise<KubectlResult>;
  /** Writes a kubeconfig that authenticates with `token` (e.g. a service account's). */
  writeKubeconfig(path: string, token: string, user?: string): Promise<void>;
  /** Stops everything it started and removes its working directory. Safe to call twice. */
  stop(): Promise<void>;
}

const ADMIN_USER = 'spot-guard-admin';
// The users the built-in RBAC binds to the scheduler's and the controller-manager's roles.
const SCHEDULER_USER = 'system:kube-scheduler';
const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
// Controllers that only work with a cloud provider, which this control plane has none of.
const CLOUD_CONTROLLERS = ['cloud-node-lifecycle-controller', 'service-lb-controller', 'node-route-controller'];

/**
 * The --controllers value: every controller but the cloud ones this kube-controller-manager
 * still has (1.37 removed them, and names an unknown controller as an error). Its --help lists
 * every controller it knows.
 */
async function controllersFlag(kubeControllerManager: string): Promise<string> {
  const { stdout } = await promisify(execFile)(kubeControllerManager, ['--help'], { maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const known = CLOUD_CONTROLLERS.filter((c) => stdout.includes(c));
  return ['*', ...known.map((c) => `-${c}`)].join(',');
}

/** A GET with a bearer token; without `ca`, for a loopback health port with a self-signed certificate. */
function get(url: string, token: string | undefined, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const req = request(url, { headers, ca, rejectUnauthorized: ca !== undefined, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function kubeconfigYaml(server: string, caData: string, token: string, user = ADMIN_USER): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'spot-guard-sandbox', cluster: { server, 'certificate-authority-data': Buffer.from(caData).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'spot-guard-sandbox', context: { cluster: 'spot-guard-sandbox', user } }],
    'current-context': 'spot-guard-sandbox',
  });
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const controllers = options.controllers ?? false;
  const binaries = options.binaries ?? (await resolveBinaries(controllers ? [...CONTROL_PLANE_BINARIES, ...CONTROLLER_BINARIES] : CONTROL_PLANE_BINARIES));
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-cp-'));
  const started: Supervised[] = [];
  const cleanup = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const etcdPort = options.etcdPort ?? (await freePort());
    const etcdPeerPort = await freePort();
    const apiServerPort = options.apiServerPort ?? (await freePort());
    await assertPortFree(etcdPort, 'etcd');
    await assertPortFree(apiServerPort, 'kube-apiserver');
    for (const sub of ['etcd', 'certs', 'logs']) await mkdir(join(dir, sub));

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = await Supervised.start(
      'etcd',
      binaries.etcd,
      [
        '--name=sandbox',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=sandbox=http://127.0.0.1:${etcdPeerPort}`,
        // Disposable test data: durability buys nothing and fsync is slow on shared disks.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { logFile: join(dir, 'logs', 'etcd.log') },
    );
    started.push(etcd);
    await waitUntil(async () => (await fetch(`${etcdUrl}/health`)).ok, {
      what: `etcd health on ${etcdUrl}`,
      timeoutMs,
      processes: [etcd],
    });

    const adminToken = randomBytes(24).toString('hex');
    const schedulerToken = randomBytes(24).toString('hex');
    const controllerManagerToken = randomBytes(24).toString('hex');
    const tokens = [
      `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"`,
      ...(controllers ? [`${schedulerToken},${SCHEDULER_USER},${SCHEDULER_USER}`, `${controllerManagerToken},${CONTROLLER_MANAGER_USER},${CONTROLLER_MANAGER_USER}`] : []),
    ];
    await writeFile(join(dir, 'tokens.csv'), `${tokens.join('\n')}\n`, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Since 1.37 the endpoint reconciler refuses a loopback address for the kubernetes
      // Service's endpoints; nothing here reaches the API server through that Service.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiServerPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      // Without a controller-manager no namespace gets its default ServiceAccount, which
      // this admission plugin would require before any pod can be created.
      ...(controllers ? [] : ['--disable-admission-plugins=ServiceAccount']),
      '--allow-privileged=true',
      '--v=0',
    ];
    const server = `https://127.0.0.1:${apiServerPort}`;
    let caData = '';
    const startApiServer = async (): Promise<Supervised> => {
      const apiServer = await Supervised.start('kube-apiserver', binaries.kubeApiserver, apiServerArgs, {
        logFile: join(dir, 'logs', 'kube-apiserver.log'),
      });
      started.push(apiServer);
      await waitUntil(
        async () => {
          caData ||= await readFile(join(dir, 'certs', 'apiserver.crt'), 'utf8');
          const res = await get(`${server}/readyz`, adminToken, caData);
          return res.status === 200;
        },
        { what: `${server}/readyz`, timeoutMs, processes: [etcd, apiServer] },
      );
      return apiServer;
    };
    const apiServer = await startApiServer();

    const kubeconfigPath = options.kubeconfigPath ?? join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caData, adminToken), { mode: 0o600 });

    let controllerProcesses: { scheduler: Supervised; controllerManager: Supervised } | undefined;
    if (controllers) {
      controllerProcesses = await startControllers({
        binaries,
        dir,
        timeoutMs,
        kubeconfig: async (name, token, user) => {
          const path = join(dir, `${name}.kubeconfig`);
          await writeFile(path, kubeconfigYaml(server, caData, token, user), { mode: 0o600 });
          return path;
        },
        tokens: { scheduler: schedulerToken, controllerManager: controllerManagerToken },
        apiServerProcesses: [etcd, apiServer],
        started,
      });
      // The controller-manager gives every namespace its default ServiceAccount, which the
      // ServiceAccount admission plugin wants before it admits a pod: wait for the first one.
      await waitUntil(async () => (await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, adminToken, caData)).status === 200, {
        what: 'the default ServiceAccount of namespace default',
        timeoutMs,
        processes: [etcd, apiServer, controllerProcesses.scheduler, controllerProcesses.controllerManager],
      });
    }

    let stopped: Promise<void> | undefined;
    const plane: ControlPlane = {
      server,
      kubeconfigPath,
      adminToken,
      caData,
      dir,
      etcdUrl,
      binaries,
      controllers,
      processes: { etcd, apiServer, ...controllerProcesses },
      async restartApiServer(downMs = 0) {
        await plane.processes.apiServer.stop();
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        plane.processes.apiServer = await startApiServer();
      },
      kubeConfig() {
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        return kc;
      },
      async kubectl(args, opts = {}) {
        const run = promisify(execFile);
        const child = run(binaries.kubectl, [`--kubeconfig=${opts.kubeconfig ?? kubeconfigPath}`, ...args], {
          maxBuffer: 16 * 1024 * 1024,
        });
        if (opts.input !== undefined) {
          child.child.stdin?.end(opts.input);
        }
        try {
          const { stdout, stderr } = await child;
          return { code: 0, stdout, stderr };
        } catch (err) {
          const e = err as { code?: number; stdout?: string; stderr?: string };
          return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
        }
      },
      async writeKubeconfig(path, token, user = 'sandbox-user') {
        await writeFile(path, kubeconfigYaml(server, caData, token, user), { mode: 0o600 });
      },
      stop() {
        stopped ??= cleanup();
        return stopped;
      },
    };
    return plane;
  } catch (err) {
    await cleanup();
    if (err instanceof HarnessError) throw err;
    throw new HarnessError('control plane', (err as Error).message);
  }
}

interface ControllersStart {
  binaries: Partial<ControllerBinaries>;
  dir: string;
  timeoutMs: number;
  /** Writes a kubeconfig for one component's own user and returns its path. */
  kubeconfig: (name: string, token: string, user: string) => Promise<string>;
  tokens: { scheduler: string; controllerManager: string };
  /** Checked while waiting, so that a dead API server is reported as such. */
  apiServerProcesses: Supervised[];
  /** Where every started process goes, so that the control plane's cleanup stops it. */
  started: Supervised[];
}

/**
 * Starts kube-controller-manager and kube-scheduler and waits for both /healthz. Each serves
 * its health on a loopback port with a certificate it makes itself; the same kubeconfig lets
 * it check the callers of its other endpoints (/healthz is always allowed).
 */
async function startControllers(o: ControllersStart): Promise<{ scheduler: Supervised; controllerManager: Supervised }> {
  const { kubeScheduler, kubeControllerManager } = o.binaries;
  if (!kubeScheduler || !kubeControllerManager) throw new HarnessError('control plane', 'controllers asked for, but no kube-scheduler or kube-controller-manager binary given');
  const serving = async (name: string, token: string, user: string): Promise<{ args: string[]; healthz: string }> => {
    const kubeconfig = await o.kubeconfig(name, token, user);
    const port = await freePort();
    await assertPortFree(port, name);
    await mkdir(join(o.dir, 'certs', name));
    return {
      healthz: `https://127.0.0.1:${port}/healthz`,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        // The API server has no client CA to publish, so there is nothing to look up.
        '--authentication-skip-lookup=true',
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${join(o.dir, 'certs', name)}`,
        // One instance: electing a leader would only delay the start by a lease period.
        '--leader-elect=false',
        '--v=0',
      ],
    };
  };
  const kcm = await serving('kube-controller-manager', o.tokens.controllerManager, CONTROLLER_MANAGER_USER);
  const controllerManager = await Supervised.start(
    'kube-controller-manager',
    kubeControllerManager,
    [
      ...kcm.args,
      // Each controller under its own ServiceAccount, as in a real cluster, so RBAC limits it.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${join(o.dir, 'sa.key')}`,
      `--root-ca-file=${join(o.dir, 'certs', 'apiserver.crt')}`,
      `--controllers=${await controllersFlag(kubeControllerManager)}`,
      // Taints follow node conditions within a second rather than the default five.
      '--node-monitor-period=1s',
    ],
    { logFile: join(o.dir, 'logs', 'kube-controller-manager.log') },
  );
  o.started.push(controllerManager);
  const sched = await serving('kube-scheduler', o.tokens.scheduler, SCHEDULER_USER);
  const scheduler = await Supervised.start('kube-scheduler', kubeScheduler, sched.args, { logFile: join(o.dir, 'logs', 'kube-scheduler.log') });
  o.started.push(scheduler);
  await Promise.all(
    [
      { process: controllerManager, healthz: kcm.healthz },
      { process: scheduler, healthz: sched.healthz },
    ].map(({ process, healthz }) =>
      waitUntil(async () => (await get(healthz, undefined, undefined)).status === 200, {
        what: healthz,
        timeoutMs: o.timeoutMs,
        processes: [...o.apiServerProcesses, process],
      }),
    ),
  );
  return { scheduler, controllerManager };
}
