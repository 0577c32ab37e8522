// deploy/iam-policy.json grants exactly what the agent calls: the three Describe actions
// everywhere (they have no resource-level permissions), the two mutating ones only on ASGs
// tagged as managed. A new SDK call without its permission fails here, not in a cluster.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POLICY_PATH = join(ROOT, 'deploy/iam-policy.json');
const TAG_CONDITION = { 'autoscaling:ResourceTag/spot-guard.aws.amazon.com/managed': 'true' };
const ASG_ARN = 'arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*';
const DESCRIBE = ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeScalingActivities'];
const MUTATING = ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'];

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const policy = (): Policy => JSON.parse(readFileSync(POLICY_PATH, 'utf8')) as Policy;
const allActions = (p: Policy): string[] => p.Statement.flatMap((s) => list(s.Action));

/** Every `...Command` class imported from the Auto Scaling SDK by code that ships in the image. */
function commandsTheCodeCalls(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of ['bin', 'runtime', 'streams']) {
    const files = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|js)$/.test(f));
    for (const file of files) {
      const path = join(ROOT, dir, file);
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/import\s*(type\s+)?\{([^}]*)\}\s*from\s*['"]@aws-sdk\/client-auto-scaling['"]/g)) {
        if (m[1]) continue;
        for (const name of (m[2] ?? '').split(',').map((s) => s.trim())) {
          const command = /^(\w+)Command(?:\s+as\s+\w+)?$/.exec(name);
          if (command?.[1]) found.set(`autoscaling:${command[1]}`, relative(ROOT, path));
        }
      }
    }
  }
  return found;
}

const test = suite('IAM policy');

test('is valid JSON in the 2012-10-17 policy language with only Allow statements', () => {
  const p = policy();
  assert.is(p.Version, '2012-10-17');
  assert.ok(Array.isArray(p.Statement) && p.Statement.length > 0);
  for (const s of p.Statement) {
    assert.is(s.Effect, 'Allow', s.Sid);
    // NotAction and NotResource grant everything they do not name.
    assert.is(s.NotAction, undefined, s.Sid);
    assert.is(s.NotResource, undefined, s.Sid);
  }
});

test('grants exactly the five Auto Scaling actions, no wildcard, no other service', () => {
  const actions = allActions(policy());
  assert.equal([...actions].sort(), [...DESCRIBE, ...MUTATING].sort());
  for (const action of actions) {
    assert.not.match(action, /[*?]/, action);
    assert.ok(action.startsWith('autoscaling:'), action);
  }
});

test('Describe actions are on "*" without conditions', () => {
  for (const s of policy().Statement.filter((st) => list(st.Action).some((a) => DESCRIBE.includes(a)))) {
    assert.equal(list(s.Action).filter((a) => !DESCRIBE.includes(a)), [], `${s.Sid}: a Describe statement grants nothing else`);
    assert.equal(list(s.Resource), ['*']);
    assert.is(s.Condition, undefined);
  }
});

test('SetDesiredCapacity and TerminateInstanceInAutoScalingGroup only on ASGs tagged managed=true', () => {
  const statements = policy().Statement.filter((s) => list(s.Action).some((a) => MUTATING.includes(a)));
  assert.ok(statements.length > 0);
  for (const action of MUTATING) assert.ok(statements.some((s) => list(s.Action).includes(action)), action);
  for (const s of statements) {
    assert.equal(list(s.Resource), [ASG_ARN], s.Sid);
    assert.equal(s.Condition, { StringEquals: TAG_CONDITION }, s.Sid);
  }
});

test('every Auto Scaling command the code calls is allowed, and nothing it does not call', () => {
  const called = commandsTheCodeCalls();
  // The adapter's five commands: an empty scan means the scan is broken, not that all is well.
  assert.ok(called.has('autoscaling:DescribeAutoScalingGroups'), `found ${[...called.keys()].join(', ')}`);
  const granted = new Set(allActions(policy()));
  for (const [action, file] of called) assert.ok(granted.has(action), `${file} calls ${action}, which deploy/iam-policy.json does not allow`);
  for (const action of granted) assert.ok(called.has(action), `deploy/iam-policy.json allows ${action}, which no code calls`);
});

test.run();
