// The IMDS stream: marble tests of its timing and deduplication, and the real thing against
// amazon-ec2-metadata-mock with IMDSv2 enforced.
import { firstValueFrom, filter, take, toArray, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm } from '../../dev/sandbox/aemm.js';
import { ImdsHttpClient } from '../../runtime/imds.http.js';
import { ImdsError, type ImdsPort, type InstanceActionNotice, type RebalanceNotice } from '../../runtime/imds.port.js';
import { imdsNotices } from '../../streams/imds.stream.js';

const test = suite('IMDS stream');

const scheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));

test('polls every interval, reports each distinct notice once, and keeps going after errors', () => {
  scheduler().run(({ cold, expectObservable }) => {
    // Poll n (every 10 frames) answers with the n-th value of these sequences.
    // The same notice may come back with another time stamp (AEMM stamps every answer anew).
    const rebalance: (RebalanceNotice | undefined | 'fail')[] = [undefined, 'fail', { noticeTime: 't1' }, { noticeTime: 't1b' }, { noticeTime: 't1' }];
    const action: (InstanceActionNotice | undefined)[] = [undefined, undefined, undefined, { action: 'terminate', time: 't2' }, { action: 'terminate', time: 't2' }];
    let r = 0;
    let a = 0;
    const port: ImdsPort = {
      rebalanceRecommendation: (): Observable<RebalanceNotice | undefined> => {
        const v = rebalance[r++];
        return v === 'fail' ? throwError(() => new ImdsError(0, 'IMDS unreachable')) : cold('(a|)', { a: v });
      },
      instanceAction: () => cold('(a|)', { a: action[a++] }),
    };
    expectObservable(imdsNotices(port, { intervalMs: 10, scheduler: undefined }).pipe(take(3)), '^ 50ms !').toBe('10ms e 9ms r 9ms (i|)', {
      e: { type: 'IMDS_ERROR', status: 0, message: 'IMDS unreachable' },
      r: { type: 'REBALANCE_RECOMMENDED', noticeTime: 't1' },
      i: { type: 'INTERRUPTION_NOTICED', action: 'terminate', time: 't2' },
    });
  });
});

test('against AEMM: nothing, then the rebalance recommendation, then the interruption notice, each once', async () => {
  const aemm = await startAemm({ rebalanceDelaySec: 2, interruptionDelaySec: 4 });
  try {
    const client = new ImdsHttpClient({ endpoint: aemm.url });
    assert.is(await client.rebalanceRecommendation(), undefined, '404 before the delay is no notice');
    const events = await firstValueFrom(
      imdsNotices(client, { intervalMs: 200 }).pipe(
        filter((e) => e.type !== 'IMDS_ERROR'),
        take(2),
        toArray(),
      ),
    );
    assert.equal(events.map((e) => e.type), ['REBALANCE_RECOMMENDED', 'INTERRUPTION_NOTICED']);
    const [rebalance, interruption] = events;
    if (rebalance?.type === 'REBALANCE_RECOMMENDED') assert.ok(!Number.isNaN(Date.parse(rebalance.noticeTime)));
    if (interruption?.type === 'INTERRUPTION_NOTICED') assert.is(interruption.action, 'terminate');
  } finally {
    await aemm.stop();
  }
});

test('a stopped IMDS becomes error events, and the stream still reports a notice once IMDS is back', async () => {
  const aemm = await startAemm({ rebalanceDelaySec: 0 });
  const port = Number(new URL(aemm.url).port);
  await aemm.stop();
  const client = new ImdsHttpClient({ endpoint: aemm.url, requestTimeoutMs: 500 });
  const seen: string[] = [];
  const done = firstValueFrom(
    imdsNotices(client, { intervalMs: 200 }).pipe(
      filter((e) => {
        seen.push(e.type);
        return e.type === 'REBALANCE_RECOMMENDED';
      }),
    ),
  );
  const deadline = Date.now() + 30_000;
  while (!seen.includes('IMDS_ERROR') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(seen.includes('IMDS_ERROR'), 'errors are reported as events');
  const back = await startAemm({ rebalanceDelaySec: 0, port });
  try {
    const event = await done;
    assert.is(event.type, 'REBALANCE_RECOMMENDED');
  } finally {
    await back.stop();
  }
});

test('the client takes a new token when IMDS refuses the old one (an IMDS restart)', async () => {
  const first = await startAemm({ rebalanceDelaySec: 0 });
  const port = Number(new URL(first.url).port);
  const client = new ImdsHttpClient({ endpoint: first.url });
  assert.ok(await client.rebalanceRecommendation());
  await first.stop();
  const second = await startAemm({ rebalanceDelaySec: 0, port });
  try {
    // The cached token belongs to the old process; a 401 makes the client fetch a new one.
    assert.ok(await client.rebalanceRecommendation());
  } finally {
    await second.stop();
  }
});

test.run();
