// WatchSource over the @kubernetes/client-node informer, which lists, watches and relists on
// 410 Gone by itself but stops on any other error; restarting is the stream's job.
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { WatchSource } from './watch.port.js';

export function informerSource<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  labelSelector?: string,
): () => WatchSource<T> {
  return () => {
    const informer = makeInformer<T>(kubeConfig, path, list, labelSelector);
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
