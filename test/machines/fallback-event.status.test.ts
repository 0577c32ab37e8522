// Status builders: what a claim renewal carries.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FallbackEventStatus } from '../../crds/spotguardfallbackevent.types.js';
import { claimed, stepCompleted } from '../../machines/fallback-event.status.js';
import type { FallbackEventContext, SpotObservation } from '../../machines/fallback-event.types.js';
import { agentB, config, iso, observation, seedEvent, T0 } from './fixtures.js';

const test = suite('fallback-event status builders');

function ctx(status: FallbackEventStatus, o: SpotObservation | undefined): FallbackEventContext {
  return { object: seedEvent(status), agent: agentB, config, now: T0, observation: o, pending: undefined, lastCheckAt: undefined, lastStepFailureAt: undefined, stepStartedAt: undefined };
}

test('a renewal while spot is watched records the holder\'s latest observation, healthy or not', () => {
  const status = claimed(ctx({ phase: 'Monitoring' }, observation(false, T0 - 1000)));
  assert.equal(status.spotHealth, { inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, healthy: false, observedAt: iso(T0 - 1000), observedBy: agentB.id });
  assert.is(status.claim?.holder, agentB.id);
  assert.is(status.spotHealthySince, undefined, 'an unhealthy observation starts no window');
});

test('an observation no newer than the recorded one leaves spotHealth as it is', () => {
  const recorded = { inService: 3, desired: 3, activitiesInProgress: 0, healthy: true, observedAt: iso(T0), observedBy: 'spot-guard-c' };
  assert.equal(claimed(ctx({ phase: 'Monitoring', spotHealth: recorded }, observation(false, T0 - 5000))).spotHealth, recorded);
});

test('outside Monitoring and ReadyForScaleDown a renewal records no observation', () => {
  assert.is(claimed(ctx({ phase: 'Pending' }, observation(true, T0))).spotHealth, undefined);
  assert.is(claimed(ctx({ phase: 'ScalingDown' }, observation(true, T0))).spotHealth, undefined);
});

test('the terminate step completes the event; a dry run says that nothing was changed', () => {
  const real = stepCompleted(ctx({ phase: 'ScalingDown' }, undefined), 'terminate', 'instance i-0987654321fedcba0 terminated');
  assert.is(real.phase, 'Completed');
  assert.is(real.message, 'On-demand node successfully scaled down');
  assert.is(real.conditions?.find((c) => c.type === 'ScaledDown')?.status, 'True');
  assert.is(real.claim, undefined, 'the claim is released with the last step');
  const dry = stepCompleted(ctx({ phase: 'ScalingDown' }, undefined), 'terminate', 'dry run: would terminate instance i-0987654321fedcba0');
  assert.is(dry.phase, 'Completed');
  assert.match(dry.message ?? '', /^Dry run complete/);
  assert.equal(dry.conditions?.find((c) => c.type === 'ScaledDown')?.reason, 'DryRun');
  assert.is(dry.conditions?.find((c) => c.type === 'ScaledDown')?.status, 'False');
});

test.run();
