// The Auto Scaling API as the agent uses it. Error contract: every method throws AwsError
// (never an SDK error) with one of a few codes; an unknown group is an empty result, an
// unknown instance is undefined.

export interface AsgInstance {
  instanceId: string;
  lifecycleState: string;
  healthStatus: string;
  availabilityZone: string;
}

export interface AsgDescription {
  name: string;
  minSize: number;
  maxSize: number;
  desired: number;
  instances: AsgInstance[];
}

export interface ScalingActivity {
  activityId: string;
  asgName: string;
  /** e.g. InProgress, Successful, Failed, Cancelled, WaitingForSpotInstanceId */
  statusCode: string;
  statusMessage: string;
  description: string;
  startTime: string;
}

export interface InstanceMembership {
  instanceId: string;
  asgName: string;
  lifecycleState: string;
}

export interface AutoScalingPort {
  describeGroups(names: readonly string[]): Promise<AsgDescription[]>;
  describeActivities(asgName: string, maxRecords?: number): Promise<ScalingActivity[]>;
  describeInstance(instanceId: string): Promise<InstanceMembership | undefined>;
  setDesiredCapacity(asgName: string, desired: number): Promise<void>;
  /** Terminates exactly this instance and lowers the group's desired capacity by one. */
  terminateInstance(instanceId: string): Promise<ScalingActivity | undefined>;
}

export type AwsErrorCode = 'InsufficientCapacity' | 'NotFound' | 'Throttled' | 'Conflict' | 'Invalid' | 'AccessDenied' | 'Unavailable' | 'Unknown';

export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: AwsErrorCode,
    readonly action: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`${action}: ${message}`);
  }
}

export const isThrottled = (e: unknown): boolean => e instanceof AwsError && e.code === 'Throttled';
export const isAwsNotFound = (e: unknown): boolean => e instanceof AwsError && e.code === 'NotFound';
export const isRetryable = (e: unknown): boolean => e instanceof AwsError && ['Throttled', 'Conflict', 'Unavailable', 'InsufficientCapacity'].includes(e.code);
