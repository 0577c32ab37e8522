// `npm run diagrams`: writes docs/<machine>-statechart.svg for every machine, drawn from its
// definition. `npm run diagrams -- --check` writes nothing and exits 1 if a file is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { fallbackEventMachine } from '../machines/fallback-event.machine.js';
import { rebalanceResponseMachine } from '../machines/rebalance-response.machine.js';
import { renderStatechart } from './statechart.svg.js';

const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

export const DIAGRAMS: { path: string; machine: AnyStateMachine }[] = [
  { path: docs('fallback-event-statechart.svg'), machine: fallbackEventMachine },
  { path: docs('rebalance-response-statechart.svg'), machine: rebalanceResponseMachine },
];

/** The file's content for `machine`, as `npm run diagrams` writes it. */
export async function diagramFile(machine: AnyStateMachine): Promise<string> {
  return `${await renderStatechart(machine)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { path, machine } of DIAGRAMS) {
    const svg = await diagramFile(machine);
    if (!check) {
      await writeFile(path, svg);
      process.stdout.write(`wrote ${relative(process.cwd(), path)}\n`);
    } else if ((await readFile(path, 'utf8').catch(() => '')) !== svg) {
      process.stdout.write(`${relative(process.cwd(), path)} is out of date: run npm run diagrams\n`);
      stale += 1;
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
