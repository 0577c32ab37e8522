// Ports for each sandbox node's AEMM and agent that nothing else is handed meanwhile: below
// the kernel's ephemeral range, so no outgoing connection can take one between the pick and
// the agent's bind seconds later (the bench's first run at 50 agents lost it), and
// never the same one twice in this process.
import { readFileSync } from 'node:fs';
import { assertPortFree } from '../../dev/sandbox/ports.js';

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const end = ephemeralLow();
let next = Math.max(1024, end - 12_000);

export async function portBelowEphemeralRange(): Promise<number> {
  while (next < end) {
    const port = next++;
    if (await assertPortFree(port, 'sandbox node').then(() => true, () => false)) return port;
  }
  throw new Error(`no free port left under the ephemeral range (${end})`);
}
