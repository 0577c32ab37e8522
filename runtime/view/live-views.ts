// The events the live view shows, kept current from whatever knows them: an agent's actors
// (with their exact state) or, in the sandbox, a watch of the objects alone. Tells its
// listeners when anything changed.
import { Subject, type Observable } from 'rxjs';
import type { SpotGuardFallbackEvent } from '../../crds/spotguardfallbackevent.types.js';
import type { ClaimLease } from '../../machines/fallback-event.types.js';
import { eventView, TimelineBook, type EventView, type StateValue, type ViewSettings } from '../../visualizations/view.model.js';

interface Known {
  object: SpotGuardFallbackEvent;
  stateValue?: StateValue;
  lease?: ClaimLease;
}

export class LiveViews {
  private readonly known = new Map<string, Known>();
  private readonly book = new TimelineBook();
  private readonly changed = new Subject<void>();

  constructor(
    readonly settings: ViewSettings,
    /** Shown on the page: which agent (or the sandbox) serves this view. */
    readonly source: string,
    private readonly now: () => number = Date.now,
  ) {}

  get changes(): Observable<void> {
    return this.changed;
  }

  /** The event as it is now; `stateValue` and `lease` (its claim Lease as known) are its live actor's, when there is one. */
  update(object: SpotGuardFallbackEvent, stateValue?: StateValue, lease?: ClaimLease): void {
    const name = object.metadata?.name ?? '';
    this.book.saw(object, this.now());
    this.known.set(name, { object, stateValue, lease });
    this.changed.next();
  }

  remove(name: string): void {
    if (!this.known.delete(name)) return;
    this.book.forget(name);
    this.changed.next();
  }

  views(): EventView[] {
    const now = this.now();
    return [...this.known.values()]
      .map(({ object, stateValue, lease }) => eventView(object, { settings: this.settings, now, stateValue, lease, observed: this.book.of(object.metadata?.name ?? '') }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
