// AutoScalingPort over the AWS SDK v3. Throttling is retried by the SDK's adaptive retry
// mode; what still fails is translated into AwsError here and nowhere else. Every call is
// bounded in time: a call made under an ASG lock must end before the lock's lease can expire,
// or its late SetDesiredCapacity could land after the next holder's (runtime/capacity/capacity.ts).
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
  /** The bound of one call, SDK retries included (default AWS_CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

/**
 * How long one Auto Scaling call may take, SDK retries included. A locked section makes at
 * most two AWS calls after its last lease renewal (settling's describe, then the change), so
 * two of these must fit well inside the lock's lease (DEFAULT_LEASE_SECONDS, 30 s). AWS
 * answers these calls in well under a second; 10 s leaves room for a few throttled retries.
 */
export const AWS_CALL_TIMEOUT_MS = 10_000;
/** One attempt that gets no reply is given up after this long, so the SDK can retry it. */
const ATTEMPT_TIMEOUT_MS = 4_000;
const CONNECT_TIMEOUT_MS = 2_000;

/** Observes every call by action and outcome (for metrics and readiness); a failure's message too. */
export type CallObserver = (action: string, outcome: 'ok' | AwsErrorCode, message?: string) => void;

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
  // Refused credentials (expired, unknown, missing) as well as refused permissions: retrying
  // cannot fix either, and readiness reports both (runtime/aws-auth.health.ts).
  else if (/AccessDenied|UnauthorizedOperation|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|UnrecognizedClient|CredentialsProviderError/i.test(name)) code = 'AccessDenied';
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
  private readonly callTimeoutMs: number;

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
      // Without throwOnRequestTimeout the handler only warns about a request that takes too long.
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: ATTEMPT_TIMEOUT_MS, throwOnRequestTimeout: true },
    });
    this.callTimeoutMs = options.callTimeoutMs ?? AWS_CALL_TIMEOUT_MS;
  }

  /** Runs one SDK call under the call's time bound; `run` passes `abortSignal` to `send`. */
  private async call<T>(action: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.callTimeoutMs);
    try {
      const result = await run(signal);
      this.observe(action, 'ok');
      return result;
    } catch (err) {
      // Whatever the SDK made of the abort (AbortError, or a retry that found the signal
      // aborted), the fact is that AWS did not answer in time: retryable, like an outage.
      const e = signal.aborted ? new AwsError('Unavailable', action, `no reply from AWS within ${this.callTimeoutMs} ms (timed out)`, err) : toAwsError(err, action);
      this.observe(action, e.code, e.message);
      throw e;
    }
  }

  describeGroups(names: readonly string[]): Promise<AsgDescription[]> {
    return this.call('DescribeAutoScalingGroups', async (abortSignal) => {
      const out = await this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names] }), { abortSignal });
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
    return this.call('DescribeScalingActivities', async (abortSignal) => {
      const out = await this.client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: asgName, MaxRecords: maxRecords }), { abortSignal });
      return (out.Activities ?? []).map(activity);
    });
  }

  describeInstance(instanceId: string): Promise<InstanceMembership | undefined> {
    return this.call('DescribeAutoScalingInstances', async (abortSignal) => {
      const out = await this.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal });
      const found = out.AutoScalingInstances?.[0];
      return found ? { instanceId: found.InstanceId ?? instanceId, asgName: found.AutoScalingGroupName ?? '', lifecycleState: found.LifecycleState ?? '' } : undefined;
    });
  }

  setDesiredCapacity(asgName: string, desired: number): Promise<void> {
    return this.call('SetDesiredCapacity', async (abortSignal) => {
      await this.client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: asgName, DesiredCapacity: desired, HonorCooldown: false }), { abortSignal });
    });
  }

  terminateInstance(instanceId: string): Promise<ScalingActivity | undefined> {
    return this.call('TerminateInstanceInAutoScalingGroup', async (abortSignal) => {
      const out = await this.client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }), { abortSignal });
      return out.Activity ? activity(out.Activity) : undefined;
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}
