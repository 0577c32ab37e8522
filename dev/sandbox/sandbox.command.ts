// `spot-guard sandbox`: the embedded default environment (see sandbox.ts), kept running until
// SIGINT or SIGTERM, when everything it started is stopped.
import { resolve } from 'node:path';
import { SANDBOX_BINARIES } from './binaries.js';
import { resolveBinariesWithProgress } from './build-progress.js';
import { startSandbox } from './sandbox.js';

export interface SandboxCommandOptions {
  kubeconfigPath?: string;
  scale?: number;
  logDir?: string;
  viewPort?: number;
}

export async function runSandbox(options: SandboxCommandOptions): Promise<number> {
  const kubeconfigPath = resolve(options.kubeconfigPath ?? 'sandbox.kubeconfig');
  // Built (once) before anything starts, so that the build's progress is printed as it goes.
  await resolveBinariesWithProgress(SANDBOX_BINARIES, 'sandbox');
  const sandbox = await startSandbox({
    kubeconfigPath,
    scale: options.scale,
    logDir: options.logDir,
    viewPort: options.viewPort,
    onAgentChange: (c) => process.stderr.write(`sandbox: agent on ${c.node} ${c.what}${c.detail ? `: ${c.detail}` : ''}\n`),
  });
  const agents = sandbox.agents.list().map((a) => `  ${a.node}: ${a.pod}, ${a.httpUrl}/metrics, IMDS ${a.imdsUrl}`);
  process.stderr.write(
    `sandbox: kube-apiserver ${sandbox.plane.server}, kubeconfig ${kubeconfigPath}\n` +
      `sandbox: AWS Auto Scaling simulator ${sandbox.sim.endpoint} (spot ${sandbox.pair.spot}, on-demand ${sandbox.pair.onDemand})\n` +
      `sandbox: agents (the built bundle, dist/spot-guard-agent.mjs); ${sandbox.agentMemory}\n${agents.join('\n')}\n` +
      `sandbox: live statechart view ${sandbox.view.url} (each agent also serves its own: ${sandbox.agents.list()[0]?.viewUrl ?? ''} ...)\n` +
      `sandbox: try  kubectl --kubeconfig ${kubeconfigPath} get nodes,sgfe -A\n`,
  );
  process.stdout.write('ready\n');

  const signal = await new Promise<NodeJS.Signals>((done) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => done(s));
  });
  process.stderr.write(`sandbox: received ${signal}, stopping\n`);
  await sandbox.stop();
  return 0;
}
