import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm, type Aemm } from '../../dev/sandbox/aemm.js';

const REBALANCE = '/latest/meta-data/events/recommendations/rebalance';
const test = suite<{ aemm: Aemm }>('amazon-ec2-metadata-mock');

async function token(aemm: Aemm): Promise<string> {
  const res = await fetch(`${aemm.url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' } });
  assert.is(res.status, 200);
  return res.text();
}

test.before(async (ctx) => {
  ctx.aemm = await startAemm({ rebalanceDelaySec: 4 });
});
test.after(async (ctx) => {
  await ctx.aemm?.stop();
});

test('an IMDSv2 client gets 404 before the rebalance delay, then the notice', async ({ aemm }) => {
  const headers = { 'x-aws-ec2-metadata-token': await token(aemm) };
  const before = await fetch(`${aemm.url}${REBALANCE}`, { headers });
  assert.is(before.status, 404, 'no recommendation before the delay has passed');

  const deadline = Date.now() + 60_000;
  let res = before;
  while (res.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    res = await fetch(`${aemm.url}${REBALANCE}`, { headers });
  }
  assert.is(res.status, 200, 'the recommendation is served once the delay has passed');
  const notice = (await res.json()) as { noticeTime: string };
  assert.ok(!Number.isNaN(Date.parse(notice.noticeTime)), `noticeTime is a timestamp: ${notice.noticeTime}`);
});

test('a request without a token gets 401 (IMDSv2 enforced)', async ({ aemm }) => {
  const res = await fetch(`${aemm.url}${REBALANCE}`);
  assert.is(res.status, 401);
});

test('a request with a forged token gets 401', async ({ aemm }) => {
  const res = await fetch(`${aemm.url}${REBALANCE}`, { headers: { 'x-aws-ec2-metadata-token': 'forged' } });
  assert.is(res.status, 401);
});

test.run();
