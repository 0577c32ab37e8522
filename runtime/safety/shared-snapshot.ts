// The safety checks of every event this agent holds share their reads of the cluster: while
// checks are blocked (each event rechecks every recheck interval) all pods are listed at most
// once per interval, however many events wait. A shared read can only block, though: a pass
// is confirmed on a read begun for the check that gives it, so a drain is never allowed on
// what the cluster looked like an interval ago.
import type { ClusterSnapshot } from './safety-checks.js';

export interface SnapshotRead {
  snapshot: ClusterSnapshot;
  /** When the read began (the injected clock's milliseconds). */
  readAt: number;
}

export class SharedSnapshots {
  private last: { readAt: number; read: Promise<SnapshotRead> } | undefined;

  constructor(
    private readonly load: () => Promise<ClusterSnapshot>,
    private readonly now: () => number,
  ) {}

  /**
   * A read begun at `notBefore` or later: the last one (finished or still under way) when it
   * qualifies, else a new one. A failed read is not kept, so the next call reads again.
   */
  read(notBefore: number): Promise<SnapshotRead> {
    if (this.last && this.last.readAt >= notBefore) return this.last.read;
    const readAt = this.now();
    const entry = { readAt, read: this.load().then((snapshot) => ({ snapshot, readAt })) };
    this.last = entry;
    entry.read.catch(() => {
      if (this.last === entry) this.last = undefined;
    });
    return entry.read;
  }
}
