// Paths through a test model, as plain event lists that can be replayed through real actors.
import type { EventObject } from 'xstate';

export interface Path<TInput, TEvent extends EventObject, TSnapshot> {
  input: TInput;
  events: TEvent[];
  final: TSnapshot;
}

interface PathSource<TEvent> {
  getShortestPaths(options: { allowDuplicatePaths: boolean }): { steps: { event: TEvent }[]; state: unknown }[];
  getAdjacencyMap(): unknown;
}

/** One shortest path to every state of the model (prefixes included). */
export function shortestPaths<TInput, TEvent extends EventObject, TSnapshot>(
  model: PathSource<TEvent>,
  input: TInput,
): Path<TInput, TEvent, TSnapshot>[] {
  return model
    .getShortestPaths({ allowDuplicatePaths: true })
    .map((p) => ({ input, events: p.steps.map((s) => s.event), final: p.state as TSnapshot }));
}

/**
 * Every edge of the model: the shortest path to its source state, then its event. Shortest
 * paths alone visit every state but not every transition.
 */
export function edgePaths<TInput, TEvent extends EventObject, TSnapshot>(
  model: PathSource<TEvent>,
  input: TInput,
  serialize: (snapshot: TSnapshot) => string,
): Path<TInput, TEvent, TSnapshot>[] {
  const toState = new Map(shortestPaths<TInput, TEvent, TSnapshot>(model, input).map((p) => [serialize(p.final), p]));
  // xstate/graph keys its maps with branded strings that Object.entries cannot see through.
  type Adjacency = Record<string, { transitions: Record<string, { event: TEvent; state: TSnapshot }> }>;
  const adjacency = model.getAdjacencyMap() as Adjacency;
  return Object.entries(adjacency).flatMap(([source, { transitions }]) => {
    const head = toState.get(source);
    if (!head) throw new Error(`no shortest path to ${source}`);
    return Object.values(transitions).map((t) => ({ input, events: [...head.events, t.event], final: t.state }));
  });
}

/**
 * The first `limit` simple paths (no state twice) from the initial state to a state `isTarget`
 * accepts, found depth first over the model's adjacency map. getSimplePaths enumerates every
 * simple path of the model before it filters them, which for a model whose stories branch at
 * every step takes minutes to find the few a test replays.
 */
export function firstSimplePaths<TInput, TEvent extends EventObject, TSnapshot>(
  model: PathSource<TEvent>,
  input: TInput,
  serialize: (snapshot: TSnapshot) => string,
  isTarget: (snapshot: TSnapshot) => boolean,
  limit: number,
): Path<TInput, TEvent, TSnapshot>[] {
  type Adjacency = Record<string, { transitions: Record<string, { event: TEvent; state: TSnapshot }> }>;
  const adjacency = model.getAdjacencyMap() as Adjacency;
  // xstate/graph builds the map outward from the initial state, which is therefore its first key.
  const [initial] = Object.keys(adjacency);
  if (initial === undefined) throw new Error('the model has no states');
  const found: Path<TInput, TEvent, TSnapshot>[] = [];
  const onPath = new Set<string>();
  const visit = (key: string, events: TEvent[]): void => {
    onPath.add(key);
    for (const { event, state } of Object.values(adjacency[key]?.transitions ?? {})) {
      if (found.length >= limit) break;
      const next = serialize(state);
      if (onPath.has(next)) continue;
      if (isTarget(state)) found.push({ input, events: [...events, event], final: state });
      else visit(next, [...events, event]);
    }
    onPath.delete(key);
  };
  visit(initial, []);
  return found;
}

/**
 * xstate/graph adds a bare `{ type }` for every event type a state accepts that the events
 * function did not return; those lack their data (a TICK without `now`), so only the events
 * our function made are kept.
 */
export function onlyOurEvents<TSnapshot, TEvent extends object>(make: (snapshot: TSnapshot) => TEvent[]) {
  const made = new WeakSet<object>();
  return {
    events: (snapshot: TSnapshot): TEvent[] => {
      const events = make(snapshot);
      events.forEach((e) => made.add(e));
      return events;
    },
    filterEvents: (_: TSnapshot, event: TEvent): boolean => made.has(event),
  };
}
