// WatchSource over the @kubernetes/client-node informer, which lists, watches and relists on
// 410 Gone by itself but stops on any other error; restarting is the stream's job. Its lists
// (the first and every relist) are read in pages (paged-list.ts).
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { listAllPages, type ListPage, type PageRequest } from './paged-list.js';
import type { WatchSource } from './watch.port.js';

export interface InformerOptions {
  /** Only objects with these labels are listed and watched; the page call must ask for the same. */
  labelSelector?: string;
  /** Objects per list request; LIST_PAGE_SIZE by default. */
  pageSize?: number;
}

/** `listPage` asks for one page of the objects at `path`, passing the request's `limit` and `_continue` on. */
export function informerSource<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  listPage: (request: PageRequest) => Promise<ListPage<T>>,
  options: InformerOptions = {},
): () => WatchSource<T> {
  const list = async () => {
    const { items, resourceVersion } = await listAllPages(`list ${path}`, listPage, { pageSize: options.pageSize });
    return { items, metadata: { resourceVersion } };
  };
  return () => {
    const informer = makeInformer<T>(kubeConfig, path, list, options.labelSelector);
    return {
      async start(handlers) {
        informer.on('add', (o) => handlers.added(o));
        informer.on('update', (o) => handlers.modified(o));
        informer.on('delete', (o) => handlers.deleted(o));
        informer.on('error', (err) => handlers.failed(err));
        await informer.start();
        return [...informer.list()];
      },
      stop: () => informer.stop(),
    };
  };
}
