// The log line shape that log pipelines key on: one JSON object per line, the level as its
// label, an ISO time, msg, and the fields of child loggers.
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, type LogLevel } from '../../runtime/log.js';

const test = suite('json logs');

function capture(level: LogLevel, base?: Record<string, unknown>) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level, destination, base });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, raw: () => chunks.join('') };
}

test('each line is one JSON object with the level label, an ISO time and msg', () => {
  const { log, lines, raw } = capture('info');
  const before = Date.now();
  log.info('started agent');
  log.warn({ attempts: 3 }, 'retried describe');
  assert.is(raw().split('\n').filter(Boolean).length, 2);
  const [first, second] = lines();
  assert.is(first?.level, 'info');
  assert.is(first?.msg, 'started agent');
  assert.type(first?.time, 'string');
  assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(String(first?.time)) - before) < 60_000);
  assert.is(second?.level, 'warn');
  assert.is(second?.attempts, 3);
});

test('child loggers carry event, node and asg on every line', () => {
  const { log, lines } = capture('info');
  const child = log.child({ event: 'fallback-1736935245-abcdef', node: 'ip-10-0-2-100', asg: 'spot-asg' });
  child.info({ from: 3, to: 4 }, 'scaled spot asg');
  const [line] = lines();
  assert.is(line?.event, 'fallback-1736935245-abcdef');
  assert.is(line?.node, 'ip-10-0-2-100');
  assert.is(line?.asg, 'spot-asg');
  assert.is(line?.from, 3);
  assert.is(line?.msg, 'scaled spot asg');
  assert.is(line?.level, 'info');
});

test('lines below the configured level are dropped', () => {
  const { log, lines } = capture('warn');
  log.debug('polled imds');
  log.info('scaled spot asg');
  log.warn('retried describe');
  log.error('failed to drain node');
  assert.equal(
    lines().map((l) => l.level),
    ['warn', 'error'],
  );
  const debug = capture('debug');
  debug.log.debug('polled imds');
  assert.equal(debug.lines().map((l) => [l.level, l.msg]), [['debug', 'polled imds']]);
});

test('base fields replace pid and hostname when given', () => {
  const withBase = capture('info', { pod: 'spot-guard-abcde' });
  withBase.log.info('started agent');
  const [line] = withBase.lines();
  assert.is(line?.pod, 'spot-guard-abcde');
  assert.is(line?.pid, undefined);
  const plain = capture('info');
  plain.log.info('started agent');
  assert.is(plain.lines()[0]?.pid, process.pid);
});

test.run();
