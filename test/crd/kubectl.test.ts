// The kubectl experience of the seed, against the real API server: the CRD installs, the
// seed's example is listed with the printer columns, labels filter, bad input is refused with
// a clear message, and the status subresource is real.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../dev/sandbox/control-plane.js';
import { installCrd } from '../harness/crd.js';

const test = suite<{ plane: ControlPlane }>('SpotGuardFallbackEvent with kubectl');

const seedExample = {
  apiVersion: 'aws.amazon.com/v1',
  kind: 'SpotGuardFallbackEvent',
  metadata: {
    name: 'fallback-1736938845-abc123',
    namespace: 'kube-system',
    labels: { app: 'aws-node-termination-handler', component: 'spot-guard' },
  },
  spec: {
    spotASGName: 'my-spot-asg',
    onDemandASGName: 'my-ondemand-asg',
    onDemandInstanceID: 'i-0987654321fedcba0',
    onDemandNodeName: 'ip-10-0-2-100',
    timestamp: '2025-01-15T10:00:45Z',
    minimumWaitDuration: '10m',
  },
  status: {
    spotCapacityRestored: false,
    scaleDownInitiated: false,
    phase: 'Pending',
    message: 'Fallback to on-demand completed, waiting 10m before monitoring',
  },
};

type Example = typeof seedExample;
const variant = (name: string, change: (o: Record<string, unknown> & Example) => void): string => {
  const o = structuredClone(seedExample) as Record<string, unknown> & Example;
  o.metadata.name = name;
  change(o);
  return stringify(o);
};

test.before(async (ctx) => {
  ctx.plane = await startControlPlane();
  await installCrd(ctx.plane);
  const created = await ctx.plane.kubectl(['apply', '-f', '-'], { input: stringify(seedExample) });
  assert.is(created.code, 0, created.stderr);
});
test.after(async (ctx) => {
  await ctx.plane?.stop();
});

for (const resource of ['spotguardfallbackevents', 'sgfe']) {
  test(`kubectl get ${resource} -n kube-system prints the seed's columns and values`, async ({ plane }) => {
    const res = await plane.kubectl(['get', resource, '-n', 'kube-system']);
    assert.is(res.code, 0, res.stderr);
    const [header, row] = res.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    assert.equal(header, ['NAME', 'SPOT ASG', 'ON-DEMAND NODE', 'PHASE', 'AGE']);
    assert.equal(row?.slice(0, 4), ['fallback-1736938845-abc123', 'my-spot-asg', 'ip-10-0-2-100', 'Pending']);
  });
}

test('kubectl get sgfe -l component=spot-guard filters by label', async ({ plane }) => {
  const other = await plane.kubectl(['apply', '-f', '-'], {
    input: variant('fallback-1736938900-zzz999', (o) => {
      o.metadata.labels = { app: 'someone-else' } as Example['metadata']['labels'];
    }),
  });
  assert.is(other.code, 0, other.stderr);
  const all = await plane.kubectl(['get', 'sgfe', '-A', '-o', 'name']);
  assert.match(all.stdout, 'fallback-1736938900-zzz999');
  const filtered = await plane.kubectl(['get', 'sgfe', '-A', '-l', 'component=spot-guard', '-o', 'name']);
  assert.is(filtered.stdout.trim(), 'spotguardfallbackevent.aws.amazon.com/fallback-1736938845-abc123');
});

const refused: [string, string, RegExp][] = [
  ['spotASGName: 123 (the seed\'s own example)', variant('bad-type', (o) => ((o.spec as Record<string, unknown>).spotASGName = 123)), /spec\.spotASGName.*must be of type string/],
  ['a missing required field', variant('bad-missing', (o) => delete (o.spec as Partial<Example['spec']>).onDemandNodeName), /spec\.onDemandNodeName: Required value/],
  ['a malformed instance ID', variant('bad-instance', (o) => (o.spec.onDemandInstanceID = 'i-xyz')), /spec\.onDemandInstanceID.*should match '\^i-\[0-9a-f\]\{8,17\}\$'/],
  ['a malformed duration', variant('bad-duration', (o) => (o.spec.minimumWaitDuration = '10 minutes')), /spec\.minimumWaitDuration.*should match/],
  ['an ASG name with bad characters', variant('bad-asg', (o) => (o.spec.spotASGName = 'my asg;rm -rf')), /spec\.spotASGName.*should match/],
  ['a timestamp that is not a date-time', variant('bad-time', (o) => (o.spec.timestamp = 'yesterday')), /spec\.timestamp.*date-time/],
];
for (const [what, yaml, message] of refused) {
  test(`refused with a clear message: ${what}`, async ({ plane }) => {
    const res = await plane.kubectl(['apply', '-f', '-'], { input: yaml });
    assert.is.not(res.code, 0);
    assert.match(res.stderr, message);
  });
}

const statusPatch = (name: string, status: object, subresource = true): string[] => [
  'patch', 'spotguardfallbackevent', name, '-n', 'kube-system', '--type=merge', ...(subresource ? ['--subresource=status'] : []), '-p', JSON.stringify({ status }),
];
const read = async (plane: ControlPlane, path: string): Promise<string> =>
  (await plane.kubectl(['get', 'sgfe', 'fallback-1736938845-abc123', '-n', 'kube-system', '-o', `jsonpath={${path}}`])).stdout;

test('the seed\'s three status patches work through the status subresource, and change nothing without it', async ({ plane }) => {
  const name = 'fallback-1736938845-abc123';
  const ignored = await plane.kubectl(statusPatch(name, { phase: 'Monitoring' }, false));
  assert.is(ignored.code, 0, ignored.stderr);
  assert.is(await read(plane, '.status.phase'), 'Pending', 'status sent to the main resource is ignored');

  let res = await plane.kubectl(statusPatch(name, { phase: 'Monitoring', message: 'Minimum wait time elapsed, monitoring spot ASG health' }));
  assert.is(res.code, 0, res.stderr);
  assert.is(await read(plane, '.status.phase'), 'Monitoring');

  res = await plane.kubectl(
    statusPatch(name, { spotCapacityRestored: true, spotHealthySince: '2025-01-15T10:09:45Z', phase: 'ReadyForScaleDown', message: 'Spot capacity restored and stable, ready for scale-down' }),
  );
  assert.is(res.code, 0, res.stderr);
  assert.is(await read(plane, '.status.spotHealthySince'), '2025-01-15T10:09:45Z');

  res = await plane.kubectl(statusPatch(name, { scaleDownInitiated: true, phase: 'ScalingDown', message: 'Safety checks passed, scaling down on-demand node' }));
  assert.is(res.code, 0, res.stderr);
  assert.is(await read(plane, '.status.phase'), 'ScalingDown');
  assert.is(await read(plane, '.status.scaleDownInitiated'), 'true');
  assert.is(await read(plane, '.spec.spotASGName'), 'my-spot-asg', 'spec untouched by status writes');
});

test('status writes leave metadata alone, and a metadata change leaves status alone', async ({ plane }) => {
  const name = 'fallback-1736938845-abc123';
  const labelled = await plane.kubectl(['label', 'sgfe', name, '-n', 'kube-system', 'team=platform']);
  assert.is(labelled.code, 0, labelled.stderr);
  assert.is(await read(plane, '.status.phase'), 'ScalingDown');
  await plane.kubectl(statusPatch(name, { message: 'still scaling down' }));
  assert.is(await read(plane, '.metadata.labels.team'), 'platform');
});

test('the API server refuses what the CRD rules forbid, with their messages', async ({ plane }) => {
  const name = 'fallback-1736938845-abc123';
  const specChange = await plane.kubectl(['patch', 'sgfe', name, '-n', 'kube-system', '--type=merge', '-p', '{"spec":{"onDemandNodeName":"ip-10-0-9-9"}}']);
  assert.is.not(specChange.code, 0);
  assert.match(specChange.stderr, 'spec is immutable');

  const unset = await plane.kubectl(statusPatch(name, { scaleDownInitiated: false }));
  assert.is.not(unset.code, 0);
  assert.match(unset.stderr, 'scaleDownInitiated cannot be unset once true');

  const unknownPhase = await plane.kubectl(statusPatch(name, { phase: 'Exploding' }));
  assert.is.not(unknownPhase.code, 0);
  assert.match(unknownPhase.stderr, /Unsupported value: "Exploding"/);

  const done = await plane.kubectl(statusPatch(name, { phase: 'Completed', message: 'On-demand node successfully scaled down' }));
  assert.is(done.code, 0, done.stderr);
  const back = await plane.kubectl(statusPatch(name, { phase: 'Monitoring' }));
  assert.is.not(back.code, 0);
  assert.match(back.stderr, 'a Completed or Failed event keeps its phase');
});

test.run();
