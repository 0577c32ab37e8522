// IMDSv2 over HTTP: a session token from PUT /latest/api/token, renewed before it expires
// and once more when IMDS answers 401; 404 on a notice path means "no notice".
import { ImdsError, type ImdsPort, type InstanceActionNotice, type RebalanceNotice } from './imds.port.js';

const TOKEN_PATH = '/latest/api/token';
/** The usual cause of a token request without an answer, and its two cures (deploy/README.md). */
export const HOP_LIMIT_HINT = "if the agent runs on the pod network, the instance's metadata hop limit may be 1 (set hostNetwork: true or raise the hop limit to 2)";

/** fetch() reports "fetch failed" and keeps the reason (ECONNREFUSED, a reset) in its cause. */
function reason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export interface ImdsHttpOptions {
  /** e.g. http://169.254.169.254 */
  endpoint: string;
  tokenTtlSeconds?: number;
  requestTimeoutMs?: number;
  now?: () => number;
}

export class ImdsHttpClient implements ImdsPort {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly ttl: number;
  private readonly timeout: number;
  private readonly now: () => number;

  constructor(private readonly options: ImdsHttpOptions) {
    this.ttl = options.tokenTtlSeconds ?? 21_600;
    this.timeout = options.requestTimeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  async rebalanceRecommendation(): Promise<RebalanceNotice | undefined> {
    const body = await this.get('/latest/meta-data/events/recommendations/rebalance');
    return body === undefined ? undefined : { noticeTime: String((JSON.parse(body) as { noticeTime?: string }).noticeTime ?? '') };
  }

  async instanceAction(): Promise<InstanceActionNotice | undefined> {
    const body = await this.get('/latest/meta-data/spot/instance-action');
    if (body === undefined) return undefined;
    const parsed = JSON.parse(body) as { action?: string; time?: string };
    return { action: String(parsed.action ?? ''), time: String(parsed.time ?? '') };
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.options.endpoint}${path}`, { ...init, signal: AbortSignal.timeout(this.timeout) });
    } catch (err) {
      const at = `IMDS unreachable at ${this.options.endpoint}`;
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      // Only a token request left unanswered is the hop-limit symptom: a refused connection
      // or a GET without an answer has other causes, and the hint would mislead there.
      if (timedOut && path === TOKEN_PATH) throw new ImdsError(0, `${at}: token request timed out after ${this.timeout} ms; ${HOP_LIMIT_HINT}`, err, 'NoTokenReply');
      throw new ImdsError(0, `${at}: ${init.method ?? 'GET'} ${path} ${timedOut ? `timed out after ${this.timeout} ms` : `failed: ${reason(err)}`}`, err, 'Unreachable');
    }
  }

  private async sessionToken(): Promise<string> {
    // Renew a minute early so a request never carries a token that expires on the way.
    if (this.token && this.token.expiresAt - 60_000 > this.now()) return this.token.value;
    const res = await this.request(TOKEN_PATH, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(this.ttl) } });
    if (!res.ok) throw new ImdsError(res.status, `IMDS token request failed with HTTP ${res.status}`);
    this.token = { value: await res.text(), expiresAt: this.now() + this.ttl * 1000 };
    return this.token.value;
  }

  /** The body at `path`, or undefined on 404. */
  private async get(path: string): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.request(path, { headers: { 'x-aws-ec2-metadata-token': await this.sessionToken() } });
      if (res.status === 404) return undefined;
      if (res.ok) return res.text();
      if (res.status === 401 && attempt === 0) {
        // The token was refused (IMDS restarted, or it expired early): take a new one, once.
        this.token = undefined;
        continue;
      }
      throw new ImdsError(res.status, `IMDS ${path} answered HTTP ${res.status}`);
    }
  }
}
