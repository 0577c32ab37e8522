// The shipped agent's entry point, the one `npm run build` bundles into dist/ and the image
// runs. It imports the agent alone: the sandbox, the simulator and the demo live in dev/,
// behind `bin/spot-guard.js`, and never reach a node of the cluster.
import { parseArgs } from 'node:util';
import { runAgent } from './agent/agent.command.js';

export const AGENT_USAGE = `  agent                       run the DaemonSet agent; every setting comes from the environment
                              (see deploy/README.md), and POD_NAME and NODE_NAME say who it is
`;

const USAGE = `usage: spot-guard-agent <command>

commands:
${AGENT_USAGE}  help                        show this text
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'agent':
        parseArgs({ args: rest, options: {}, strict: true });
        return await runAgent();
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
