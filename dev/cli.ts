// `spot-guard <command>` (bin/spot-guard.js): the developers' command. The sandbox and the demo
// live here; `agent` is the shipped agent's own entry point (runtime/main.ts), which the image
// runs from its bundle in dist/.
import { parseArgs } from 'node:util';
import { AGENT_USAGE, main as agentMain } from '../runtime/main.js';
import { runDemoCommand } from './sandbox/demo.command.js';
import { runSandbox } from './sandbox/sandbox.command.js';

const USAGE = `usage: spot-guard <command> [flags]

commands:
${AGENT_USAGE}  sandbox [--kubeconfig FILE] [--scale N] [--log-dir DIR] [--view-port PORT]
                              start the local sandbox: etcd and kube-apiserver, the AWS
                              capacity simulator, and on every simulated node its IMDS (AEMM)
                              and a spot-guard agent; write a kubeconfig to FILE (default
                              sandbox.kubeconfig), serve the live statechart view on
                              127.0.0.1:PORT, print "ready", run until SIGINT/SIGTERM
  demo [--scale N] [--ttl D] [--kubeconfig FILE] [--log-dir DIR] [--view-port PORT]
                              the whole fallback story on the sandbox, its durations divided
                              by N (default 10: about two minutes), with the live view on
                              127.0.0.1:PORT; exit 0 when it completes
  help                        show this text
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'agent':
        return await agentMain(argv);
      case 'demo': {
        const { values } = parseArgs({
          args: rest,
          options: { scale: { type: 'string' }, ttl: { type: 'string' }, kubeconfig: { type: 'string' }, 'log-dir': { type: 'string' }, 'view-port': { type: 'string' } },
          strict: true,
        });
        return await runDemoCommand({ scale: values.scale, ttl: values.ttl, kubeconfig: values.kubeconfig, logDir: values['log-dir'], viewPort: values['view-port'] });
      }
      case 'sandbox': {
        const { values } = parseArgs({
          args: rest,
          options: { kubeconfig: { type: 'string' }, scale: { type: 'string' }, 'log-dir': { type: 'string' }, 'view-port': { type: 'string' } },
          strict: true,
        });
        const viewPort = Number(values['view-port'] ?? '0');
        if (!Number.isInteger(viewPort) || viewPort < 0 || viewPort > 65535) throw new Error(`--view-port ${values['view-port']}: must be a port number`);
        const scale = Number(values.scale ?? '1');
        if (!Number.isFinite(scale) || scale < 1 || scale > 120) throw new Error(`--scale ${values.scale}: must be a number from 1 to 120`);
        return await runSandbox({ kubeconfigPath: values.kubeconfig, scale, logDir: values['log-dir'], viewPort });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`spot-guard: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    process.stderr.write(`spot-guard ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
