// The JSON control API's payloads, shared by the server's routes and the typed client.
// Times are milliseconds of the simulator's clock (epoch ms unless a test injected another).
import type { Activity, Delays, Group, GroupSpec, Instance } from './cloud.types.js';
import type { FaultRule, FaultRuleState } from './fault.injector.js';

export type { Activity, Delays, Group, GroupSpec, Instance, FaultRule, FaultRuleState };

export interface GroupState extends Group {
  instances: Instance[];
}

export interface SimulatorState {
  now: number;
  delays: Delays;
  groups: GroupState[];
  faults: FaultRuleState[];
}

/** Calls per Auto Scaling action. */
export type CallCounts = Record<string, number>;

export interface NodeMapping {
  instanceId: string;
  nodeName: string;
  groupName: string;
  lifecycleState: Instance['lifecycleState'];
  /** The Node exists in the API server (always false without a kubeconfig). */
  registered: boolean;
  /** The Node reports Ready and has lost its not-ready taint. */
  ready: boolean;
}

export interface RestoreSpotPool {
  /** Spot launches that will succeed from now on; absent or null means any number. */
  size?: number | null;
}
