// A real Kubernetes control plane on loopback: etcd and kube-apiserver (RBAC on, a static
// admin token, service-account tokens signed with a key made per start), plus a kubeconfig.
// There is no scheduler, controller-manager or kubelet: pods never run, Node objects are
// created by whoever needs them, and PDB status is never computed.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { CONTROL_PLANE_BINARIES, resolveBinaries, type ControlPlaneBinaries } from './binaries.js';
import { assertPortFree, freePort } from './ports.js';
import { HarnessError, Supervised, waitUntil } from './supervisor.js';

export interface ControlPlaneOptions {
  binaries?: ControlPlaneBinaries;
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
  readonly binaries: ControlPlaneBinaries;
  readonly processes: { etcd: Supervised; apiServer: Supervised };
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

function get(url: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, timeout: 2000 }, (res) => {
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
  const binaries = options.binaries ?? (await resolveBinaries(CONTROL_PLANE_BINARIES));
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
    await writeFile(join(dir, 'tokens.csv'), `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
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
      '--disable-admission-plugins=ServiceAccount',
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

    let stopped: Promise<void> | undefined;
    const plane: ControlPlane = {
      server,
      kubeconfigPath,
      adminToken,
      caData,
      dir,
      binaries,
      processes: { etcd, apiServer },
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
