// `spot-guard sandbox`: the embedded default environment (see sandbox.ts), kept running until
// SIGINT or SIGTERM, when everything it started is stopped.
import { resolve } from 'node:path';
import { SANDBOX_BINARIES } from './binaries.js';
import { resolveBinariesWithProgress } from './build-progress.js';
import { sandboxSettings, SettingsRefused, startSandbox } from './sandbox.js';

export interface SandboxCommandOptions {
  kubeconfigPath?: string;
  scale?: number;
  logDir?: string;
  viewPort?: number;
  /** Settings for every agent (--set KEY=VALUE). */
  settings?: Record<string, string>;
}

export async function runSandbox(options: SandboxCommandOptions): Promise<number> {
  const kubeconfigPath = resolve(options.kubeconfigPath ?? 'sandbox.kubeconfig');
  // Settings the agents would refuse stop the sandbox before anything is built or started.
  try {
    await sandboxSettings({ scale: options.scale, settings: options.settings });
  } catch (err) {
    if (!(err instanceof SettingsRefused)) throw err;
    for (const problem of err.problems) process.stderr.write(`spot-guard sandbox: ${problem}\n`);
    process.stderr.write(`spot-guard sandbox: refusing to start: the agents would not run with ${err.problems.length === 1 ? 'this setting' : 'these settings'}\n`);
    return 2;
  }
  // Built (once) before anything starts, so that the build's progress is printed as it goes.
  await resolveBinariesWithProgress(SANDBOX_BINARIES, 'sandbox');
  const sandbox = await startSandbox({
    kubeconfigPath,
    scale: options.scale,
    logDir: options.logDir,
    viewPort: options.viewPort,
    settings: options.settings,
    onAgentChange: (c) => process.stderr.write(`sandbox: agent on ${c.node} ${c.what}${c.detail ? `: ${c.detail}` : ''}\n`),
  });
  const agents = sandbox.agents.list().map((a) => `  ${a.node}: ${a.pod}, ${a.httpUrl}/metrics, IMDS ${a.imdsUrl}`);
  process.stderr.write(
    `sandbox: kube-apiserver ${sandbox.plane.server}, kubeconfig ${kubeconfigPath}\n` +
      `sandbox: AWS Auto Scaling simulator ${sandbox.sim.endpoint} (spot ${sandbox.pair.spot}, on-demand ${sandbox.pair.onDemand})\n` +
      `sandbox: agents (the built bundle, dist/spot-guard-agent.mjs); ${sandbox.agentMemory}\n${agents.join('\n')}\n` +
      `sandbox: live statechart view ${sandbox.view.url} (each agent also serves its own: ${sandbox.agents.list()[0]?.viewUrl ?? ''} ...)\n` +
      `sandbox: try  kubectl --kubeconfig ${kubeconfigPath} get nodes,sgfe -A\n` +
      `sandbox: play a scenario: spot-guard scenario --kubeconfig ${kubeconfigPath} state (or: spot exhaust, rebalance NODE, interrupt NODE, fault ...)\n`,
  );
  process.stdout.write('ready\n');

  const signal = await new Promise<NodeJS.Signals>((done) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => done(s));
  });
  process.stderr.write(`sandbox: received ${signal}, stopping\n`);
  await sandbox.stop();
  return 0;
}
