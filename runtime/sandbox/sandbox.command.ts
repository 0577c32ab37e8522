// `spot-guard sandbox`: the embedded default environment. For now a real control plane;
// later the AWS capacity simulator, AEMM per node and one agent per node join it.
import { resolve } from 'node:path';
import { startControlPlane } from './control-plane.js';

export interface SandboxOptions {
  kubeconfigPath?: string;
}

export async function runSandbox(options: SandboxOptions): Promise<number> {
  const kubeconfigPath = resolve(options.kubeconfigPath ?? 'sandbox.kubeconfig');
  const plane = await startControlPlane({ kubeconfigPath });
  process.stderr.write(
    `sandbox: kube-apiserver ${plane.server}, kubeconfig ${kubeconfigPath}\n` +
      `sandbox: try  kubectl --kubeconfig ${kubeconfigPath} get namespaces\n`,
  );
  process.stdout.write('ready\n');

  const signal = await new Promise<NodeJS.Signals>((done) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => done(s));
  });
  process.stderr.write(`sandbox: received ${signal}, stopping\n`);
  await plane.stop();
  return 0;
}
