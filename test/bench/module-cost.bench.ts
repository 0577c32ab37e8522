// `npm run bench:modules`: what loading a set of modules costs a fresh Node.js process, bundled
// as the agent is (esbuild, ESM, node24), after a full GC: resident memory, its anonymous part
// and V8's heap, the median of five processes each. It gives the figure for each thing the
// agent no longer loads at start (docs/memory.md).
//
//   npm run bench:modules [-- --runs 5]
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { OPTIONAL_ABSENT } from '../../dev/build/agent.build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each case: the imports its entry makes (paths from the repository root, or packages). */
export const CASES: Record<string, string[]> = {
  'empty process': [],
  'the agent (runtime/agent/agent.command.ts)': ['./runtime/agent/agent.command.ts'],
  'CRD names read from the YAML (crds/schema.ts: yaml + readFileSync)': ['./crds/schema.ts'],
  'CRD names, generated': ['./crds/spotguardfallbackevent.names.generated.ts'],
  'CRD validator compiled by ajv at start': ['./test/bench/module-cost.ajv-compile.ts'],
  'CRD validator, standalone (generated)': ['./crds/validate.ts'],
  'statechart laid out with elkjs at start': ['./test/bench/module-cost.elk-layout.ts'],
  'statechart, pre-drawn (generated)': ['./visualizations/fallback-event-statechart.generated.ts', './machines/fallback-event.machine.ts'],
  'Stately inspector bridge (@statelyai/inspect)': ['@statelyai/inspect'],
};

const PROBE = `
globalThis.gc?.();
const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
const kb = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(s)[1]);
console.log(JSON.stringify({ rssKb: kb('VmRSS'), anonKb: kb('RssAnon'), heapKb: process.memoryUsage().heapUsed >> 10 }));
`;

export interface ModuleCost {
  name: string;
  rssMiB: number;
  anonMiB: number;
  heapMiB: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export async function measureModuleCosts(runs = 5): Promise<ModuleCost[]> {
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-modules-'));
  // crds/schema.ts reads the YAML beside itself, which in a bundle is beside the bundle.
  await copyFile(join(root, 'crds/spotguardfallbackevent.crd.yaml'), join(dir, 'spotguardfallbackevent.crd.yaml'));
  const out: ModuleCost[] = [];
  for (const [name, imports] of Object.entries(CASES)) {
    const entry = join(root, `.module-cost-${process.pid}.ts`);
    // Every import is kept (a namespace import that is used), so tree shaking leaves it whole.
    const lines = imports.map((m, i) => `import * as m${i} from '${m}';\n(globalThis as Record<string, unknown>).m${i} = m${i};`);
    await writeFile(entry, `${lines.join('\n')}\n${PROBE}`);
    const file = join(dir, `${out.length}.mjs`);
    try {
      await build({
        entryPoints: [entry],
        outfile: file,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node24',
        external: OPTIONAL_ABSENT,
        banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
        logLevel: 'error',
      });
    } finally {
      await rm(entry, { force: true });
    }
    const samples: { rssKb: number; anonKb: number; heapKb: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', file], { cwd: dir });
      samples.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { rssKb: number; anonKb: number; heapKb: number });
    }
    out.push({ name, rssMiB: mib(median(samples.map((s) => s.rssKb))), anonMiB: mib(median(samples.map((s) => s.anonKb))), heapMiB: mib(median(samples.map((s) => s.heapKb))) });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const costs = await measureModuleCosts(Number(values.runs));
  process.stdout.write(`| what is loaded | RSS (MiB) | anonymous (MiB) | V8 heap used (MiB) |\n|---|---|---|---|\n`);
  for (const c of costs) process.stdout.write(`| ${c.name} | ${c.rssMiB} | ${c.anonMiB} | ${c.heapMiB} |\n`);
}
