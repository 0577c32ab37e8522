// AutoScalingPort over the AWS SDK v3. Throttling is retried by the SDK's adaptive retry
// mode; what still fails is translated into AwsError here and nowhere else.
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type Activity,
} from '@aws-sdk/client-auto-scaling';
import { AwsError, type AsgDescription, type AutoScalingPort, type AwsErrorCode, type InstanceMembership, type ScalingActivity } from './autoscaling.port.js';

export interface AwsAutoScalingOptions {
  region: string;
  /** Only for the sandbox, moto and tests: AWS itself needs no endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

/** Observes every call by action and outcome (for metrics). */
export type CallObserver = (action: string, outcome: 'ok' | AwsErrorCode) => void;

export function toAwsError(err: unknown, action: string): AwsError {
  if (err instanceof AwsError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const message = e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode ?? 0;
  let code: AwsErrorCode = 'Unknown';
  if (/Throttl|RequestLimitExceeded|TooManyRequests/i.test(name)) code = 'Throttled';
  else if (/InsufficientInstanceCapacity|InsufficientCapacity/i.test(name + message)) code = 'InsufficientCapacity';
  else if (/ScalingActivityInProgress|ResourceContention/i.test(name)) code = 'Conflict';
  else if (/AccessDenied|UnauthorizedOperation|InvalidClientTokenId|SignatureDoesNotMatch/i.test(name)) code = 'AccessDenied';
  else if (/not found|does not exist|No group found|not part of/i.test(message)) code = 'NotFound';
  else if (/Validation/i.test(name) || status === 400) code = 'Invalid';
  else if (status >= 500 || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/i.test(message)) code = 'Unavailable';
  return new AwsError(code, action, message, err);
}

function activity(a: Activity): ScalingActivity {
  return {
    activityId: a.ActivityId ?? '',
    asgName: a.AutoScalingGroupName ?? '',
    statusCode: a.StatusCode ?? '',
    statusMessage: a.StatusMessage ?? '',
    description: a.Description ?? '',
    startTime: a.StartTime?.toISOString() ?? '',
  };
}

export class AwsAutoScaling implements AutoScalingPort {
  private readonly client: AutoScalingClient;

  constructor(
    options: AwsAutoScalingOptions,
    private readonly observe: CallObserver = () => undefined,
  ) {
    this.client = new AutoScalingClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      retryMode: 'adaptive',
      maxAttempts: options.maxAttempts ?? 5,
    });
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.observe(action, 'ok');
      return result;
    } catch (err) {
      const e = toAwsError(err, action);
      this.observe(action, e.code);
      throw e;
    }
  }

  describeGroups(names: readonly string[]): Promise<AsgDescription[]> {
    return this.call('DescribeAutoScalingGroups', async () => {
      const out = await this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names] }));
      return (out.AutoScalingGroups ?? []).map((g) => ({
        name: g.AutoScalingGroupName ?? '',
        minSize: g.MinSize ?? 0,
        maxSize: g.MaxSize ?? 0,
        desired: g.DesiredCapacity ?? 0,
        instances: (g.Instances ?? []).map((i) => ({
          instanceId: i.InstanceId ?? '',
          lifecycleState: i.LifecycleState ?? '',
          healthStatus: i.HealthStatus ?? '',
          availabilityZone: i.AvailabilityZone ?? '',
        })),
      }));
    });
  }

  describeActivities(asgName: string, maxRecords = 20): Promise<ScalingActivity[]> {
    return this.call('DescribeScalingActivities', async () => {
      const out = await this.client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: asgName, MaxRecords: maxRecords }));
      return (out.Activities ?? []).map(activity);
    });
  }

  describeInstance(instanceId: string): Promise<InstanceMembership | undefined> {
    return this.call('DescribeAutoScalingInstances', async () => {
      const out = await this.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
      const found = out.AutoScalingInstances?.[0];
      return found ? { instanceId: found.InstanceId ?? instanceId, asgName: found.AutoScalingGroupName ?? '', lifecycleState: found.LifecycleState ?? '' } : undefined;
    });
  }

  setDesiredCapacity(asgName: string, desired: number): Promise<void> {
    return this.call('SetDesiredCapacity', async () => {
      await this.client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: asgName, DesiredCapacity: desired, HonorCooldown: false }));
    });
  }

  terminateInstance(instanceId: string): Promise<ScalingActivity | undefined> {
    return this.call('TerminateInstanceInAutoScalingGroup', async () => {
      const out = await this.client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
      return out.Activity ? activity(out.Activity) : undefined;
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}
