// deploy/Dockerfile, checked without a Docker daemon: two stages on Node.js 24, a non-root
// user, the entry point the DaemonSet runs, only paths that exist, a build stage that has every
// source the bundle is made of, and a bundle that starts alone (no node_modules, no
// TypeScript) with the image's environment on a read-only filesystem.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { OPTIONAL_ABSENT, buildAgent, type AgentBuild } from '../../dev/build/agent.build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions by stage; comments dropped, continuation lines joined. */
function stages(text: string): Stage[] {
  const result: Stage[] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/).filter((a) => !a.startsWith('--'));
      result.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = result.at(-1);
      assert.ok(stage, `${keyword} before the first FROM`);
      stage.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return result;
}

const dockerfile = stages(read('deploy/Dockerfile'));
const final = (): Stage => {
  const stage = dockerfile.at(-1);
  assert.ok(stage);
  return stage;
};
const last = (stage: Stage, keyword: string): string | undefined => stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
const execForm = (args: string | undefined): string[] => JSON.parse(args ?? 'null') as string[];

/** ENV in both `K=V K2=V2` and legacy `K V` forms. */
function environment(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)];
    if (pairs.length === 0) {
      const [key = '', ...value] = args.split(/\s+/);
      env[key] = value.join(' ');
    }
    for (const [, key = '', value = ''] of pairs) env[key] = value.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** COPY's sources and flags (shell form only; the Dockerfile uses no JSON-form COPY). */
function copies(stage: Stage): { from: string | undefined; sources: string[]; destination: string }[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map(({ args }) => {
      const words = args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
    });
}

const ignored = read('.dockerignore')
  .split(/\r?\n/)
  .map((l) => l.trim().replace(/^\/+|\/+$/g, ''))
  .filter((l) => l && !l.startsWith('#'));
const isIgnored = (path: string): boolean => ignored.some((p) => path === p || path.startsWith(`${p}/`));

const test = suite('Dockerfile');
let built: AgentBuild;
test.before(async () => {
  built = await buildAgent();
});

test('two stages on node:24-bookworm-slim: the build stage runs npm ci and npm run build, the image copies only dist/', () => {
  assert.ok(dockerfile.length >= 2, 'multi-stage');
  const build = dockerfile[0];
  assert.ok(build);
  assert.is(build.image, 'node:24-bookworm-slim');
  assert.is(build.name, 'build');
  assert.ok(build.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)), 'build stage runs npm ci');
  assert.ok(build.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)), 'build stage runs npm run build');
  assert.is(final().image, 'node:24-bookworm-slim');
  assert.equal(copies(final()), [{ from: 'build', sources: ['/app/dist'], destination: './dist' }]);
  assert.not.ok(final().instructions.some((i) => i.keyword === 'RUN'), 'nothing is installed or built in the image');
});

test('the image runs as 65532:65532, the user the DaemonSet asks for', () => {
  const user = last(final(), 'USER');
  assert.is(user, '65532:65532');
  const ds = parse(read('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } } };
  const { runAsUser, runAsGroup } = ds.spec.template.spec.securityContext;
  assert.is(`${runAsUser}:${runAsGroup}`, user);
});

test('WORKDIR /app, ENTRYPOINT node dist/spot-guard-agent.mjs, CMD agent: the DaemonSet command', () => {
  assert.is(last(final(), 'WORKDIR'), '/app');
  const entrypoint = execForm(last(final(), 'ENTRYPOINT'));
  const cmd = execForm(last(final(), 'CMD'));
  assert.equal(entrypoint, ['node', 'dist/spot-guard-agent.mjs']);
  assert.equal(cmd, ['agent']);
  const ds = parse(read('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
  assert.equal(ds.spec.template.spec.containers[0]?.command, [...entrypoint, ...cmd]);
});

test('every path COPYd from the build context exists and is not excluded by .dockerignore', () => {
  const fromContext = dockerfile.flatMap((s) => copies(s).filter((c) => !c.from)).flatMap((c) => c.sources);
  assert.ok(fromContext.includes('package-lock.json') && fromContext.includes('runtime'), fromContext.join(' '));
  for (const source of fromContext) {
    assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: no such path in the repository`);
    assert.not.ok(isIgnored(source), `COPY ${source}: excluded by .dockerignore`);
  }
});

test('COPY --from names an earlier stage and copies from inside its WORKDIR', () => {
  dockerfile.forEach((stage, index) => {
    for (const copy of copies(stage).filter((c) => c.from)) {
      const source = dockerfile.slice(0, index).find((s) => s.name === copy.from);
      assert.ok(source, `COPY --from=${copy.from}: no earlier stage of that name`);
      const workdir = last(source, 'WORKDIR') ?? '/';
      for (const path of copy.sources) assert.ok(path === workdir || path.startsWith(`${workdir}/`), `COPY --from=${copy.from} ${path}: outside ${workdir}`);
    }
  });
});

test('every source file the bundle is made of is copied into the build stage', () => {
  const build = dockerfile[0];
  assert.ok(build);
  const copied = copies(build).flatMap((c) => c.sources);
  const ours = built.inputs.filter((f) => !f.startsWith('node_modules/'));
  assert.ok(ours.includes('runtime/entry.ts') && ours.includes('runtime/agent/agent.ts'), ours.join(' '));
  for (const file of ours) assert.ok(copied.some((c) => file === c || file.startsWith(`${c}/`)), `${file} is in the bundle but not copied`);
});

test('the bundle holds neither the dev tools nor TypeScript tooling', () => {
  const offending = built.inputs.filter((f) => /^dev\/|^test\/|node_modules\/(tsx|typescript|esbuild)\//.test(f));
  assert.equal(offending, []);
});

test('the bundle needs nothing outside dist/ but Node.js itself: every import it leaves out is a built-in or an optional add-on', () => {
  const external = Object.values(built.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  assert.ok(external.length > 0, 'the bundle imports at least node built-ins');
  for (const path of new Set(external)) assert.ok(isBuiltin(path) || OPTIONAL_ABSENT.includes(path), `the bundle imports ${path} from outside dist/`);
});

test('.dockerignore keeps node_modules, .git, dist and scratch out of the context', () => {
  for (const path of ['node_modules', '.git', 'dist', 'scratch']) assert.ok(isIgnored(path), path);
});

test('the bundle starts alone, with the image environment and an unwritable temp dir: help, and settings refused with exit 2', async () => {
  // A folder holding dist/ and nothing else: no node_modules, no package.json, no sources.
  const alone = mkdtempSync(join(tmpdir(), 'spot-guard-image-'));
  cpSync(join(ROOT, 'dist'), join(alone, 'dist'), { recursive: true });
  // Like a read-only root filesystem: mkdir under TMPDIR fails (ENOTDIR; root ignores modes).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', ...environment(final()), TMPDIR: '/dev/null/tmp' };
  assert.is(env.NODE_ENV, 'production');
  const [node = '', ...entry] = execForm(last(final(), 'ENTRYPOINT'));
  assert.is(node, 'node');
  const run = promisify(execFile);
  const help = await run(process.execPath, [...entry, 'help'], { cwd: alone, env, timeout: 60_000 });
  assert.match(help.stdout, /agent\s+run the DaemonSet agent/);
  assert.is(help.stderr, '', 'a clean start: no warning on stderr');
  const refused = await run(process.execPath, [...entry, 'agent'], { cwd: alone, env, timeout: 60_000 }).then(
    () => ({ code: 0, stderr: 'the agent started without its settings' }),
    (err: { code: number; stderr: string }) => err,
  );
  assert.is(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /refusing to start with \d+ configuration problems?/);
  assert.not.match(refused.stderr, /Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
});

test.run();
