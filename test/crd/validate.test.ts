// Runtime validation from the CRD YAML agrees with the API server on what is malformed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateFallbackEvent } from '../../crds/validate.js';
import { seedEvent } from '../machines/fixtures.js';

const test = suite('validateFallbackEvent');

test('the seed event is valid', () => {
  const result = validateFallbackEvent(seedEvent({ phase: 'Pending', scaleDownInitiated: false }));
  assert.ok(result.ok, JSON.stringify(result));
});

/** An object as anyone could write it, before validation. */
type Loose = { spec: Record<string, unknown>; status: Record<string, unknown> };

const bad: [string, (o: Loose) => void, RegExp][] = [
  ['spotASGName: 123', (o) => (o.spec.spotASGName = 123), /^spec\.spotASGName: must be string$/],
  ['a missing required field', (o) => delete o.spec.onDemandNodeName, /^spec\.onDemandNodeName: must have required property/],
  ['an unknown phase', (o) => (o.status.phase = 'Exploding'), /^status\.phase: must be equal to one of the allowed values$/],
  ['a malformed instance ID', (o) => (o.spec.onDemandInstanceID = 'i-xyz'), /^spec\.onDemandInstanceID: must match pattern/],
  ['a malformed duration', (o) => (o.spec.minimumWaitDuration = '10 minutes'), /^spec\.minimumWaitDuration: must match pattern/],
  ['a timestamp that is not a date-time', (o) => (o.spec.timestamp = 'yesterday'), /^spec\.timestamp: must match format "date-time"$/],
  ['a claim without a holder', (o) => (o.status.claim = { acquiredAt: '2025-01-15T10:00:45Z', renewedAt: '2025-01-15T10:00:45Z', leaseSeconds: 30 }), /^status\.claim\.holder: must have required property/],
  ['a lease of zero seconds', (o) => (o.status.claim = { holder: 'a', acquiredAt: '2025-01-15T10:00:45Z', renewedAt: '2025-01-15T10:00:45Z', leaseSeconds: 0 }), /^status\.claim\.leaseSeconds: must be >= 1$/],
];
for (const [what, change, message] of bad) {
  test(`refuses ${what}, naming the field`, () => {
    const object = structuredClone(seedEvent({ phase: 'Pending' })) as unknown as Loose;
    change(object);
    const result = validateFallbackEvent(object);
    assert.not.ok(result.ok);
    if (!result.ok) assert.ok(result.errors.some((e) => message.test(e)), result.errors.join('; '));
  });
}

test.run();
