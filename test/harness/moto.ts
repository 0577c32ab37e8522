// moto's server on a loopback port, for contract tests of the AWS Auto Scaling adapter.
// moto is pinned and lives in a virtual environment that moto-venv.sh creates once.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertPortFree, freePort } from '../../dev/sandbox/ports.js';
import { HarnessError, Supervised, waitUntil } from '../../dev/sandbox/supervisor.js';

export interface Moto {
  readonly endpoint: string;
  readonly process: Supervised;
  /** Forgets every resource (moto's reset API), so tests do not see each other's ASGs. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const venvScript = fileURLToPath(new URL('./moto-venv.sh', import.meta.url));

export async function motoServerBinary(): Promise<string> {
  if (process.env.SPOT_GUARD_MOTO_SERVER) return process.env.SPOT_GUARD_MOTO_SERVER;
  try {
    const { stdout } = await promisify(execFile)('bash', [venvScript], { timeout: 15 * 60 * 1000 });
    return stdout.trim();
  } catch (err) {
    throw new HarnessError('moto', `could not install moto: ${(err as Error).message}`, (err as { stderr?: string }).stderr ?? '');
  }
}

export async function startMoto(options: { port?: number; binary?: string } = {}): Promise<Moto> {
  const binary = options.binary ?? (await motoServerBinary());
  const port = options.port ?? (await freePort());
  await assertPortFree(port, 'moto');
  const moto = await Supervised.start('moto', binary, ['-H', '127.0.0.1', '-p', String(port)]);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${endpoint}/moto-api/data.json`)).ok, {
      what: `${endpoint}/moto-api/data.json`,
      timeoutMs: 60_000,
      processes: [moto],
    });
  } catch (err) {
    await moto.stop();
    throw err;
  }
  return {
    endpoint,
    process: moto,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new HarnessError('moto', `reset failed with HTTP ${res.status}`);
    },
    stop: () => moto.stop(),
  };
}
