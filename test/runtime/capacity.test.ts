// Exactly-N capacity (DESIGN.md invariant 1, and the withdraw half of invariant 2) against a
// real API server (the Lease lock and ledger) and moto (the ASG): concurrent agents, a control
// run without the lock that must lose updates, retries, agents that died halfway, lock
// takeover and the max-size stop.
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScaling } from '../../runtime/autoscaling.aws.js';
import { AsgLeaseLocks, HOLDER_PROCESS_ANNOTATION, LEDGER_ANNOTATION, asgLeaseName, type AsgLeaseLockOptions } from '../../runtime/capacity/asg-lock.kube.js';
import { LedgeredCapacity } from '../../runtime/capacity/capacity.js';
import { CapacityError, type CapacityOutcome } from '../../runtime/capacity/capacity.port.js';
import { parseLedger, type Ledger } from '../../runtime/capacity/ledger.js';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { waitUntil } from '../../dev/sandbox/supervisor.js';
import { startMoto, type Moto } from '../harness/moto.js';

const NS = 'kube-system';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

interface Ctx {
  plane: ControlPlane;
  moto: Moto;
  leases: CoordinationV1Api;
  admin: AwsAutoScaling;
  clients: AwsAutoScaling[];
}
const test = suite<Ctx>('exactly-N capacity (lease lock + ledger, moto)');

let asgCount = 0;
async function createAsg(ctx: Ctx, sizes: { min?: number; max?: number; desired?: number } = {}): Promise<string> {
  const name = `spot-${++asgCount}`;
  const client = new AutoScalingClient({ region: 'us-east-1', endpoint: ctx.moto.endpoint, credentials });
  try {
    await client.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchConfigurationName: 'lc',
        MinSize: sizes.min ?? 0,
        MaxSize: sizes.max ?? 20,
        DesiredCapacity: sizes.desired ?? 3,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
  } finally {
    client.destroy();
  }
  return name;
}

function aws(ctx: Ctx): AwsAutoScaling {
  const client = new AwsAutoScaling({ region: 'us-east-1', endpoint: ctx.moto.endpoint, credentials });
  ctx.clients.push(client);
  return client;
}

/** One agent: its own Kubernetes client, its own AWS client, its own holder identity. */
function agent(ctx: Ctx, holderIdentity: string, lock: Partial<AsgLeaseLockOptions> = {}, acquireTimeoutMs?: number) {
  const locks = new AsgLeaseLocks(ctx.plane.kubeConfig(), { holderIdentity, namespace: NS, leaseDurationSeconds: 15, ...lock });
  return new LedgeredCapacity(locks, aws(ctx), { acquireTimeoutMs, now: lock.now });
}

async function desired(ctx: Ctx, asg: string): Promise<number> {
  const [group] = await ctx.admin.describeGroups([asg]);
  assert.ok(group, `asg ${asg} exists`);
  return group.desired;
}

async function instancesOf(ctx: Ctx, asg: string): Promise<string[]> {
  const [group] = await ctx.admin.describeGroups([asg]);
  return (group?.instances ?? []).filter((i) => /^(Pending|InService)/.test(i.lifecycleState)).map((i) => i.instanceId).sort();
}

async function readLease(ctx: Ctx, asg: string): Promise<V1Lease> {
  return ctx.leases.readNamespacedLease({ name: asgLeaseName(asg), namespace: NS });
}

async function ledgerOf(ctx: Ctx, asg: string): Promise<Ledger> {
  const ledger = parseLedger((await readLease(ctx, asg)).metadata?.annotations?.[LEDGER_ANNOTATION]);
  assert.ok(ledger, 'the ledger parses');
  return ledger;
}

/** A lease as a dead or live agent would have left it. */
async function plantLease(ctx: Ctx, asg: string, lease: { holder?: string; renewedAt: number; durationSeconds: number; ledger?: Ledger | string }): Promise<void> {
  const ledger = typeof lease.ledger === 'string' ? lease.ledger : JSON.stringify(lease.ledger ?? {});
  await ctx.leases.createNamespacedLease({
    namespace: NS,
    body: {
      metadata: { name: asgLeaseName(asg), namespace: NS, annotations: { [LEDGER_ANNOTATION]: ledger } },
      spec: { holderIdentity: lease.holder, leaseDurationSeconds: lease.durationSeconds, renewTime: new V1MicroTime(lease.renewedAt), acquireTime: new V1MicroTime(lease.renewedAt) },
    },
  });
}

async function clearHolder(ctx: Ctx, asg: string): Promise<void> {
  const lease = await readLease(ctx, asg);
  const { holderIdentity: _gone, ...spec } = lease.spec ?? {};
  await ctx.leases.replaceNamespacedLease({ name: asgLeaseName(asg), namespace: NS, body: { ...lease, spec } });
}

const intent = (from: number, to: number) => ({ from, to, state: 'intent' as const, at: new Date().toISOString() });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return assert.unreachable('must fail');
}

test.before(async (ctx) => {
  [ctx.plane, ctx.moto] = await Promise.all([startControlPlane(), startMoto()]);
  ctx.leases = ctx.plane.kubeConfig().makeApiClient(CoordinationV1Api);
  ctx.clients = [];
  ctx.admin = aws(ctx);
  const client = new AutoScalingClient({ region: 'us-east-1', endpoint: ctx.moto.endpoint, credentials });
  await client.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: 'ami-12c6146b', InstanceType: 'm5.large' }));
  client.destroy();
});
test.after(async (ctx) => {
  for (const c of ctx.clients ?? []) c.destroy();
  await Promise.all([ctx.plane?.stop(), ctx.moto?.stop()]);
});

test('lease names are DNS-1123 labels, and names that had to change never share a lease', () => {
  assert.is(asgLeaseName('my-spot-asg'), 'spot-guard-asg-my-spot-asg');
  const names = ['My_Spot_ASG', 'my-spot-asg', 'eks-' + 'x'.repeat(120) + '-a', 'eks-' + 'x'.repeat(120) + '-b', '___'];
  const leases = names.map(asgLeaseName);
  for (const n of leases) assert.ok(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) && n.length <= 63, n);
  assert.is(new Set(leases).size, names.length);
});

test('10 agents raising at once end at exactly desired + 10, round after round, and 10 withdraws return it', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3, max: 20 });
  const agents = Array.from({ length: 10 }, (_, i) => agent(ctx, `agent-${i}`));
  const original = await instancesOf(ctx, asg);
  for (let round = 1; round <= 3; round++) {
    const ids = agents.map((_, i) => `ip-10-0-0-${i}.ec2.internal@2025-01-15T10:0${round}:00Z`);
    const raised = await Promise.all(agents.map((a, i) => a.increment(asg, ids[i] ?? '')));
    assert.ok(raised.every((r) => r.outcome === 'raised'), JSON.stringify(raised));
    const tos = raised.map((r) => (r.outcome === 'raised' ? r.to : 0)).sort((a, b) => a - b);
    assert.equal(tos, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], `round ${round}: each agent raised a different step`);
    assert.is(await desired(ctx, asg), 13, `round ${round}`);
    const ledger = await ledgerOf(ctx, asg);
    assert.equal(ids.map((id) => ledger[id]?.increment?.state), Array<string>(10).fill('applied'));

    const withdrawn = await Promise.all(agents.map((a, i) => a.withdraw(asg, ids[i] ?? '')));
    assert.ok(withdrawn.every((w) => w.outcome === 'withdrawn'), JSON.stringify(withdrawn));
    assert.is(await desired(ctx, asg), 3, `round ${round}: back where it started`);
    assert.equal(await instancesOf(ctx, asg), original, `round ${round}: each withdraw took back an instance launched for it, never one that was there before`);
  }
  assert.is((await readLease(ctx, asg)).spec?.holderIdentity, undefined, 'the lock is free afterwards');
});

test('control: the same 10 agents doing describe-then-set without the lock lose updates', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3, max: 20 });
  const clients = Array.from({ length: 10 }, () => aws(ctx));
  const ends: number[] = [];
  for (let round = 0; round < 5; round++) {
    await ctx.admin.setDesiredCapacity(asg, 3);
    await Promise.all(
      clients.map(async (c) => {
        const [group] = await c.describeGroups([asg]);
        await c.setDesiredCapacity(asg, (group?.desired ?? 0) + 1);
      }),
    );
    ends.push(await desired(ctx, asg));
  }
  console.log(`  naive rounds ended at ${ends.join(', ')} (exact would be 13)`);
  assert.ok(ends.some((d) => d < 13), `no lost update in ${ends.join(', ')}`);
});

test('retries: a second increment or withdraw with the same requestId changes nothing', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  const a = agent(ctx, 'agent-a');
  assert.equal(await a.increment(asg, 'n1@t1'), { outcome: 'raised', from: 3, to: 4 });
  assert.equal(await agent(ctx, 'agent-b').increment(asg, 'n1@t1'), { outcome: 'already', from: 3, to: 4 }, 'even from another agent');
  assert.is(await desired(ctx, asg), 4);
  const withdrawn = await a.withdraw(asg, 'n1@t1');
  assert.equal(withdrawn, { outcome: 'withdrawn', from: 4, to: 3, instance: withdrawn.instance });
  assert.ok(withdrawn.instance, 'moto launched the increment at once: the withdraw took that instance back');
  assert.equal(await a.withdraw(asg, 'n1@t1'), { outcome: 'already', from: 4, to: 3, instance: withdrawn.instance });
  assert.is(await desired(ctx, asg), 3);
  assert.equal(await a.withdraw(asg, 'never-raised@t1'), { outcome: 'nothingToWithdraw' });
  assert.is(await desired(ctx, asg), 3);
  assert.equal(await a.increment(asg, 'n1@t1'), { outcome: 'already', from: 3, to: 4 }, 'a withdrawn request is not raised again');
  assert.is(await desired(ctx, asg), 3);
});

test('the ASG never picks the victim: a withdraw terminates the named instance, else one launched for the increment that is not serving, else nothing', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  const a = agent(ctx, 'agent-a');
  const original = await instancesOf(ctx, asg);
  await a.increment(asg, 'n1@t1');
  assert.equal([...((await ledgerOf(ctx, asg))['n1@t1']?.increment?.before ?? [])].sort(), original, 'the ledger keeps what the group had before');
  const [launched] = (await instancesOf(ctx, asg)).filter((id) => !original.includes(id));
  assert.ok(launched, 'moto launched the increment at once');

  assert.equal(await a.withdraw(asg, 'n1@t1', { serving: (id) => id === launched }), { outcome: 'noSpareInstance', from: 4, to: 4, serving: [launched] }, 'the only new instance is serving');
  assert.is(await desired(ctx, asg), 4, 'nothing changed');

  assert.equal(await a.withdraw(asg, 'n1@t1'), { outcome: 'withdrawn', from: 4, to: 3, instance: launched });
  assert.equal(await instancesOf(ctx, asg), original);
  assert.equal((await ledgerOf(ctx, asg))['n1@t1']?.withdraw?.instance, launched, 'the ledger names what it terminated');

  // The interrupted at-risk instance, once drained, goes with the decrement instead.
  const [atRisk] = original;
  assert.ok(atRisk);
  await a.increment(asg, 'n2@t1');
  const withNew = await instancesOf(ctx, asg);
  assert.equal(await a.withdraw(asg, 'n2@t1', { victim: atRisk }), { outcome: 'withdrawn', from: 4, to: 3, instance: atRisk });
  assert.equal(await instancesOf(ctx, asg), withNew.filter((id) => id !== atRisk), 'the new instance stays as the replacement');
});

test('withdraw never goes below MinSize', async (ctx) => {
  const asg = await createAsg(ctx, { min: 3, desired: 3 });
  const a = agent(ctx, 'agent-a');
  assert.is((await a.increment(asg, 'n1@t1')).outcome, 'raised');
  await ctx.admin.setDesiredCapacity(asg, 3);
  assert.equal(await a.withdraw(asg, 'n1@t1'), { outcome: 'nothingToWithdraw', from: 3, to: 3 });
  assert.is(await desired(ctx, asg), 3);
});

test('an intent left by a dead agent whose call never landed is applied exactly once by the retry', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await plantLease(ctx, asg, { holder: 'dead', renewedAt: Date.now() - 120_000, durationSeconds: 15, ledger: { 'n1@t1': { increment: intent(3, 4) } } });
  const retry = agent(ctx, 'dead-restarted');
  assert.equal(await retry.increment(asg, 'n1@t1'), { outcome: 'raised', from: 3, to: 4 });
  assert.equal(await retry.increment(asg, 'n1@t1'), { outcome: 'already', from: 3, to: 4 });
  assert.is(await desired(ctx, asg), 4);
  assert.equal((await ledgerOf(ctx, asg))['n1@t1']?.increment?.state, 'applied');
});

test('an intent left by a dead agent whose call did land is marked applied, not raised again', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await ctx.admin.setDesiredCapacity(asg, 4);
  await plantLease(ctx, asg, { holder: 'dead', renewedAt: Date.now() - 120_000, durationSeconds: 15, ledger: { 'n1@t1': { increment: intent(3, 4) } } });
  assert.equal(await agent(ctx, 'dead-restarted').increment(asg, 'n1@t1'), { outcome: 'already', from: 3, to: 4 });
  assert.is(await desired(ctx, asg), 4);
  const step = (await ledgerOf(ctx, asg))['n1@t1']?.increment;
  assert.is(step?.state, 'applied');
  assert.is(step?.unconfirmed, undefined);
});

test('another agent settles a dead agent\'s unlanded intent without losing either request', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await plantLease(ctx, asg, { holder: 'dead', renewedAt: Date.now() - 120_000, durationSeconds: 15, ledger: { 'dead@t1': { increment: intent(3, 4) } } });
  assert.equal(await agent(ctx, 'other').increment(asg, 'other@t1'), { outcome: 'raised', from: 3, to: 4 });
  assert.is((await ledgerOf(ctx, asg))['dead@t1'], undefined, 'the unlanded intent was dropped, not applied on the dead agent\'s behalf');
  assert.equal(await agent(ctx, 'dead-restarted').increment(asg, 'dead@t1'), { outcome: 'raised', from: 4, to: 5 });
  assert.is(await desired(ctx, asg), 5, 'two requests, two instances');
});

test('an intent overtaken by someone outside the lock is left alone and never withdrawn', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await ctx.admin.setDesiredCapacity(asg, 6);
  await plantLease(ctx, asg, { holder: 'dead', renewedAt: Date.now() - 120_000, durationSeconds: 15, ledger: { 'n1@t1': { increment: intent(3, 4) } } });
  const a = agent(ctx, 'dead-restarted');
  assert.equal(await a.increment(asg, 'n1@t1'), { outcome: 'already', from: 3, to: 4 });
  assert.equal(await a.withdraw(asg, 'n1@t1'), { outcome: 'nothingToWithdraw' });
  assert.is(await desired(ctx, asg), 6);
  assert.equal((await ledgerOf(ctx, asg))['n1@t1']?.increment?.unconfirmed, { seen: 6 });
});

test('a lease held by a dead agent is taken over once its renewTime has expired', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await plantLease(ctx, asg, { holder: 'dead', renewedAt: Date.now() - 60_000, durationSeconds: 15 });
  const started = Date.now();
  assert.equal(await agent(ctx, 'heir').increment(asg, 'n1@t1'), { outcome: 'raised', from: 3, to: 4 });
  assert.ok(Date.now() - started < 15_000, 'no waiting for a lease that had long expired');
  const lease = await readLease(ctx, asg);
  assert.is(lease.spec?.leaseTransitions, 1);
  assert.is(lease.spec?.holderIdentity, undefined, 'released');
});

test('a fresh lease blocks until its holder releases it, or until the clock passes its expiry', async (ctx) => {
  for (const ending of ['released', 'expired'] as const) {
    const asg = await createAsg(ctx, { desired: 3 });
    let clock = Date.now();
    await plantLease(ctx, asg, { holder: 'alive', renewedAt: clock, durationSeconds: 10 });
    let waits = 0;
    let settled: CapacityOutcome | undefined;
    const pending = agent(ctx, 'waiter', { now: () => clock, onWait: () => waits++ }).increment(asg, 'n1@t1');
    void pending.then((r) => (settled = r)).catch(() => undefined);
    await waitUntil(() => Promise.resolve(waits >= 5), { what: 'the waiter to find the lock held 5 times', timeoutMs: 60_000 });
    assert.is(settled, undefined, `${ending}: still waiting`);
    assert.is(await desired(ctx, asg), 3);
    if (ending === 'released') await clearHolder(ctx, asg);
    else clock += 10_001;
    assert.equal(await pending, { outcome: 'raised', from: 3, to: 4 }, ending);
    assert.is(await desired(ctx, asg), 4);
  }
});

test('terminating an instance with its decrement waits for the lock like any other change of desired capacity', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  const [group] = await ctx.admin.describeGroups([asg]);
  const victim = group?.instances[0]?.instanceId ?? '';
  await plantLease(ctx, asg, { holder: 'raising', renewedAt: Date.now(), durationSeconds: 10 });
  let waits = 0;
  let done = false;
  const pending = agent(ctx, 'terminator', { onWait: () => waits++ }).terminate(asg, victim);
  void pending.then(() => (done = true)).catch(() => undefined);
  await waitUntil(() => Promise.resolve(waits >= 5), { what: 'the terminator to find the lock held 5 times', timeoutMs: 60_000 });
  // While another agent holds the lock (say, between its read of desired 3 and its write of 4),
  // nothing is terminated and desired capacity is not lowered under it.
  assert.is(done, false);
  assert.is(await desired(ctx, asg), 3);
  assert.is((await ctx.admin.describeInstance(victim))?.lifecycleState, 'InService');
  await clearHolder(ctx, asg);
  await pending;
  assert.is(await desired(ctx, asg), 2, 'the decrement went with the instance');
  assert.match((await ctx.admin.describeInstance(victim))?.lifecycleState ?? 'gone', /^Terminat|gone/);
  assert.is((await readLease(ctx, asg)).spec?.holderIdentity ?? undefined, undefined, 'the lock is released');
});

test('waiting is bounded: a lock held throughout is a LockTimeout and nothing changes', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await plantLease(ctx, asg, { holder: 'alive', renewedAt: Date.now(), durationSeconds: 3600 });
  const started = Date.now();
  const err = await rejection(agent(ctx, 'impatient', {}, 1500).increment(asg, 'n1@t1'));
  assert.instance(err, CapacityError);
  assert.is((err as CapacityError).code, 'LockTimeout');
  assert.ok(Date.now() - started >= 1500);
  assert.is(await desired(ctx, asg), 3);
  assert.is((await readLease(ctx, asg)).spec?.holderIdentity, 'alive');
});

test('a holder whose lease was taken over cannot write the ledger any more', async (ctx) => {
  const asg = await createAsg(ctx);
  let clock = Date.now();
  const options = { namespace: NS, leaseDurationSeconds: 10, now: () => clock };
  const first = await new AsgLeaseLocks(ctx.plane.kubeConfig(), { ...options, holderIdentity: 'slow' }).acquire(asg, 5000);
  clock += 10_001;
  const second = await new AsgLeaseLocks(ctx.plane.kubeConfig(), { ...options, holderIdentity: 'next' }).acquire(asg, 5000);
  const err = await rejection(first.writeLedger({ 'late@t1': { increment: intent(3, 4) } }));
  assert.is((err as CapacityError).code, 'LockLost');
  await first.release();
  assert.is((await readLease(ctx, asg)).spec?.holderIdentity, 'next', 'the late release did not free the new holder\'s lock');
  await second.release();
  assert.equal(await ledgerOf(ctx, asg), {});
});

test('a withdraw of a request that never raised closes it: an increment of it still in flight raises nothing', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  const a = agent(ctx, 'agent-a');
  assert.equal(await a.withdraw(asg, 'late@t1'), { outcome: 'nothingToWithdraw' });
  assert.equal((await ledgerOf(ctx, asg))['late@t1']?.withdraw, { ...(await ledgerOf(ctx, asg))['late@t1']?.withdraw, from: 3, to: 3, state: 'applied' }, 'closed on record, with nothing changed');
  assert.equal(await agent(ctx, 'agent-b').increment(asg, 'late@t1'), { outcome: 'closed' });
  assert.is(await desired(ctx, asg), 3, 'the late increment raised nothing');
  assert.equal(await a.withdraw(asg, 'late@t1'), { outcome: 'already', from: 3, to: 3 }, 'and a second withdraw changes nothing either');
  assert.is(await desired(ctx, asg), 3);
});

test('a restarted container of the same pod takes the lock its dead predecessor held at once; a second caller in the same process still waits', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  const options = { namespace: NS, leaseDurationSeconds: 3600 };
  // The first container took the lock (lease of an hour) and was killed holding it.
  const dead = new AsgLeaseLocks(ctx.plane.kubeConfig(), { ...options, holderIdentity: 'spot-guard-abcde', holderProcess: 'container-1' });
  await dead.acquire(asg, 5000);
  assert.is((await readLease(ctx, asg)).metadata?.annotations?.[HOLDER_PROCESS_ANNOTATION], 'container-1');

  const restarted = new AsgLeaseLocks(ctx.plane.kubeConfig(), { ...options, holderIdentity: 'spot-guard-abcde', holderProcess: 'container-2' });
  const held = await restarted.acquire(asg, 2000);
  assert.is((await readLease(ctx, asg)).metadata?.annotations?.[HOLDER_PROCESS_ANNOTATION], 'container-2', 'taken without waiting out the hour');
  const err = await rejection(restarted.acquire(asg, 1000));
  assert.is((err as CapacityError).code, 'LockTimeout', 'its own process does not enter twice');
  const other = await rejection(new AsgLeaseLocks(ctx.plane.kubeConfig(), { ...options, holderIdentity: 'spot-guard-fghij' }).acquire(asg, 1000));
  assert.is((other as CapacityError).code, 'LockTimeout', 'another pod waits for the lease');
  await held.release();
});

test('desired at MaxSize is atMaxSize: nothing raised, nothing written to the ledger', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3, max: 3 });
  assert.equal(await agent(ctx, 'a').increment(asg, 'n1@t1'), { outcome: 'atMaxSize', desired: 3, max: 3 });
  assert.is(await desired(ctx, asg), 3);
  assert.equal(await ledgerOf(ctx, asg), {});
});

test('an unreadable ledger is LedgerCorrupt and leaves the lock free and the capacity alone', async (ctx) => {
  const asg = await createAsg(ctx, { desired: 3 });
  await plantLease(ctx, asg, { renewedAt: Date.now(), durationSeconds: 15, ledger: '{"n1@t1": {"increment": {"from": "three"}}}' });
  const err = await rejection(agent(ctx, 'a').increment(asg, 'n2@t1'));
  assert.is((err as CapacityError).code, 'LedgerCorrupt');
  assert.is(await desired(ctx, asg), 3);
  assert.is((await readLease(ctx, asg)).spec?.holderIdentity, undefined);
});

test.run();
