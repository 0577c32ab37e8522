// The coverage measure itself: it must report what paths leave out, or the model suites
// could pass whatever they covered.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setup } from 'xstate';
import { declared, measure, missed } from './coverage.js';

const test = suite('coverage measure');

const toggle = setup({
  types: { events: {} as { type: 'FLIP' } | { type: 'BREAK' } },
  guards: { never: () => false },
}).createMachine({
  id: 'toggle',
  initial: 'off',
  states: {
    off: { on: { FLIP: 'on' } },
    on: { on: { FLIP: 'off', BREAK: { guard: 'never', target: 'broken' } } },
    broken: {},
  },
});

test('declared lists every state node and transition of the definition', () => {
  const { states, transitions } = declared(toggle);
  assert.equal([...states.keys()].sort(), ['toggle.broken', 'toggle.off', 'toggle.on']);
  assert.is(transitions.size, 3);
});

test('missed names the state and transition no path reached', () => {
  const coverage = measure(toggle, [{ input: undefined, events: [{ type: 'FLIP' }, { type: 'BREAK' }, { type: 'FLIP' }] }]);
  const gaps = missed(coverage);
  assert.equal(gaps.states, ['toggle.broken']);
  assert.equal(gaps.transitions, ['toggle.on BREAK[0] -> toggle.broken']);
});

test('nothing is missed once every transition is taken', () => {
  const complete = setup({ types: { events: {} as { type: 'FLIP' } } }).createMachine({
    id: 'pair',
    initial: 'a',
    states: { a: { on: { FLIP: 'b' } }, b: { on: { FLIP: 'a' } } },
  });
  assert.equal(missed(measure(complete, [{ input: undefined, events: [{ type: 'FLIP' }, { type: 'FLIP' }] }])), { states: [], transitions: [] });
});

test.run();
