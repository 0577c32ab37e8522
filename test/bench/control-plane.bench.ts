// Warm start time of the control plane (binaries already cached): median of N starts.
//   node --import tsx test/bench/control-plane.bench.ts [N]
import { CONTROL_PLANE_BINARIES, resolveBinaries } from '../../dev/sandbox/binaries.js';
import { startControlPlane } from '../../dev/sandbox/control-plane.js';

const runs = Number(process.argv[2] ?? 5);
const binaries = await resolveBinaries(CONTROL_PLANE_BINARIES);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const plane = await startControlPlane({ binaries });
  times.push(performance.now() - t0);
  await plane.stop();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? NaN;
console.log(`control plane warm start over ${runs} runs: median ${(median / 1000).toFixed(2)} s, min ${((times[0] ?? NaN) / 1000).toFixed(2)} s, max ${((times.at(-1) ?? NaN) / 1000).toFixed(2)} s`);
