// Serves the live statechart view: the page at /, the current views as JSON at /views, and
// server-sent events at /events (every change, and once a second so the countdowns move).
// Read-only: it answers GET only and changes nothing. It listens where it is told, by
// default on localhost only; reach it in a cluster with `kubectl port-forward`.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FALLBACK_EVENT_PHASES_SVG, FALLBACK_EVENT_STATECHART_SVG } from '../../visualizations/fallback-event-statechart.generated.js';
import { viewPage } from '../../visualizations/page.js';
import type { Logger } from '../log.js';
import type { LiveViews } from './live-views.js';

export interface ViewServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  views: LiveViews;
  title?: string;
  log?: Logger;
  /** How often the countdowns are refreshed without a change; default 1 s. */
  refreshMs?: number;
}

export interface ViewServer {
  url: string;
  close(): Promise<void>;
}

export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const { views, log } = options;
  const page = viewPage({
    title: options.title ?? 'Spot Guard: fallback events',
    fallbackEventSvg: FALLBACK_EVENT_STATECHART_SVG,
    fallbackEventPhasesSvg: FALLBACK_EVENT_PHASES_SVG,
  });
  const clients = new Set<ServerResponse>();
  const payload = () => JSON.stringify({ source: views.source, at: Date.now(), views: views.views() });
  const push = () => {
    if (clients.size === 0) return;
    const frame = `event: views\ndata: ${payload()}\n\n`;
    for (const res of clients) res.write(frame);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (path === '/views') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(payload());
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 2000\nevent: views\ndata: ${payload()}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  let pending: NodeJS.Timeout | undefined;
  // Changes come in bursts (every tick of every actor): one frame per burst is enough.
  const subscription = views.changes.subscribe(() => {
    pending ??= setTimeout(() => {
      pending = undefined;
      push();
    }, 100);
  });
  const refresh = setInterval(push, options.refreshMs ?? 1000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/`;
  log?.info({ url }, 'started live view');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        subscription.unsubscribe();
        clearInterval(refresh);
        clearTimeout(pending);
        for (const res of clients) res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
