// `spot-guard <command>`: the entry point of the DaemonSet agent and of the local sandbox.
import { parseArgs } from 'node:util';
import { runAgent } from './agent/agent.command.js';
import { runSandbox } from './sandbox/sandbox.command.js';

const USAGE = `usage: spot-guard <command> [flags]

commands:
  agent                       run the DaemonSet agent; every setting comes from the environment
                              (see deploy/README.md), and POD_NAME and NODE_NAME say who it is
  sandbox --kubeconfig FILE   start a local control plane (etcd + kube-apiserver), write a
                              kubeconfig for it to FILE, print "ready", run until SIGINT/SIGTERM
  help                        show this text
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'agent': {
        parseArgs({ args: rest, options: {}, strict: true });
        return await runAgent();
      }
      case 'sandbox': {
        const { values } = parseArgs({
          args: rest,
          options: { kubeconfig: { type: 'string' } },
          strict: true,
        });
        return await runSandbox({ kubeconfigPath: values.kubeconfig });
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
