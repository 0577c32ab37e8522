// What the agent takes from the CRD at run time is generated ahead of time (npm run generate):
// the committed files equal a fresh generation, and the standalone validator judges every
// object exactly as Ajv compiling the schema at start did.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateNames, generateValidator, NAMES_PATH, VALIDATOR_OPTIONS, VALIDATOR_PATH, VALIDATOR_TYPES_PATH, validatorSchema } from '../../crds/generate.js';
import * as schema from '../../crds/schema.js';
import * as names from '../../crds/spotguardfallbackevent.names.generated.js';
import { validate as standalone } from '../../crds/spotguardfallbackevent.validate.generated.js';
import { seedEvent, T0 } from '../machines/fixtures.js';

const test = suite('generated CRD modules');

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ ...VALIDATOR_OPTIONS });
addFormats(ajv);
const compiled = ajv.compile(validatorSchema());

test('the committed names module equals a fresh generation (run npm run generate)', () => {
  assert.fixture(readFileSync(NAMES_PATH, 'utf8'), generateNames());
});

test('the committed standalone validator and its types equal a fresh generation (run npm run generate)', () => {
  const { js, dts } = generateValidator();
  assert.fixture(readFileSync(VALIDATOR_PATH, 'utf8'), js);
  assert.fixture(readFileSync(VALIDATOR_TYPES_PATH, 'utf8'), dts);
});

test('the generated names are the YAML names', () => {
  assert.equal({ ...names }, { GROUP: schema.GROUP, VERSION: schema.VERSION, API_VERSION: schema.API_VERSION, KIND: schema.KIND, PLURAL: schema.PLURAL });
});

test('the standalone validator imports no Ajv compiler, only its small runtime helpers', () => {
  const imports = [...readFileSync(VALIDATOR_PATH, 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1] as string);
  assert.ok(imports.length > 0);
  for (const specifier of imports) assert.match(specifier, /^(ajv\/dist\/runtime\/|ajv-formats\/dist\/formats\.js$)/, specifier);
});

/** An event with every part of the status filled in, so every branch of the schema is walked. */
function fullEvent(): Record<string, unknown> {
  const at = new Date(T0).toISOString();
  const step = { startedAt: at, completedAt: at, attempts: 1, by: 'spot-guard-a', message: 'done' };
  return structuredClone<Record<string, unknown>>({
    ...seedEvent({
      phase: 'ScalingDown',
      spotCapacityRestored: true,
      scaleDownInitiated: true,
      spotHealthySince: at,
      message: 'scaling down',
      claim: { holder: 'spot-guard-a', holderNode: 'ip-10-0-1-50', acquiredAt: at, renewedAt: at, leaseSeconds: 30 },
      scaleDown: { startedAt: at, taint: step, cordon: step, drain: step, waitForReschedule: step, terminate: step },
      spotHealth: { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, healthy: true, observedAt: at, observedBy: 'spot-guard-a' },
      conditions: [{ type: 'Claimed', status: 'True', reason: 'Acquired', message: 'claimed', lastTransitionTime: at }],
      completionTime: at,
    }),
  });
}

/** Every path to a leaf (and to every object or array on the way) of `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

const WRONG: unknown[] = [undefined, null, 0, -1, 1.5, 4000, '', 'x', 'yesterday', '2025-13-45T99:00:00Z', 'A'.repeat(1100), true, [], {}, { extra: 1 }];

function changed(path: (string | number)[], value: unknown): unknown {
  const object = fullEvent();
  if (path.length === 0) return value;
  let node = object as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return object;
}

test('the standalone validator gives the compiled validator\'s verdict and errors for every field set to every wrong value', () => {
  const cases = [fullEvent(), seedEvent(), ...paths(fullEvent()).flatMap((path) => WRONG.map((value) => changed(path, value)))];
  let refused = 0;
  for (const object of cases) {
    const expected = compiled(object);
    const actual = standalone(object);
    assert.is(actual, expected, JSON.stringify(object));
    assert.equal(standalone.errors ?? null, compiled.errors ?? null, JSON.stringify(object));
    if (!actual) refused += 1;
  }
  // The table must exercise the validator, not only agree on valid objects.
  assert.ok(refused > cases.length / 2, `${refused} of ${cases.length} refused`);
  assert.ok(standalone(fullEvent()), 'the full event is valid');
});

test.run();
