// The rebalance-response record names instances to terminate and ASGs to change: anything but
// a whole, well-formed record is refused (and so left alone), never guessed at.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { advanced, parseRecord, serializeRecord, type ResponseRecord } from '../../runtime/agent/response-record.js';
import { parseLedger } from '../../runtime/capacity/ledger.js';

const T = '2026-11-29T06:00:00.000Z';
const record: ResponseRecord = {
  requestId: 'ip-10-0-1-5@2026-11-29T06:00:00Z',
  node: 'ip-10-0-1-5',
  nodeUid: '6c1f0e2a-0000-4000-8000-000000000001',
  instanceId: 'i-0123456789abcdef0',
  spotASG: 'my-spot-asg',
  onDemandASG: 'my-ondemand-asg',
  step: 'on-demand',
  startedAt: T,
  stepAt: T,
  baselines: { 'my-spot-asg': { instances: ['i-1', 'i-2'], activities: ['a-1'], takenAt: T } },
};

test('a record survives its text, and moving on keeps everything but the step and its time', () => {
  assert.equal(parseRecord(serializeRecord(record)), record);
  const later = advanced(record, 'recorded', Date.parse(T) + 5000, { event: 'fallback-1' });
  assert.equal(later, { ...record, step: 'recorded', stepAt: '2026-11-29T06:00:05.000Z', event: 'fallback-1' });
  assert.equal(parseRecord(serializeRecord(later)), later);
});

test('a malformed or forged record is refused', () => {
  const variants: [string, unknown][] = [
    ['not JSON', '{"requestId":'],
    ['an array', [record]],
    ['an unknown step', { ...record, step: 'scale-everything' }],
    ['no instance', { ...record, instanceId: '' }],
    ['a number for an ASG', { ...record, spotASG: 7 }],
    ['a bad time', { ...record, startedAt: 'yesterday' }],
    ['a baseline without its time', { ...record, baselines: { 'my-spot-asg': { instances: [], activities: [] } } }],
    ['baseline instances not strings', { ...record, baselines: { 'my-spot-asg': { instances: [1], activities: [], takenAt: T } } }],
    ['a replacement of an unknown kind', { ...record, replacement: { kind: 'reserved', instanceId: 'i-9', nodeName: 'n' } }],
    ['no node uid', { ...record, nodeUid: undefined }],
  ];
  for (const [what, value] of variants) assert.is(parseRecord(typeof value === 'string' ? value : JSON.stringify(value)), undefined, what);
  assert.is(parseRecord(''), undefined, 'a finished record is no record');
  assert.is(parseRecord(undefined), undefined);
});

test('the ledger keeps what an increment saw before it and what a withdraw terminated, and refuses anything else there', () => {
  const step = { from: 3, to: 4, state: 'applied', at: T };
  assert.ok(parseLedger(JSON.stringify({ r: { increment: { ...step, before: ['i-1'] }, withdraw: { from: 4, to: 3, state: 'applied', at: T, instance: 'i-9' } } })));
  assert.is(parseLedger(JSON.stringify({ r: { increment: { ...step, before: 'i-1' } } })), undefined);
  assert.is(parseLedger(JSON.stringify({ r: { withdraw: { ...step, instance: 9 } } })), undefined);
});

test.run();
