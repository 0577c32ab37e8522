// IMDS as a pod on the pod network sees it when the instance's metadata hop limit is 1: the
// connection is accepted and the IMDSv2 token request sent, but the reply (its IP TTL set to
// the hop limit) never arrives. In front of a real IMDS (AEMM), `lift()` plays raising the
// hop limit or moving to the host network: from then on every connection reaches it.
import { connect, createServer, type Socket } from 'node:net';

export interface HopLimitedImds {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  lift(): void;
  stop(): Promise<void>;
}

export async function startHopLimitedImds(upstream?: string): Promise<HopLimitedImds> {
  let limited = true;
  const sockets = new Set<Socket>();
  const target = upstream ? new URL(upstream) : undefined;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (limited || !target) {
      // Read and drop: the request arrives, no answer ever leaves.
      socket.resume();
      return;
    }
    const up = connect(Number(target.port), target.hostname);
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
    socket.pipe(up).pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    lift: () => {
      limited = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
