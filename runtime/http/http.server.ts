// The agent's HTTP endpoints for the kubelet's probes and Prometheus. Node's http module only:
// three routes do not justify a framework in an image that runs on every node.
//
// /healthz answers from the event loop itself, so a wedged loop fails the liveness probe;
// /readyz reports the agent's own checks so an agent that cannot reach the API server or AWS
// drops out of "ready" without being restarted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { AgentMetrics } from '../metrics.js';

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServerOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  metrics: AgentMetrics;
  readiness: () => Readiness;
  log?: Logger;
  /** Extra GET routes by exact path, such as the live view. */
  routes?: Record<string, RouteHandler>;
}

export interface HttpServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

const text = 'text/plain; charset=utf-8';
const CLOSE_GRACE_MS = 2_000;

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const { metrics, readiness, log } = options;
  const routes: Record<string, RouteHandler> = {
    '/healthz': (_req, res) => send(res, 200, text, 'ok\n'),
    '/readyz': (_req, res) => {
      const state = readiness();
      send(res, state.ready ? 200 : 503, 'application/json', `${JSON.stringify(state)}\n`);
    },
    '/metrics': (_req, res) => {
      metrics.metrics().then(
        (body) => send(res, 200, metrics.contentType, body),
        (err: unknown) => {
          log?.warn({ err }, 'failed to collect metrics');
          send(res, 500, text, 'metrics collection failed\n');
        },
      );
    },
    ...options.routes,
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (!route) return send(res, 404, text, 'not found\n');
    if (req.method !== 'GET') return send(res, 405, text, 'method not allowed\n', { allow: 'GET' });
    try {
      route(req, res);
    } catch (err) {
      log?.warn({ err, path }, 'failed to serve request');
      if (!res.headersSent) send(res, 500, text, 'internal error\n');
      else res.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log?.error({ err }, 'http server failed'));

  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  log?.info({ url }, 'started http server');

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Prometheus and the kubelet keep connections alive: end the idle ones now, and give a
        // request in flight a moment before its socket is cut, so shutdown is never held up.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
