// A per-ASG mutual-exclusion lock that carries the ASG's capacity ledger, so the ledger can
// only be written by whoever holds the lock.
//
// Error contract: acquire throws CapacityError 'LockTimeout' when the lock stayed held by
// others for the whole wait and 'LedgerCorrupt' when the ledger cannot be read (the lock is
// then not taken). writeLedger and a release that carries a ledger throw 'LockLost' when the
// lock expired and someone else took it over; nothing was written then. A release without a
// ledger never reports a lost lock: the lock is gone either way. API failures are KubeError.
import type { Ledger } from './ledger.js';

export interface HeldAsgLock {
  readonly asgName: string;
  /** The ledger as of the last read or write under this lock. */
  readLedger(): Ledger;
  /** Writes the ledger and renews the lock. */
  writeLedger(ledger: Ledger): Promise<void>;
  /** Gives the lock up, writing `ledger` in the same update when one is given. */
  release(ledger?: Ledger): Promise<void>;
}

export interface AsgLocks {
  acquire(asgName: string, timeoutMs: number): Promise<HeldAsgLock>;
}
