// resolveBinaries builds only the components asked for (the sandbox never waits for helm) and
// says what it builds as it goes. The real build-binaries.sh runs here against a stand-in `go`
// that records its calls and "builds" in a moment, so no test waits minutes for a compile.
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SANDBOX_BINARIES, kubernetesVersions, resolveBinaries } from '../../dev/sandbox/binaries.js';
import { resolveBinariesWithProgress } from '../../dev/sandbox/build-progress.js';
import { HarnessError } from '../../dev/sandbox/supervisor.js';

// go install and go build make an empty executable; the module commands of the kubernetes
// wrapper succeed, and its go.mod names one staging module.
const FAKE_GO = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_GO_LOG"
[ "$FAKE_GO_FAILS" = 1 ] && { echo "boom: could not reach the module proxy" >&2; exit 1; }
case "$1 $2" in
  "mod download") [ "$3" = -json ] && printf '{\\n\\t"GoMod": "%s"\\n}\\n' "$FAKE_GOMOD"; exit 0 ;;
  "mod "*) exit 0 ;;
esac
case "$1" in
  install) pkg="\${!#}"; name="\${pkg%@*}"; out="$GOBIN/\${name##*/}" ;;
  build) while [ "$1" != -o ]; do shift; done; out="$2" ;;
  *) exit 1 ;;
esac
sleep 0.5
mkdir -p "$(dirname "$out")" && printf '#!/bin/sh\\n' > "$out" && chmod +x "$out"
`;

interface World {
  cache: string;
  goLog: string;
  env: NodeJS.ProcessEnv;
  goCalls(): Promise<string[]>;
}

async function world(options: { goFails?: boolean } = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-binaries-'));
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin', 'go'), FAKE_GO);
  await chmod(join(dir, 'bin', 'go'), 0o755);
  const goLog = join(dir, 'go.log');
  await writeFile(goLog, '');
  await writeFile(join(dir, 'go.mod'), 'module k8s.io/kubernetes\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n)\n');
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: dir,
    SPOT_GUARD_CACHE: join(dir, 'cache'),
    FAKE_GO_LOG: goLog,
    FAKE_GOMOD: join(dir, 'go.mod'),
    FAKE_GO_FAILS: options.goFails ? '1' : '0',
  };
  const goCalls = async () => (await readFile(goLog, 'utf8')).split('\n').filter(Boolean);
  return { cache: join(dir, 'cache'), goLog, env, goCalls };
}

async function cached(cache: string, files: string[]): Promise<void> {
  for (const file of files) {
    await mkdir(join(cache, file, '..'), { recursive: true });
    await writeFile(join(cache, file), '#!/bin/sh\n');
    await chmod(join(cache, file), 0o755);
  }
}

const versions = kubernetesVersions();
const byRole = (role: string) => versions.find((v) => v.role === role)!;
const K8S = byRole('default').kubernetes;
const ETCD = byRole('default').etcd;
const CACHED_KUBERNETES = [`kubernetes-${K8S}/kube-apiserver`, `kubernetes-${K8S}/kubectl`, `kubernetes-${K8S}/kube-scheduler`, `kubernetes-${K8S}/kube-controller-manager`, `etcd-${ETCD}/etcd`];
const CACHED_SANDBOX = [...CACHED_KUBERNETES, 'kwok-v0.8.0/kwok', 'aemm-v1.13.0/ec2-metadata-mock'];

const test = suite('binaries');

test('the sandbox needs no helm: with its binaries cached nothing is built, even with helm missing', async () => {
  const w = await world({ goFails: true });
  await cached(w.cache, CACHED_SANDBOX);
  const lines: string[] = [];
  const binaries = await resolveBinaries(SANDBOX_BINARIES, { env: w.env, onProgress: (l) => lines.push(l) });
  assert.equal(binaries, {
    kubeApiserver: join(w.cache, `kubernetes-${K8S}/kube-apiserver`),
    kubectl: join(w.cache, `kubernetes-${K8S}/kubectl`),
    kubeScheduler: join(w.cache, `kubernetes-${K8S}/kube-scheduler`),
    kubeControllerManager: join(w.cache, `kubernetes-${K8S}/kube-controller-manager`),
    etcd: join(w.cache, `etcd-${ETCD}/etcd`),
    kwok: join(w.cache, 'kwok-v0.8.0/kwok'),
    aemm: join(w.cache, 'aemm-v1.13.0/ec2-metadata-mock'),
  });
  assert.equal(lines, [], 'a warm start prints nothing');
  assert.equal(await w.goCalls(), []);
});

test('only the missing component is built, one line per step, and a long step says how long so far', async () => {
  const w = await world();
  const lines: string[] = [];
  const { aemm } = await resolveBinariesWithProgress(['aemm'], 'test', { env: w.env, everyMs: 150, write: (l) => lines.push(l) });
  assert.is(aemm, join(w.cache, 'aemm-v1.13.0/ec2-metadata-mock'));
  assert.equal(await w.goCalls(), ['install -trimpath -ldflags -s -w github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@v1.13.0']);
  const text = lines.join('\n');
  assert.match(lines[0] ?? '', /^test: building amazon-ec2-metadata-mock v1\.13\.0, needed by the sandbox's simulated nodes/);
  assert.ok(lines.includes('test: downloading and building amazon-ec2-metadata-mock (1/1)'), text);
  assert.ok(lines.some((l) => /^test: downloading and building amazon-ec2-metadata-mock \(1\/1\), \d+s so far; once, cached in \S+/.test(l)), text);
  assert.match(lines.at(-1) ?? '', /^test: built in \d+s; later runs start from /);
  assert.not.match(text, /kube-apiserver|helm/);
});

test('a cache from before the scheduler and controller-manager gets only those two built, and keeps the rest', async () => {
  const w = await world();
  await cached(w.cache, [`kubernetes-${K8S}/kube-apiserver`, `kubernetes-${K8S}/kubectl`, `etcd-${ETCD}/etcd`]);
  const apiserverBefore = await readFile(join(w.cache, `kubernetes-${K8S}/kube-apiserver`), 'utf8');
  const lines: string[] = [];
  const binaries = await resolveBinaries(['kubeScheduler', 'kubeControllerManager', 'kubeApiserver'], { env: w.env, onProgress: (l) => lines.push(l) });
  assert.equal(binaries, {
    kubeScheduler: join(w.cache, `kubernetes-${K8S}/kube-scheduler`),
    kubeControllerManager: join(w.cache, `kubernetes-${K8S}/kube-controller-manager`),
    kubeApiserver: join(w.cache, `kubernetes-${K8S}/kube-apiserver`),
  });
  const builds = (await w.goCalls()).filter((c) => c.startsWith('build '));
  assert.equal(
    builds.map((c) => c.split(' ').at(-1)),
    ['k8s.io/kubernetes/cmd/kube-scheduler', 'k8s.io/kubernetes/cmd/kube-controller-manager'],
  );
  assert.ok(builds.every((c) => c.includes(`-X k8s.io/component-base/version.gitVersion=${K8S}`)), 'the same version stamp as kube-apiserver');
  assert.ok(lines.includes('building kube-scheduler (1/2)') && lines.includes('building kube-controller-manager (2/2)'), lines.join('\n'));
  assert.is(await readFile(join(w.cache, `kubernetes-${K8S}/kube-apiserver`), 'utf8'), apiserverBefore);
  for (const file of CACHED_KUBERNETES) await access(join(w.cache, file), constants.X_OK);
});

test('the versions file names one default, the oldest and the newest, each with its etcd', () => {
  assert.equal(versions.map((v) => v.role).sort(), ['default', 'newest', 'oldest']);
  for (const v of versions) {
    assert.match(v.kubernetes, /^v1\.\d+\.\d+$/);
    assert.match(v.etcd, /^v3\.\d+\.\d+$/);
  }
  const minor = (v: string) => Number(v.split('.')[1]);
  assert.ok(minor(byRole('oldest').kubernetes) < minor(K8S) && minor(K8S) <= minor(byRole('newest').kubernetes));
});

test('a test that needs only the control plane never waits for the controllers: another version builds kube-apiserver, kubectl and its own etcd', async () => {
  const w = await world();
  const oldest = byRole('oldest');
  const lines: string[] = [];
  const binaries = await resolveBinaries(['kubeApiserver', 'etcd', 'kubectl'], { env: { ...w.env, K8S_VERSION: oldest.kubernetes }, onProgress: (l) => lines.push(l) });
  assert.equal(binaries, {
    kubeApiserver: join(w.cache, `kubernetes-${oldest.kubernetes}/kube-apiserver`),
    etcd: join(w.cache, `etcd-${oldest.etcd}/etcd`),
    kubectl: join(w.cache, `kubernetes-${oldest.kubernetes}/kubectl`),
  });
  const builds = (await w.goCalls()).filter((c) => c.startsWith('build '));
  assert.equal(builds.map((c) => c.split(' ').at(-1)), ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kubectl', 'go.etcd.io/etcd/server/v3']);
  assert.ok((await w.goCalls()).includes(`mod edit -require k8s.io/kubernetes@${oldest.kubernetes} -require go.etcd.io/etcd/server/v3@${oldest.etcd}`));
  assert.ok(lines.includes('building kube-apiserver (1/3)'), lines.join('\n'));
});

test('a Kubernetes version missing from the versions file is refused unless its etcd is named', async () => {
  const w = await world({ goFails: true });
  const err = await resolveBinaries(['kubeApiserver'], { env: { ...w.env, K8S_VERSION: 'v1.29.0' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, HarnessError);
  assert.match((err as HarnessError).message, /Kubernetes v1\.29\.0 is not in \S+kubernetes-versions\.txt; add it there or set ETCD_VERSION too/);
  const w2 = await world();
  const { etcd } = await resolveBinaries(['etcd'], { env: { ...w2.env, K8S_VERSION: 'v1.29.0', ETCD_VERSION: 'v3.5.10' } });
  assert.is(etcd, join(w2.cache, 'etcd-v3.5.10/etcd'));
});

test('kwok is its own component, go installed at the pinned version', async () => {
  const w = await world();
  const { kwok } = await resolveBinaries(['kwok'], { env: w.env });
  assert.is(kwok, join(w.cache, 'kwok-v0.8.0/kwok'));
  assert.equal(await w.goCalls(), ['install -trimpath -ldflags -s -w sigs.k8s.io/kwok/cmd/kwok@v0.8.0']);
});

test('binaries named by the environment win and are never built', async () => {
  const w = await world({ goFails: true });
  const env = { ...w.env, TEST_ASSET_HELM: '/opt/helm', KUBEBUILDER_ASSETS: '/opt/assets', TEST_ASSET_KUBE_SCHEDULER: '/opt/sched', TEST_ASSET_KWOK: '/opt/kwok' };
  assert.equal(await resolveBinaries(['helm', 'kubectl', 'kubeScheduler', 'kubeControllerManager', 'kwok'], { env }), {
    helm: '/opt/helm',
    kubectl: '/opt/assets/kubectl',
    kubeScheduler: '/opt/sched',
    kubeControllerManager: '/opt/assets/kube-controller-manager',
    kwok: '/opt/kwok',
  });
  assert.equal(await w.goCalls(), []);
});

test('a failed build names what it was building and keeps the failing step output', async () => {
  const w = await world({ goFails: true });
  const err = await resolveBinaries(['helm'], { env: w.env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, HarnessError);
  assert.match((err as HarnessError).message, /could not build helm: build-binaries\.sh exited with 1/);
  assert.match((err as HarnessError).message, /boom: could not reach the module proxy/);
});

test.run();
