// The IMDS stream: marble tests of its timing and deduplication, and the real thing against
// amazon-ec2-metadata-mock with IMDSv2 enforced.
import { firstValueFrom, filter, take, toArray, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAemm } from '../../dev/sandbox/aemm.js';
import { freePort } from '../../dev/sandbox/ports.js';
import { HOP_LIMIT_HINT, ImdsHttpClient } from '../../runtime/imds.http.js';
import { ImdsError, isImdsError, type ImdsPort, type InstanceActionNotice, type RebalanceNotice } from '../../runtime/imds.port.js';
import { imdsNotices } from '../../streams/imds.stream.js';
import { startHopLimitedImds } from '../harness/hop-limited-imds.js';

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
    // The first whole poll after a failed one says so (k) once, after its notices.
    expectObservable(imdsNotices(port, { intervalMs: 10, scheduler: undefined }).pipe(take(4)), '^ 50ms !').toBe('10ms e 9ms (rk) 6ms (i|)', {
      e: { type: 'IMDS_ERROR', status: 0, code: 'Unreachable', message: 'IMDS unreachable' },
      r: { type: 'REBALANCE_RECOMMENDED', noticeTime: 't1' },
      k: { type: 'IMDS_RECOVERED' },
      i: { type: 'INTERRUPTION_NOTICED', action: 'terminate', time: 't2' },
    });
  });
});

test('a failing IMDS is reported on every poll, and its recovery once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const answers: ('fail' | undefined)[] = [undefined, 'fail', 'fail', undefined, undefined, 'fail', undefined];
    let n = 0;
    const port: ImdsPort = {
      rebalanceRecommendation: (): Observable<RebalanceNotice | undefined> =>
        answers[n++] === 'fail' ? throwError(() => new ImdsError(0, 'no answer', undefined, 'NoTokenReply')) : cold('(a|)', { a: undefined }),
      instanceAction: () => cold('(a|)', { a: undefined }),
    };
    const e = { type: 'IMDS_ERROR', status: 0, code: 'NoTokenReply', message: 'no answer' };
    expectObservable(imdsNotices(port, { intervalMs: 10 }), '^ 65ms !').toBe('10ms e 9ms e 9ms k 19ms e 9ms k', { e, k: { type: 'IMDS_RECOVERED' } });
  });
});

test('a token request left unanswered (hop limit 1 on the pod network) is an error naming the hop limit', async () => {
  const imds = await startHopLimitedImds();
  try {
    const client = new ImdsHttpClient({ endpoint: imds.url, requestTimeoutMs: 300 });
    const err = await client.rebalanceRecommendation().then(() => undefined, (e: unknown) => e);
    assert.ok(isImdsError(err), String(err));
    assert.is(err.code, 'NoTokenReply');
    assert.is(err.status, 0);
    assert.is(err.message, `IMDS unreachable at ${imds.url}: token request timed out after 300 ms; ${HOP_LIMIT_HINT}`);
    assert.match(err.message, "the instance's metadata hop limit may be 1 (set hostNetwork: true or raise the hop limit to 2)");
    const [event] = await firstValueFrom(imdsNotices(client, { intervalMs: 100 }).pipe(take(1), toArray()));
    assert.equal(event, { type: 'IMDS_ERROR', status: 0, code: 'NoTokenReply', message: err.message });
  } finally {
    await imds.stop();
  }
});

test('a refused connection is unreachable, and not blamed on the hop limit', async () => {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const err = await new ImdsHttpClient({ endpoint, requestTimeoutMs: 2000 }).instanceAction().then(() => undefined, (e: unknown) => e);
  assert.ok(isImdsError(err), String(err));
  assert.is(err.code, 'Unreachable');
  assert.match(err.message, `IMDS unreachable at ${endpoint}: PUT /latest/api/token failed: `);
  assert.match(err.message, /ECONNREFUSED/);
  assert.not.match(err.message, /hop limit/);
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

test('a stopped IMDS becomes error events, and once it is back the stream says so and still reports a notice', async () => {
  const aemm = await startAemm({ rebalanceDelaySec: 0 });
  const port = Number(new URL(aemm.url).port);
  await aemm.stop();
  const client = new ImdsHttpClient({ endpoint: aemm.url, requestTimeoutMs: 500 });
  const seen: string[] = [];
  const done = firstValueFrom(
    imdsNotices(client, { intervalMs: 200 }).pipe(
      filter((e) => {
        seen.push(e.type);
        return seen.includes('REBALANCE_RECOMMENDED') && seen.includes('IMDS_RECOVERED');
      }),
    ),
  );
  const deadline = Date.now() + 30_000;
  while (!seen.includes('IMDS_ERROR') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(seen.includes('IMDS_ERROR'), 'errors are reported as events');
  const back = await startAemm({ rebalanceDelaySec: 0, port });
  try {
    await done;
    // Recovery is said once, after the first whole poll, and no error follows it.
    const after = seen.slice(seen.lastIndexOf('IMDS_ERROR') + 1);
    assert.equal(after.filter((t) => t === 'IMDS_RECOVERED'), ['IMDS_RECOVERED']);
    assert.ok(after.includes('REBALANCE_RECOMMENDED'), seen.join(', '));
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
