import { createServer } from 'node:net';
import { HarnessError } from './supervisor.js';

/** A port on 127.0.0.1 that nothing listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails with a clear message naming `component` when `port` is already taken. */
export function assertPortFree(port: number, component: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new HarnessError(
          component,
          err.code === 'EADDRINUSE'
            ? `port 127.0.0.1:${port} is already in use`
            : `cannot listen on 127.0.0.1:${port}: ${err.message}`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
