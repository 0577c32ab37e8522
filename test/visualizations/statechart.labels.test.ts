// Guard and action names are drawn as words; event names stay as they are.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inWords } from '../../visualizations/statechart.labels.js';

const test = suite('statechart labels');

test('a name written in camelCase reads as words', () => {
  const cases: [string, string][] = [
    ['claimEvent', 'claim event'],
    ['recordHealthLost', 'record health lost'],
    ['withdrawSpotIncrement', 'withdraw spot increment'],
    ['stale', 'stale'],
    ['step2Done', 'step2 done'],
    ['failASGGone', 'fail ASG gone'],
    ['and(checksDue, stepIs)', 'and(checks due, step is)'],
    ['STEP_DONE', 'STEP_DONE'],
    ['TICK', 'TICK'],
    ['', ''],
  ];
  for (const [name, words] of cases) assert.is(inWords(name), words, name);
});

test.run();
