// What the agent keeps of a Node: every agent keeps every node, so what it never reads is dropped.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Node } from '@kubernetes/client-node';
import { slimNode, toNodeInfo } from '../../runtime/kube/node-info.js';

const test = suite('node info');

const node: V1Node = {
  metadata: { name: 'ip-10-0-1-10', uid: 'u-1', labels: { 'topology.kubernetes.io/zone': 'us-west-2a' }, annotations: { a: 'b' }, managedFields: [{ manager: 'kubelet', operation: 'Update' }] },
  spec: { providerID: 'aws:///us-west-2a/i-0123456789abcdef0', taints: [{ key: 'k', effect: 'NoSchedule' }], unschedulable: true },
  status: {
    allocatable: { cpu: '2', memory: '8Gi', pods: '29' },
    capacity: { cpu: '2', memory: '8Gi', pods: '29' },
    conditions: [{ type: 'Ready', status: 'True' }],
    images: Array.from({ length: 50 }, (_, i) => ({ names: [`registry.example/app-${i}@sha256:${'0'.repeat(64)}`, `registry.example/app-${i}:v1`], sizeBytes: 1e8 })),
    nodeInfo: { architecture: 'amd64', bootID: 'b', containerRuntimeVersion: 'containerd://1.7', kernelVersion: '6.1', kubeProxyVersion: '', kubeletVersion: 'v1.33', machineID: 'm', operatingSystem: 'linux', osImage: 'Amazon Linux 2023', systemUUID: 's' },
  },
};

test('slimNode drops the images, managedFields and nodeInfo, and keeps what placement and trust read', () => {
  const slim = slimNode(node);
  assert.is(slim.status?.images, undefined);
  assert.is(slim.status?.nodeInfo, undefined);
  assert.is(slim.metadata?.managedFields, undefined);
  assert.equal(slim.metadata?.labels, node.metadata?.labels);
  assert.equal(slim.spec, node.spec);
  assert.equal(slim.status?.allocatable, node.status?.allocatable);
  assert.equal(slim.status?.conditions, node.status?.conditions);
  assert.equal(toNodeInfo(slim), toNodeInfo(node), 'the same node to every reader');
  assert.ok(JSON.stringify(slim).length * 5 < JSON.stringify(node).length, `${JSON.stringify(slim).length} of ${JSON.stringify(node).length} bytes kept`);
  assert.ok(node.status?.images?.length === 50, 'the watched object is left as it was');
});

test.run();
