// amazon-ec2-metadata-mock on a loopback port: the IMDS a simulated node's agent polls.
import { resolveBinaries } from './binaries.js';
import { assertPortFree, freePort } from './ports.js';
import { HarnessError, Supervised, waitUntil } from './supervisor.js';

export interface AemmOptions {
  binary?: string;
  port?: number;
  /** Seconds after start until the rebalance recommendation is served (404 before). */
  rebalanceDelaySec?: number;
  /** Seconds after start until the spot interruption notice is served (404 before). */
  interruptionDelaySec?: number;
  /** spot instance-action: terminate (default), stop or hibernate. */
  interruptionAction?: 'terminate' | 'stop' | 'hibernate';
  /** Require IMDSv2 session tokens (default true, as EKS nodes should be configured). */
  imdsv2?: boolean;
  startTimeoutMs?: number;
}

export interface Aemm {
  /** e.g. http://127.0.0.1:40123 (no trailing slash) */
  readonly url: string;
  readonly process: Supervised;
  stop(): Promise<void>;
}

const NEVER = 10 * 365 * 24 * 3600;

export async function startAemm(options: AemmOptions = {}): Promise<Aemm> {
  const binary = options.binary ?? (await resolveBinaries(['aemm'])).aemm;
  const port = options.port ?? (await freePort());
  await assertPortFree(port, 'ec2-metadata-mock');
  const args = [
    'spot',
    '--hostname=127.0.0.1',
    `--port=${port}`,
    `--rebalance-delay-sec=${options.rebalanceDelaySec ?? NEVER}`,
    `--mock-delay-sec=${options.interruptionDelaySec ?? NEVER}`,
    `--action=${options.interruptionAction ?? 'terminate'}`,
  ];
  if (options.imdsv2 ?? true) args.push('--imdsv2');
  // AEMM reads and writes its config under $HOME; keep it away from the user's.
  const aemm = await Supervised.start('ec2-metadata-mock', binary, args, { env: { ...process.env, HOME: '/nonexistent' } });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => (await fetch(`${url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).ok,
      { what: `${url}/latest/api/token`, timeoutMs: options.startTimeoutMs ?? 30_000, processes: [aemm] },
    );
  } catch (err) {
    await aemm.stop();
    throw err instanceof HarnessError ? err : new HarnessError('ec2-metadata-mock', String(err));
  }
  return { url, process: aemm, stop: () => aemm.stop() };
}
