// Coverage of a machine by test paths, computed from the machine definition itself: every
// state node and every transition (event transitions and eventless ones) it declares.
import { createActor, type AnyStateMachine, type AnyStateNode, type EventObject } from 'xstate';

export interface Coverage {
  states: Map<string, number>;
  transitions: Map<string, number>;
}

/** Every state node id and every transition of `machine`, each with a count of 0. */
export function declared(machine: AnyStateMachine): Coverage & { byDefinition: Map<unknown, string> } {
  const states = new Map<string, number>();
  const transitions = new Map<string, number>();
  const byDefinition = new Map<unknown, string>();
  const visit = (node: AnyStateNode): void => {
    if (node !== machine.root) states.set(node.id, 0);
    for (const [eventType, list] of node.transitions) {
      list.forEach((t, i) => {
        const key = `${node.id} ${eventType}[${i}]${t.target ? ` -> ${t.target.map((x) => x.id).join(',')}` : ''}`;
        transitions.set(key, 0);
        byDefinition.set(t, key);
      });
    }
    (node.always ?? []).forEach((t, i) => {
      const key = `${node.id} always[${i}] -> ${(t.target ?? []).map((x) => x.id).join(',')}`;
      transitions.set(key, 0);
      byDefinition.set(t, key);
    });
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return { states, transitions, byDefinition };
}

/**
 * Replays event sequences through real actors of `machine` and counts what they visit:
 * the transitions XState reports taking (inspection microsteps) and the state nodes active
 * after each microstep.
 */
export function measure<TInput>(machine: AnyStateMachine, runs: { input: TInput; events: EventObject[] }[]): Coverage {
  const { states, transitions, byDefinition } = declared(machine);
  const bump = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  for (const run of runs) {
    const actor = createActor(machine, {
      input: run.input,
      inspect: (e) => {
        if (e.type !== '@xstate.microstep') return;
        for (const t of e._transitions) {
          const key = byDefinition.get(t);
          if (key) bump(transitions, key);
          if (t.source.id !== machine.root.id) bump(states, t.source.id);
        }
        for (const id of activeIds(machine, (e.snapshot as unknown as { value: unknown }).value)) bump(states, id);
      },
    });
    actor.start();
    for (const id of activeIds(machine, actor.getSnapshot().value)) bump(states, id);
    for (const event of run.events) actor.send(event);
    actor.stop();
  }
  return { states, transitions };
}

function activeIds(machine: AnyStateMachine, value: unknown, prefix = machine.root.id): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}.${key}`, ...activeIds(machine, child, `${prefix}.${key}`)]);
}

export function missed(coverage: Coverage): { states: string[]; transitions: string[] } {
  const zero = (m: Map<string, number>) => [...m].filter(([, n]) => n === 0).map(([k]) => k);
  return { states: zero(coverage.states), transitions: zero(coverage.transitions) };
}
