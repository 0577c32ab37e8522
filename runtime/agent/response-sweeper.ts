// Finishing the rebalance responses of other nodes whose agent is gone. Every agent watches the
// response records (a handful of Leases, one per at-risk instance with a response under way); a
// record whose holder stopped renewing it is taken over and finished (response-finisher.ts)
// when nobody else will: its node is gone (interrupted, terminated), or its response was
// already winding down. A record of a node that is still there and mid-response is left to
// that node's own agent, which the DaemonSet restarts and which takes it up from the record.
//
// One agent in the common case: each agent waits a different extra pause after the record's
// lease expires (a hash of its name and the node's), so the first to act renews the record
// and the others find it held again.
import { createHash } from 'node:crypto';
import type { HeldRecord, ResponseRecords } from '../kube/response-lease.js';
import { RecordLost } from '../kube/response-lease.js';
import { finishResponse, type FinisherDeps } from './response-finisher.js';
import { advanced, WINDING_DOWN } from './response-record.js';

export interface SweeperDeps extends FinisherDeps {
  records: ResponseRecords;
  /** This agent's node: its own response is its responder's, never swept. */
  nodeName: string;
  /** How often held records are looked at (and the ones this agent finishes renewed). */
  intervalMs?: number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ResponseSweeper {
  private readonly known = new Map<string, HeldRecord>();
  private readonly reported = new Set<string>();
  private running = false;
  private lastSweep = 0;
  private readonly intervalMs: number;

  constructor(private readonly deps: SweeperDeps) {
    this.intervalMs = deps.intervalMs ?? 15_000;
  }

  /** The watch's view of the records, by Lease name. */
  seen(held: HeldRecord): void {
    this.known.set(held.name, held);
  }

  gone(name: string): void {
    this.known.delete(name);
  }

  reset(all: readonly HeldRecord[]): void {
    this.known.clear();
    for (const h of all) this.known.set(h.name, h);
  }

  tick(now: number): void {
    if (this.running || now - this.lastSweep < this.intervalMs) return;
    this.lastSweep = now;
    this.running = true;
    void this.sweep(now).finally(() => {
      this.running = false;
    });
  }

  /** The extra pause of this agent for an instance's record: 0 up to one lease duration. */
  private stagger(instanceId: string): number {
    const hash = createHash('sha256').update(`${this.deps.records.identity}\n${instanceId}`).digest();
    return (hash.readUInt32BE(0) / 0x1_0000_0000) * this.deps.records.durationSeconds * 1000;
  }

  private async sweep(now: number): Promise<void> {
    for (const held of [...this.known.values()]) {
      const { record } = held;
      if (held.finished) continue;
      if (!record) {
        if (!this.reported.has(held.name)) this.deps.log.warn({ lease: held.name }, 'left alone a rebalance-response record that cannot be read');
        this.reported.add(held.name);
        continue;
      }
      // The node is there when a node of that name still runs the recorded instance.
      const nodeThere = this.deps.nodeViews().some((n) => n.name === record.node && n.instanceId === record.instanceId);
      if (nodeThere && record.node === this.deps.nodeName) continue;
      const mine = held.holder === this.deps.records.identity;
      if (!mine) {
        if (now < held.expiresAt + this.stagger(record.instanceId)) continue;
        if (nodeThere && !WINDING_DOWN.includes(record.step)) continue;
      }
      try {
        await this.finish(held, mine);
      } catch (err) {
        if (err instanceof RecordLost) continue;
        this.deps.log.warn({ atRiskNode: record.node, err: message(err) }, 'could not finish a rebalance response, will retry');
      }
    }
  }

  private async finish(held: HeldRecord, mine: boolean): Promise<void> {
    const log = this.deps.log.child({ atRiskNode: held.record?.node });
    let record = held.record;
    if (!record) return;
    // Its node is gone: whatever step it had reached, the at-risk instance is going or gone.
    if (!WINDING_DOWN.includes(record.step)) record = advanced(record, 'interrupted', this.deps.now());
    // Taking it (or renewing it) first: a 409 means another agent got there, and it finishes.
    const taken = await this.deps.records.write(record, held.resourceVersion);
    this.known.set(taken.name, taken);
    if (!mine) log.warn({ previousHolder: held.holder, step: held.record?.step, request: record.requestId }, 'took over the rebalance response of a node whose agent is gone');
    const outcome = await finishResponse(record, this.deps);
    if (!outcome.done) {
      log.info({ waitingFor: outcome.waitingFor }, 'rebalance response not finished yet');
      return;
    }
    await this.deps.records.finish(record, taken.resourceVersion);
    log.info({ event: outcome.event, request: record.requestId }, 'finished the rebalance response of a node whose agent is gone');
  }
}
