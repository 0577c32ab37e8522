// The simulated cloud: Auto Scaling groups reconciling their desired capacity against EC2
// instances that take time to start and stop, and a spot pool per spot group that a scenario
// can run dry. Time only moves when the owner calls advance(now) with its clock; nothing in
// here reads the wall clock or sets a timer, so a test can step it to any instant.
import { randomBytes, randomUUID } from 'node:crypto';
import { groupNotFound, instanceNotFound, terminateBelowMin, desiredAboveMax, desiredBelowMin, wording } from './aws.wording.js';
import { DEFAULT_DELAYS, type Activity, type Delays, type Group, type GroupSpec, type Instance } from './cloud.types.js';
import { KNOWN_INSTANCE_TYPES, resourcesOf } from './instance-types.js';

/** A scenario asked for something impossible (not an AWS error: the control API's own). */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface IdSource {
  instance(): string;
  activity(): string;
}

export interface CloudModelOptions {
  region?: string;
  accountId?: string;
  delays?: Partial<Delays>;
  ids?: IdSource;
  /** The model's time before the first advance. */
  start?: number;
}

const randomIds: IdSource = {
  instance: () => `i-${randomBytes(9).toString('hex').slice(0, 17)}`,
  activity: () => randomUUID(),
};

// AWS keeps six weeks of activities; a long scenario with a fast retry makes thousands of
// failed ones, and nobody reads past the newest hundred.
const MAX_ACTIVITIES = 2000;
// A floor on the retry interval: a zero retry during a shortage would spin advance() for ever.
const MIN_RETRY_MS = 10;

export class CloudModel {
  readonly region: string;
  private readonly accountId: string;
  private readonly ids: IdSource;
  private time: number;
  private delays: Delays;
  private readonly groups = new Map<string, Group>();
  private readonly instances = new Map<string, Instance>();
  private activities: Activity[] = [];
  private addresses = 0;

  constructor(options: CloudModelOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.ids = options.ids ?? randomIds;
    this.time = options.start ?? 0;
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
  }

  get now(): number {
    return this.time;
  }

  /**
   * Moves time forward to `now`, handling every due transition at the instant it falls due
   * (so the outcome does not depend on how often the owner calls). A clock that goes
   * backwards is ignored.
   */
  advance(now: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.nextDue();
      const at = due !== undefined && due <= now ? due : now;
      this.time = Math.max(this.time, at);
      this.step();
      // Done once nothing is due by `now`, including what this step started (a zero delay
      // makes a launch due at once).
      const next = this.nextDue();
      if (at >= now && (next === undefined || next > now)) break;
    }
  }

  // ---- reads ----

  listGroups(names?: readonly string[]): Group[] {
    if (!names || names.length === 0) return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
    return [...new Set(names)].flatMap((n) => this.groups.get(n) ?? []);
  }

  group(name: string): Group | undefined {
    return this.groups.get(name);
  }

  instancesOf(groupName: string): Instance[] {
    return [...this.instances.values()].filter((i) => i.groupName === groupName);
  }

  listInstances(ids?: readonly string[]): Instance[] {
    if (!ids || ids.length === 0) return [...this.instances.values()];
    return [...new Set(ids)].flatMap((id) => this.instances.get(id) ?? []);
  }

  instance(id: string): Instance | undefined {
    return this.instances.get(id);
  }

  /** Newest first, as DescribeScalingActivities answers. */
  listActivities(groupName?: string): Activity[] {
    return this.activities.filter((a) => groupName === undefined || a.groupName === groupName).reverse();
  }

  currentDelays(): Delays {
    return { ...this.delays };
  }

  // ---- the Auto Scaling API ----

  setDesiredCapacity(name: string, desired: number): void {
    const g = this.groups.get(name);
    if (!g) throw groupNotFound(name);
    if (desired > g.maxSize) throw desiredAboveMax(desired, g.maxSize);
    if (desired < g.minSize) throw desiredBelowMin(desired, g.minSize);
    if (desired !== g.desiredCapacity) g.pendingCause = wording.userSetDesired(this.time, g.desiredCapacity, desired);
    g.desiredCapacity = desired;
    // A user request starts a new scaling activity at once, whatever retry was scheduled.
    g.retryAt = undefined;
    this.advance(this.time);
  }

  /** TerminateInstanceInAutoScalingGroup: returns the termination's activity. */
  terminateInstanceInGroup(instanceId: string, decrement: boolean): Activity {
    const inst = this.instances.get(instanceId);
    if (!inst) throw instanceNotFound(instanceId);
    // Asked again while it is already going: answer with the termination under way rather than
    // lowering the desired capacity a second time, so a retried call stays harmless.
    const ongoing = inst.terminateActivityId && this.activities.find((a) => a.activityId === inst.terminateActivityId);
    if (inst.lifecycleState === 'Terminating' && ongoing) return { ...ongoing };
    const g = this.mustGroup(inst.groupName);
    let shrink: { from: number; to: number } | undefined;
    if (decrement) {
      if (g.desiredCapacity <= g.minSize) throw terminateBelowMin(g.minSize);
      shrink = { from: g.desiredCapacity, to: g.desiredCapacity - 1 };
      g.desiredCapacity -= 1;
    }
    // The answer shows the activity as it starts (InProgress), as AWS's does, even when a
    // zero terminate delay finishes it in the settling below.
    const activity = { ...this.startTerminating(inst, wording.userTerminated(this.time, instanceId, shrink)) };
    this.advance(this.time);
    return activity;
  }

  // ---- scenario controls ----

  createGroup(spec: GroupSpec): Group {
    if (!spec.name) throw new ScenarioError(400, 'a group needs a name');
    if (this.groups.has(spec.name)) throw new ScenarioError(409, `group ${spec.name} already exists`);
    if (spec.capacityType !== 'spot' && spec.capacityType !== 'on-demand') throw new ScenarioError(400, `capacityType must be spot or on-demand, not ${String(spec.capacityType)}`);
    const sizes = [spec.minSize, spec.maxSize, spec.desiredCapacity];
    if (!sizes.every((n) => Number.isInteger(n) && n >= 0) || spec.minSize > spec.desiredCapacity || spec.desiredCapacity > spec.maxSize) {
      throw new ScenarioError(400, `sizes must be whole numbers with min <= desired <= max (got ${sizes.join(', ')})`);
    }
    const instanceType = spec.instanceType ?? 'm5.large';
    const nodeResources = spec.nodeResources ?? resourcesOf(instanceType);
    if (!nodeResources) throw new ScenarioError(400, `unknown instance type ${instanceType}: give nodeResources or one of ${KNOWN_INSTANCE_TYPES.join(', ')}`);
    const pool = spec.capacityType === 'spot' ? (spec.spotPool ?? null) : null;
    if (pool !== null && !(Number.isInteger(pool) && pool >= 0)) throw new ScenarioError(400, 'spotPool must be a whole number or null');
    const uuid = randomUUID();
    const g: Group = {
      name: spec.name,
      arn: `arn:aws:autoscaling:${this.region}:${this.accountId}:autoScalingGroup:${uuid}:autoScalingGroupName/${spec.name}`,
      capacityType: spec.capacityType,
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desiredCapacity: spec.desiredCapacity,
      availabilityZone: spec.availabilityZone ?? `${this.region}a`,
      instanceType,
      launchTemplateId: `lt-${uuid.replace(/-/g, '').slice(0, 17)}`,
      launchTemplateName: `${spec.name}-template`,
      nodeResources,
      createdAt: this.time,
      spotPool: pool,
      pendingCause: spec.desiredCapacity > 0 ? wording.userCreatedGroup(this.time, spec.desiredCapacity) : undefined,
    };
    this.groups.set(g.name, g);
    this.advance(this.time);
    return g;
  }

  /** No spot launch in this group succeeds until the pool is restored. */
  exhaustSpotPool(name: string): void {
    this.spotGroup(name).spotPool = 0;
  }

  /** `size` more spot launches will succeed; without it, any number. The group picks this up at its next retry. */
  restoreSpotPool(name: string, size?: number | null): void {
    if (size !== undefined && size !== null && !(Number.isInteger(size) && size >= 0)) throw new ScenarioError(400, 'size must be a whole number');
    this.spotGroup(name).spotPool = size ?? null;
  }

  /**
   * EC2 reclaims a spot instance (or stops any instance): Auto Scaling's health check sees it
   * gone and replaces it, subject to the pool. The reclaimed capacity does not return to the
   * pool: EC2 took it back because it needed it.
   */
  interrupt(instanceId: string): Activity {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new ScenarioError(404, `no instance ${instanceId}`);
    const ongoing = inst.terminateActivityId && this.activities.find((a) => a.activityId === inst.terminateActivityId);
    if (inst.lifecycleState === 'Terminating' && ongoing) return { ...ongoing };
    inst.healthStatus = 'Unhealthy';
    inst.interrupted = true;
    const activity = { ...this.startTerminating(inst, wording.healthCheckTerminated(this.time)) };
    this.advance(this.time);
    return activity;
  }

  /**
   * An operator moves a running instance to another group, as DetachInstances (with the
   * decrement) and then AttachInstances do: it keeps running, each group's desired capacity
   * follows it, and neither group launches or terminates anything for it.
   */
  moveInstance(instanceId: string, to: string): Instance {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new ScenarioError(404, `no instance ${instanceId}`);
    const target = this.groups.get(to);
    if (!target) throw new ScenarioError(404, `no group ${to}`);
    if (inst.lifecycleState !== 'InService') throw new ScenarioError(409, `instance ${instanceId} is ${inst.lifecycleState}: only an InService instance can be attached`);
    if (inst.groupName === to) return { ...inst };
    const from = this.mustGroup(inst.groupName);
    if (from.desiredCapacity <= from.minSize) throw new ScenarioError(409, `group ${from.name} would fall below its min size ${from.minSize}`);
    if (target.desiredCapacity >= target.maxSize) throw new ScenarioError(409, `group ${to} is at its max size ${target.maxSize}`);
    from.desiredCapacity -= 1;
    target.desiredCapacity += 1;
    inst.groupName = to;
    this.advance(this.time);
    return { ...inst };
  }

  /** New delays apply to transitions that start from now on. */
  setDelays(delays: Partial<Delays>): Delays {
    for (const [k, v] of Object.entries(delays)) {
      if (v === undefined) continue;
      if (!(k in DEFAULT_DELAYS)) throw new ScenarioError(400, `unknown delay ${k}`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ScenarioError(400, `${k} must be a number of milliseconds >= 0`);
    }
    this.delays = { ...this.delays, ...Object.fromEntries(Object.entries(delays).filter(([, v]) => v !== undefined)) };
    return this.currentDelays();
  }

  /**
   * Forgets every group, instance and activity, and restores the default delays. Addresses
   * keep counting, so a new instance never takes the node name of one whose Node may still
   * be on its way out of the API server.
   */
  reset(): void {
    this.groups.clear();
    this.instances.clear();
    this.activities = [];
    this.delays = { ...DEFAULT_DELAYS };
  }

  // ---- internals ----

  private mustGroup(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw groupNotFound(name);
    return g;
  }

  private spotGroup(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new ScenarioError(404, `no group ${name}`);
    if (g.capacityType !== 'spot') throw new ScenarioError(400, `group ${name} is on-demand and has no spot pool`);
    return g;
  }

  private nextDue(): number | undefined {
    let due: number | undefined;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (due === undefined || t < due)) due = t;
    };
    for (const i of this.instances.values()) consider(i.lifecycleState === 'Pending' ? i.inServiceAt : i.lifecycleState === 'Terminating' ? i.goneAt : undefined);
    for (const g of this.groups.values()) if (g.retryAt !== undefined && g.desiredCapacity > this.live(g).length) consider(g.retryAt);
    return due;
  }

  /** Every transition due now, then every group brought towards its desired capacity. */
  private step(): void {
    const now = this.time;
    for (const inst of [...this.instances.values()]) {
      if (inst.lifecycleState === 'Pending' && inst.inServiceAt <= now) {
        inst.lifecycleState = 'InService';
        inst.nodeReadyAt = inst.inServiceAt + this.delays.nodeReadyMs;
        this.finish(inst.launchActivityId, 'Successful', inst.inServiceAt);
      } else if (inst.lifecycleState === 'Terminating' && inst.goneAt !== undefined && inst.goneAt <= now) {
        this.instances.delete(inst.instanceId);
        if (inst.terminateActivityId) this.finish(inst.terminateActivityId, 'Successful', inst.goneAt);
      }
    }
    for (const g of this.groups.values()) this.reconcile(g);
  }

  /** Instances that count towards the desired capacity: a terminating one no longer does. */
  private live(g: Group): Instance[] {
    return this.instancesOf(g.name).filter((i) => i.lifecycleState !== 'Terminating');
  }

  private reconcile(g: Group): void {
    const live = this.live(g);
    const now = this.time;
    if (g.desiredCapacity > live.length) {
      if (g.retryAt !== undefined && g.retryAt > now) return;
      const need = g.desiredCapacity - live.length;
      const granted = g.spotPool === null ? need : Math.min(need, g.spotPool);
      let size = live.length;
      for (let n = 0; n < granted; n++, size++) this.launch(g, this.cause(g, wording.startedForDifference(now, size, size + 1)));
      if (g.spotPool !== null) g.spotPool -= granted;
      if (granted < need) {
        const reason = wording.insufficientSpotCapacity(g.instanceType, g.availabilityZone);
        this.record(g, { description: wording.failedLaunchDescription(reason), cause: this.cause(g, wording.startedForDifference(now, size, g.desiredCapacity)), statusCode: 'Failed', statusMessage: reason, progress: 100, endTime: now });
        g.retryAt = now + Math.max(MIN_RETRY_MS, this.delays.launchRetryMs);
      } else {
        g.retryAt = undefined;
      }
    } else if (g.desiredCapacity < live.length) {
      let size = live.length;
      for (const victim of scaleInOrder(live).slice(0, live.length - g.desiredCapacity)) {
        this.startTerminating(victim, this.cause(g, wording.stoppedForDifference(now, size, size - 1)));
        size--;
      }
      g.retryAt = undefined;
    } else {
      // Desired met without an activity (e.g. an increment withdrawn before it launched):
      // the user request has nothing left to explain, and no shortage is being waited out.
      g.pendingCause = undefined;
      g.retryAt = undefined;
    }
  }

  /** The cause of the next activity, with the user request that led to it told once. */
  private cause(g: Group, what: string): string {
    const cause = g.pendingCause ? `${g.pendingCause}  ${what}` : what;
    g.pendingCause = undefined;
    return cause;
  }

  private launch(g: Group, cause: string): Instance {
    const instanceId = this.ids.instance();
    const n = this.addresses++;
    const ip = `10.0.${1 + Math.floor(n / 250)}.${4 + (n % 250)}`;
    const activity = this.record(g, { description: wording.launchDescription(instanceId), cause, statusCode: 'InProgress', progress: 0 });
    const inst: Instance = {
      instanceId,
      groupName: g.name,
      availabilityZone: g.availabilityZone,
      instanceType: g.instanceType,
      capacityType: g.capacityType,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      privateIpAddress: ip,
      nodeName: `ip-${ip.replace(/\./g, '-')}`,
      launchedAt: this.time,
      inServiceAt: this.time + this.delays.launchMs,
      interrupted: false,
      launchActivityId: activity.activityId,
    };
    this.instances.set(instanceId, inst);
    return inst;
  }

  private startTerminating(inst: Instance, cause: string): Activity {
    const g = this.mustGroup(inst.groupName);
    // An instance stopped before it was ever InService never finishes its launch.
    if (inst.lifecycleState === 'Pending') this.finish(inst.launchActivityId, 'Cancelled', this.time);
    inst.lifecycleState = 'Terminating';
    inst.terminatingAt = this.time;
    inst.goneAt = this.time + this.delays.terminateMs;
    const activity = this.record(g, { description: wording.terminateDescription(inst.instanceId), cause, statusCode: 'InProgress', progress: 0 });
    inst.terminateActivityId = activity.activityId;
    return activity;
  }

  private record(g: Group, a: Pick<Activity, 'description' | 'cause' | 'statusCode' | 'progress'> & Partial<Activity>): Activity {
    const activity: Activity = {
      activityId: this.ids.activity(),
      groupName: g.name,
      groupArn: g.arn,
      startTime: this.time,
      details: JSON.stringify({ 'Subnet ID': 'subnet-0123456789abcdef0', 'Availability Zone': g.availabilityZone }),
      ...a,
    };
    this.activities.push(activity);
    if (this.activities.length > MAX_ACTIVITIES) this.activities.splice(0, this.activities.length - MAX_ACTIVITIES);
    return activity;
  }

  private finish(activityId: string, statusCode: Activity['statusCode'], at: number): void {
    const a = this.activities.find((x) => x.activityId === activityId);
    if (!a || a.statusCode !== 'InProgress') return;
    a.statusCode = statusCode;
    a.progress = 100;
    a.endTime = at;
  }
}

/**
 * Which instances go first when the desired capacity drops. Pending ones first: they hold no
 * workload yet, and a withdrawn spot increment must take back the instance it started rather
 * than a serving node. Then the newest InService ones (AWS's NewestInstance policy): the
 * default policy ends in a coin toss, which would make tests flaky, and the oldest nodes are
 * the ones carrying the scenario's pods.
 */
export function scaleInOrder(live: readonly Instance[]): Instance[] {
  const rank = (i: Instance): number => (i.lifecycleState === 'Pending' ? 0 : 1);
  // `live` is in launch order; reversed, the stable sort keeps the newest first among equals.
  return [...live].reverse().sort((a, b) => rank(a) - rank(b) || b.launchedAt - a.launchedAt);
}
