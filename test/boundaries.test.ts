// The layer rules catch the violations they name (a boundary check that passes whatever the
// code does would be worth nothing).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('layer boundaries');
const root = resolve('.');

async function cruise(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spot-guard-depcruise-'));
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const folders = [...new Set(Object.keys(files).map((f) => f.split('/')[0] ?? ''))];
  try {
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/depcruise'), ['--config', join(root, '.dependency-cruiser.cjs'), ...folders], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

const cases: [string, Record<string, string>, string | undefined][] = [
  ['machines importing runtime', { 'machines/a.machine.ts': "import '../runtime/b.ts';\n", 'runtime/b.ts': 'export {};\n' }, 'machines-are-pure'],
  ['crds importing machines', { 'crds/a.ts': "import '../machines/b.ts';\n", 'machines/b.ts': 'export {};\n' }, 'crds-import-nothing-of-ours'],
  ['streams importing an adapter', { 'streams/a.stream.ts': "import '../runtime/b.aws.ts';\n", 'runtime/b.aws.ts': 'export {};\n' }, 'streams-see-ports-only'],
  ['runtime importing test code', { 'runtime/a.ts': "import '../test/b.ts';\n", 'test/b.ts': 'export {};\n' }, 'nothing-imports-tests'],
  ['visualizations importing runtime', { 'visualizations/a.ts': "import '../runtime/b.ts';\n", 'runtime/b.ts': 'export {};\n' }, 'visualizations-see-definitions-only'],
  ['runtime importing the sandbox', { 'runtime/a.ts': "import '../dev/sandbox/b.ts';\n", 'dev/sandbox/b.ts': 'export {};\n' }, 'agent-never-loads-dev-tools'],
  ['visualizations importing the simulator', { 'visualizations/a.ts': "import '../dev/simulator/b.ts';\n", 'dev/simulator/b.ts': 'export {};\n' }, 'agent-never-loads-dev-tools'],
  ['crds importing dev', { 'crds/a.ts': "import '../dev/b.ts';\n", 'dev/b.ts': 'export {};\n' }, 'agent-never-loads-dev-tools'],
  ['dev importing runtime (allowed)', { 'dev/a.ts': "import '../runtime/b.ts';\n", 'runtime/b.ts': 'export {};\n' }, undefined],
  ['streams importing a port (allowed)', { 'streams/a.stream.ts': "import '../runtime/b.port.ts';\n", 'runtime/b.port.ts': 'export {};\n' }, undefined],
  ['runtime importing machines (allowed)', { 'runtime/a.ts': "import '../machines/b.ts';\n", 'machines/b.ts': 'export {};\n' }, undefined],
];

for (const [name, files, rule] of cases) {
  test(rule ? `${name} is refused by ${rule}` : `${name} passes`, async () => {
    const { code, output } = await cruise(files);
    if (rule) {
      assert.is.not(code, 0, output);
      assert.match(output, rule);
    } else {
      assert.is(code, 0, output);
    }
  });
}

test.run();
