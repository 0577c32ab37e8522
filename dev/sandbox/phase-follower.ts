// Every phase each SpotGuardFallbackEvent passes through, in order, from a watch rather than a
// poll: a watch delivers each version, so a phase that lasts less than any poll interval
// (ReadyForScaleDown, now that each step follows the commit before it at once) is still seen.
// Used by the demo to print the story and by the e2e scenarios to check it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Phase } from '../../crds/phases.js';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { FallbackEventStore, WatchHandle } from '../../runtime/kube/fallback-event.store.js';

export interface PhaseSeen {
  phase: Phase;
  /** When the watch delivered the first version in this phase (epoch ms). */
  at: number;
  message?: string;
  /** The first version of the event seen in this phase. */
  object: SpotGuardFallbackEvent;
}

export class PhaseFollower {
  /** Per event name, every phase it was seen in, in order. */
  readonly seen = new Map<string, PhaseSeen[]>();
  private handle: WatchHandle | undefined;
  private stopped = false;

  constructor(private readonly store: FallbackEventStore) {
    void this.follow();
  }

  phases(name: string): PhaseSeen[] {
    return this.seen.get(name) ?? [];
  }

  stop(): void {
    this.stopped = true;
    this.handle?.stop();
  }

  /** Watches until stopped; a watch that ends (a timeout, an error) is started again from the current state. */
  private async follow(): Promise<void> {
    while (!this.stopped) {
      await new Promise<void>((resolve) => {
        this.store.watch({}, (type, event) => type !== 'DELETED' && this.saw(event), () => resolve()).then(
          (handle) => {
            this.handle = handle;
            if (this.stopped) handle.stop();
          },
          () => resolve(),
        );
      });
      if (!this.stopped) await sleep(500);
    }
  }

  private saw(event: SpotGuardFallbackEvent): void {
    const name = event.metadata?.name ?? '';
    const phase = event.status?.phase ?? 'Pending';
    const list = this.seen.get(name) ?? [];
    if (list.at(-1)?.phase !== phase) list.push({ phase, at: Date.now(), message: event.status?.message, object: event });
    this.seen.set(name, list);
  }
}
