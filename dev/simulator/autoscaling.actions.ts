// The Auto Scaling actions the agent calls, answered from the model in the shapes the AWS
// API reference gives (and the SDK's deserialiser reads): member names, required members
// present, timestamps in ISO 8601, lists as <member>.
import { invalidAction } from './aws.wording.js';
import type { CloudModel } from './cloud.model.js';
import type { Activity, Group, Instance } from './cloud.types.js';
import { page, readBool, readInt, readList, requireString } from './query.protocol.js';
import type { XmlValue } from './xml.writer.js';

export const ACTIONS = ['DescribeAutoScalingGroups', 'DescribeScalingActivities', 'DescribeAutoScalingInstances', 'SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup'] as const;
export type Action = (typeof ACTIONS)[number];

export const isAction = (name: string): name is Action => (ACTIONS as readonly string[]).includes(name);

const iso = (ms: number): string => new Date(ms).toISOString();

const launchTemplate = (g: Group): XmlValue => ({ LaunchTemplateId: g.launchTemplateId, LaunchTemplateName: g.launchTemplateName, Version: '$Default' });

// A spot group is what EKS users build for spot: a mixed instances policy with no on-demand
// share. The on-demand group launches from its template directly.
function purchaseOptions(g: Group): Record<string, XmlValue> {
  if (g.capacityType === 'on-demand') return { LaunchTemplate: launchTemplate(g) };
  return {
    MixedInstancesPolicy: {
      LaunchTemplate: { LaunchTemplateSpecification: launchTemplate(g), Overrides: [{ InstanceType: g.instanceType }] },
      InstancesDistribution: { OnDemandAllocationStrategy: 'prioritized', OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' },
    },
  };
}

function instanceXml(i: Instance, g: Group | undefined): XmlValue {
  return {
    InstanceId: i.instanceId,
    InstanceType: i.instanceType,
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycleState,
    HealthStatus: i.healthStatus,
    LaunchTemplate: g ? launchTemplate(g) : undefined,
    ProtectedFromScaleIn: false,
  };
}

function groupXml(g: Group, instances: Instance[]): XmlValue {
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    ...purchaseOptions(g),
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: [g.availabilityZone],
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: instances.map((i) => instanceXml(i, g)),
    CreatedTime: iso(g.createdAt),
    SuspendedProcesses: [],
    VPCZoneIdentifier: 'subnet-0123456789abcdef0',
    EnabledMetrics: [],
    Tags: [],
    // What the model does on scale-in (see scaleInOrder): pending first, then newest.
    TerminationPolicies: ['NewestInstance'],
    NewInstancesProtectedFromScaleIn: false,
    CapacityRebalance: false,
  };
}

export function activityXml(a: Activity): XmlValue {
  return {
    ActivityId: a.activityId,
    AutoScalingGroupName: a.groupName,
    AutoScalingGroupARN: a.groupArn,
    Description: a.description,
    Cause: a.cause,
    StartTime: iso(a.startTime),
    EndTime: a.endTime === undefined ? undefined : iso(a.endTime),
    StatusCode: a.statusCode,
    StatusMessage: a.statusMessage,
    Progress: a.progress,
    Details: a.details,
  };
}

/** Runs one action against the model; AWS's errors are thrown as QueryError. */
export function runAction(model: CloudModel, action: string, params: URLSearchParams): Record<string, XmlValue> | undefined {
  switch (action) {
    case 'DescribeAutoScalingGroups': {
      // An unknown name is simply left out of the answer, as AWS does. Filters are not modelled.
      const groups = model.listGroups(readList(params, 'AutoScalingGroupNames'));
      const { items, nextToken } = page(groups, params, 100, 50);
      return { AutoScalingGroups: items.map((g) => groupXml(g, model.instancesOf(g.name))), NextToken: nextToken };
    }
    case 'DescribeScalingActivities': {
      const name = params.get('AutoScalingGroupName') || undefined;
      const ids = new Set(readList(params, 'ActivityIds'));
      const all = model.listActivities(name).filter((a) => ids.size === 0 || ids.has(a.activityId));
      const { items, nextToken } = page(all, params, 100, 100);
      return { Activities: items.map(activityXml), NextToken: nextToken };
    }
    case 'DescribeAutoScalingInstances': {
      // Unknown instance ids are left out, so asking only for unknown ones gives an empty list.
      const instances = model.listInstances(readList(params, 'InstanceIds'));
      const { items, nextToken } = page(instances, params, 50, 50);
      return {
        AutoScalingInstances: items.map((i) => ({ ...(instanceXml(i, model.group(i.groupName)) as Record<string, XmlValue>), AutoScalingGroupName: i.groupName })),
        NextToken: nextToken,
      };
    }
    case 'SetDesiredCapacity': {
      // HonorCooldown has nothing to honour: the model has no cooldowns.
      model.setDesiredCapacity(requireString(params, 'AutoScalingGroupName', 'autoScalingGroupName'), readInt(params, 'DesiredCapacity', 'desiredCapacity', true));
      return undefined;
    }
    case 'TerminateInstanceInAutoScalingGroup': {
      const instanceId = requireString(params, 'InstanceId', 'instanceId');
      const decrement = readBool(params, 'ShouldDecrementDesiredCapacity', 'shouldDecrementDesiredCapacity');
      return { Activity: activityXml(model.terminateInstanceInGroup(instanceId, decrement)) };
    }
    default:
      throw invalidAction(action);
  }
}
