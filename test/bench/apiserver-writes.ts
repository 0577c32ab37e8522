// Writes (and, for the read benches and tests, lists) the API server has answered, by verb and
// resource, read from its own apiserver_request_total counter: a bench can diff it around a
// scenario without an audit log. The counter has no user label, so who wrote is told from the
// verb and resource (writerOf).
import { request } from 'node:https';
import type { ControlPlane } from '../../dev/sandbox/control-plane.js';

/** Keys like "PATCH nodes", "PUT spotguardfallbackevents/status", or "DELETE spotguardfallbackevents → 404" for refused ones. */
export type Counts = Record<string, number>;

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY']);

function getText(url: string, token: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? 0}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The write requests in a Prometheus text exposition of kube-apiserver; the refused ones (not 2xx) apart, by code. */
export function parseWrites(text: string): Counts {
  return parseRequests(text, WRITE_VERBS);
}

/** The requests of `verbs` in a Prometheus text exposition of kube-apiserver, keyed as parseWrites keys them. */
export function parseRequests(text: string, verbs: ReadonlySet<string>): Counts {
  const out: Counts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(0, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
    if (!verbs.has(labels.verb ?? '')) continue;
    const refused = labels.code && !labels.code.startsWith('2') ? ` → ${labels.code}` : '';
    const key = `${labels.verb} ${labels.resource ?? '?'}${labels.subresource ? `/${labels.subresource}` : ''}${refused}`;
    out[key] = (out[key] ?? 0) + Number(line.slice(close + 1).trim());
  }
  return out;
}

/** kube-apiserver's whole /metrics exposition, read with the admin token. */
export function apiServerMetricsText(plane: ControlPlane): Promise<string> {
  return getText(`${plane.server}/metrics`, plane.adminToken, plane.caData);
}

export async function apiServerWrites(plane: ControlPlane): Promise<Counts> {
  return parseWrites(await getText(`${plane.server}/metrics`, plane.adminToken, plane.caData));
}

/** LIST requests by resource ("LIST pods"); each page of a paginated list is one request. */
export async function apiServerLists(plane: ControlPlane): Promise<Counts> {
  return parseRequests(await getText(`${plane.server}/metrics`, plane.adminToken, plane.caData), new Set(['LIST']));
}

/** b − a, key by key, leaving out keys that did not move. */
export function diffCounts(a: Counts, b: Counts): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export function sumCounts(counts: Counts, keep: (key: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((n, [k, v]) => (keep(k) ? n + v : n), 0);
}

/**
 * Who makes a write in the sandbox. `agents`: SpotGuardFallbackEvents, Kubernetes Events,
 * node taints and cordons (merge patches), evictions. `sandbox`: the simulator's node
 * registrar and KWOK, standing in for kubelets. Since the sandbox runs kube-controller-manager,
 * the node lifecycle controller's taint patches and the controllers' Events are counted as the
 * agents' too, and KWOK's node Leases as shared: this split predates them.
 * `shared`: Leases, written by the agents' ASG locks and by kube-apiserver's own identity
 * lease (the idle rate tells the latter).
 */
export function writerOf(key: string): 'agents' | 'sandbox' | 'shared' | 'other' {
  const [verb = '', resource = ''] = key.split(' ');
  const [kind = ''] = resource.split('/');
  if (kind === 'nodes') return verb === 'PATCH' && resource === 'nodes' ? 'agents' : 'sandbox';
  if (kind === 'spotguardfallbackevents' || kind === 'events' || resource === 'pods/eviction') return 'agents';
  if (kind === 'pods') return 'sandbox';
  if (kind === 'leases') return 'shared';
  return 'other';
}
