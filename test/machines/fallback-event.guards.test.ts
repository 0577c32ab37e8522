// Every guard of the fallback-event machine, as a pure function of its context.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as g from '../../machines/fallback-event.guards.js';
import type { FallbackEventContext } from '../../machines/fallback-event.types.js';
import type { FallbackEventStatus } from '../../crds/spotguardfallbackevent.types.js';
import { agentB, agentC, agentOnDemand, config, iso, MIN, missing, observation, seedEvent, T0 } from './fixtures.js';

const test = suite('fallback-event guards');

function ctx(status: FallbackEventStatus = { phase: 'Pending' }, now = T0, over: Partial<FallbackEventContext> = {}): FallbackEventContext {
  return {
    object: seedEvent(status),
    agent: agentB,
    config,
    now,
    observation: undefined,
    pending: undefined,
    lastCheckAt: undefined,
    lastStepFailureAt: undefined,
    stepStartedAt: undefined,
    asgMissingCount: 0,
    lease: undefined,
    leaseBusy: false,
    ...over,
  };
}
const claimBy = (holder: string, renewedAt: number, leaseSeconds = 30) => ({ holder, acquiredAt: iso(renewedAt), renewedAt: iso(renewedAt), leaseSeconds });
/** The claim's Lease as a read at `readAt` found it: renewed by `holder` at `renewedAt`, or absent. */
const leaseRead = (readAt: number, holder?: string, renewedAt?: number) => ({ lease: { holder, renewedAt, readAt } });

test('isNewer compares resourceVersions numerically and lets opaque ones through', () => {
  const c = ctx();
  assert.ok(g.isNewer(c, seedEvent({}, '101')));
  assert.not.ok(g.isNewer(c, seedEvent({}, '100')));
  assert.not.ok(g.isNewer(c, seedEvent({}, '99')), '99 < 100 even though "99" > "100" as text');
  assert.ok(g.isNewer(c, seedEvent({}, 'opaque-token')));
});

test('claimValid and isHolder follow the last sign of life (renewedAt, or the holder\'s Lease renewal) + leaseSeconds', () => {
  const status = { phase: 'Monitoring' as const, claim: claimBy(agentB.id, T0) };
  assert.ok(g.claimValid(ctx(status, T0 + 29_000)));
  assert.ok(g.isHolder(ctx(status, T0 + 29_000)));
  assert.not.ok(g.claimValid(ctx(status, T0 + 30_000, leaseRead(T0 + 30_000))), 'expired exactly at the lease end');
  assert.not.ok(g.isHolder(ctx(status, T0 + 30_000)));
  assert.not.ok(g.isHolder(ctx(status, T0, { agent: agentC })), 'a valid claim of another agent');
  assert.not.ok(g.claimValid(ctx({ phase: 'Pending' })), 'no claim');
  // Nobody watches the Lease: without a read at or after the claim's end, it still counts.
  assert.ok(g.claimValid(ctx(status, T0 + 60_000, { agent: agentC })), 'not read: the holder may be renewing');
  assert.ok(g.claimValid(ctx(status, T0 + 60_000, { agent: agentC, ...leaseRead(T0 + 29_000, undefined, undefined) })), 'read before the end proves nothing');
  // The holder's renewals in its Lease keep the claim alive; another agent's renewal does not.
  const renewed = leaseRead(T0 + 50_000, agentB.id, T0 + 45_000);
  assert.ok(g.isHolder(ctx(status, T0 + 74_000, renewed)), 'renewed in the Lease at +45 s: held until +75 s');
  assert.not.ok(g.isHolder(ctx(status, T0 + 75_000, renewed)));
  assert.not.ok(g.claimValid(ctx(status, T0 + 31_000, { agent: agentC, ...leaseRead(T0 + 31_000, agentC.id, T0 + 31_000) })), 'a Lease that names someone else is no renewal of this claim');
  // A released claim ends when released.
  const released = { phase: 'Monitoring' as const, claim: { ...claimBy(agentB.id, T0), releasedAt: iso(T0 + 5000) } };
  assert.not.ok(g.isHolder(ctx(released, T0 + 5000)));
  assert.not.ok(g.claimValid(ctx(released, T0 + 5000, { agent: agentC })), 'released: lapsed without a read');
});

test('renewalDue: the holder, a third of the lease after the last renewal, one Lease write at a time', () => {
  const status = { phase: 'Monitoring' as const, claim: claimBy(agentB.id, T0) };
  assert.not.ok(g.renewalDue(ctx(status, T0 + 9_999)));
  assert.ok(g.renewalDue(ctx(status, T0 + 10_000)));
  assert.ok(g.renewalDue(ctx(status, T0 + 10_000, { pending: { phase: 'Monitoring' } })), 'a commit in flight does not hold the Lease back');
  assert.not.ok(g.renewalDue(ctx(status, T0 + 10_000, { leaseBusy: true })), 'a Lease write is in flight');
  assert.not.ok(g.renewalDue(ctx(status, T0 + 15_000, leaseRead(T0 + 10_000, agentB.id, T0 + 10_000))), 'renewed in the Lease at +10 s: next at +20 s');
  assert.ok(g.renewalDue(ctx(status, T0 + 20_000, leaseRead(T0 + 10_000, agentB.id, T0 + 10_000))));
  assert.not.ok(g.renewalDue(ctx(status, T0 + 10_000, { agent: agentC })), 'not the holder');
  assert.not.ok(g.renewalDue(ctx(status, T0 + 30_000)), 'expired: a new claim, not a renewal');
});

test('leaseCheckDue: the first stand-bys (and the holder\'s own pod, restarted) read the Lease once the claim as they know it has ended, the rest ever later; once per end', () => {
  const peers = Array.from({ length: 50 }, (_, i) => `ip-10-0-1-${i}`);
  const agents = peers.map((nodeName, i) => ({ id: `spot-guard-${i}`, nodeName }));
  const turns = { ...config, claimTurnMs: 1000 };
  const status = { phase: 'Monitoring' as const, claim: { ...claimBy('holder', T0), holderNode: 'ip-10-0-9-9' } };
  const rankOf = (agent: (typeof agents)[number]) => g.claimRank(ctx(status, T0, { agent, peers, config: turns }));
  const byRank = [...agents].sort((a, b) => rankOf(a) - rankOf(b));
  const [first, second, third, fourth] = byRank;
  const due = (agent: (typeof agents)[number] | undefined, now: number, over: Partial<FallbackEventContext> = {}) =>
    g.leaseCheckDue(ctx(status, now, { agent, peers, config: turns, ...over }));
  assert.not.ok(due(first, T0 + 29_999), 'the claim has not ended');
  assert.ok(due(first, T0 + 30_000), 'the first stand-by reads at the end');
  assert.not.ok(due(second, T0 + 30_000));
  assert.ok(due(second, T0 + 31_000), 'the second a turn later');
  assert.ok(due(third, T0 + 32_000));
  assert.not.ok(due(fourth, T0 + 62_999), 'the fourth waits a lease longer (and its turns)');
  assert.ok(due(fourth, T0 + 63_000), 'in case the first three are gone too');
  const fifth = byRank[4];
  assert.not.ok(due(fifth, T0 + 63_000));
  assert.ok(due(fifth, T0 + 94_000), 'the fifth two leases longer');
  assert.not.ok(due(first, T0 + 30_000, { leaseBusy: true }), 'a read in flight');
  assert.not.ok(due(first, T0 + 31_000, leaseRead(T0 + 30_000)), 'read at the end already');
  assert.ok(due(first, T0 + 61_000, leaseRead(T0 + 30_000, 'holder', T0 + 30_000)), 'a read that found a renewal: read again at the new end');
  assert.not.ok(due({ id: 'od', nodeName: seedEvent().spec.onDemandNodeName }, T0 + 60_000), 'the agent on the on-demand node never takes part');
  assert.ok(g.leaseCheckDue(ctx(status, T0 + 30_000, { agent: { id: 'holder', nodeName: 'ip-10-0-9-9' }, peers, config: turns })), 'the holder\'s identity, restarted with no renewal of its own to go by');
  assert.not.ok(g.leaseCheckDue(ctx({ phase: 'Monitoring', claim: { ...status.claim, releasedAt: iso(T0) } }, T0 + 60_000, { agent: first, peers, config: turns })), 'released: nothing to read');
  assert.not.ok(due(first, T0 + 60_000, { object: seedEvent({ phase: 'Monitoring' }) }), 'no claim');
});

test('Pending is unclaimed: the agent whose turn it is at the deadline starts monitoring; the untrusted spec is failed the same way', () => {
  const peers = Array.from({ length: 20 }, (_, i) => `ip-10-0-2-${i}`);
  const agents = peers.map((nodeName, i) => ({ id: `spot-guard-${i}`, nodeName }));
  const turns = { ...config, claimTurnMs: 1000 };
  const ranks = agents.map((agent) => g.claimRank(ctx({ phase: 'Pending' }, T0, { agent, peers, config: turns })));
  const first = agents[ranks.indexOf(0)] ?? agentB;
  const third = agents[ranks.indexOf(2)] ?? agentB;
  const deadline = T0 + 10 * MIN;
  const due = (agent: (typeof agents)[number] | undefined, now: number, status: FallbackEventStatus = { phase: 'Pending' }) => g.monitoringTurn(ctx(status, now, { agent, peers, config: turns }));
  assert.not.ok(due(first, deadline - 1), 'before the deadline nobody acts');
  assert.ok(due(first, deadline), 'the first-ranked agent at the deadline');
  assert.not.ok(due(third, deadline + 1999));
  assert.ok(due(third, deadline + 2000), 'the third two turns later');
  assert.not.ok(g.monitoringTurn(ctx({ phase: 'Pending' }, deadline, { agent: agentOnDemand })), 'never the agent on the on-demand node');
  // Its turn come, the agent looks at spot first: Monitoring is committed with what it saw.
  assert.not.ok(g.monitoringDue(ctx({ phase: 'Pending' }, deadline, { agent: first, peers, config: turns })), 'nothing seen yet');
  assert.ok(g.monitoringDue(ctx({ phase: 'Pending' }, deadline, { agent: first, peers, config: turns, observation: observation(false, deadline - 1000) })));
  assert.not.ok(g.monitoringDue(ctx({ phase: 'Pending' }, deadline, { agent: first, peers, config: turns, observation: observation(true, deadline - config.healthStaleAfterMs - 1) })), 'a stale look');
  const c0 = ctx({ phase: 'Pending' }, deadline, { agent: first, peers, config: turns });
  assert.not.ok(g.monitoringTurn({ ...c0, object: { ...c0.object, spec: { ...c0.object.spec, spotASGName: 'someone-elses-asg' } } }), 'an untrusted spec is not looked at (nor anything it names)');
  assert.not.ok(due(first, deadline, { phase: 'Monitoring' }), 'only from Pending');
  // Agents that (re)start long after the deadline count their turns from when they first saw the event.
  const restarted = (agent: typeof first, now: number) => g.monitoringTurn(ctx({ phase: 'Pending' }, now, { agent, peers, config: turns, seenAt: deadline + MIN }));
  assert.ok(restarted(first, deadline + MIN));
  assert.not.ok(restarted(third, deadline + MIN + 1999), 'a deadline long past is no free-for-all');
  assert.ok(restarted(third, deadline + MIN + 2000));
  assert.not.ok(due(first, deadline, { phase: 'Pending', claim: claimBy(agentC.id, deadline - 1000) }), 'an older agent\'s claim in Pending counts');
  // An untrusted spec fails from its creation on, by turns; past Pending only the holder fails it.
  const c = ctx({ phase: 'Pending' }, T0, { agent: first, peers, config: turns });
  const untrusted = { ...c, object: { ...c.object, metadata: { ...c.object.metadata, creationTimestamp: new Date(T0) }, spec: { ...c.object.spec, spotASGName: 'someone-elses-asg' } } };
  assert.ok(g.failDue(untrusted));
  assert.not.ok(g.failDue({ ...untrusted, agent: third }), 'the third waits its turns');
  assert.ok(g.failDue({ ...untrusted, agent: third, now: T0 + 2000 }));
  assert.not.ok(g.failDue({ ...c, now: T0 + 2000 }), 'a trusted spec');
  assert.not.ok(g.failDue({ ...untrusted, object: { ...untrusted.object, status: { phase: 'Monitoring', claim: claimBy(agentC.id, T0) } } }), 'another agent holds it');
});

test('claim turns: exactly one agent ranks first for an event, ranks differ between events, and each waits its turn after the claim is free', () => {
  const peers = Array.from({ length: 200 }, (_, i) => `ip-10-0-${Math.floor(i / 250)}-${i % 250}`);
  const agents = peers.map((nodeName, i) => ({ id: `spot-guard-${i}`, nodeName }));
  const turns = { ...config, claimTurnMs: 1000 };
  const ranks = agents.map((agent) => g.claimRank(ctx({ phase: 'Pending' }, T0, { agent, peers, config: turns })));
  assert.equal([...ranks].sort((a, b) => a - b), peers.map((_, i) => i), 'each rank once: one agent tries first, one second, ...');
  const other = { ...seedEvent(), metadata: { ...seedEvent().metadata, name: 'fallback-1736938999-zzz999' } };
  const firstHere = agents[ranks.indexOf(0)];
  const rankThere = g.claimRank({ ...ctx({ phase: 'Pending' }, T0, { agent: firstHere, peers, config: turns }), object: other });
  assert.is.not(rankThere, 0, 'another event has another first agent (for this pair of names)');

  // A claim that expired at T0 + 30 s: the first-ranked agent may take it at once, the 5th after 5 turns.
  const expired = { phase: 'Monitoring' as const, claim: { holder: 'gone', holderNode: 'x', acquiredAt: iso(T0), renewedAt: iso(T0), leaseSeconds: 30 } };
  const fifth = agents[ranks.indexOf(5)];
  const first = agents[ranks.indexOf(0)];
  const gone = leaseRead(T0 + 30_001);
  assert.ok(g.canClaim(ctx(expired, T0 + 30_001, { agent: first, peers, config: turns, ...gone })));
  assert.not.ok(g.canClaim(ctx(expired, T0 + 30_001, { agent: first, peers, config: turns })), 'not known to have lapsed: nobody read its Lease');
  assert.not.ok(g.canClaim(ctx(expired, T0 + 30_001, { agent: fifth, peers, config: turns, ...gone })), 'not its turn yet');
  assert.ok(g.canClaim(ctx(expired, T0 + 35_000, { agent: fifth, peers, config: turns, ...gone })), 'five turns later');
  assert.ok(g.canClaim(ctx(expired, T0 + 30_001, { agent: fifth, config: turns, ...gone })), 'a TICK that names no peers: everyone\'s turn');
  assert.ok(g.canClaim(ctx(expired, T0 + 30_001, { agent: fifth, peers, ...gone })), 'no turns configured: everyone at once');
  // A released claim is free at once, in turns from its release (not from the event's creation: no herd).
  const released = { phase: 'Monitoring' as const, claim: { ...expired.claim, renewedAt: iso(T0 + 20_000), releasedAt: iso(T0 + 20_000) } };
  assert.ok(g.canClaim(ctx(released, T0 + 20_000, { agent: first, peers, config: turns })));
  assert.not.ok(g.canClaim(ctx(released, T0 + 20_000, { agent: fifth, peers, config: turns })));
  assert.ok(g.canClaim(ctx(released, T0 + 25_000, { agent: fifth, peers, config: turns })));
  // The holder's node is no candidate for its own takeover.
  const onHolder = agents[ranks.indexOf(1)];
  const heldThere = { ...expired, claim: { ...expired.claim, holderNode: first?.nodeName } };
  assert.is(g.claimRank(ctx(heldThere, T0, { agent: onHolder, peers, config: turns })), 0, 'the second moves up when the first holds the claim');
  // The node of the on-demand instance is no candidate, and an agent on a node not listed comes last.
  const withOnDemand = [...peers, seedEvent().spec.onDemandNodeName];
  assert.is(g.claimRank(ctx({ phase: 'Pending' }, T0, { agent: first, peers: withOnDemand, config: turns })), 0);
  assert.ok(g.claimRank(ctx({ phase: 'Pending' }, T0, { agent: { id: 'new', nodeName: 'ip-10-9-9-9' }, peers: peers.slice(0, 3), config: turns })) <= 3);

  // The delete after the TTL takes turns the same way.
  const done = { phase: 'Completed' as const, completionTime: iso(T0) };
  const ttl = T0 + config.ttlMs;
  assert.ok(g.mayDelete(ctx(done, ttl, { agent: first, peers, config: turns })));
  assert.not.ok(g.mayDelete(ctx(done, ttl, { agent: fifth, peers, config: turns })));
  assert.ok(g.mayDelete(ctx(done, ttl + 5000, { agent: fifth, peers, config: turns })));
});

test('claim turns: nodes named in sequence do not rank together (agents on only some of them still come early)', () => {
  const peers = Array.from({ length: 300 }, (_, i) => `ip-10-0-${Math.floor(i / 250)}-${i % 250}`);
  const best: number[] = [];
  for (let e = 0; e < 100; e++) {
    const c = ctx({ phase: 'Pending' }, T0, { peers });
    const object = { ...c.object, metadata: { ...c.object.metadata, name: `fallback-17959${String(e).padStart(5, '0')}-ab${e}` } };
    // The agents run on the first 100 nodes by name only: the best of them, among all 300.
    best.push(Math.min(...peers.slice(0, 100).map((nodeName) => g.claimRank({ ...c, object, agent: { id: nodeName, nodeName } }))));
  }
  best.sort((a, b) => a - b);
  // Spread at random, the best of 100 among 300 is ranked about 2nd; FNV-1a alone gave a median of 21.
  assert.ok((best[50] ?? Infinity) <= 4, `median best rank ${best[50]} (ranks ${best.join(',')})`);
  assert.ok((best[99] ?? Infinity) <= 30, `worst best rank ${best[99]}`);
});

test('canClaim: only when no valid claim, and never by the agent on the on-demand node', () => {
  assert.ok(g.canClaim(ctx()));
  assert.not.ok(g.canClaim(ctx({}, T0, { agent: agentOnDemand })));
  assert.not.ok(g.canClaim(ctx({ claim: claimBy(agentC.id, T0) }, T0 + 1000)));
  assert.ok(g.canClaim(ctx({ claim: claimBy(agentC.id, T0) }, T0 + 31_000, leaseRead(T0 + 31_000, agentC.id, T0))), 'takeover after the lease expired, as its Lease shows');
  assert.not.ok(g.canClaim(ctx({ claim: claimBy(agentC.id, T0) }, T0 + 31_000, leaseRead(T0 + 31_000, agentC.id, T0 + 20_000))), 'the holder renewed its Lease');
  assert.not.ok(g.eligible(ctx({}, T0, { agent: agentOnDemand })));
});

test('untrustedReason names what is wrong and accepts the seed event', () => {
  assert.is(g.untrustedReason(ctx()), undefined);
  const bad = (spec: object) => {
    const c = ctx();
    return g.untrustedReason({ ...c, object: { ...c.object, spec: { ...c.object.spec, ...spec } } });
  };
  assert.match(bad({ spotASGName: 'someone-elses-asg' }) ?? '', 'spot ASG someone-elses-asg is not in the configured ASG pairs');
  assert.match(bad({ onDemandASGName: 'other-od' }) ?? '', 'is not the configured pair of my-spot-asg');
  assert.match(bad({ onDemandInstanceID: undefined }) ?? '', 'onDemandInstanceID is missing');
  assert.match(bad({ minimumWaitDuration: 'ten minutes' }) ?? '', 'not a duration');
  assert.match(bad({ timestamp: 'yesterday' }) ?? '', 'not a time');
});

test('minimumWaitElapsed uses spec.minimumWaitDuration, else the configured default', () => {
  assert.not.ok(g.minimumWaitElapsed(ctx({}, T0 + 10 * MIN - 1)));
  assert.ok(g.minimumWaitElapsed(ctx({}, T0 + 10 * MIN)));
  const c = ctx({}, T0 + 5 * MIN);
  const fiveMinutes = { ...c, object: { ...c.object, spec: { ...c.object.spec, minimumWaitDuration: '5m' } } };
  assert.ok(g.minimumWaitElapsed(fiveMinutes));
  const none = { ...c, object: { ...c.object, spec: { ...c.object.spec, minimumWaitDuration: undefined } }, config: { ...config, minimumWaitMs: 5 * MIN } };
  assert.ok(g.minimumWaitElapsed(none));
});

test('isHealthy: InService == Desired, nothing scaling, every spot node Ready, desired at least 1', () => {
  assert.ok(g.isHealthy(observation(true, T0)));
  assert.not.ok(g.isHealthy(observation(false, T0)));
  const h = observation(true, T0);
  assert.not.ok(g.isHealthy({ ...h, inService: 2 }));
  assert.not.ok(g.isHealthy({ ...h, activitiesInProgress: 1 }));
  assert.not.ok(g.isHealthy({ ...h, nodesReady: 2 }), 'a NotReady spot node');
  assert.not.ok(g.isHealthy({ ...h, nodesReady: 2, nodesTotal: 2 }), 'an InService instance whose node has not registered');
  assert.not.ok(g.isHealthy({ ...h, desired: 0, inService: 0, nodesReady: 0, nodesTotal: 0 }), 'an empty ASG restores nothing');
});

test('freshlyHealthy: a healthy observation no older than healthStaleAfterMs', () => {
  assert.ok(g.freshlyHealthy(ctx({}, T0 + MIN, { observation: observation(true, T0) })));
  assert.not.ok(g.freshlyHealthy(ctx({}, T0 + MIN + 1, { observation: observation(true, T0) })));
  assert.not.ok(g.freshlyHealthy(ctx({}, T0, { observation: observation(false, T0) })));
  assert.not.ok(g.freshlyHealthy(ctx({}, T0)), 'no observation at all');
});

test('firstLookDue: the holder records spot once after taking the claim, then only when health begins or is lost', () => {
  const claim = claimBy(agentB.id, T0);
  const seen = (by: string, at: number) => ({ inService: 2, desired: 3, activitiesInProgress: 1, nodesReady: 2, nodesTotal: 2, healthy: false, observedAt: iso(at), observedBy: by });
  assert.ok(g.firstLookDue(ctx({ phase: 'Monitoring', claim }, T0)), 'nothing recorded yet');
  assert.ok(g.firstLookDue(ctx({ phase: 'Monitoring', claim, spotHealth: seen(agentC.id, T0 + 1000) }, T0)), 'recorded by the previous holder');
  assert.ok(g.firstLookDue(ctx({ phase: 'Monitoring', claim, spotHealth: seen(agentB.id, T0 - config.healthStaleAfterMs - 1000) }, T0)), 'recorded by this agent under an earlier claim');
  assert.not.ok(g.firstLookDue(ctx({ phase: 'Monitoring', claim, spotHealth: seen(agentB.id, T0 - 1000) }, T0)), 'recorded with the claim (the commit of Monitoring carries the look just before it)');
  assert.not.ok(g.firstLookDue(ctx({ phase: 'Monitoring', claim, spotHealth: seen(agentB.id, T0 + 1000) }, T0 + 60_000)), 'recorded under this claim: no write per observation');
});

test('healthBegan and healthLost depend on spotHealthySince', () => {
  const healthy = observation(true, T0);
  const sick = observation(false, T0);
  assert.ok(g.healthBegan(ctx({ phase: 'Monitoring' }), healthy));
  assert.not.ok(g.healthBegan(ctx({ phase: 'Monitoring', spotHealthySince: iso(T0) }), healthy));
  assert.ok(g.healthLost(ctx({ phase: 'Monitoring', spotHealthySince: iso(T0) }), sick));
  assert.not.ok(g.healthLost(ctx({ phase: 'Monitoring' }), sick));
});

test('stableLongEnough needs the window and a fresh healthy observation', () => {
  const status = { phase: 'Monitoring' as const, spotHealthySince: iso(T0) };
  const fresh = observation(true, T0 + 2 * MIN);
  assert.ok(g.stableLongEnough(ctx(status, T0 + 2 * MIN, { observation: fresh })));
  assert.not.ok(g.stableLongEnough(ctx(status, T0 + 2 * MIN - 1, { observation: fresh })), 'window not over');
  assert.not.ok(g.stableLongEnough(ctx(status, T0 + 4 * MIN, { observation: fresh })), 'observation older than healthStaleAfterMs');
  assert.not.ok(g.stableLongEnough(ctx(status, T0 + 2 * MIN, { observation: observation(false, T0 + 2 * MIN) })));
  assert.not.ok(g.stableLongEnough(ctx({ phase: 'Monitoring' }, T0 + 2 * MIN, { observation: fresh })), 'no window started');
});

test('latestObservation falls back to what the last holder recorded in status', () => {
  const recorded = { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, observedAt: iso(T0) };
  const o = g.latestObservation(ctx({ phase: 'Monitoring', spotHealth: recorded }));
  assert.equal(o, { inService: 3, desired: 3, activitiesInProgress: 0, nodesReady: 3, nodesTotal: 3, observedAt: T0 });
  assert.is(g.latestObservation(ctx()), undefined);
});

test('checksDue and stepRetryDue pace re-runs', () => {
  assert.ok(g.checksDue(ctx()));
  assert.not.ok(g.checksDue(ctx({}, T0 + 29_999, { lastCheckAt: T0 })));
  assert.ok(g.checksDue(ctx({}, T0 + 30_000, { lastCheckAt: T0 })));
  assert.ok(g.stepRetryDue(ctx(), 'drain'));
  assert.not.ok(g.stepRetryDue(ctx({}, T0 + 9_999, { lastStepFailureAt: T0 }), 'drain'), 'a failure this actor could not record');
  assert.ok(g.stepRetryDue(ctx({}, T0 + 10_000, { lastStepFailureAt: T0 }), 'drain'));
});

test('stepRetryDue waits for the next attempt time recorded in status, whoever recorded it', () => {
  const status: FallbackEventStatus = { phase: 'ScalingDown', scaleDown: { terminate: { attempts: 4, nextAttemptAt: iso(T0 + 80_000) }, rollback: { reason: 'r', requestedAt: iso(T0), nextAttemptAt: iso(T0 + 20_000) } } };
  assert.not.ok(g.stepRetryDue(ctx(status, T0 + 79_999), 'terminate'), 'an agent that took the claim over keeps the backoff');
  assert.ok(g.stepRetryDue(ctx(status, T0 + 80_000), 'terminate'));
  assert.ok(g.stepRetryDue(ctx(status, T0), 'drain'), 'another step has its own record');
  assert.not.ok(g.stepRetryDue(ctx(status, T0 + 19_999), 'rollback'));
  assert.ok(g.stepRetryDue(ctx(status, T0 + 20_000), 'rollback'));
});

test('retryDelayMs doubles from the step retry backoff up to its cap, and never overflows', () => {
  assert.equal([1, 2, 3, 4, 5, 50, 5000].map((n) => g.retryDelayMs(config, n)), [10_000, 20_000, 40_000, 40_000, 40_000, 40_000, 40_000]);
  const shipped = { ...config, stepRetryBackoffMs: 30_000, stepRetryMaxBackoffMs: 600_000 };
  assert.equal([1, 2, 3, 4, 5, 6].map((n) => g.retryDelayMs(shipped, n)), [30_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
});

test('needsAttention: from maxStepAttempts attempts on, which only reports (it never fails the event)', () => {
  assert.not.ok(g.needsAttention(config, config.maxStepAttempts - 1));
  assert.ok(g.needsAttention(config, config.maxStepAttempts));
  assert.ok(g.needsAttention(config, 1000));
});

test('rollbackPending: asked for and not yet done', () => {
  assert.not.ok(g.rollbackPending(seedEvent({ phase: 'ScalingDown' })));
  assert.ok(g.rollbackPending(seedEvent({ phase: 'ScalingDown', scaleDown: { rollback: { reason: 'r', requestedAt: iso(T0) } } })));
  assert.not.ok(g.rollbackPending(seedEvent({ phase: 'Failed', scaleDown: { rollback: { reason: 'r', requestedAt: iso(T0), completedAt: iso(T0) } } })));
});

test('asgGone: an ASG missing in asgMissingObservations observations in a row, never in one', () => {
  const gone = missing(['my-spot-asg'], T0);
  assert.not.ok(g.asgGone(ctx({ phase: 'Monitoring' }), gone), 'one empty answer is not proof');
  assert.ok(g.asgGone(ctx({ phase: 'Monitoring' }, T0, { asgMissingCount: 1 }), gone));
  assert.not.ok(g.asgGone(ctx({ phase: 'Monitoring' }, T0, { asgMissingCount: 5 }), observation(false, T0)), 'found again');
  assert.ok(g.asgGone(ctx({ phase: 'Monitoring' }, T0, { config: { ...config, asgMissingObservations: 1 } }), gone));
});

test('blockRecorded: SafetyChecksPassed=False with the blocking check as reason and the checks\' words as message', () => {
  const reason = 'PDB default/web allows 0 disruptions, the node has 2 of its pods';
  const condition = (status: 'True' | 'False' | 'Unknown', why: string, message: string) => ({ type: 'SafetyChecksPassed', status, reason: why, message, lastTransitionTime: iso(T0) });
  const object = (c: ReturnType<typeof condition>, message?: string) => seedEvent({ phase: 'ReadyForScaleDown', conditions: [c], ...(message ? { message } : {}) });
  assert.ok(g.blockRecorded(object(condition('False', 'DisruptionBudget', reason)), reason, 'pdb'));
  assert.ok(g.blockRecorded(object(condition('False', 'Blocked', reason)), reason), 'a block of unknown origin');
  assert.not.ok(g.blockRecorded(object(condition('False', 'PodsDoNotFit', reason)), reason, 'pdb'), 'another check');
  assert.not.ok(g.blockRecorded(object(condition('False', 'DisruptionBudget', 'PDB default/api allows 0 disruptions')), reason, 'pdb'), 'other words');
  assert.not.ok(g.blockRecorded(object(condition('Unknown', 'NotChecked', reason)), reason, 'pdb'), 'not checked this round');
  assert.not.ok(g.blockRecorded(object(condition('True', 'Passed', reason)), reason, 'pdb'));
  // The message is for people: it neither records a block nor hides one.
  assert.not.ok(g.blockRecorded(seedEvent({ phase: 'ReadyForScaleDown', message: `Scale-down waits: ${reason}` }), reason, 'pdb'));
  assert.ok(g.blockRecorded(object(condition('False', 'DisruptionBudget', reason), 'something else'), reason, 'pdb'));
  assert.is(g.blockedReason('drain'), 'DrainRefused');
  assert.is(g.blockedReason(undefined), 'Blocked');
});

test('currentStep is the first step without completedAt', () => {
  assert.is(g.currentStep(seedEvent({ phase: 'ScalingDown' })), 'taint');
  assert.is(g.currentStep(seedEvent({ phase: 'ScalingDown', scaleDown: { taint: { completedAt: iso(T0) }, cordon: { completedAt: iso(T0) } } })), 'drain');
  const all = Object.fromEntries(['taint', 'cordon', 'drain', 'waitForReschedule', 'terminate'].map((k) => [k, { completedAt: iso(T0) }]));
  assert.is(g.currentStep(seedEvent({ phase: 'ScalingDown', scaleDown: all })), undefined);
});

test('expired and mayDelete: terminal events past the TTL from completionTime', () => {
  const done = { phase: 'Completed' as const, completionTime: iso(T0) };
  assert.not.ok(g.expired(ctx(done, T0 + config.ttlMs - 1)));
  assert.ok(g.expired(ctx(done, T0 + config.ttlMs)));
  assert.not.ok(g.expired(ctx({ phase: 'Monitoring', completionTime: iso(T0) }, T0 + 2 * config.ttlMs)), 'only terminal events expire');
  assert.ok(g.mayDelete(ctx(done, T0 + config.ttlMs)));
  assert.not.ok(g.mayDelete(ctx({ ...done, claim: claimBy(agentC.id, T0 + config.ttlMs) }, T0 + config.ttlMs)), 'another holder still has it');
});

test.run();
