import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clock } from '../../streams/clock.stream.js';

const test = suite('clock stream');

test('ticks at once and then every interval, carrying the scheduler\'s time', () => {
  const scheduler = new TestScheduler((actual, expected) => assert.equal(actual, expected));
  scheduler.run(({ expectObservable }) => {
    expectObservable(clock(1000, scheduler).pipe(take(3))).toBe('a 999ms b 999ms (c|)', {
      a: { type: 'TICK', now: 0 },
      b: { type: 'TICK', now: 1000 },
      c: { type: 'TICK', now: 2000 },
    });
  });
});

test.run();
