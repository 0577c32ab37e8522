// One source of truth: the generated types and the phase constants match the CRD YAML.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, parseDuration } from '../../crds/duration.js';
import { generateTypes, TYPES_PATH } from '../../crds/generate.js';
import { eventName } from '../../crds/naming.js';
import { PHASES } from '../../crds/phases.js';
import { openApiSchema } from '../../crds/schema.js';

const test = suite('CRD schema and derived code');

test('the committed types equal a fresh generation from the YAML (run npm run generate)', async () => {
  assert.fixture(readFileSync(TYPES_PATH, 'utf8'), await generateTypes());
});

test('PHASES equal the phase enum of the YAML, in order', () => {
  assert.equal([...PHASES], openApiSchema.properties?.status?.properties?.phase?.enum);
});

test('parseDuration reads hours, minutes and seconds and refuses the rest', () => {
  assert.is(parseDuration('10m'), 600_000);
  assert.is(parseDuration('1h30m'), 5_400_000);
  assert.is(parseDuration('90s'), 90_000);
  assert.is(parseDuration('24h'), 86_400_000);
  for (const bad of ['', '10', '10 minutes', '1d', '-5m', 'm', '1.5h']) assert.is(parseDuration(bad), undefined, bad);
});

test('formatDuration writes the shortest form', () => {
  assert.is(formatDuration(600_000), '10m');
  assert.is(formatDuration(5_400_000), '1h30m');
  assert.is(formatDuration(252_000), '4m12s');
  assert.is(formatDuration(0), '0s');
});

test('eventName follows the seed: fallback-<unix seconds>-<6 characters>', () => {
  const name = eventName(new Date('2025-01-15T10:00:45Z'), new Uint8Array([0, 1, 2, 25, 26, 35]));
  assert.is(name, 'fallback-1736935245-abcz09');
  assert.match(eventName(new Date(), crypto.getRandomValues(new Uint8Array(6))), /^fallback-\d+-[a-z0-9]{6}$/);
  assert.throws(() => eventName(new Date(), new Uint8Array(3)), /6 random bytes/);
});

test.run();
