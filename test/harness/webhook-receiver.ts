// A real HTTP receiver for webhook notifications (node:http on loopback): every request kept
// with its path, content type, JSON body and the answer it was given. `answer` decides each
// answer: a status, or 'hang' (never answers, until stop).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
  answer: number | 'hang';
}

/** The fields of the generic JSON body that tests read. */
export interface NotificationBody {
  kind: string;
  event: string;
  sentBy: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The answer to a request, given its body and the number of requests so far (this one included). */
  answer: (body: unknown, n: number) => number | 'hang' = () => 200;
  private server: Server | undefined;
  private readonly hung: ServerResponse[] = [];

  /** Listens on a free loopback port; resolves to the URL to give the agents (`path` appended). */
  async start(path = '/hook'): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as unknown;
        const answer = this.answer(body, this.received.length + 1);
        this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body, answer });
        if (answer === 'hang') this.hung.push(res);
        else res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The notifications of `kind` (about `event`, when given) that were answered 2xx. */
  delivered(kind: string, event?: string): NotificationBody[] {
    return this.received
      .filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300)
      .map((r) => r.body as NotificationBody)
      .filter((b) => b.kind === kind && (event === undefined || b.event === event));
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
