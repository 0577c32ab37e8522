// `spot-guard demo [--scale N] [--ttl D] [--kubeconfig FILE] [--log-dir DIR] [--view-port PORT]`: the story of
// demo.ts, printed as it happens. Exit 0 when it completes, 1 with the reason when it does not.
import { parseDuration } from '../../crds/duration.js';
import { SANDBOX_BINARIES } from './binaries.js';
import { resolveBinariesWithProgress } from './build-progress.js';
import { runDemo } from './demo.js';

export interface DemoCommandOptions {
  scale?: string;
  ttl?: string;
  kubeconfig?: string;
  logDir?: string;
  viewPort?: string;
}

export async function runDemoCommand(options: DemoCommandOptions): Promise<number> {
  const scale = Number(options.scale ?? '10');
  const ttl = options.ttl ?? '10s';
  const problems: string[] = [];
  if (!Number.isFinite(scale) || scale < 1 || scale > 120) problems.push(`--scale ${options.scale}: must be a number from 1 (real durations) to 120`);
  const ttlMs = parseDuration(ttl);
  if (ttlMs === undefined || ttlMs < 1000) problems.push(`--ttl ${ttl}: not a duration of at least 1s such as 10s or 1m`);
  const viewPort = Number(options.viewPort ?? '0');
  if (!Number.isInteger(viewPort) || viewPort < 0 || viewPort > 65535) problems.push(`--view-port ${options.viewPort}: must be a port number`);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`spot-guard demo: ${p}\n`);
    return 2;
  }
  // Built (once) before the sandbox starts, so that the build's progress is printed as it goes.
  await resolveBinariesWithProgress(SANDBOX_BINARIES, 'spot-guard demo');
  const result = await runDemo({ scale, ttl, kubeconfigPath: options.kubeconfig, logDir: options.logDir, viewPort });
  if (!result.ok) {
    process.stderr.write(`spot-guard demo: the story did not complete: ${result.reason ?? 'unknown reason'}\n`);
    return 1;
  }
  process.stdout.write('the story completed\n');
  return 0;
}
