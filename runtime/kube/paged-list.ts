// Every list the agent makes comes in pages, as client-go's pager reads them: a big cluster is
// never sent (or held by the API server) as one response. @kubernetes/client-node has no pager
// of its own; its generated list calls take `limit` and `_continue`, and this drives them.
import { toKubeError } from './kube-errors.js';

/** Objects per list request: client-go's pager uses the same. */
export const LIST_PAGE_SIZE = 500;

/**
 * How often a list whose continue token expired starts over before giving up. A token lives
 * for the API server's compaction interval (5 min by default), so one restart nearly always
 * does; a cluster that compacts faster than a list can be read has a bigger problem.
 */
const MAX_RESTARTS = 3;

export interface PageRequest {
  limit: number;
  _continue?: string;
}

/**
 * One page as the list calls return it: the typed clients name the token `_continue`, the
 * custom-objects client (untyped JSON) `continue`.
 */
export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export interface PagedListOptions<T> {
  pageSize?: number;
  /** Keeps only what passes, page by page, so a long list is never held whole. */
  keep?: (item: T) => boolean;
}

/**
 * Reads every page of a list. A continue token that expired meanwhile (410 Gone: the snapshot
 * the pages came from was compacted away) restarts the list from its first page, so the result
 * is still one consistent snapshot at `resourceVersion` (from which a watch can start).
 * Throws KubeError (`what` names the call in its message).
 */
export async function listAllPages<T>(what: string, page: (request: PageRequest) => Promise<ListPage<T>>, options: PagedListOptions<T> = {}): Promise<{ items: T[]; resourceVersion: string }> {
  const limit = options.pageSize ?? LIST_PAGE_SIZE;
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    try {
      do {
        const answer = await page({ limit, _continue: token });
        items.push(...(options.keep ? answer.items.filter(options.keep) : answer.items));
        // Every page is served from the first one's snapshot and names its resourceVersion.
        resourceVersion ||= answer.metadata?.resourceVersion ?? '';
        token = answer.metadata?._continue || answer.metadata?.continue || undefined;
      } while (token);
      return { items, resourceVersion };
    } catch (err) {
      const e = toKubeError(err, what);
      if (e.code !== 'Gone' || token === undefined || restarts >= MAX_RESTARTS) throw e;
    }
  }
}
