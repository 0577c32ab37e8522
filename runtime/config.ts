// The agent's settings, from environment variables (the DaemonSet's ConfigMap; Helm values
// of the same names, see deploy/README.md). Every problem is reported, one line each, and
// nothing starts until the configuration is whole.
import { readFileSync } from 'node:fs';
import { parseDuration } from '../crds/duration.js';
import { DEFAULT_NAMESPACE } from '../crds/phases.js';
import type { AsgPair } from '../machines/fallback-event.types.js';
import { DRAIN_SETTING_NAMES, type DrainSettings } from './kube/drain-policy.js';
import { WEBHOOK_FORMATS, type WebhookFormat, type WebhookSettings } from './notify/notification.js';
import { templateProblem } from './notify/webhook-body.js';

export interface Config {
  asgPairs: AsgPair[];
  namespace: string;
  minimumWaitMs: number;
  spotStabilityWindowMs: number;
  spotCapacityTimeoutMs: number;
  asgPollIntervalMs: number;
  maxUtilizationPercent: number;
  evictionTimeoutMs: number;
  /** What a scale-down's drain may evict that kubectl drain refuses by default. */
  drain: DrainSettings;
  claimLeaseSeconds: number;
  eventTtlMs: number;
  dryRun: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  httpPort: number;
  viewAddress: { host: string; port: number };
  imdsEndpoint: string;
  /** SPOT_GUARD_AWS_REGION, else AWS_REGION; the agent refuses to start without one. */
  awsRegion: string | undefined;
  onDemandTimeoutMs: number;
  /** How long a protected at-risk node waits for its interruption before the surplus capacity goes. */
  protectionWindowMs: number;
  tickIntervalMs: number;
  recheckIntervalMs: number;
  /** The longest pause between two attempts of a failed scale-down step (the pause doubles up to it). */
  stepRetryMaxBackoffMs: number;
  /** Attempts of one scale-down step after which its failure is reported as needing a person; it is retried all the same. */
  maxStepAttempts: number;
  /** A Stately inspector's WebSocket (ws:// or wss://) to send inspection events to; off when undefined. */
  statelyInspectUrl: string | undefined;
  /** Webhook notifications (fallback recorded, scale-down completed, event failed, event stuck); off when undefined. */
  webhook: WebhookSettings | undefined;
}

/** Who this agent is: the downward API gives every DaemonSet pod its own. */
export interface PodIdentity {
  podName: string;
  nodeName: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const ASG_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,254}$/;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Reads a file a setting names (SPOT_GUARD_WEBHOOK_URL_FILE); tests give their own. */
export type ReadSettingFile = (path: string) => string;
const readSettingFile: ReadSettingFile = (path) => readFileSync(path, 'utf8');

export function loadConfig(env: NodeJS.ProcessEnv, readFile: ReadSettingFile = readSettingFile): ConfigResult {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => (env[name] ?? '').trim() || fallback;

  const duration = (name: string, fallback: string, min = 1000): number => {
    const value = text(name, fallback);
    const ms = parseDuration(value);
    if (ms === undefined) problems.push(`${name}=${value}: not a duration such as 90s, 10m or 1h30m`);
    else if (ms < min) problems.push(`${name}=${value}: must be at least ${min / 1000}s`);
    return ms ?? 0;
  };
  const boolean = (name: string, fallback: 'true' | 'false'): boolean => {
    const value = text(name, fallback);
    if (value !== 'true' && value !== 'false') problems.push(`${name}=${value}: must be true or false`);
    return value === 'true';
  };
  const integer = (name: string, fallback: string, min: number, max: number): number => {
    const value = text(name, fallback);
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) problems.push(`${name}=${value}: must be a whole number from ${min} to ${max}`);
    return n;
  };

  const asgPairs: AsgPair[] = [];
  const pairsText = text('SPOT_GUARD_ASG_PAIRS', '');
  if (!pairsText) problems.push('SPOT_GUARD_ASG_PAIRS is required: spot=on-demand ASG pairs, e.g. my-spot-asg=my-ondemand-asg');
  for (const item of pairsText ? pairsText.split(',') : []) {
    const [spot = '', onDemand = '', ...rest] = item.split('=').map((s) => s.trim());
    if (rest.length > 0 || !ASG_NAME.test(spot) || !ASG_NAME.test(onDemand)) {
      problems.push(`SPOT_GUARD_ASG_PAIRS: "${item}" is not spot-asg=on-demand-asg with valid ASG names`);
    } else if (spot === onDemand) {
      problems.push(`SPOT_GUARD_ASG_PAIRS: "${item}" pairs an ASG with itself`);
    } else if (asgPairs.some((p) => p.spot === spot || p.onDemand === spot || p.spot === onDemand || p.onDemand === onDemand)) {
      problems.push(`SPOT_GUARD_ASG_PAIRS: "${item}" names an ASG that is already in another pair`);
    } else {
      asgPairs.push({ spot, onDemand });
    }
  }

  const namespace = text('SPOT_GUARD_NAMESPACE', DEFAULT_NAMESPACE);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) problems.push(`SPOT_GUARD_NAMESPACE=${namespace}: not a namespace name`);

  const logLevel = text('SPOT_GUARD_LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`SPOT_GUARD_LOG_LEVEL=${logLevel}: must be one of ${LOG_LEVELS.join(', ')}`);

  const dryRun = boolean('SPOT_GUARD_DRY_RUN', 'false');

  const viewText = text('SPOT_GUARD_VIEW_ADDRESS', '127.0.0.1:19081');
  const view = /^(.+):(\d{1,5})$/.exec(viewText);
  if (!view || Number(view[2]) > 65535) problems.push(`SPOT_GUARD_VIEW_ADDRESS=${viewText}: must be host:port`);

  const imdsEndpoint = text('SPOT_GUARD_IMDS_ENDPOINT', 'http://169.254.169.254');
  if (!URL.canParse(imdsEndpoint) || !/^https?:$/.test(new URL(imdsEndpoint).protocol)) problems.push(`SPOT_GUARD_IMDS_ENDPOINT=${imdsEndpoint}: must be an http(s) URL`);

  const inspectUrl = text('SPOT_GUARD_STATELY_INSPECT_URL', '');
  if (inspectUrl && (!URL.canParse(inspectUrl) || !/^wss?:$/.test(new URL(inspectUrl).protocol))) {
    problems.push(`SPOT_GUARD_STATELY_INSPECT_URL=${inspectUrl}: must be a ws:// or wss:// URL, or empty (off)`);
  }

  const webhook = loadWebhook(env, readFile, { text, duration, integer, problems });

  const claimLeaseMs = duration('SPOT_GUARD_CLAIM_LEASE', '30s', 5000);
  if (claimLeaseMs > 3600_000) problems.push(`SPOT_GUARD_CLAIM_LEASE=${text('SPOT_GUARD_CLAIM_LEASE', '30s')}: must be at most 1h (the CRD's limit)`);

  const config: Config = {
    asgPairs,
    namespace,
    minimumWaitMs: duration('SPOT_GUARD_MINIMUM_WAIT', '10m', 0),
    spotStabilityWindowMs: duration('SPOT_GUARD_SPOT_STABILITY_WINDOW', '2m'),
    spotCapacityTimeoutMs: duration('SPOT_GUARD_SPOT_CAPACITY_TIMEOUT', '2m'),
    asgPollIntervalMs: duration('SPOT_GUARD_ASG_POLL_INTERVAL', '15s'),
    maxUtilizationPercent: integer('SPOT_GUARD_MAX_UTILIZATION_PERCENT', '75', 1, 100),
    evictionTimeoutMs: duration('SPOT_GUARD_EVICTION_TIMEOUT', '5m'),
    // Named after kubectl drain's flags; off by default, as there.
    drain: {
      deleteEmptyDirData: boolean(DRAIN_SETTING_NAMES.deleteEmptyDirData, 'false'),
      force: boolean(DRAIN_SETTING_NAMES.force, 'false'),
    },
    claimLeaseSeconds: Math.round(claimLeaseMs / 1000),
    eventTtlMs: duration('SPOT_GUARD_EVENT_TTL', '24h'),
    dryRun,
    logLevel: logLevel as Config['logLevel'],
    httpPort: integer('SPOT_GUARD_HTTP_PORT', '19080', 1, 65535),
    viewAddress: { host: view?.[1] ?? '', port: Number(view?.[2] ?? 0) },
    imdsEndpoint: imdsEndpoint.replace(/\/+$/, ''),
    awsRegion: text('SPOT_GUARD_AWS_REGION', text('AWS_REGION', '')) || undefined,
    onDemandTimeoutMs: duration('SPOT_GUARD_ON_DEMAND_TIMEOUT', '10m'),
    protectionWindowMs: duration('SPOT_GUARD_PROTECTION_WINDOW', '1h'),
    tickIntervalMs: duration('SPOT_GUARD_TICK_INTERVAL', '1s', 100),
    recheckIntervalMs: duration('SPOT_GUARD_RECHECK_INTERVAL', '30s'),
    stepRetryMaxBackoffMs: duration('SPOT_GUARD_STEP_RETRY_MAX_BACKOFF', '10m'),
    maxStepAttempts: integer('SPOT_GUARD_MAX_STEP_ATTEMPTS', '5', 1, 100),
    statelyInspectUrl: inspectUrl || undefined,
    webhook,
  };
  // A cap of a day still tries a failed step every day; longer would look like giving up.
  if (config.stepRetryMaxBackoffMs > 24 * 3600_000) problems.push(`SPOT_GUARD_STEP_RETRY_MAX_BACKOFF=${text('SPOT_GUARD_STEP_RETRY_MAX_BACKOFF', '10m')}: must be at most 24h`);
  if (config.awsRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.awsRegion)) {
    problems.push(`SPOT_GUARD_AWS_REGION=${config.awsRegion}: not an AWS region such as us-east-1`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

interface SettingReaders {
  text: (name: string, fallback: string) => string;
  duration: (name: string, fallback: string, min?: number) => number;
  integer: (name: string, fallback: string, min: number, max: number) => number;
  problems: string[];
}

/**
 * The webhook's settings. Every one is read and checked even while no URL is set, so a wrong
 * value is refused when it is written, not when a URL is added months later. The URL comes from
 * SPOT_GUARD_WEBHOOK_URL (the chart can fill it from a Secret) or from the file that
 * SPOT_GUARD_WEBHOOK_URL_FILE names (a Secret mounted as a volume), never both.
 */
function loadWebhook(env: NodeJS.ProcessEnv, readFile: ReadSettingFile, { text, duration, integer, problems }: SettingReaders): WebhookSettings | undefined {
  const given = text('SPOT_GUARD_WEBHOOK_URL', '');
  const file = text('SPOT_GUARD_WEBHOOK_URL_FILE', '');
  let url = given;
  if (given && file) problems.push('SPOT_GUARD_WEBHOOK_URL and SPOT_GUARD_WEBHOOK_URL_FILE are both set: set one of them');
  else if (file) {
    try {
      url = readFile(file).trim();
      if (!url) problems.push(`SPOT_GUARD_WEBHOOK_URL_FILE=${file}: the file is empty`);
    } catch (err) {
      problems.push(`SPOT_GUARD_WEBHOOK_URL_FILE=${file}: cannot read it (${(err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err))})`);
      url = '';
    }
  }
  // The URL itself is never echoed: a Slack webhook's path is its secret.
  const source = file && !given ? `the URL in SPOT_GUARD_WEBHOOK_URL_FILE=${file}` : 'SPOT_GUARD_WEBHOOK_URL';
  if (url && (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))) problems.push(`${source}: must be an http:// or https:// URL, or empty (off)`);
  else if (url && new URL(url).hostname === '') problems.push(`${source}: names no host`);

  const format = text('SPOT_GUARD_WEBHOOK_FORMAT', 'json');
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) problems.push(`SPOT_GUARD_WEBHOOK_FORMAT=${format}: must be one of ${WEBHOOK_FORMATS.join(', ')}`);
  const template = text('SPOT_GUARD_WEBHOOK_TEMPLATE', '');
  const templateIssue = template ? templateProblem(template) : undefined;
  if (templateIssue) problems.push(`SPOT_GUARD_WEBHOOK_TEMPLATE: ${templateIssue}`);
  if (template && format === 'slack') problems.push('SPOT_GUARD_WEBHOOK_TEMPLATE is set with SPOT_GUARD_WEBHOOK_FORMAT=slack: a template is the whole body, leave the format json');
  const stuckAfterMs = duration('SPOT_GUARD_WEBHOOK_STUCK_AFTER', '1h', 60_000);
  const timeoutMs = duration('SPOT_GUARD_WEBHOOK_TIMEOUT', '10s');
  if (timeoutMs > 60_000) problems.push(`SPOT_GUARD_WEBHOOK_TIMEOUT=${text('SPOT_GUARD_WEBHOOK_TIMEOUT', '10s')}: must be at most 1m`);
  const attempts = integer('SPOT_GUARD_WEBHOOK_ATTEMPTS', '8', 1, 20);
  if (!url) return undefined;
  return { url, format: format as WebhookFormat, template: template || undefined, stuckAfterMs, timeoutMs, attempts };
}

/**
 * The SPOT_GUARD_ variables of `env` that no setting reads: a misspelt name would otherwise be
 * ignored without a word and its default used. Found by watching what loadConfig reads, so a
 * new setting is known the moment loadConfig reads it.
 */
export function unknownSettings(env: NodeJS.ProcessEnv): string[] {
  const read = new Set<string>();
  const watched = new Proxy(env, {
    get: (target, key): string | undefined => {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  // Which names are read does not depend on a file's content: none is read here.
  loadConfig(watched, () => '');
  return Object.keys(env).filter((name) => name.startsWith('SPOT_GUARD_') && !read.has(name)).sort();
}

/** The agent's identity and region, which only the DaemonSet (or the sandbox) can supply. */
export function loadAgentIdentity(env: NodeJS.ProcessEnv, config: Config): { ok: true; identity: PodIdentity } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const podName = (env.POD_NAME ?? '').trim();
  const nodeName = (env.NODE_NAME ?? '').trim();
  if (!podName) problems.push('POD_NAME is required (the DaemonSet sets it from metadata.name)');
  if (!nodeName) problems.push('NODE_NAME is required (the DaemonSet sets it from spec.nodeName)');
  if (!config.awsRegion) problems.push('SPOT_GUARD_AWS_REGION (or AWS_REGION) is required: the region of the ASGs');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, identity: { podName, nodeName } };
}
