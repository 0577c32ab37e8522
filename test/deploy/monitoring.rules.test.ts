// The alerting rules and the dashboard against what the agents really export. A sandbox (real
// kube-apiserver, the AWS simulator, the built agent on every node) plays a fallback and an AWS
// refusal, and every agent's /metrics is read. promtool's `test rules` then runs on input series
// with exactly the scraped metric and label names, labelled as the shipped ServiceMonitor makes
// Prometheus label them, and the values each case chooses to make an alert fire or stay quiet.
// A metric or label renamed in runtime/metrics.ts fails here, before any cluster sees it.
// Series labelled by a configured ASG (or by step) are exported at 0 from an agent's first
// scrape, so the cases take those label values from the scrape too.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { SCALE_DOWN_STEPS } from '../../crds/phases.js';
import { resolveBinaries } from '../../dev/sandbox/binaries.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { loud, waitFor } from '../harness/agent-world.js';
import { labelNamesByMetric, parseExposition, promqlNames, promtool, type ScrapedSample } from '../harness/prometheus.js';

const file = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const GROUPS = (parse(file('deploy/monitoring/prometheus-rules.yaml')) as { spec: { groups: { name: string; rules: Rule[] }[] } }).spec.groups;
const RULES = GROUPS.flatMap((g) => g.rules);
const DASHBOARD = JSON.parse(file('deploy/monitoring/grafana-dashboard.json')) as { panels: { title: string; targets?: { refId: string; expr: string }[] }[] };

/** One agent as Prometheus scrapes it: the labels its target gets, and its samples. */
interface ScrapedAgent {
  target: Record<string, string>;
  samples: ScrapedSample[];
}

interface Ctx {
  promtool: string;
  dir: string;
  agents: ScrapedAgent[];
  /** Every agent's first scrape, before the scenario played anything. */
  first: ScrapedAgent[];
  /** The sandbox's ASG pair (its ConfigMap's first). */
  pair: { spot: string; onDemand: string };
}
const test = suite<Ctx>('Alerting rules and dashboard, on a real scrape');

/**
 * The labels Prometheus gives every series of an agent scraped through the shipped
 * ServiceMonitor: the operator's job (the Service's value of jobLabel), instance, namespace,
 * pod, service, endpoint and container, then the endpoint's relabelings.
 */
function targetLabels(agent: { pod: string; node: string; httpUrl: string }): Record<string, string> {
  type Service = { kind: 'Service'; metadata: { name: string; namespace: string; labels: Record<string, string> } };
  type Monitor = { kind: 'ServiceMonitor'; spec: { jobLabel: string; endpoints: { port: string; relabelings?: { sourceLabels: string[]; targetLabel: string }[] }[] } };
  const docs = parseAllDocuments(file('deploy/monitoring/servicemonitor.yaml')).map((d) => d.toJSON() as Service | Monitor);
  const service = docs.find((d): d is Service => d.kind === 'Service');
  const monitor = docs.find((d): d is Monitor => d.kind === 'ServiceMonitor');
  const daemonSet = parse(file('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { containers: { name: string }[] } } } };
  if (!service || !monitor) throw new Error('deploy/monitoring/servicemonitor.yaml holds no Service or no ServiceMonitor');
  const [endpoint] = monitor.spec.endpoints;
  const labels: Record<string, string> = {
    job: service.metadata.labels[monitor.spec.jobLabel] ?? service.metadata.name,
    instance: new URL(agent.httpUrl).host,
    namespace: service.metadata.namespace,
    pod: agent.pod,
    service: service.metadata.name,
    endpoint: endpoint?.port ?? '',
    container: daemonSet.spec.template.spec.containers[0]?.name ?? '',
  };
  const meta: Record<string, string> = { __meta_kubernetes_pod_node_name: agent.node };
  for (const r of endpoint?.relabelings ?? []) {
    const values = r.sourceLabels.map((l) => meta[l]);
    if (values.some((v) => v === undefined)) throw new Error(`the test knows no value for ${r.sourceLabels.join(', ')} (a relabeling of the ServiceMonitor)`);
    labels[r.targetLabel] = values.join(';');
  }
  return labels;
}

const TARGET_LABELS = Object.keys(targetLabels({ pod: 'p', node: 'n', httpUrl: 'http://127.0.0.1:1' }));

function scrapeAgents(sandbox: Sandbox): Promise<ScrapedAgent[]> {
  return Promise.all(
    sandbox.agents.list().map(async (a) => {
      const text = await fetch(`${a.httpUrl}/metrics`).then((r) => r.text(), () => '');
      return { target: targetLabels(a), samples: parseExposition(text) };
    }),
  );
}

/** Every agent's samples from several scrapes, one entry per agent. */
function merge(scrapes: ScrapedAgent[][]): ScrapedAgent[] {
  const byPod = new Map<string, ScrapedAgent>();
  for (const agent of scrapes.flat()) {
    const known = byPod.get(agent.target.pod ?? '');
    if (known) known.samples.push(...agent.samples);
    else byPod.set(agent.target.pod ?? '', { target: agent.target, samples: [...agent.samples] });
  }
  return [...byPod.values()];
}

test.before(
  loud(async (ctx) => {
    const [binaries, sandbox] = await Promise.all([resolveBinaries(['promtool']), startSandbox({ scale: 20, spotNodes: 2 })]);
    ctx.promtool = binaries.promtool;
    try {
      const scrapes = [await scrapeAgents(sandbox)];
      ctx.first = merge(scrapes);
      ctx.pair = sandbox.pair;
      const [a, b] = sandbox.agents.list();
      if (!a || !b) throw new Error('the sandbox started fewer than two agents');
      const seen = async (wanted: (x: ScrapedSample) => boolean): Promise<boolean> => {
        const now = await scrapeAgents(sandbox);
        scrapes.push(now);
        return now.some((s) => s.samples.some(wanted));
      };
      // A fallback: the counter labelled by ASG pair (there at 0 from the start) counts it, and
      // the counters labelled by AWS action appear.
      await sandbox.sim.control.exhaustSpotPool(sandbox.pair.spot);
      await sandbox.scenario.rebalance(a.node);
      await waitFor('a fallback in the agents\' metrics', () => seen((x) => x.name === 'spot_guard_fallbacks_total' && x.value > 0), 90_000, 500);
      // AWS refuses the next call, whichever agent makes it: an error outcome as the agent names it.
      await sandbox.sim.control.injectFault({ action: '*', error: 'AccessDenied', times: 1 });
      await sandbox.scenario.rebalance(b.node);
      await waitFor('an AccessDenied AWS call in the agents\' metrics', () => seen((x) => x.name === 'spot_guard_aws_calls_total' && x.labels.outcome === 'AccessDenied' && x.value > 0), 90_000, 500);
      ctx.agents = merge(scrapes);
    } finally {
      await sandbox.stop();
    }
    ctx.dir = await mkdtemp(join(tmpdir(), 'spot-guard-rules-'));
    await writeFile(join(ctx.dir, 'rules.yaml'), stringify({ groups: GROUPS }));
  }),
);
test.after(async (ctx) => {
  if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true });
});

const labelsOf = (agents: ScrapedAgent[]) => labelNamesByMetric(agents.flatMap((a) => a.samples));
const valuesOf = (agents: ScrapedAgent[], metric: string, label: string): string[] =>
  [...new Set(agents.flatMap((a) => a.samples.filter((s) => s.name === metric).map((s) => s.labels[label] ?? '')))].filter(Boolean);
/** The values of `label` that agents gave `metric`; at least one, or the scrape lacks what the cases need. */
function scrapedValues(agents: ScrapedAgent[], metric: string, label: string): [string, ...string[]] {
  const [one, ...more] = valuesOf(agents, metric, label);
  if (one === undefined) throw new Error(`no agent exported ${metric} with the label ${label}`);
  return [one, ...more];
}

/**
 * What an expression names that a scrape lacks: a metric no agent exported, a label its samples
 * do not carry (nor Prometheus's target), or an exact label value no agent gave it.
 */
function unknownNames(expr: string, agents: ScrapedAgent[]): string[] {
  const scraped = labelsOf(agents);
  const { selectors, grouping } = promqlNames(expr);
  const problems: string[] = [];
  const named = new Set<string>(TARGET_LABELS);
  for (const { metric, matchers } of selectors) {
    const has = scraped.get(metric);
    if (!has) {
      problems.push(`metric ${metric}`);
      continue;
    }
    for (const l of has) named.add(l);
    for (const { label, op, value } of matchers) {
      if (!has.has(label) && !TARGET_LABELS.includes(label)) problems.push(`label ${label} of ${metric}`);
      // An exact value must be one an agent gave; a regular expression may name values a short run never sees.
      else if ((op === '=' || op === '!=') && has.has(label) && !valuesOf(agents, metric, label).includes(value)) problems.push(`${label}="${value}" of ${metric}`);
    }
  }
  for (const l of grouping) if (!named.has(l)) problems.push(`label ${l} (in by, on or ignoring)`);
  return problems;
}

// ---- promtool test rules: the cases ----

interface InputSeries {
  series: string;
  values: string;
}
interface Check {
  at: string;
  /** Each alert expected firing: the expression's labels, and $value as the annotations show it. */
  fires: { labels: Record<string, string>; value: string }[];
}
interface Case {
  alert: string;
  name: string;
  series: InputSeries[];
  checks: Check[];
}

function rule(alert: string): Rule {
  const r = RULES.find((x) => x.alert === alert);
  if (!r) throw new Error(`no alert ${alert} in deploy/monitoring/prometheus-rules.yaml`);
  return r;
}
const minutes = (d = '0m'): number => {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (!m) throw new Error(`the test reads durations such as 30m, 6h or 1d, not ${d}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
};
/** The number an alert's expression compares with last (`... > 24`). */
const threshold = (alert: string): number => {
  const m = />\s*([0-9.]+)\s*$/.exec(rule(alert).expr);
  if (!m) throw new Error(`${alert}: no "> N" at the end of its expression`);
  return Number(m[1]);
};

/**
 * An input series of `metric` for one agent. The metric must be one an agent exported, and
 * `labels` must name exactly the labels its scraped samples carry; the agent's target labels
 * are added as Prometheus would.
 */
function seriesOf(agents: ScrapedAgent[], agent: ScrapedAgent, metric: string, labels: Record<string, string>, values: string): InputSeries {
  const scraped = labelsOf(agents).get(metric);
  if (!scraped) throw new Error(`no agent exported ${metric} (exported: ${[...labelsOf(agents).keys()].filter((n) => n.startsWith('spot_guard_')).join(', ')})`);
  const given = Object.keys(labels).sort();
  assert.equal(given, [...scraped].sort(), `the labels of ${metric} in a real scrape`);
  const all = { ...agent.target, ...labels };
  return { series: `${metric}{${Object.entries(all).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`, values };
}

/** The annotations Prometheus renders for an alert with these expression labels and $value. */
function rendered(template: string, labels: Record<string, string>, value: string): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, inner: string) => {
    const label = /^\$labels\.([a-zA-Z_]\w*)$/.exec(inner);
    if (label) return labels[label[1] as string] ?? '';
    if (/^\$value(\s*\|.*)?$/.test(inner)) return value;
    throw new Error(`the test cannot render {{ ${inner} }}`);
  });
}

function cases(agents: ScrapedAgent[]): Case[] {
  const [a, b] = agents as [ScrapedAgent, ScrapedAgent];
  const namespace = a.target.namespace ?? '';
  const s = (agent: ScrapedAgent, metric: string, labels: Record<string, string>, values: string) => seriesOf(agents, agent, metric, labels, values);
  const phases = valuesOf(agents, 'spot_guard_events', 'phase');
  const steps = valuesOf(agents, 'spot_guard_scale_down_steps_needing_attention', 'step');
  const out: Case[] = [];

  // Every agent reports every event; b sees one more in the phase than a (it may be ahead).
  for (const phase of ['Pending', 'Monitoring', 'ReadyForScaleDown', 'ScalingDown']) {
    const alert = `SpotGuardEventStuck${phase}`;
    const f = minutes(rule(alert).for);
    const n = f + 5;
    const events = (inPhase: (agent: ScrapedAgent) => string) =>
      agents.flatMap((agent) => phases.map((p) => s(agent, 'spot_guard_events', { phase: p }, p === phase ? inPhase(agent) : `0x${n}`)));
    out.push({
      alert,
      name: `${alert}: events in ${phase} for its whole ${rule(alert).for}, not before`,
      series: events((agent) => (agent === a ? `1x${n}` : `2x${n}`)),
      checks: [
        { at: `${f - 1}m`, fires: [] },
        { at: `${f + 1}m`, fires: [{ labels: { namespace }, value: '2' }] },
      ],
    });
    out.push({
      alert,
      name: `${alert}: quiet when ${phase} empties for a minute in between`,
      series: events(() => `1x${f - 5} 0 1x9`),
      checks: [{ at: `${f + 1}m`, fires: [] }],
    });
  }

  out.push({
    alert: 'SpotGuardEventFailed',
    name: 'SpotGuardEventFailed: at once, while a Failed event exists',
    series: agents.flatMap((agent) => phases.map((p) => s(agent, 'spot_guard_events', { phase: p }, p === 'Failed' ? '0 0 1x10' : '0x12'))),
    checks: [
      { at: '1m', fires: [] },
      { at: '3m', fires: [{ labels: { namespace }, value: '1' }] },
    ],
  });

  // Both agents report the same nodes: counted once.
  const hours = threshold('SpotGuardOnDemandNodeHoursHigh');
  out.push({
    alert: 'SpotGuardOnDemandNodeHoursHigh',
    name: `SpotGuardOnDemandNodeHoursHigh: ${2 * hours} node-hours in a day, not ${hours / 2}`,
    series: [s(a, 'spot_guard_on_demand_nodes', {}, `${(2 * hours) / 24}x1440`), s(b, 'spot_guard_on_demand_nodes', {}, `${(2 * hours) / 24}x1440`)],
    checks: [{ at: '1440m', fires: [{ labels: { namespace }, value: (2 * hours).toFixed(0) }] }],
  });
  out.push({
    alert: 'SpotGuardOnDemandNodeHoursHigh',
    name: 'SpotGuardOnDemandNodeHoursHigh: quiet at half the threshold',
    series: [s(a, 'spot_guard_on_demand_nodes', {}, `${hours / 48}x1440`), s(b, 'spot_guard_on_demand_nodes', {}, `${hours / 48}x1440`)],
    checks: [{ at: '1440m', fires: [] }],
  });

  // Per agent: the alert names the agent whose polls fail, with all its target labels.
  const polls = threshold('SpotGuardImdsErrors');
  const imdsFor = minutes(rule('SpotGuardImdsErrors').for);
  out.push({
    alert: 'SpotGuardImdsErrors',
    name: `SpotGuardImdsErrors: ${2 * polls} failed polls a minute on one agent`,
    series: [s(a, 'spot_guard_imds_errors_total', {}, `0+${2 * polls}x${imdsFor + 10}`), s(b, 'spot_guard_imds_errors_total', {}, `0x${imdsFor + 10}`)],
    checks: [
      { at: `${imdsFor - 1}m`, fires: [] },
      { at: `${imdsFor + 5}m`, fires: [{ labels: a.target, value: (2 * polls).toFixed(0) }] },
    ],
  });
  out.push({
    alert: 'SpotGuardImdsErrors',
    name: 'SpotGuardImdsErrors: quiet at half the threshold',
    series: [s(a, 'spot_guard_imds_errors_total', {}, `0+${polls / 2}x${imdsFor + 10}`)],
    checks: [{ at: `${imdsFor + 5}m`, fires: [] }],
  });

  const deniedFor = minutes(rule('SpotGuardAwsAccessDenied').for);
  const calls = (agent: ScrapedAgent, action: string, outcome: string, values: string) => s(agent, 'spot_guard_aws_calls_total', { action, outcome }, values);
  out.push({
    alert: 'SpotGuardAwsAccessDenied',
    name: 'SpotGuardAwsAccessDenied: refusals go on, on one agent',
    series: [calls(a, 'SetDesiredCapacity', 'ok', '0+1x20'), calls(a, 'SetDesiredCapacity', 'AccessDenied', '0+1x20'), calls(b, 'SetDesiredCapacity', 'ok', '0+1x20')],
    checks: [
      { at: `${deniedFor - 1}m`, fires: [] },
      { at: `${deniedFor + 5}m`, fires: [{ labels: { ...a.target, action: 'SetDesiredCapacity', outcome: 'AccessDenied' }, value: '' }] },
    ],
  });
  out.push({
    alert: 'SpotGuardAwsAccessDenied',
    name: 'SpotGuardAwsAccessDenied: quiet once refusals stopped',
    series: [calls(a, 'SetDesiredCapacity', 'AccessDenied', '0 1x30')],
    checks: [{ at: '25m', fires: [] }],
  });

  // 1 call in 4 throttled on each agent; insufficient capacity and AccessDenied are not counted here.
  const ratio = threshold('SpotGuardAwsErrors');
  assert.ok(ratio > 0.05 && ratio < 0.25, `SpotGuardAwsErrors: its threshold ${ratio} lies between this test's quiet 5% and firing 25%`);
  const errorsFor = minutes(rule('SpotGuardAwsErrors').for);
  const mixed = (throttledOf: number) =>
    [a, b].flatMap((agent) => [
      calls(agent, 'SetDesiredCapacity', 'ok', `0+${throttledOf - 1}x${errorsFor + 20}`),
      calls(agent, 'SetDesiredCapacity', 'Throttled', `0+1x${errorsFor + 20}`),
      calls(agent, 'DescribeScalingActivities', 'ok', `0+1x${errorsFor + 20}`),
      calls(agent, 'DescribeScalingActivities', 'InsufficientCapacity', `0+5x${errorsFor + 20}`),
      calls(agent, 'DescribeAutoScalingGroups', 'ok', `0+1x${errorsFor + 20}`),
      calls(agent, 'DescribeAutoScalingGroups', 'AccessDenied', `0+5x${errorsFor + 20}`),
    ]);
  out.push({
    alert: 'SpotGuardAwsErrors',
    name: 'SpotGuardAwsErrors: a quarter of one action\'s calls throttled',
    series: mixed(4),
    checks: [
      { at: `${errorsFor - 1}m`, fires: [] },
      { at: `${errorsFor + 10}m`, fires: [{ labels: { namespace, action: 'SetDesiredCapacity', outcome: 'Throttled' }, value: '25%' }] },
    ],
  });
  out.push({
    alert: 'SpotGuardAwsErrors',
    name: 'SpotGuardAwsErrors: quiet at 1 call in 20',
    series: mixed(20),
    checks: [{ at: `${errorsFor + 10}m`, fires: [] }],
  });

  const takeovers = threshold('SpotGuardClaimTakeovers');
  out.push({
    alert: 'SpotGuardClaimTakeovers',
    name: `SpotGuardClaimTakeovers: ${2 * takeovers} in an hour across the agents`,
    series: [s(a, 'spot_guard_claim_takeovers_total', {}, `0+${(2 * takeovers) / 60}x90`), s(b, 'spot_guard_claim_takeovers_total', {}, '0x90')],
    checks: [{ at: '90m', fires: [{ labels: { namespace }, value: (2 * takeovers).toFixed(0) }] }],
  });
  out.push({
    alert: 'SpotGuardClaimTakeovers',
    name: 'SpotGuardClaimTakeovers: quiet at half the threshold',
    series: [s(a, 'spot_guard_claim_takeovers_total', {}, `0+${takeovers / 120}x90`), s(b, 'spot_guard_claim_takeovers_total', {}, `0+${takeovers / 240}x90`)],
    checks: [{ at: '90m', fires: [] }],
  });

  // A response per agent waiting on the same full on-demand ASG: they add up. Every agent
  // exports the gauge at 0 for every configured on-demand ASG, which must stay quiet.
  const [onDemandAsg] = scrapedValues(agents, 'spot_guard_on_demand_asg_at_max_size', 'on_demand_asg');
  const atMaxFor = minutes(rule('SpotGuardOnDemandAsgAtMaxSize').for);
  const atMax = (agent: ScrapedAgent, values: string) => s(agent, 'spot_guard_on_demand_asg_at_max_size', { on_demand_asg: onDemandAsg }, values);
  out.push({
    alert: 'SpotGuardOnDemandAsgAtMaxSize',
    name: 'SpotGuardOnDemandAsgAtMaxSize: two responses waiting on one on-demand ASG for its whole for',
    series: [atMax(a, `0 1x${atMaxFor + 10}`), atMax(b, `0 1x${atMaxFor + 10}`)],
    checks: [
      { at: `${atMaxFor}m`, fires: [] },
      { at: `${atMaxFor + 5}m`, fires: [{ labels: { namespace, on_demand_asg: onDemandAsg }, value: '2' }] },
    ],
  });
  out.push({
    alert: 'SpotGuardOnDemandAsgAtMaxSize',
    name: 'SpotGuardOnDemandAsgAtMaxSize: quiet at 0, and when the max size blocks for less than its for',
    series: [atMax(a, `0 1x${atMaxFor - 2} 0x${atMaxFor + 10}`), atMax(b, `0x${2 * atMaxFor + 10}`)],
    checks: [
      { at: `${atMaxFor - 1}m`, fires: [] },
      { at: `${atMaxFor + 5}m`, fires: [] },
    ],
  });

  // An increment one agent keeps in one ASG of the pair; the other ASG's series stays at 0.
  const keptAsgs = scrapedValues(agents, 'spot_guard_response_increments_kept', 'asg');
  const [keptAsg] = keptAsgs;
  const keptFor = minutes(rule('SpotGuardResponseIncrementKept').for);
  const kept = (keeping: (agent: ScrapedAgent, asg: string) => string) =>
    agents.flatMap((agent) => keptAsgs.map((asg) => s(agent, 'spot_guard_response_increments_kept', { asg }, keeping(agent, asg))));
  out.push({
    alert: 'SpotGuardResponseIncrementKept',
    name: 'SpotGuardResponseIncrementKept: an increment kept for its whole for',
    series: kept((agent, asg) => (agent === a && asg === keptAsg ? `0 1x${keptFor + 10}` : `0x${keptFor + 11}`)),
    checks: [
      { at: `${keptFor}m`, fires: [] },
      { at: `${keptFor + 5}m`, fires: [{ labels: { namespace, asg: keptAsg }, value: '1' }] },
    ],
  });
  out.push({
    alert: 'SpotGuardResponseIncrementKept',
    name: 'SpotGuardResponseIncrementKept: quiet at 0, and when the increment is taken back before its for',
    series: kept((agent, asg) => (agent === a && asg === keptAsg ? `0 1x${keptFor - 10} 0x20` : `0x${keptFor + 11}`)),
    checks: [
      { at: `${keptFor - 5}m`, fires: [] },
      { at: `${keptFor + 5}m`, fires: [] },
    ],
  });

  const attentionFor = minutes(rule('SpotGuardScaleDownStepNeedsAttention').for);
  out.push({
    alert: 'SpotGuardScaleDownStepNeedsAttention',
    name: 'SpotGuardScaleDownStepNeedsAttention: the drain step, as every agent sees it',
    series: agents.flatMap((agent) => steps.map((step) => s(agent, 'spot_guard_scale_down_steps_needing_attention', { step }, step === 'drain' ? `0 1x${attentionFor + 10}` : `0x${attentionFor + 10}`))),
    checks: [
      { at: `${attentionFor}m`, fires: [] },
      { at: `${attentionFor + 5}m`, fires: [{ labels: { namespace, step: 'drain' }, value: '1' }] },
    ],
  });
  return out;
}

function promtoolTests(list: Case[]): unknown {
  return {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: list.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.series,
      alert_rule_test: c.checks.map((check) => ({
        eval_time: check.at,
        alertname: c.alert,
        exp_alerts: check.fires.map((f) => ({
          exp_labels: { ...f.labels, ...rule(c.alert).labels },
          exp_annotations: Object.fromEntries(Object.entries(rule(c.alert).annotations).map(([k, v]) => [k, rendered(v, f.labels, f.value)])),
        })),
      })),
    })),
  };
}

// ---- the tests ----

test('promtool check rules accepts the PrometheusRule\'s groups', async ({ promtool: bin, dir }) => {
  const res = await promtool(bin, ['check', 'rules', join(dir, 'rules.yaml')]);
  assert.is(res.code, 0, res.output);
  assert.match(res.output, `SUCCESS: ${RULES.length} rules found`);
});

test('every alert fires on series shaped as a real scrape, and stays quiet below its threshold or its for', async ({ promtool: bin, dir, agents }) => {
  await writeFile(join(dir, 'tests.yaml'), stringify(promtoolTests(cases(agents))));
  const res = await promtool(bin, ['test', 'rules', 'tests.yaml'], dir);
  assert.is(res.code, 0, res.output);
});

test('every alert has a case that makes it fire', ({ agents }) => {
  const firing = new Set(cases(agents).filter((c) => c.checks.some((ch) => ch.fires.length > 0)).map((c) => c.alert));
  assert.equal(RULES.map((r) => r.alert).filter((a) => !firing.has(a)), []);
});

test('the rules name only metrics, labels and label values of a real scrape', ({ agents }) => {
  for (const r of RULES) assert.equal(unknownNames(r.expr, agents), [], `${r.alert}: ${r.expr}`);
});

test('a metric renamed in the agent would be caught: the check is not vacuous', ({ agents }) => {
  const renamed = agents.map((a) => ({ ...a, samples: a.samples.map((s) => (s.name === 'spot_guard_imds_errors_total' ? { ...s, name: 'spot_guard_imds_failures_total' } : s)) }));
  assert.equal(unknownNames(rule('SpotGuardImdsErrors').expr, renamed), ['metric spot_guard_imds_errors_total']);
  assert.throws(() => cases(renamed), /no agent exported spot_guard_imds_errors_total/);
  const relabelled = agents.map((a) => ({ ...a, samples: a.samples.map((s) => (s.name === 'spot_guard_events' ? { ...s, labels: { state: s.labels.phase ?? '' } } : s)) }));
  assert.ok(unknownNames(rule('SpotGuardEventFailed').expr, relabelled).includes('label phase of spot_guard_events'));
  const atMaxRenamed = agents.map((a) => ({ ...a, samples: a.samples.map((s) => (s.name === 'spot_guard_on_demand_asg_at_max_size' ? { ...s, name: 'spot_guard_on_demand_asg_full' } : s)) }));
  assert.equal(unknownNames(rule('SpotGuardOnDemandAsgAtMaxSize').expr, atMaxRenamed), ['metric spot_guard_on_demand_asg_at_max_size', 'label on_demand_asg (in by, on or ignoring)']);
  assert.throws(() => cases(atMaxRenamed), /no agent exported spot_guard_on_demand_asg_at_max_size/);
  const keptRelabelled = agents.map((a) => ({ ...a, samples: a.samples.map((s) => (s.name === 'spot_guard_response_increments_kept' ? { ...s, labels: { group: s.labels.asg ?? '' } } : s)) }));
  assert.ok(unknownNames(rule('SpotGuardResponseIncrementKept').expr, keptRelabelled).includes('label asg (in by, on or ignoring)'));
  assert.throws(() => cases(keptRelabelled), /no agent exported spot_guard_response_increments_kept with the label asg/);
});

test('every agent exports the series labelled by its configured ASGs and steps at 0 from its first scrape', ({ first, pair }) => {
  assert.ok(first.length >= 2, 'a first scrape of every agent');
  const preset: { name: string; labels: Record<string, string> }[] = [
    { name: 'spot_guard_fallbacks_total', labels: { spot_asg: pair.spot, on_demand_asg: pair.onDemand } },
    { name: 'spot_guard_on_demand_asg_at_max_size', labels: { on_demand_asg: pair.onDemand } },
    { name: 'spot_guard_response_increments_kept', labels: { asg: pair.spot } },
    { name: 'spot_guard_response_increments_kept', labels: { asg: pair.onDemand } },
    ...[...SCALE_DOWN_STEPS, 'rollback'].map((step) => ({ name: 'spot_guard_scale_down_steps_total', labels: { step, outcome: 'ok' } })),
  ];
  for (const agent of first) {
    for (const want of preset) {
      const same = (labels: Record<string, string>) => Object.keys(labels).length === Object.keys(want.labels).length && Object.entries(want.labels).every(([k, v]) => labels[k] === v);
      const found = agent.samples.filter((x) => x.name === want.name && same(x.labels));
      assert.equal(found.map((x) => x.value), [0], `${agent.target.pod}: ${want.name}${JSON.stringify(want.labels)} once, at 0`);
    }
  }
});

const dashboardQueries = (): { panel: string; expr: string }[] =>
  DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: `${p.title} (${t.refId})`, expr: t.expr })));
// Grafana's interval variables, as a range Prometheus can read.
const asPromql = (expr: string): string => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');

test('the dashboard\'s queries parse (promtool) and name only metrics and labels of a real scrape', async ({ promtool: bin, dir, agents }) => {
  const queries = dashboardQueries();
  assert.ok(queries.length > 0);
  for (const q of queries) assert.not.match(asPromql(q.expr), /\$/, `${q.panel}: a Grafana variable the test does not know`);
  const recorded = { groups: [{ name: 'dashboard', rules: queries.map((q, i) => ({ record: `spot_guard_dashboard:query_${i}`, expr: asPromql(q.expr) })) }] };
  await writeFile(join(dir, 'dashboard.yaml'), stringify(recorded));
  const res = await promtool(bin, ['check', 'rules', join(dir, 'dashboard.yaml')]);
  assert.is(res.code, 0, res.output);
  for (const q of queries) assert.equal(unknownNames(asPromql(q.expr), agents), [], `${q.panel}: ${q.expr}`);
});

test('the dashboard has the panels an operator asks for first', () => {
  const titles = DASHBOARD.panels.map((p) => p.title);
  for (const t of ['On-demand node-hours', 'Fallbacks to on-demand', 'Events by phase', 'Scale-down latency', 'AWS calls']) assert.ok(titles.includes(t), `a panel "${t}" (panels: ${titles.join(', ')})`);
  for (const p of DASHBOARD.panels) assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
});

test.run();
