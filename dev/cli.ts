// `spot-guard <command>` (bin/spot-guard.js): the developers' command. The sandbox and the demo
// live here; `agent` is the shipped agent's own entry point (runtime/main.ts), which the image
// runs from its bundle in dist/.
import { parseArgs } from 'node:util';
import { AGENT_USAGE, agentCommand, dispatch } from '../runtime/main.js';
import { runDemoCommand } from './sandbox/demo.command.js';
import { runSandbox } from './sandbox/sandbox.command.js';
import { runScenarioCommand, SCENARIO_USAGE } from './sandbox/scenario.command.js';

const USAGE = `usage: spot-guard <command> [flags]

commands:
${AGENT_USAGE}  sandbox [--kubeconfig FILE] [--scale N] [--log-dir DIR] [--view-port PORT] [--set KEY=VALUE]...
                              start the local sandbox: etcd and kube-apiserver, the AWS
                              capacity simulator, and on every simulated node its IMDS (AEMM)
                              and a spot-guard agent; write a kubeconfig to FILE (default
                              sandbox.kubeconfig), serve the live statechart view on
                              127.0.0.1:PORT, print "ready", run until SIGINT/SIGTERM;
                              --set gives every agent a setting (e.g. SPOT_GUARD_DRY_RUN=true)
${SCENARIO_USAGE}  demo [--scale N] [--ttl D] [--kubeconfig FILE] [--log-dir DIR] [--view-port PORT]
                              the whole fallback story on the sandbox, its durations divided
                              by N (default 10: about two minutes), with the live view on
                              127.0.0.1:PORT; exit 0 when it completes
  help                        show this text
`;

export function main(argv: string[]): Promise<number> {
  return dispatch(argv, USAGE, {
    agent: agentCommand,
    demo: async (args) => {
      const { values } = parseArgs({
        args,
        options: { scale: { type: 'string' }, ttl: { type: 'string' }, kubeconfig: { type: 'string' }, 'log-dir': { type: 'string' }, 'view-port': { type: 'string' } },
        strict: true,
      });
      return runDemoCommand({ scale: values.scale, ttl: values.ttl, kubeconfig: values.kubeconfig, logDir: values['log-dir'], viewPort: values['view-port'] });
    },
    sandbox: async (args) => {
      const { values } = parseArgs({
        args,
        options: { kubeconfig: { type: 'string' }, scale: { type: 'string' }, 'log-dir': { type: 'string' }, 'view-port': { type: 'string' }, set: { type: 'string', multiple: true } },
        strict: true,
      });
      const settings: Record<string, string> = {};
      for (const item of values.set ?? []) {
        const at = item.indexOf('=');
        if (at <= 0) throw new Error(`--set ${item}: expected KEY=VALUE`);
        settings[item.slice(0, at)] = item.slice(at + 1);
      }
      const viewPort = Number(values['view-port'] ?? '0');
      if (!Number.isInteger(viewPort) || viewPort < 0 || viewPort > 65535) throw new Error(`--view-port ${values['view-port']}: must be a port number`);
      const scale = Number(values.scale ?? '1');
      if (!Number.isFinite(scale) || scale < 1 || scale > 120) throw new Error(`--scale ${values.scale}: must be a number from 1 to 120`);
      return runSandbox({ kubeconfigPath: values.kubeconfig, scale, logDir: values['log-dir'], viewPort, settings });
    },
    scenario: runScenarioCommand,
  });
}
