import { createHash } from 'node:crypto';

/** Images on a node, as kubelet reports them (its default cap is 50). */
const IMAGES = 50;

const TEAMS = ['payments', 'search', 'checkout', 'identity', 'observability', 'platform-infra', 'recommendations', 'notifications'];

const hex = (seed: string, length = 64) => createHash('sha256').update(seed).digest('hex').slice(0, length);

/**
 * A Node the way kubelet registers it on a cloud VM, with the node IPAM
 * controller's pod CIDR: five conditions, InternalIP and Hostname,
 * capacity and allocatable, nodeInfo, 50 images (names of 80-110
 * characters, by digest), a dozen labels and the usual annotations with one
 * large one: about 10 KB of JSON. Everything but the name, the pod CIDR
 * and the InternalIP is what the agent never reads; it is here because
 * the API server sends it all.
 */
export function kubeletNode(name: string, ip: string, podCidr: string, labels: Record<string, string> = {}): Record<string, unknown> {
  const zone = `eu-west-1${'abc'[name.length % 3]}`;
  const instance = `i-0${hex(name, 16)}`;
  const heartbeat = '2026-12-07T10:00:00Z';
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: '2026-12-01T08:00:00Z', reason, message,
  });
  const resources = { cpu: '8', 'ephemeral-storage': '101430960Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '32408116Ki', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'm6i.2xlarge',
        'beta.kubernetes.io/os': 'linux',
        'failure-domain.beta.kubernetes.io/region': 'eu-west-1',
        'failure-domain.beta.kubernetes.io/zone': zone,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.2xlarge',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': zone,
        'node-pool': 'general-purpose',
        ...labels,
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        'csi.volume.kubernetes.io/nodeid': JSON.stringify({ 'ebs.csi.aws.com': instance, 'efs.csi.aws.com': instance }),
        // What `kubectl apply` leaves: the whole object as last applied, the usual large annotation.
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels: { 'node-pool': 'general-purpose', 'topology.kubernetes.io/zone': zone }, annotations: { owner: 'platform-infra', 'cost-center': 'cc-4711' } },
          spec: { providerID: `aws:///${zone}/${instance}`, taints: [{ key: 'dedicated', value: 'general', effect: 'PreferNoSchedule' }] },
        }),
      },
    },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr], providerID: `aws:///${zone}/${instance}` },
    status: {
      capacity: resources,
      allocatable: { ...resources, cpu: '7910m', memory: '31391284Ki', 'ephemeral-storage': '92403509318' },
      conditions: [
        condition('NetworkUnavailable', 'False', 'RouteCreated', 'RouteController created a route'),
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(`${name}/machine`, 32),
        systemUUID: `ec2${hex(`${name}/uuid`, 5)}-${hex(`${name}/uuid2`, 4)}-${hex(`${name}/uuid3`, 4)}-${hex(`${name}/uuid4`, 4)}-${hex(`${name}/uuid5`, 12)}`,
        bootID: `${hex(`${name}/boot`, 8)}-${hex(`${name}/boot2`, 4)}-${hex(`${name}/boot3`, 4)}-${hex(`${name}/boot4`, 4)}-${hex(`${name}/boot5`, 12)}`,
        kernelVersion: '6.1.119-129.201.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241212',
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion: 'v1.34.12',
        kubeProxyVersion: 'v1.34.12',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: Array.from({ length: IMAGES }, (_, i) => image(i)),
    },
  };
}

/** Image i of a node: the same 50 on every node, as a DaemonSet-heavy fleet has them. */
function image(i: number): { names: string[]; sizeBytes: number } {
  const team = TEAMS[i % TEAMS.length]!;
  const repository = `registry.example.com/${team}/service-${i}`;
  // Most pulled by digest only (kubelet lists the digest), one in four by tag too.
  const names = [`${repository}@sha256:${hex(`image-${i}`)}`];
  if (i % 4 === 0) names.push(`${repository}:v1.${i}.${(i * 7) % 13}`);
  return { names, sizeBytes: 18_000_000 + ((i * 7_919_113) % 400_000_000) };
}
