// The shipped agent computes nothing at start that a build can compute once: its import graph
// (what esbuild bundles from runtime/main.ts) holds no YAML parser, no Ajv compiler, no elkjs
// and no statechart layout; the CRD names, the validator and the drawing come generated.
import { build } from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('agent import graph');

async function importGraph(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return Object.keys(result.metafile.inputs);
}

/** What only a build needs; `ajv/dist/runtime/*` are the validator's small helpers and may stay. */
const BUILD_ONLY: [string, RegExp][] = [
  ['the yaml package', /(^|\/)node_modules\/yaml\//],
  ['elkjs', /(^|\/)node_modules\/elkjs\//],
  ["Ajv's compiler", /(^|\/)node_modules\/ajv\/dist\/(?!runtime\/)/],
  ["ajv-formats' plugin (it loads Ajv's code generator)", /(^|\/)node_modules\/ajv-formats\/dist\/(?!formats\.js$)/],
  ['the CRD YAML reader', /^crds\/schema\.ts$/],
  ['the statechart layout', /^visualizations\/statechart\.(layout|svg)\.ts$/],
];

function assertNoBuildTools(inputs: string[]): void {
  for (const [what, pattern] of BUILD_ONLY) {
    const found = inputs.filter((p) => pattern.test(p));
    assert.equal(found, [], `${what} is in the graph: ${found.slice(0, 3).join(', ')}`);
  }
}

test('runtime/main.ts loads no yaml, Ajv compiler, elkjs or statechart layout, and takes the generated modules instead', async () => {
  const inputs = await importGraph('runtime/main.ts');
  assertNoBuildTools(inputs);
  // Not vacuous: the agent does reach the names and the drawing, through the generated modules.
  for (const generated of ['crds/spotguardfallbackevent.names.generated.ts', 'visualizations/fallback-event-statechart.generated.ts']) {
    assert.ok(inputs.includes(generated), `${generated} is in the graph`);
  }
});

test('crds/validate.ts loads only the standalone validator and Ajv runtime helpers', async () => {
  const inputs = await importGraph('crds/validate.ts');
  assertNoBuildTools(inputs);
  assert.ok(inputs.includes('crds/spotguardfallbackevent.validate.generated.js'));
});

test('the check fails where it should: the old paths do carry what the agent must not load', async () => {
  const yamlReader = await importGraph('crds/schema.ts');
  assert.ok(yamlReader.some((p) => BUILD_ONLY[0]?.[1].test(p)), 'crds/schema.ts pulls in yaml');
  const drawing = await importGraph('visualizations/statechart.svg.ts');
  assert.ok(drawing.some((p) => BUILD_ONLY[1]?.[1].test(p)), 'statechart.svg.ts pulls in elkjs');
});

test.run();
