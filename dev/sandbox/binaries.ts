// Finds the real servers: envtest's variables first (KUBEBUILDER_ASSETS, TEST_ASSET_*),
// otherwise the versions build-binaries.sh builds once through the Go module proxy and caches.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HarnessError } from './supervisor.js';

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  aemm: string;
  helm: string;
}

const buildScript = fileURLToPath(new URL('./build-binaries.sh', import.meta.url));
let built: Promise<Binaries> | undefined;

function fromEnvironment(env: NodeJS.ProcessEnv): Partial<Binaries> {
  const assets = env.KUBEBUILDER_ASSETS;
  const pick = (variable: string, file: string): string | undefined =>
    env[variable] || (assets ? join(assets, file) : undefined);
  const found: Partial<Binaries> = {
    kubeApiserver: pick('TEST_ASSET_KUBE_APISERVER', 'kube-apiserver'),
    etcd: pick('TEST_ASSET_ETCD', 'etcd'),
    kubectl: pick('TEST_ASSET_KUBECTL', 'kubectl'),
    aemm: env.TEST_ASSET_EC2_METADATA_MOCK || undefined,
    helm: env.TEST_ASSET_HELM || undefined,
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

async function buildCached(): Promise<Binaries> {
  try {
    const { stdout } = await promisify(execFile)('bash', [buildScript], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 45 * 60 * 1000,
    });
    const [kubeApiserver, kubectl, etcd, aemm, helm] = stdout.trim().split('\n');
    if (!kubeApiserver || !kubectl || !etcd || !aemm || !helm) throw new Error(`unexpected output: ${stdout}`);
    return { kubeApiserver, kubectl, etcd, aemm, helm };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new HarnessError('build-binaries', `could not build the test servers: ${(err as Error).message}`, stderr);
  }
}

/**
 * The binaries to run. Anything named by the environment wins; the rest comes from the
 * cache, built on first use (minutes once, then instant).
 */
export async function resolveBinaries(env: NodeJS.ProcessEnv = process.env): Promise<Binaries> {
  const fromEnv = fromEnvironment(env);
  if (fromEnv.kubeApiserver && fromEnv.etcd && fromEnv.kubectl && fromEnv.aemm && fromEnv.helm) return fromEnv as Binaries;
  built ??= buildCached().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return { ...(await built), ...fromEnv };
}
