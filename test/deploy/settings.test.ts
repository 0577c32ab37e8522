// The settings the code reads, the shipped ConfigMap, the DaemonSet's environment and the
// settings table of deploy/README.md stay in step: a setting added to runtime/config.ts and
// forgotten in any of them fails here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { loadAgentIdentity, loadConfig, type Config } from '../../runtime/config.js';

const file = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  command: string[];
  envFrom: { configMapRef?: { name: string } }[];
  env: EnvVar[];
}

const configMap = parse(file('deploy/manifests/configmap.yaml')) as { metadata: { name: string }; data: Record<string, string> };
const daemonSet = parse(file('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { containers: Container[] } } } };
const agent = (): Container => {
  const container = daemonSet.spec.template.spec.containers[0];
  assert.ok(container);
  return container;
};

/** The variable names a function reads from the environment it is given. */
function namesRead(read: (env: NodeJS.ProcessEnv) => void): Set<string> {
  const names = new Set<string>();
  read(new Proxy<NodeJS.ProcessEnv>({}, { get: (_t, key) => (typeof key === 'string' && names.add(key), undefined) }));
  return names;
}

const settingsRead = namesRead((env) => loadConfig(env));
const identityRead = namesRead((env) => loadAgentIdentity(env, { awsRegion: 'us-east-1' } as Config));

/** The environment the DaemonSet gives the agent, with what the downward API would supply. */
function podEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of agent().envFrom) {
    assert.is(from.configMapRef?.name, configMap.metadata.name);
    Object.assign(env, configMap.data);
  }
  for (const v of agent().env) {
    const ref = v.valueFrom?.configMapKeyRef;
    const field = v.valueFrom?.fieldRef?.fieldPath;
    if (v.value !== undefined) env[v.name] = v.value;
    else if (ref) env[v.name] = ref.name === configMap.metadata.name ? (configMap.data[ref.key] ?? '') : '';
    else if (field) env[v.name] = `downward:${field}`;
  }
  return env;
}

const test = suite('settings in step');

test('the ConfigMap carries every SPOT_GUARD_ setting the code reads, and nothing else', () => {
  const read = [...settingsRead].filter((n) => n.startsWith('SPOT_GUARD_')).sort();
  // Guards the proxy trick: the code reads dozens of settings.
  assert.ok(read.includes('SPOT_GUARD_ASG_PAIRS') && read.includes('SPOT_GUARD_MAX_STEP_ATTEMPTS'), read.join(', '));
  assert.equal(Object.keys(configMap.data).sort(), read);
});

test('the shipped ConfigMap holds the code defaults, apart from the two values without one', () => {
  const shipped = loadConfig(configMap.data);
  const defaults = loadConfig({ SPOT_GUARD_ASG_PAIRS: configMap.data.SPOT_GUARD_ASG_PAIRS, SPOT_GUARD_AWS_REGION: configMap.data.SPOT_GUARD_AWS_REGION });
  assert.ok(shipped.ok, JSON.stringify(shipped));
  assert.equal(shipped, defaults);
});

test('the DaemonSet gives the agent a whole configuration and identity', () => {
  const env = podEnvironment();
  const loaded = loadConfig(env);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) return;
  assert.is(loaded.config.awsRegion, 'us-east-1');
  assert.equal(loadAgentIdentity(env, loaded.config), { ok: true, identity: { podName: 'downward:metadata.name', nodeName: 'downward:spec.nodeName' } });
  for (const name of identityRead) assert.ok(env[name], `${name} is read by the code but not set by the DaemonSet`);
});

test('AWS_REGION of the SDK is the SPOT_GUARD_AWS_REGION setting', () => {
  const region = agent().env.find((v) => v.name === 'AWS_REGION');
  assert.equal(region?.valueFrom, { configMapKeyRef: { name: 'spot-guard-config', key: 'SPOT_GUARD_AWS_REGION' } });
});

test('the DaemonSet runs the agent command', () => {
  assert.equal(agent().command, ['node', 'dist/spot-guard-agent.mjs', 'agent']);
});

test('deploy/README.md documents every setting in its table', () => {
  const readme = file('deploy/README.md');
  const table = readme.slice(readme.indexOf('## Settings'), readme.indexOf('\n## ', readme.indexOf('## Settings') + 1));
  const documented = new Set([...table.matchAll(/^\| `[^`]+` \| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
  for (const name of Object.keys(configMap.data)) assert.ok(documented.has(name), `${name} has no row in the settings table of deploy/README.md`);
  for (const name of documented) assert.ok(name && settingsRead.has(name), `deploy/README.md documents ${name}, which the code does not read`);
});

test.run();
