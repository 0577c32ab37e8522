// The one thing of a kubelet's that the sandbox needs: a pod that is being deleted (after an
// eviction, say) is gone once its grace period has run out. Without it an evicted pod would
// stay Terminating for ever and no drain could finish. Nothing here runs a container.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export class PodReaper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly intervalMs = 500,
    /** Remove a pod as soon as its deletion starts, not once its grace period is over (fast tests). */
    private readonly ignoreGrace = false,
  ) {}

  start(): void {
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      void this.sweep(core).finally(() => (this.running = false));
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sweep(core: CoreV1Api): Promise<void> {
    const pods = await core.listPodForAllNamespaces().catch(() => undefined);
    const now = Date.now();
    for (const pod of pods?.items ?? []) {
      const deadline = pod.metadata?.deletionTimestamp;
      // deletionTimestamp is the moment the grace period ends.
      if (!deadline || (!this.ignoreGrace && new Date(deadline).getTime() > now)) continue;
      await core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }
}
