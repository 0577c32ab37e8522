// What a kubelet on an EKS-optimised AMI reports for a few common instance types: capacity,
// and allocatable after the AMI's kube-reserved/system-reserved and eviction threshold. The
// pod count is the ENI-based max-pods EKS uses. Close to real, not exact: the agent's safety
// checks only need believable numbers that differ between sizes.

export interface NodeResources {
  capacity: { cpu: string; memory: string; pods: string };
  allocatable: { cpu: string; memory: string; pods: string };
}

const table: Record<string, NodeResources> = {
  't3.medium': { capacity: { cpu: '2', memory: '3943Mi', pods: '17' }, allocatable: { cpu: '1930m', memory: '3388Mi', pods: '17' } },
  'm5.large': { capacity: { cpu: '2', memory: '7792Mi', pods: '29' }, allocatable: { cpu: '1930m', memory: '7134Mi', pods: '29' } },
  'm5.xlarge': { capacity: { cpu: '4', memory: '15719Mi', pods: '58' }, allocatable: { cpu: '3920m', memory: '14481Mi', pods: '58' } },
  'm5.2xlarge': { capacity: { cpu: '8', memory: '31570Mi', pods: '58' }, allocatable: { cpu: '7910m', memory: '29317Mi', pods: '58' } },
  'c5.large': { capacity: { cpu: '2', memory: '3762Mi', pods: '29' }, allocatable: { cpu: '1930m', memory: '3164Mi', pods: '29' } },
  'c5.xlarge': { capacity: { cpu: '4', memory: '7629Mi', pods: '58' }, allocatable: { cpu: '3920m', memory: '6601Mi', pods: '58' } },
};

export const KNOWN_INSTANCE_TYPES: readonly string[] = Object.keys(table);

export function resourcesOf(instanceType: string): NodeResources | undefined {
  return table[instanceType];
}
