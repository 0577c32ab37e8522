// A typed client for the simulator's control API, for scenarios and tests. Every method is
// one HTTP call; a refused request throws ControlError with the server's message.
import type { Activity, CallCounts, Delays, FaultRule, FaultRuleState, Group, GroupSpec, Instance, NodeMapping, SimulatorState } from './control.types.js';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly status: number,
    message: string,
    /** The server's own words, without the request. */
    readonly reason = message,
  ) {
    super(message);
  }
}

export class SimulatorControl {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/control/${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new ControlError(res.status, `${method} /control/${path}: HTTP ${res.status}: ${message}`, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  state(): Promise<SimulatorState> {
    return this.call('GET', 'state');
  }

  /** Forgets every group, instance, activity, fault and call count; default delays again. */
  reset(): Promise<void> {
    return this.call('POST', 'reset');
  }

  createGroup(spec: GroupSpec): Promise<Group> {
    return this.call('POST', 'groups', spec);
  }

  exhaustSpotPool(group: string): Promise<{ spotPool: number | null }> {
    return this.call('POST', `groups/${encodeURIComponent(group)}/spot-pool/exhaust`);
  }

  restoreSpotPool(group: string, size?: number | null): Promise<{ spotPool: number | null }> {
    return this.call('POST', `groups/${encodeURIComponent(group)}/spot-pool/restore`, { size });
  }

  setDelays(delays: Partial<Delays>): Promise<Delays> {
    return this.call('POST', 'delays', delays);
  }

  /** EC2 takes the instance back; its group replaces it if the pool allows. */
  interrupt(instanceId: string): Promise<Activity> {
    return this.call('POST', `instances/${encodeURIComponent(instanceId)}/interrupt`);
  }

  /** An operator moves the running instance to another group (DetachInstances, then AttachInstances). */
  moveInstance(instanceId: string, group: string): Promise<Instance> {
    return this.call('POST', `instances/${encodeURIComponent(instanceId)}/move`, { group });
  }

  injectFault(rule: FaultRule): Promise<FaultRuleState> {
    return this.call('POST', 'faults', rule);
  }

  faults(): Promise<FaultRuleState[]> {
    return this.call('GET', 'faults');
  }

  clearFaults(action?: string): Promise<void> {
    return this.call('DELETE', action === undefined ? 'faults' : `faults?action=${encodeURIComponent(action)}`);
  }

  /** Calls per Auto Scaling action, every call counted, injected failures too. */
  calls(): Promise<CallCounts> {
    return this.call('GET', 'calls');
  }

  /** Of those, the calls answered with an injected failure. */
  injectedCalls(): Promise<CallCounts> {
    return this.call('GET', 'calls/injected');
  }

  resetCalls(): Promise<void> {
    return this.call('DELETE', 'calls');
  }

  nodes(): Promise<NodeMapping[]> {
    return this.call('GET', 'nodes');
  }
}
