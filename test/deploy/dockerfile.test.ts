// deploy/Dockerfile, checked without a Docker daemon: two stages, a non-root user, the entry
// point the DaemonSet runs, only paths that exist, only production dependencies at run time,
// and an entry point that starts on a read-only filesystem.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';

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

test('two stages on node:20-bookworm-slim: the build stage runs npm ci, the image copies its result', () => {
  assert.ok(dockerfile.length >= 2, 'multi-stage');
  const build = dockerfile[0];
  assert.ok(build);
  assert.is(build.image, 'node:20-bookworm-slim');
  assert.is(build.name, 'build');
  assert.ok(build.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)), 'build stage runs npm ci');
  assert.ok(build.instructions.some((i) => i.keyword === 'RUN' && /npm (prune|ci) --omit=dev/.test(i.args)), 'build stage keeps only production dependencies');
  assert.ok(['node:20-bookworm-slim', 'gcr.io/distroless/nodejs20-debian12'].includes(final().image), final().image);
  assert.ok(copies(final()).some((c) => c.from === 'build'), 'the image copies from the build stage');
  assert.not.ok(final().instructions.some((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args)), 'no dev install in the image');
});

test('the image runs as 65532:65532, the user the DaemonSet asks for', () => {
  const user = last(final(), 'USER');
  assert.is(user, '65532:65532');
  const ds = parse(read('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } } };
  const { runAsUser, runAsGroup } = ds.spec.template.spec.securityContext;
  assert.is(`${runAsUser}:${runAsGroup}`, user);
});

test('WORKDIR /app, ENTRYPOINT node bin/spot-guard.js, CMD agent: the DaemonSet command', () => {
  assert.is(last(final(), 'WORKDIR'), '/app');
  const entrypoint = execForm(last(final(), 'ENTRYPOINT'));
  const cmd = execForm(last(final(), 'CMD'));
  assert.equal(entrypoint, ['node', 'bin/spot-guard.js']);
  assert.equal(cmd, ['agent']);
  const ds = parse(read('deploy/manifests/daemonset.yaml')) as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
  assert.equal(ds.spec.template.spec.containers[0]?.command, [...entrypoint, ...cmd]);
});

test('every path COPYd from the build context exists and is not excluded by .dockerignore', () => {
  const fromContext = dockerfile.flatMap((s) => copies(s).filter((c) => !c.from)).flatMap((c) => c.sources);
  assert.ok(fromContext.includes('package-lock.json') && fromContext.includes('bin'), fromContext.join(' '));
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

test('the entry point and every module it loads are copied into the build stage', () => {
  const build = dockerfile[0];
  assert.ok(build);
  const copied = copies(build).flatMap((c) => c.sources);
  for (const file of moduleGraph('bin/spot-guard.js').files) {
    assert.ok(copied.some((c) => file === c || file.startsWith(`${c}/`)), `${file} is loaded at run time but not copied`);
  }
});

test('.dockerignore keeps node_modules, .git and scratch out of the context', () => {
  for (const path of ['node_modules', '.git', 'scratch']) assert.ok(isIgnored(path), path);
});

test('every package the entry point loads is a production dependency', () => {
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  const { packages, files } = moduleGraph('bin/spot-guard.js');
  assert.ok(files.includes('runtime/cli.ts') && packages.has('tsx'), `graph: ${files.length} files, ${[...packages].join(', ')}`);
  for (const [name, from] of packages) assert.ok(name in pkg.dependencies, `${from} imports ${name}, which npm ci --omit=dev leaves out`);
});

test('the entry point starts with the image environment and an unwritable temp dir', async () => {
  // Like a read-only root filesystem: mkdir under TMPDIR fails (ENOTDIR; root ignores modes).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...environment(final()), TMPDIR: '/dev/null/tmp' };
  assert.is(env.TSX_DISABLE_CACHE, '1');
  try {
    await promisify(execFile)(process.execPath, ['bin/spot-guard.js', 'help'], { cwd: ROOT, env, timeout: 120_000 });
  } catch (err) {
    assert.unreachable(`failed to start: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
});

/** Relative modules reached from `entry` by static and dynamic imports, and the packages they import. */
function moduleGraph(entry: string): { files: string[]; packages: Map<string, string> } {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (files.includes(file)) continue;
    files.push(file);
    const text = read(file);
    const specifiers = [
      ...[...text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)].filter((m) => !m[1]).map((m) => m[2] ?? ''),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? ''),
    ];
    for (const spec of specifiers) {
      if (spec.startsWith('.')) {
        const target = relative(ROOT, join(ROOT, dirname(file), spec));
        const ts = target.replace(/\.js$/, '.ts');
        pending.push(existsSync(join(ROOT, ts)) ? ts : target);
      } else if (!isBuiltin(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  }
  return { files, packages };
}

test.run();
