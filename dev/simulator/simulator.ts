// The simulator as a server on loopback: the Auto Scaling Query API at POST / (what the
// agent's unchanged AWS SDK adapter talks to, given this endpoint) and the JSON control API
// under /control/. A ticker advances the model with the clock and, given a kubeconfig, lets
// the registrar bring Nodes in line; every request advances the model first, so an answer
// never shows a state older than the clock.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { createLogger, type Logger } from '../../runtime/log.js';
import { runAction } from './autoscaling.actions.js';
import { QueryError } from './aws.wording.js';
import { CallCounter } from './call.counter.js';
import { CloudModel, ScenarioError } from './cloud.model.js';
import type { Delays } from './cloud.types.js';
import { SimulatorControl } from './control.client.js';
import { handleControl, type ControlDeps } from './control.routes.js';
import type { NodeMapping } from './control.types.js';
import { FaultInjector } from './fault.injector.js';
import { NodeRegistrar, type NodeSource } from './node-registrar.kube.js';
import { errorReply, successReply, type QueryReply } from './query.protocol.js';

export interface SimulatorOptions {
  /** Default 0: a free port chosen by the kernel. */
  port?: number;
  region?: string;
  /** The model's clock; default Date.now. */
  clock?: () => number;
  /** How often the model advances and Nodes are synced without a request; default 50 ms. */
  tickMs?: number;
  delays?: Partial<Delays>;
  /** Admin access to a kube-apiserver: when given, instances register as Nodes there. */
  kubeConfig?: KubeConfig;
  log?: Logger;
}

export interface Simulator {
  /** For `new AwsAutoScaling({ endpoint })` or AWS_ENDPOINT_URL_AUTO_SCALING. */
  readonly endpoint: string;
  readonly control: SimulatorControl;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ScenarioError(400, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? Date.now;
  const log = options.log ?? createLogger({ level: 'error' });
  const model = new CloudModel({ region: options.region, delays: options.delays, start: clock() });
  const faults = new FaultInjector();
  const counter = new CallCounter();
  const registrar = options.kubeConfig ? new NodeRegistrar(options.kubeConfig, model.region, log.child({ component: 'node-registrar' })) : undefined;

  const sources = (): NodeSource[] =>
    model.listInstances().flatMap((instance) => {
      const group = model.group(instance.groupName);
      return group ? [{ instance: { ...instance }, group: { ...group } }] : [];
    });
  const nodes = (): NodeMapping[] =>
    model.listInstances().map((i) => ({
      instanceId: i.instanceId,
      nodeName: i.nodeName,
      groupName: i.groupName,
      lifecycleState: i.lifecycleState,
      ...(registrar?.stateOf(i.instanceId, model.now) ?? { registered: false, ready: false }),
    }));
  const deps: ControlDeps = { model, faults, counter, nodes };

  const query = (params: URLSearchParams, requestId: string): QueryReply => {
    const action = params.get('Action') ?? '';
    const injected = faults.next(action);
    counter.count(action || '(none)', injected !== undefined);
    if (injected) return errorReply(injected, requestId);
    try {
      if (!action) throw new QueryError('MissingAction', 'The request must contain the parameter Action.');
      return successReply(action, runAction(model, action, params), requestId);
    } catch (err) {
      if (err instanceof QueryError) return errorReply(err, requestId);
      log.error({ action, err: (err as Error).message }, 'failed to answer a query');
      return errorReply(new QueryError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500), requestId);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    model.advance(clock());
    if (url.pathname.startsWith('/control/')) {
      let reply: { status: number; json?: unknown };
      try {
        const parsed: unknown = body ? JSON.parse(body) : undefined;
        reply = handleControl(deps, req.method ?? 'GET', url.pathname.slice('/control/'.length), url.searchParams, parsed);
      } catch (err) {
        const status = err instanceof ScenarioError ? err.status : err instanceof SyntaxError || err instanceof QueryError ? 400 : 500;
        reply = { status, json: { error: (err as Error).message } };
      }
      res.writeHead(reply.status, reply.json === undefined ? {} : { 'content-type': 'application/json' });
      res.end(reply.json === undefined ? undefined : JSON.stringify(reply.json));
      return;
    }
    // The Query API: the SDK POSTs a form to /; AWS also takes the same parameters in a GET.
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
    const requestId = randomUUID();
    const reply = query(params, requestId);
    res.writeHead(reply.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(reply.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'failed to answer a request');
      if (!res.headersSent) res.writeHead(err instanceof ScenarioError ? err.status : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The ticker: one sync in flight at most, so a slow API server delays Nodes rather than
  // piling up requests.
  let syncing: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    model.advance(clock());
    if (!registrar || syncing) return;
    syncing = registrar
      .sync(sources(), model.now)
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'failed to sync nodes'))
      .finally(() => (syncing = undefined));
  };
  const timer = setInterval(tick, options.tickMs ?? 50);

  return {
    endpoint,
    control: new SimulatorControl(endpoint),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await syncing;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
