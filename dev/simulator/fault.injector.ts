// Transient AWS failures on demand: a scenario tells an action (or '*', every action) to fail
// with throttling or a 5xx, either for its next N calls or for a fraction of its calls. The
// fraction is drawn from a seeded generator so a failing run can be replayed exactly.
import { INJECTABLE, QueryError, type InjectableError } from './aws.wording.js';
import { ACTIONS, isAction } from './autoscaling.actions.js';
import { ScenarioError } from './cloud.model.js';

export interface FaultRule {
  /** An Auto Scaling action name, or '*' for every action. */
  action: string;
  error: InjectableError;
  /** Fail the next `times` calls, then stop. */
  times?: number;
  /** Or fail this fraction (0 < rate <= 1) of calls until cleared. */
  rate?: number;
  /** Seed of the generator behind `rate` (default 1). */
  seed?: number;
}

export interface FaultRuleState extends FaultRule {
  /** Calls failed by this rule so far. */
  injected: number;
}

interface ActiveRule extends FaultRuleState {
  random: () => number;
}

/** mulberry32: tiny, fast and good enough to decide which calls fail. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): FaultRuleState {
    if (typeof rule.action !== 'string' || rule.action === '') throw new ScenarioError(400, "a fault needs an action (or '*')");
    // A misspelt action would never fire, and the scenario would pass for the wrong reason.
    if (rule.action !== '*' && !isAction(rule.action)) throw new ScenarioError(400, `unknown action ${rule.action}: one of ${ACTIONS.join(', ')}, or '*' for every action`);
    if (!(rule.error in INJECTABLE)) throw new ScenarioError(400, `error must be one of ${Object.keys(INJECTABLE).join(', ')}`);
    const hasTimes = rule.times !== undefined;
    const hasRate = rule.rate !== undefined;
    if (hasTimes === hasRate) throw new ScenarioError(400, 'give exactly one of times or rate');
    if (hasTimes && !(Number.isInteger(rule.times) && (rule.times ?? 0) >= 1)) throw new ScenarioError(400, 'times must be a whole number >= 1');
    if (hasRate && !(typeof rule.rate === 'number' && rule.rate > 0 && rule.rate <= 1)) throw new ScenarioError(400, 'rate must be in (0, 1]');
    const active: ActiveRule = { action: rule.action, error: rule.error, times: rule.times, rate: rule.rate, seed: rule.seed ?? 1, injected: 0, random: seededRandom(rule.seed ?? 1) };
    this.rules.push(active);
    return this.view(active);
  }

  /** Removes the rules of one action, or all of them. */
  clear(action?: string): void {
    this.rules = action === undefined ? [] : this.rules.filter((r) => r.action !== action);
  }

  list(): FaultRuleState[] {
    return this.rules.map((r) => this.view(r));
  }

  /** Decides for one call; the first matching rule that fires wins. */
  next(action: string): QueryError | undefined {
    for (const rule of this.rules) {
      if (rule.action !== action && rule.action !== '*') continue;
      const fires = rule.times !== undefined ? rule.injected < rule.times : rule.random() < (rule.rate ?? 0);
      if (!fires) continue;
      rule.injected++;
      if (rule.times !== undefined && rule.injected >= rule.times) this.rules = this.rules.filter((r) => r !== rule);
      const { status, message } = INJECTABLE[rule.error];
      return new QueryError(rule.error, message, status);
    }
    return undefined;
  }

  private view(r: ActiveRule): FaultRuleState {
    return { action: r.action, error: r.error, times: r.times, rate: r.rate, seed: r.seed, injected: r.injected };
  }
}
