// What AWS writes, in one place: error codes and messages of the Auto Scaling Query API and
// the Cause/Description/StatusMessage texts of scaling activities. Agents and operators match
// on these strings (the adapter's toAwsError does), so they follow AWS's own wording as seen
// in real responses rather than anything invented here.

/** An error as the Query protocol sends it: `<Error><Type/><Code/><Message/></Error>` and an HTTP status. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }

  /** AWS blames the caller for 4xx and itself for 5xx. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

// AWS words the detail after "name not found - " differently from action to action (and
// sometimes says "null"); the prefix is the stable part, and the one clients match on.
export const groupNotFound = (name: string): QueryError => new QueryError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);

export const instanceNotFound = (id: string): QueryError => new QueryError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);

export const desiredAboveMax = (desired: number, max: number): QueryError =>
  new QueryError('ValidationError', `New SetDesiredCapacity value ${desired} is above max value ${max} for the AutoScalingGroup.`);

export const desiredBelowMin = (desired: number, min: number): QueryError =>
  new QueryError('ValidationError', `New SetDesiredCapacity value ${desired} is below min value ${min} for the AutoScalingGroup.`);

export const terminateBelowMin = (min: number): QueryError =>
  new QueryError(
    'ValidationError',
    `Currently, desiredSize equals minSize (${min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
  );

/** The shape of a missing required parameter as AWS's input validation reports it. */
export const missingParameter = (member: string): QueryError =>
  new QueryError('ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);

export const invalidAction = (action: string): QueryError => new QueryError('InvalidAction', `The action ${action} is not valid for this web service.`);

/** The transient failures a scenario can inject, with AWS's codes, statuses and messages. */
export const INJECTABLE = {
  Throttling: { status: 400, message: 'Rate exceeded' },
  InternalFailure: { status: 500, message: 'The request processing has failed because of an unknown error, exception or failure.' },
  ServiceUnavailable: { status: 503, message: 'The request has failed due to a temporary failure of the server.' },
  // Credentials and permissions as AWS refuses them (the agent's readiness reports these).
  ExpiredToken: { status: 403, message: 'The security token included in the request is expired' },
  AccessDenied: { status: 403, message: 'User: arn:aws:sts::123456789012:assumed-role/spot-guard/agent is not authorized to perform this action' },
} as const;
export type InjectableError = keyof typeof INJECTABLE;

// Activity texts. AWS stamps times in causes to the second.
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const wording = {
  launchDescription: (instanceId: string): string => `Launching a new EC2 instance: ${instanceId}`,
  failedLaunchDescription: (reason: string): string => `Launching a new EC2 instance.  Status Reason: ${reason}`,
  terminateDescription: (instanceId: string): string => `Terminating EC2 instance: ${instanceId}`,

  userSetDesired: (at: number, from: number, to: number): string => `At ${stamp(at)} a user request explicitly set group desired capacity changing the desired capacity from ${from} to ${to}.`,
  userCreatedGroup: (at: number, desired: number): string => `At ${stamp(at)} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${desired}.`,
  startedForDifference: (at: number, from: number, to: number): string =>
    `At ${stamp(at)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${to}.`,
  stoppedForDifference: (at: number, from: number, to: number): string =>
    `At ${stamp(at)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${to}.`,
  userTerminated: (at: number, instanceId: string, shrink?: { from: number; to: number }): string =>
    `At ${stamp(at)} instance ${instanceId} was taken out of service in response to a user request${shrink ? `, shrinking the capacity from ${shrink.from} to ${shrink.to}` : ''}.`,
  healthCheckTerminated: (at: number): string => `At ${stamp(at)} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,

  /**
   * The spot shortage as AWS reports it for a group with a mixed instances policy. AWS goes on
   * to name other zones that do have capacity; a simulated group has one zone, so that part is
   * left out.
   */
  insufficientSpotCapacity: (instanceType: string, zone: string): string =>
    `Could not launch Spot Instances. InsufficientInstanceCapacity - We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. Launching EC2 instance failed.`,
};
