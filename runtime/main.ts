// The shipped agent's entry point, the one `npm run build` bundles into dist/ and the image
// runs. It imports the agent alone: the sandbox, the simulator and the demo live in dev/,
// behind `bin/spot-guard.js`, and never reach a node of the cluster.
import { parseArgs } from 'node:util';
import { runAgent } from './agent/agent.command.js';

export const AGENT_USAGE = `  agent                       run the DaemonSet agent; every setting comes from the environment
                              (see deploy/README.md), and POD_NAME and NODE_NAME say who it is
`;

/** A command: its arguments after the command's name in, an exit code out. */
export type Command = (args: string[]) => Promise<number>;

export const agentCommand: Command = async (args) => {
  parseArgs({ args, options: {}, strict: true });
  return runAgent();
};

/**
 * Runs `argv[0]` among `commands`: help (exit 0, or 2 with no command at all), an unknown
 * command (exit 2), or a command that throws (its message, exit 1) answered the same way by
 * every `spot-guard` entry point.
 */
export async function dispatch(argv: string[], usage: string, commands: Record<string, Command>): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || ['help', '--help', '-h'].includes(command)) {
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    }
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!run) {
      process.stderr.write(`spot-guard: unknown command "${command}"\n${usage}`);
      return 2;
    }
    return await run(rest);
  } catch (err) {
    process.stderr.write(`spot-guard ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const USAGE = `usage: spot-guard-agent <command>

commands:
${AGENT_USAGE}  help                        show this text
`;

export function main(argv: string[]): Promise<number> {
  return dispatch(argv, USAGE, { agent: agentCommand });
}
