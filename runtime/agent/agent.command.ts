// `spot-guard agent`: the DaemonSet's entry point. Reads and checks every setting before it
// touches anything (one line per problem, exit 2), then runs the agent with its HTTP endpoints
// until SIGTERM or SIGINT, when it gives up the claims it holds and exits 0.
//
// The Kubernetes client is configured the usual way (KUBECONFIG, else the in-cluster service
// account); the AWS SDK takes credentials from its default chain (IRSA or Pod Identity on EKS)
// and honours AWS_ENDPOINT_URL_AUTO_SCALING, which the sandbox uses to point it elsewhere.
import { KubeConfig } from '@kubernetes/client-node';
import { AwsAutoScaling } from '../autoscaling.aws.js';
import { AwsAuthHealth } from '../aws-auth.health.js';
import { loadAgentIdentity, loadConfig, unknownSettings, type Config } from '../config.js';
import { startHttpServer } from '../http/http.server.js';
import { ImdsHttpClient } from '../imds.http.js';
import { EventRecorder } from '../kube/events.recorder.js';
import { createLogger } from '../log.js';
import { AgentMetrics } from '../metrics.js';
import { LiveViews } from '../view/live-views.js';
import { startViewServer } from '../view/view.server.js';
import { Agent } from './agent.js';

export interface AgentCommandOptions {
  env?: NodeJS.ProcessEnv;
  /** Resolves when the agent should stop; by default the first SIGTERM or SIGINT. */
  stopSignal?: Promise<string>;
  stderr?: NodeJS.WritableStream;
}

function firstSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export async function runAgent(options: AgentCommandOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stderr = options.stderr ?? process.stderr;
  const loaded = loadConfig(env);
  // Who the agent is gets checked even when the settings are wrong, so one run lists everything.
  const region = (env.SPOT_GUARD_AWS_REGION ?? '').trim() || (env.AWS_REGION ?? '').trim() || undefined;
  const identity = loadAgentIdentity(env, loaded.ok ? loaded.config : ({ awsRegion: region } as Config));
  const problems = [...(loaded.ok ? [] : loaded.problems), ...(identity.ok ? [] : identity.problems)];
  if (!loaded.ok || !identity.ok) {
    for (const problem of problems) stderr.write(`spot-guard agent: ${problem}\n`);
    stderr.write(`spot-guard agent: refusing to start with ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n`);
    return 2;
  }
  const { config } = loaded;
  const stop = options.stopSignal ?? firstSignal();
  const log = createLogger({ level: config.logLevel, base: { pod: identity.identity.podName, node: identity.identity.nodeName } });
  // Not refused: a newer chart's setting must not stop an older agent from starting.
  for (const name of unknownSettings(env)) log.warn({ setting: name }, `${name} is not a setting of this agent and is ignored (misspelt?)`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const metrics = new AgentMetrics({ asgPairs: config.asgPairs });
  const awsAuth = new AwsAuthHealth();
  const autoscaling = new AwsAutoScaling({ region: config.awsRegion ?? '' }, (action, outcome, message) => {
    metrics.awsCall(action, outcome);
    awsAuth.observe(action, outcome, message);
  });
  const views = new LiveViews({ minimumWaitMs: config.minimumWaitMs, stabilityWindowMs: config.spotStabilityWindowMs, ttlMs: config.eventTtlMs }, identity.identity.podName);
  // Off unless configured: the inspector's UI is hosted by Stately, which an air-gapped cluster
  // cannot reach; the agent's own live view needs none of it.
  // Loaded only then (it brings a WebSocket client and its own serialiser): ~N MiB of RSS saved
  // on every node that does not use it (docs/memory.md).
  const inspector = config.statelyInspectUrl ? (await import('@statelyai/inspect')).createWebSocketInspector({ url: config.statelyInspectUrl }) : undefined;
  if (inspector) log.info({ url: config.statelyInspectUrl }, 'sending inspection events to a stately inspector');
  const agent = new Agent({
    inspect: inspector?.inspect,
    observer: {
      snapshot: (name, snapshot) => (snapshot ? views.update(snapshot.context.object, snapshot.value, snapshot.context.lease) : views.remove(name)),
    },
    identity: identity.identity,
    config,
    kubeConfig,
    autoscaling,
    log,
    metrics,
    awsAuth,
    events: new EventRecorder(kubeConfig, identity.identity, log),
    imds: new ImdsHttpClient({ endpoint: config.imdsEndpoint }),
  });
  const http = await startHttpServer({ host: '0.0.0.0', port: config.httpPort, metrics, readiness: () => agent.readiness(), log });
  // The view is a window on the agent, not part of its job: without it the agent still runs.
  const view = await startViewServer({ host: config.viewAddress.host, port: config.viewAddress.port, views, title: `Spot Guard: fallback events seen by ${identity.identity.podName}`, log }).catch(
    (err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : String(err), address: `${config.viewAddress.host}:${config.viewAddress.port}` }, 'could not start live view');
      return undefined;
    },
  );
  agent.start();
  const signal = await stop;
  log.info({ signal }, 'stopping agent');
  await agent.stop({ release: true });
  await http.close();
  await view?.close();
  inspector?.stop();
  log.info({}, 'stopped agent');
  return 0;
}
