// The simulated cloud's data: Auto Scaling groups, their EC2 instances, scaling activities
// and the timing knobs. Plain data, so the control API can hand it out as JSON unchanged.
import type { NodeResources } from './instance-types.js';

export type CapacityType = 'spot' | 'on-demand';
export type LifecycleState = 'Pending' | 'InService' | 'Terminating';
export type ActivityStatus = 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';

/** What a scenario asks for when it creates a group. */
export interface GroupSpec {
  name: string;
  capacityType: CapacityType;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** Default `<region>a`. */
  availabilityZone?: string;
  /** Default m5.large; see KNOWN_INSTANCE_TYPES, or give `nodeResources`. */
  instanceType?: string;
  /** Spot launches EC2 will grant before the pool runs dry; absent or null means no limit. */
  spotPool?: number | null;
  /** What the group's nodes report to Kubernetes, overriding the instance type's numbers. */
  nodeResources?: NodeResources;
}

export interface Group {
  name: string;
  arn: string;
  capacityType: CapacityType;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZone: string;
  instanceType: string;
  launchTemplateId: string;
  launchTemplateName: string;
  nodeResources: NodeResources;
  createdAt: number;
  /** Spot launches still available; null: no limit (and always null for on-demand). */
  spotPool: number | null;
  /** After a launch failed for lack of capacity, the next attempt is not before this time. */
  retryAt?: number;
  /** Why the desired capacity last changed, when no activity has told it yet (AWS prefixes it to the next cause). */
  pendingCause?: string;
}

export interface Instance {
  instanceId: string;
  groupName: string;
  availabilityZone: string;
  instanceType: string;
  capacityType: CapacityType;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  privateIpAddress: string;
  /** The Kubernetes Node this instance registers as, once InService. */
  nodeName: string;
  launchedAt: number;
  /** When it becomes (or became) InService. */
  inServiceAt: number;
  /** When its kubelet reports Ready; set once InService. */
  nodeReadyAt?: number;
  terminatingAt?: number;
  /** When it is gone; set once Terminating. */
  goneAt?: number;
  /** Terminated by EC2 (spot interruption), not by Auto Scaling or a user. */
  interrupted: boolean;
  launchActivityId: string;
  terminateActivityId?: string;
}

export interface Activity {
  activityId: string;
  groupName: string;
  groupArn: string;
  description: string;
  cause: string;
  statusCode: ActivityStatus;
  statusMessage?: string;
  progress: number;
  startTime: number;
  endTime?: number;
  details: string;
}

export interface Delays {
  /** Pending → InService. */
  launchMs: number;
  /** Terminating → gone. */
  terminateMs: number;
  /** InService → the Node reports Ready. */
  nodeReadyMs: number;
  /** After a launch failed for lack of capacity, how long the group waits before trying again. */
  launchRetryMs: number;
}

export const DEFAULT_DELAYS: Delays = { launchMs: 0, terminateMs: 0, nodeReadyMs: 0, launchRetryMs: 1000 };
