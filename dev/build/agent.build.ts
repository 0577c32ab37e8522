// `npm run build`: the shipped agent as one JavaScript bundle in dist/, what the image, the
// sandbox, the e2e tests and the benchmark run. No TypeScript, compiler or esbuild service is
// left at run time, and only what runtime/entry.ts imports is in it: the sandbox, simulator and
// demo (dev/) are not. Code that is imported only when a setting asks for it (the Stately
// inspector bridge) goes into a chunk of its own, loaded on first use.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
/** The agent's entry point in the bundle. */
export const AGENT_BUNDLE = `${DIST}spot-guard-agent.mjs`;

export interface AgentBuild {
  /** Every file written, relative to the repository. */
  outputs: string[];
  /** Every source file the bundle holds, relative to the repository (node_modules included). */
  inputs: string[];
  metafile: Metafile;
}

/**
 * Packages that dependencies require inside try/catch and run fine without: ws's native
 * speed-ups and node-fetch's legacy charset converter. The bundle leaves them out; the image
 * has none of them, as a production install without optional add-ons would not.
 */
export const OPTIONAL_ABSENT = ['bufferutil', 'utf-8-validate', 'encoding'];

/** Where the build keeps its metafile: what the freshness check reads. */
const META = `${DIST}meta.json`;

export async function buildAgent(): Promise<AgentBuild> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { 'spot-guard-agent': 'runtime/entry.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Whitespace and syntax only: identifiers stay, so stack traces in a node's log still name
    // the functions.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    // Bundled CommonJS packages (the AWS SDK, client-node's dependencies) call require().
    banner: { js: "import { createRequire as __spotGuardRequire } from 'node:module'; const require = __spotGuardRequire(import.meta.url);" },
    external: OPTIONAL_ABSENT,
    // node-fetch's URL parser asks for Node's own punycode, deprecated since Node.js 21: loaded
    // from outside node_modules, as a bundle is, it prints a DeprecationWarning at every start.
    // The npm package of the same name is its replacement.
    alias: { punycode: 'punycode/' },
    metafile: true,
    logLevel: 'warning',
  });
  // Files of an earlier build whose content changed (chunk names carry a hash) go; the metafile
  // is written last, so a build that failed half way is never taken for a fresh one.
  const outputs = new Set(Object.keys(result.metafile.outputs).map((o) => relative('dist', o)));
  for (const file of await readdir(DIST)) if (!outputs.has(file)) await rm(join(DIST, file), { force: true });
  await writeFile(META, JSON.stringify(result.metafile));
  return {
    outputs: Object.keys(result.metafile.outputs),
    inputs: Object.keys(result.metafile.inputs).map((p) => relative('.', p)),
    metafile: result.metafile,
  };
}

/**
 * Builds the agent unless dist/ already holds a build newer than every file it was made from
 * (and than package-lock.json). Sandboxes call it on every start: a developer who edited a
 * source gets it rebuilt, and the many sandboxes of one test run share one build.
 */
export async function ensureAgentBuilt(): Promise<'built' | 'fresh'> {
  const meta = await readFile(META, 'utf8').then((t) => JSON.parse(t) as Metafile, () => undefined);
  const builtAt = await stat(META).then((s) => s.mtimeMs, () => 0);
  const sources = meta ? [...Object.keys(meta.inputs), 'package-lock.json'] : [];
  const stale = !meta || (await Promise.all(sources.map((p) => stat(join(root, p)).then((s) => s.mtimeMs > builtAt, () => true)))).some(Boolean);
  if (!stale) return 'fresh';
  await buildAgent();
  return 'built';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { outputs } = await buildAgent();
  process.stdout.write(`built ${outputs.filter((o) => !o.endsWith('.map')).join(', ')} in ${Date.now() - started} ms\n`);
}
