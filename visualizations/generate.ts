// `npm run diagrams`: writes docs/<machine>-statechart.svg for every machine, drawn from its
// definition, docs/fallback-event-phases.svg (the same machine at the level of its phases), and
// both fallback-event drawings as a module the live view serves, so the agent never loads
// elkjs to lay them out. `npm run diagrams -- --check` writes nothing and exits 1 if
// a file is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { fallbackEventMachine } from '../machines/fallback-event.machine.js';
import { rebalanceResponseMachine } from '../machines/rebalance-response.machine.js';
import { renderPhaseChart, renderStatechart } from './statechart.svg.js';

const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

export const DIAGRAMS: { path: string; machine: AnyStateMachine }[] = [
  { path: docs('fallback-event-statechart.svg'), machine: fallbackEventMachine },
  { path: docs('rebalance-response-statechart.svg'), machine: rebalanceResponseMachine },
];

/** The fallback-event machine at the level of its phases, the chart the live view leads with. */
export const PHASES_DIAGRAM_PATH = docs('fallback-event-phases.svg');

/** Named after the drawings it holds, `.generated` so nobody edits it by hand. */
export const SVG_MODULE_PATH = fileURLToPath(new URL('./fallback-event-statechart.generated.ts', import.meta.url));

/** The file's content for `machine`, as `npm run diagrams` writes it. */
export async function diagramFile(machine: AnyStateMachine): Promise<string> {
  return `${await renderStatechart(machine)}\n`;
}

/** The phase-level chart's file, as `npm run diagrams` writes it. */
export async function phasesDiagramFile(): Promise<string> {
  return `${await renderPhaseChart(fallbackEventMachine)}\n`;
}

/** The module runtime/view/view.server.ts imports: the fallback-event statechart and its phase-level chart, drawn. */
export async function svgModule(): Promise<string> {
  return (
    '// Generated from machines/fallback-event.machine.ts by visualizations/generate.ts (npm run diagrams). Do not edit.\n' +
    '// The live view serves these drawings as they are, so the agent needs neither elkjs nor the layout code.\n' +
    `export const FALLBACK_EVENT_STATECHART_SVG = \`${templateText(await renderStatechart(fallbackEventMachine))}\`;\n` +
    '\n' +
    `export const FALLBACK_EVENT_PHASES_SVG = \`${templateText(await renderPhaseChart(fallbackEventMachine))}\`;\n`
  );
}

/** `text` as the inside of a template literal (its lines stay lines, so a diff shows what moved). */
const templateText = (text: string) => text.replace(/[\\`]|\$\{/g, (c) => `\\${c}`);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const files = [
    ...DIAGRAMS.map(({ path, machine }) => ({ path, content: () => diagramFile(machine) })),
    { path: PHASES_DIAGRAM_PATH, content: phasesDiagramFile },
    { path: SVG_MODULE_PATH, content: svgModule },
  ];
  let stale = 0;
  for (const { path, content } of files) {
    const text = await content();
    if (!check) {
      await writeFile(path, text);
      process.stdout.write(`wrote ${relative(process.cwd(), path)}\n`);
    } else if ((await readFile(path, 'utf8').catch(() => '')) !== text) {
      process.stdout.write(`${relative(process.cwd(), path)} is out of date: run npm run diagrams\n`);
      stale += 1;
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
