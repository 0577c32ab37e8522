// The shipped memory request and limit follow from the measured figures (docs/memory.json,
// written by `npm run bench:memory` with the shipped settings): the request covers the agent's
// steady RSS, the limit is at least 1.5 times its peak, the V8 flags are the ones measured, and
// the manifests, the chart and deploy/README.md say the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { NANO, parseQuantity } from '../../runtime/safety/quantity.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}
interface Measured {
  peakMiB: number;
  steadyMiB: number;
  nodeOptions: string;
  limit: string;
}

const measured = JSON.parse(read('docs/memory.json')) as Measured;
const manifest = (parse(read('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0];
const values = parse(read('deploy/helm/spot-guard/values.yaml')) as { resources: Container['resources']; nodeOptions: string };
const mib = (quantity: string | undefined): number => Number(parseQuantity(quantity ?? 'NaN') / NANO) / 2 ** 20;

const test = suite('shipped memory request and limit');

test('the figures were measured under the shipped limit with the shipped V8 flags', () => {
  assert.ok(manifest);
  assert.match(measured.limit, new RegExp(`shipped ${manifest.resources.limits.memory} memory limit`));
  assert.is(measured.nodeOptions, manifest.env?.find((e) => e.name === 'NODE_OPTIONS')?.value);
  assert.is(values.nodeOptions, measured.nodeOptions, 'the chart ships the same flags');
});

test('the limit is at least 1.5 x the measured peak, the request at least the steady figure', () => {
  assert.ok(manifest);
  const limit = mib(manifest.resources.limits.memory);
  const request = mib(manifest.resources.requests.memory);
  assert.ok(limit >= 1.5 * measured.peakMiB, `limit ${limit} MiB < 1.5 x peak ${measured.peakMiB} MiB`);
  assert.ok(request >= measured.steadyMiB, `request ${request} MiB < steady ${measured.steadyMiB} MiB`);
  assert.ok(request <= limit);
});

test('the chart and deploy/README.md give the same request and limit as the manifests', () => {
  assert.ok(manifest);
  assert.equal(values.resources.requests.memory, manifest.resources.requests.memory);
  assert.equal(values.resources.limits.memory, manifest.resources.limits.memory);
  const readme = read('deploy/README.md');
  assert.match(readme, new RegExp(`memory request \\| \`${manifest.resources.requests.memory}\``));
  assert.match(readme, new RegExp(`memory limit \\| \`${manifest.resources.limits.memory}\``));
});

test.run();
