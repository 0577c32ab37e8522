// Kubernetes Events written as the shipped ServiceAccount against a real API server: where
// they land, what they say, repeats counted on one Event, and failures that never throw.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CRD_PATH } from '../../crds/schema.js';
import { EventRecorder, fallbackEventTarget } from '../../runtime/kube/events.recorder.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { createLogger, type Logger } from '../../runtime/log.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { installCrd } from '../harness/crd.js';
import { seedEvent } from '../machines/fixtures.js';

const MANIFESTS = fileURLToPath(new URL('../../deploy/manifests/', import.meta.url));
const NODE = 'ip-10-0-2-100';
const IDENTITY = { podName: 'spot-guard-x7k2p', nodeName: 'ip-10-0-1-50' };
const BY = ` (by ${IDENTITY.podName} on ${IDENTITY.nodeName})`;
const SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

interface KubeEvent {
  metadata: { name: string; namespace: string };
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string; apiVersion?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

const test = suite<{ plane: ControlPlane; agent: KubeConfig; agentKubeconfig: string }>('event recorder');

function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    log: createLogger({ level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function events(plane: ControlPlane, namespace: string, reason: string): Promise<KubeEvent[]> {
  const res = await plane.kubectl(['get', 'events', '-n', namespace, '-o', 'json']);
  assert.is(res.code, 0, res.stderr);
  return (JSON.parse(res.stdout) as { items: KubeEvent[] }).items.filter((e) => e.reason === reason);
}

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  const applied = await ctx.plane.kubectl(['apply', '-f', CRD_PATH, '-f', MANIFESTS]);
  assert.is(applied.code, 0, applied.stderr);
  const admin = ctx.plane.kubeConfig().makeApiClient(CoreV1Api);
  const token = (await admin.createNamespacedServiceAccountToken({ name: 'spot-guard', namespace: 'kube-system', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
  assert.ok(token);
  ctx.agentKubeconfig = `${ctx.plane.dir}/agent.kubeconfig`;
  await ctx.plane.writeKubeconfig(ctx.agentKubeconfig, token, 'system:serviceaccount:kube-system:spot-guard');
  ctx.agent = new KubeConfig();
  ctx.agent.loadFromFile(ctx.agentKubeconfig);
  await admin.createNode({ body: { metadata: { name: NODE }, spec: { providerID: 'aws:///us-east-1a/i-0987654321fedcba0' } } });
  // The authorizer sees new bindings within moments; wait until the agent may create events.
  const deadline = Date.now() + 30_000;
  while ((await ctx.plane.kubectl(['auth', 'can-i', 'create', 'events', '-n', 'default'], { kubeconfig: ctx.agentKubeconfig })).stdout.trim() !== 'yes' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

test('an Event on a Node lands in "default" with the involvedObject, reason, type, message and source', async ({ plane, agent }) => {
  const { log, lines } = captureLog();
  const recorder = new EventRecorder(agent, IDENTITY, log);
  await recorder.record({ kind: 'Node', name: NODE }, 'Warning', 'ScaleDownBlocked', 'pods on ip-10-0-2-100 do not fit on the remaining nodes');
  const found = await events(plane, 'default', 'ScaleDownBlocked');
  assert.is(found.length, 1, JSON.stringify(found));
  const [event] = found;
  assert.equal(event?.involvedObject, { kind: 'Node', name: NODE, apiVersion: 'v1' });
  assert.is(event?.type, 'Warning');
  // kubectl describe shows only the component: the message names the agent that wrote it.
  assert.is(event?.message, `pods on ip-10-0-2-100 do not fit on the remaining nodes${BY}`);
  assert.is(event?.count, 1);
  assert.equal(event?.source, { component: 'spot-guard', host: IDENTITY.nodeName });
  assert.is(event?.reportingComponent, 'spot-guard');
  assert.is(event?.reportingInstance, IDENTITY.podName);
  assert.match(event?.firstTimestamp ?? '', SECONDS);
  assert.is(event?.lastTimestamp, event?.firstTimestamp);
  assert.equal(lines().filter((l) => l.level === 'warn'), []);
});

test('an Event on an SGFE lands in its namespace and names it by kind, apiVersion and uid', async ({ plane, agent }) => {
  const sgfe = await new FallbackEventStore(plane.kubeConfig()).create(seedEvent().spec);
  assert.ok(sgfe.metadata?.uid);
  const recorder = new EventRecorder(agent, IDENTITY, captureLog().log);
  await recorder.record(fallbackEventTarget(sgfe), 'Normal', 'ScaledDown', 'terminated i-0987654321fedcba0');
  const found = await events(plane, 'kube-system', 'ScaledDown');
  assert.is(found.length, 1, JSON.stringify(found));
  assert.equal(found[0]?.involvedObject, {
    kind: 'SpotGuardFallbackEvent',
    name: sgfe.metadata?.name,
    namespace: 'kube-system',
    uid: sgfe.metadata?.uid,
    apiVersion: 'aws.amazon.com/v1',
  });
  assert.is(found[0]?.type, 'Normal');
  assert.is(found[0]?.message, `terminated i-0987654321fedcba0${BY}`);
  // kubectl describe finds it by the object it is about, and says which agent wrote it.
  const described = await plane.kubectl(['describe', 'sgfe', sgfe.metadata?.name ?? '', '-n', 'kube-system']);
  assert.match(described.stdout, new RegExp(`ScaledDown .*terminated i-0987654321fedcba0 \\(by ${IDENTITY.podName} on ${IDENTITY.nodeName}\\)`));
});

test('the same event twice is one Event with count 2; another message is another Event', async ({ plane, agent }) => {
  const recorder = new EventRecorder(agent, IDENTITY, captureLog().log);
  const target = { kind: 'Node', name: NODE } as const;
  await recorder.record(target, 'Normal', 'Cordoned', 'cordoned by spot-guard');
  await recorder.record(target, 'Normal', 'Cordoned', 'cordoned by spot-guard');
  let found = await events(plane, 'default', 'Cordoned');
  assert.is(found.length, 1, JSON.stringify(found));
  assert.is(found[0]?.count, 2);
  assert.match(found[0]?.lastTimestamp ?? '', SECONDS);
  assert.ok(Date.parse(found[0]?.lastTimestamp ?? '') >= Date.parse(found[0]?.firstTimestamp ?? ''));

  await recorder.record(target, 'Normal', 'Cordoned', 'cordoned again for another event');
  found = await events(plane, 'default', 'Cordoned');
  assert.equal(found.map((e) => [e.message, e.count]).sort(), [
    [`cordoned again for another event${BY}`, 1],
    [`cordoned by spot-guard${BY}`, 2],
  ]);
});

test('repeats racing each other still make one Event, counted once each', async ({ plane, agent }) => {
  const recorder = new EventRecorder(agent, IDENTITY, captureLog().log);
  const target = { kind: 'Node', name: NODE } as const;
  await Promise.all([1, 2, 3].map(() => recorder.record(target, 'Normal', 'Tainted', 'tainted for scale-down')));
  const found = await events(plane, 'default', 'Tainted');
  assert.is(found.length, 1, JSON.stringify(found));
  assert.is(found[0]?.count, 3);
});

test('a repeat after the 10-minute window starts a new Event', async ({ plane, agent }) => {
  let now = Date.parse('2025-01-15T10:00:00.700Z');
  const recorder = new EventRecorder(agent, IDENTITY, captureLog().log, { now: () => new Date(now) });
  const target = { kind: 'Node', name: NODE } as const;
  await recorder.record(target, 'Normal', 'Drained', 'drained ip-10-0-2-100');
  now += 9 * 60_000;
  await recorder.record(target, 'Normal', 'Drained', 'drained ip-10-0-2-100');
  now += 11 * 60_000;
  await recorder.record(target, 'Normal', 'Drained', 'drained ip-10-0-2-100');
  const found = await events(plane, 'default', 'Drained');
  assert.equal(found.map((e) => [e.count, e.firstTimestamp, e.lastTimestamp]).sort(), [
    [1, '2025-01-15T10:20:00Z', '2025-01-15T10:20:00Z'],
    [2, '2025-01-15T10:00:00Z', '2025-01-15T10:09:00Z'],
  ]);
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function kubeConfigAt(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'nowhere', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'token' }],
    contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
    currentContext: 'nowhere',
  });
  return kc;
}

test('an unreachable API server: record resolves without throwing and logs a warning', async () => {
  const closed = createTcpServer();
  const port = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const { log, lines } = captureLog();
  const recorder = new EventRecorder(kubeConfigAt(port), IDENTITY, log);
  await recorder.record({ kind: 'Node', name: NODE }, 'Warning', 'ScaleDownBlocked', 'never written');
  const warnings = lines().filter((l) => l.level === 'warn');
  assert.is(warnings.length, 1, JSON.stringify(lines()));
  assert.is(warnings[0]?.msg, 'failed to record kubernetes event');
  assert.is(warnings[0]?.reason, 'ScaleDownBlocked');
  assert.is(warnings[0]?.code, 'Unavailable');
});

test('an API server that never answers: record gives up after its timeout and logs a warning', async () => {
  const sockets = new Set<Socket>();
  const silent = createTcpServer((socket) => sockets.add(socket));
  const port = await listen(silent);
  try {
    const { log, lines } = captureLog();
    const recorder = new EventRecorder(kubeConfigAt(port), IDENTITY, log, { timeoutMs: 500 });
    const started = Date.now();
    await recorder.record({ kind: 'Node', name: NODE }, 'Normal', 'Cordoned', 'never answered');
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 5_000, `record took ${took} ms`);
    assert.ok(lines().some((l) => l.level === 'warn'), JSON.stringify(lines()));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test.run();
