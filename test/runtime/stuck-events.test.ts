// When an event counts as stuck and which agent reports it: pure functions of the event's
// status, so every agent judges alike and a restarted one forgets nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FallbackEventStatus } from '../../crds/spotguardfallbackevent.types.js';
import type { FallbackEventContext } from '../../machines/fallback-event.types.js';
import { lastProgressAt, REPORT_TURN_MS, reportAt, stallReported, withStallReported } from '../../runtime/agent/stuck-events.js';
import { agentB, agentC, agentOnDemand, config, iso, MIN, seedEvent, T0 } from '../machines/fixtures.js';

const test = suite('stuck events');
const WAIT_END = T0 + 10 * MIN;

function ctx(status: FallbackEventStatus, over: Partial<FallbackEventContext> = {}): FallbackEventContext {
  return {
    object: seedEvent(status),
    agent: agentB,
    config,
    now: T0,
    observation: undefined,
    pending: undefined,
    lastCheckAt: undefined,
    lastStepFailureAt: undefined,
    stepStartedAt: undefined,
    asgMissingCount: 0,
    lease: undefined,
    leaseBusy: false,
    peers: [agentB.nodeName, agentC.nodeName, agentOnDemand.nodeName],
    ...over,
  };
}
const cond = (type: string, status: 'True' | 'False' | 'Unknown', at: number) => ({ type, status, reason: 'R', message: 'm', lastTransitionTime: iso(at) });

test('last progress, phase by phase, from what status records', () => {
  const rows: [string, FallbackEventStatus, number][] = [
    ['Pending: not late before its minimum wait ends', { phase: 'Pending' }, WAIT_END],
    ['Monitoring, spot never healthy: since the minimum wait ended', { phase: 'Monitoring' }, WAIT_END],
    ['Monitoring, spot healthy since', { phase: 'Monitoring', spotHealthySince: iso(WAIT_END + 30 * MIN) }, WAIT_END + 30 * MIN],
    [
      'ReadyForScaleDown, blocked: since the checks first blocked, however often the reason changes',
      { phase: 'ReadyForScaleDown', conditions: [cond('SpotRestored', 'True', WAIT_END + 40 * MIN), cond('SafetyChecksPassed', 'False', WAIT_END + 41 * MIN)] },
      WAIT_END + 41 * MIN,
    ],
    [
      'ScalingDown, a step retried for an hour: since the last step that completed',
      {
        phase: 'ScalingDown',
        scaleDown: { startedAt: iso(WAIT_END + 50 * MIN), taint: { completedAt: iso(WAIT_END + 51 * MIN) }, drain: { attempts: 9, nextAttemptAt: iso(WAIT_END + 110 * MIN) } },
        conditions: [cond('StepRetrying', 'True', WAIT_END + 100 * MIN)],
      },
      WAIT_END + 51 * MIN,
    ],
  ];
  for (const [what, status, expected] of rows) assert.is(lastProgressAt(ctx(status)), expected, what);
});

test('a stall is reported once: the marker written after the last progress covers it, progress after it makes the next stall reportable', () => {
  const status: FallbackEventStatus = { phase: 'Monitoring' };
  const object = seedEvent(status);
  assert.not.ok(stallReported(object, WAIT_END));
  const marked = { ...object, status: withStallReported(object, WAIT_END, WAIT_END + 61 * MIN, 'spot-guard-b') };
  assert.ok(stallReported(marked, WAIT_END));
  const marker = marked.status.conditions?.find((c) => c.type === 'StuckReported');
  assert.equal([marker?.status, marker?.reason, marker?.lastTransitionTime], ['True', 'NoProgress', iso(WAIT_END + 61 * MIN)]);
  assert.is(marker?.message, `no progress in Monitoring since ${iso(WAIT_END)} (1h1m); spot-guard-b sends the webhook notification`);
  assert.not.ok(stallReported(marked, WAIT_END + 90 * MIN), 'spot healthy later: a new stall');
  // A second report replaces the first, keeping the other conditions.
  const again = withStallReported({ ...marked, status: { ...marked.status, conditions: [...(marked.status.conditions ?? []), cond('SpotRestored', 'True', T0)] } }, WAIT_END + 90 * MIN, WAIT_END + 200 * MIN, 'spot-guard-c');
  assert.equal(again.conditions?.map((c) => c.type).sort(), ['SpotRestored', 'StuckReported']);
});

test('who reports: the holder at once; the others a lease later while a claim stands, then one turn apart by rank; the on-demand node last', () => {
  const stuckAt = T0 + 2 * 60 * MIN;
  const claim = { holder: agentB.id, holderNode: agentB.nodeName, acquiredAt: iso(stuckAt - MIN), renewedAt: iso(stuckAt - 10_000), leaseSeconds: 30 };
  assert.is(reportAt(ctx({ phase: 'Monitoring', claim }, { now: stuckAt }), stuckAt), stuckAt, 'the holder');
  const other = reportAt(ctx({ phase: 'Monitoring', claim }, { agent: agentC, now: stuckAt }), stuckAt);
  assert.ok(other >= stuckAt + 30_000, 'another agent gives a live-looking holder a lease');
  // No claim: the ranking decides, and exactly one of the two candidates goes first.
  const free = [agentB, agentC].map((agent) => reportAt(ctx({ phase: 'Pending' }, { agent, now: stuckAt }), stuckAt)).sort((a, b) => a - b);
  assert.equal(free, [stuckAt, stuckAt + REPORT_TURN_MS]);
  assert.is(reportAt(ctx({ phase: 'Pending' }, { agent: agentOnDemand, now: stuckAt }), stuckAt), stuckAt + 3 * REPORT_TURN_MS, 'the agent on the on-demand node comes after every peer');
});

test.run();
