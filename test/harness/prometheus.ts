// What the monitoring tests need of Prometheus: the agents' /metrics read the way a scrape reads
// them, the metric and label names a PromQL expression mentions, and promtool run on files.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** One sample of a scrape: its name (a histogram's has the _bucket, _sum or _count suffix) and labels. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a text exposition (format 0.0.4, what prom-client serves); comments are skipped. */
export function parseExposition(text: string): ScrapedSample[] {
  const samples: ScrapedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line of the text exposition format: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (m[2] ?? '').matchAll(LABEL_PAIR)) labels[name as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Metric names (with the label names of their samples) seen in any of the scrapes. */
export function labelNamesByMetric(samples: readonly ScrapedSample[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of samples) {
    const names = out.get(s.name) ?? new Set<string>();
    for (const l of Object.keys(s.labels)) names.add(l);
    out.set(s.name, names);
  }
  return out;
}

export interface PromqlMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface PromqlNames {
  /** Every metric the expression selects, with its label matchers. */
  selectors: { metric: string; matchers: PromqlMatcher[] }[];
  /** Label names of by, without, on, ignoring, group_left and group_right. */
  grouping: string[];
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);
const STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/**
 * The metric and label names a PromQL expression mentions. Not a parser (promtool checks the
 * syntax): selectors and their matchers are read, strings and range or subquery brackets
 * dropped, label lists read, and what is left that names no function or keyword is a metric.
 * Selectors without a metric name (`{__name__=~"..."}`) are refused: a test could not tell
 * what they read.
 */
export function promqlNames(expr: string): PromqlNames {
  const grouping: string[] = [];
  const selectors: { metric: string; matchers: PromqlMatcher[] }[] = [];
  let rest = expr.replace(new RegExp(String.raw`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{((?:[^}"]|${STRING})*)\}`, 'g'), (_, metric: string | undefined, inside: string) => {
    if (!metric) throw new Error(`a selector without a metric name in ${expr}`);
    const matchers = [...inside.matchAll(new RegExp(String.raw`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(${STRING})`, 'g'))].map(
      (m) => ({ label: m[1] as string, op: m[2] as PromqlMatcher['op'], value: JSON.parse(m[3] as string) as string }),
    );
    selectors.push({ metric, matchers });
    return ' ';
  });
  rest = rest.replace(new RegExp(STRING, 'g'), '""').replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, _kw: string, list: string) => {
    grouping.push(...list.split(',').map((l) => l.trim()).filter(Boolean));
    return ' ';
  });
  for (const m of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const name = m[1] as string;
    if (m[2] || KEYWORDS.has(name.toLowerCase())) continue;
    // A number's exponent or a duration's unit (1e3, 5m) follows a digit.
    const before = rest[(m.index ?? 0) - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    selectors.push({ metric: name, matchers: [] });
  }
  return { selectors, grouping };
}

export interface PromtoolResult {
  code: number;
  output: string;
}

/** Runs promtool; its exit code and everything it printed. */
export async function promtool(binary: string, args: string[], cwd?: string): Promise<PromtoolResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}
