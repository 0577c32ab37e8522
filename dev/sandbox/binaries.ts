// Finds the real servers: envtest's variables first (KUBEBUILDER_ASSETS, TEST_ASSET_*: e.g.
// TEST_ASSET_KUBE_SCHEDULER, TEST_ASSET_KUBE_CONTROLLER_MANAGER, TEST_ASSET_KWOK),
// otherwise the versions build-binaries.sh builds once through the Go module proxy and caches.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './supervisor.js';

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  kubeScheduler: string;
  kubeControllerManager: string;
  kwok: string;
  aemm: string;
  helm: string;
  promtool: string;
}
export type BinaryName = keyof Binaries;

export const CONTROL_PLANE_BINARIES = ['kubeApiserver', 'etcd', 'kubectl'] as const satisfies readonly BinaryName[];
export type ControlPlaneBinaries = Pick<Binaries, (typeof CONTROL_PLANE_BINARIES)[number]>;
/** What a control plane with `controllers` adds: the scheduler and the controller-manager. */
export const CONTROLLER_BINARIES = ['kubeScheduler', 'kubeControllerManager'] as const satisfies readonly BinaryName[];
export type ControllerBinaries = Pick<Binaries, (typeof CONTROLLER_BINARIES)[number]>;
/**
 * What the sandbox and the demo run: the control plane with its controllers, KWOK as the
 * nodes' kubelet and an IMDS per node, never helm or promtool.
 */
export const SANDBOX_BINARIES = [...CONTROL_PLANE_BINARIES, ...CONTROLLER_BINARIES, 'kwok', 'aemm'] as const satisfies readonly BinaryName[];
const ALL_BINARIES: readonly BinaryName[] = [...SANDBOX_BINARIES, 'helm', 'promtool'];

/**
 * The argument of build-binaries.sh that builds each binary, and the file name it prints
 * (`kubernetes` is the control plane and its controllers: a test that needs no controllers
 * never waits for them, which matters on the Kubernetes versions only some suites run on).
 */
type Component = 'control-plane' | 'kubernetes' | 'kwok' | 'aemm' | 'helm' | 'promtool';
const BUILT_BY: Record<BinaryName, { component: Component; file: string }> = {
  kubeApiserver: { component: 'control-plane', file: 'kube-apiserver' },
  etcd: { component: 'control-plane', file: 'etcd' },
  kubectl: { component: 'control-plane', file: 'kubectl' },
  kubeScheduler: { component: 'kubernetes', file: 'kube-scheduler' },
  kubeControllerManager: { component: 'kubernetes', file: 'kube-controller-manager' },
  kwok: { component: 'kwok', file: 'kwok' },
  aemm: { component: 'aemm', file: 'ec2-metadata-mock' },
  helm: { component: 'helm', file: 'helm' },
  promtool: { component: 'promtool', file: 'promtool' },
};

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Each line the build prints for people ("building kube-apiserver (1/3)"), as it comes; none when all is cached. */
  onProgress?: (line: string) => void;
}

const buildScript = fileURLToPath(new URL('./build-binaries.sh', import.meta.url));
const versionsFile = fileURLToPath(new URL('./kubernetes-versions.txt', import.meta.url));

export interface KubernetesVersion {
  /** The Kubernetes release, e.g. v1.36.3. */
  kubernetes: string;
  /** The etcd release it runs with. */
  etcd: string;
  role: 'oldest' | 'default' | 'newest';
}

/** The supported Kubernetes versions (kubernetes-versions.txt, which build-binaries.sh reads too). */
export function kubernetesVersions(): KubernetesVersion[] {
  return readFileSync(versionsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [kubernetes = '', etcd = '', role = ''] = line.trim().split(/\s+/);
      return { kubernetes, etcd, role: role as KubernetesVersion['role'] };
    });
}
const BUILD_TIMEOUT_MS = 45 * 60 * 1000;
const PROGRESS_PREFIX = 'build-binaries: ';
/** One build per cache and component per process, shared by every caller that needs it. */
const building = new Map<string, Promise<Partial<Binaries>>>();

/**
 * Where built binaries are cached. The script has the same default for when it is run by
 * hand; from here it is always told, so this is the one place that decides.
 */
export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPOT_GUARD_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spot-guard');
}

function fromEnvironment(env: NodeJS.ProcessEnv): Partial<Binaries> {
  const assets = env.KUBEBUILDER_ASSETS;
  const pick = (variable: string, file: string): string | undefined =>
    env[variable] || (assets ? join(assets, file) : undefined);
  const found: Partial<Binaries> = {
    kubeApiserver: pick('TEST_ASSET_KUBE_APISERVER', 'kube-apiserver'),
    etcd: pick('TEST_ASSET_ETCD', 'etcd'),
    kubectl: pick('TEST_ASSET_KUBECTL', 'kubectl'),
    kubeScheduler: pick('TEST_ASSET_KUBE_SCHEDULER', 'kube-scheduler'),
    kubeControllerManager: pick('TEST_ASSET_KUBE_CONTROLLER_MANAGER', 'kube-controller-manager'),
    // Not a Kubernetes release binary, so never looked for among envtest's assets.
    kwok: env.TEST_ASSET_KWOK || undefined,
    aemm: env.TEST_ASSET_EC2_METADATA_MOCK || undefined,
    helm: env.TEST_ASSET_HELM || undefined,
    promtool: env.TEST_ASSET_PROMTOOL || undefined,
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

function runBuild(components: Component[], options: ResolveOptions): Promise<Partial<Binaries>> {
  const env = options.env ?? process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript, ...components], {
      env: { ...env, SPOT_GUARD_CACHE: binaryCacheDir(env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const stderr: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (line.startsWith(PROGRESS_PREFIX)) options.onProgress?.(line.slice(PROGRESS_PREFIX.length));
    });
    const fail = (message: string): void =>
      reject(new HarnessError('build-binaries', `could not build ${components.join(', ')}: ${message}`, stderr.slice(-60).join('\n')));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(`still building after ${BUILD_TIMEOUT_MS / 60_000} minutes`);
    }, BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err.message);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return fail(`build-binaries.sh exited with ${code ?? signal}`);
      // Each printed path ends in the binary's own name.
      const byFile = new Map(stdout.trim().split('\n').map((path) => [basename(path), path]));
      const found: Partial<Binaries> = {};
      for (const [name, { component, file }] of Object.entries(BUILT_BY) as [BinaryName, (typeof BUILT_BY)[BinaryName]][]) {
        if (!components.includes(component) && !(component === 'control-plane' && components.includes('kubernetes'))) continue;
        const path = byFile.get(file);
        if (!path) return fail(`no path for ${file} in its output: ${stdout}`);
        found[name] = path;
      }
      resolve(found);
    });
  });
}

/**
 * The binaries named in `needs` (all of them when omitted). Anything named by the environment
 * wins; the rest comes from the cache, built on first use (minutes once, then instant). Only
 * the components of what is still missing are built: the sandbox never waits for helm.
 */
export async function resolveBinaries<K extends BinaryName = BinaryName>(
  needs: readonly K[] = ALL_BINARIES as readonly K[],
  options: ResolveOptions = {},
): Promise<Pick<Binaries, K>> {
  const env = options.env ?? process.env;
  const fromEnv = fromEnvironment(env);
  const components = [...new Set(needs.filter((name) => !fromEnv[name]).map((name) => BUILT_BY[name].component))];
  const key = (c: Component): string => `${binaryCacheDir(env)}:${c}`;
  const toStart = components.filter((c) => !building.has(key(c)));
  if (toStart.length > 0) {
    // One run of the script for everything missing; a failed build is tried again next time.
    const started = runBuild(toStart, options).catch((err: unknown) => {
      for (const c of toStart) building.delete(key(c));
      throw err;
    });
    for (const c of toStart) building.set(key(c), started);
  }
  const built = await Promise.all(components.map((c) => building.get(key(c)) ?? Promise.resolve({})));
  const found: Partial<Binaries> = Object.assign({}, ...built, fromEnv) as Partial<Binaries>;
  return Object.fromEntries(needs.map((name) => [name, found[name]])) as Pick<Binaries, K>;
}
