// IMDSv2 over HTTP: a session token from PUT /latest/api/token, renewed before it expires
// and once more when IMDS answers 401; 404 on a notice path means "no notice".
import { ImdsError, type ImdsPort, type InstanceActionNotice, type RebalanceNotice } from './imds.port.js';

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
      throw new ImdsError(0, `IMDS ${path} unreachable: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  private async sessionToken(): Promise<string> {
    // Renew a minute early so a request never carries a token that expires on the way.
    if (this.token && this.token.expiresAt - 60_000 > this.now()) return this.token.value;
    const res = await this.request('/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(this.ttl) } });
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
