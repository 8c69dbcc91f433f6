import { loadAllYaml } from '@kubernetes/client-node';
import { binary } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_MANIFEST, DEPLOY_DIR, IMAGE, KIND_CONFIG, KIND_NETWORKS } from '@tscni/testbed/kind';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (file: string) => readFileSync(join(DEPLOY_DIR, file), 'utf8');
const kustomization = loadAllYaml(read('kustomization.yaml'))[0] as Doc;
const docs = (kustomization.resources as string[]).flatMap((file) => loadAllYaml(read(file)) as Doc[]);
const find = (kind: string) => docs.find((d) => d.kind === kind)!;
const daemonSet = find('DaemonSet');
const pod = daemonSet.spec.template.spec;
const agent = pod.containers[0];
const env = (name: string) => agent.env.find((e: Doc) => e.name === name);
const kindConfigOf = (file: string) => loadAllYaml(readFileSync(file, 'utf8'))[0] as Doc;
const kindConfig = kindConfigOf(KIND_CONFIG);

describe('deploy/ manifests', () => {
  it('applies the RBAC and the DaemonSet, all in kube-system', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'ServiceAccount']);
    for (const kind of ['ServiceAccount', 'DaemonSet']) expect(find(kind).metadata.namespace).toBe('kube-system');
  });

  it('lets the agent get, list and watch nodes, and pods, namespaces and networkpolicies (the IPAM reconcile, NetworkPolicy), nothing more', () => {
    expect(find('ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = find('ClusterRoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: find('ClusterRole').metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: find('ServiceAccount').metadata.name, namespace: 'kube-system' }]);
    expect(pod.serviceAccountName).toBe(find('ServiceAccount').metadata.name);
  });

  it('runs on every node, in the host network, with NET_ADMIN and NET_RAW', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect([...agent.securityContext.capabilities.add].sort()).toEqual(['NET_ADMIN', 'NET_RAW']);
  });

  it('mounts the host paths the agent and the plugins share', () => {
    const hostPathOf = (mount: Doc) => pod.volumes.find((v: Doc) => v.name === mount.name)?.hostPath?.path;
    const mounts = Object.fromEntries(agent.volumeMounts.map((m: Doc) => [m.mountPath, { host: hostPathOf(m), readOnly: m.readOnly ?? false }]));
    expect(mounts).toEqual({
      '/etc/cni/net.d': { host: '/etc/cni/net.d', readOnly: false },
      '/opt/cni/bin': { host: '/opt/cni/bin', readOnly: false },
      '/var/lib/cni': { host: '/var/lib/cni', readOnly: false },
      '/run/tscni': { host: '/run/tscni', readOnly: false },
      '/run/xtables.lock': { host: '/run/xtables.lock', readOnly: false },
      '/lib/modules': { host: '/lib/modules', readOnly: true },
    });
  });

  it("names the node from the downward API, and a cluster CIDR of both families: the dual-stack kind config's podSubnet, covering every kind config's", () => {
    expect(env('NODE_NAME')).toEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    const clusterCidrs = String(env('TSCNI_CLUSTER_CIDR')?.value).split(',');
    expect(clusterCidrs.join(',')).toBe(kindConfigOf(KIND_NETWORKS.dual.config).networking.podSubnet);
    // One DaemonSet for every family: no per-family editing (the agent leaves out a family no node has).
    for (const network of Object.values(KIND_NETWORKS)) {
      for (const subnet of String(kindConfigOf(network.config).networking.podSubnet).split(',')) expect(clusterCidrs).toContain(subnet);
    }
  });

  it('probes liveness on /healthz and readiness on /readyz, served on every address of both families', () => {
    expect(env('TSCNI_HEALTH_ADDR')?.value).toBe(':9440');
    const port = 9440;
    expect(agent.livenessProbe.httpGet).toEqual({ path: '/healthz', port });
    expect(agent.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
    expect(agent.ports).toContainEqual({ name: 'health', containerPort: port });
  });

  it('sets only environment variables the agent reads', () => {
    const usage = spawnSync(binary('tscni-agent'), ['--help'], { encoding: 'utf8' }).stdout;
    for (const { name } of agent.env as Doc[]) expect(usage).toContain(`env ${name}`);
  });

  it('runs the image the kind suite builds and loads', () => {
    expect(agent.image).toBe(IMAGE);
    expect(agent.imagePullPolicy).toBe('IfNotPresent');
  });
});

describe('deploy/tscni.yaml, the one-file install', () => {
  const REGENERATE = 'node tools/render-install.mjs > deploy/tscni.yaml';
  const render = (args: string[] = []) => {
    const result = spawnSync(process.execPath, [join(DEPLOY_DIR, '..', 'tools', 'render-install.mjs'), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`render-install.mjs failed: ${result.stderr}`);
    return result.stdout;
  };
  const objects = (text: string) => (loadAllYaml(text) as Array<Doc | null | undefined>).filter((doc): doc is Doc => Boolean(doc));

  it('is what tools/render-install.mjs renders from the kustomization', () => {
    if (render() !== read('tscni.yaml')) throw new Error(`deploy/tscni.yaml differs from deploy/'s manifests: run \`${REGENERATE}\` and commit it`);
  });

  it('holds the objects the kustomization applies, in its order', () => {
    expect(objects(read('tscni.yaml'))).toEqual(docs);
  });

  it('takes another image and cluster CIDR as parameters', () => {
    const rendered = objects(render(['--image', 'registry.example/tscni:v1', '--cluster-cidr', '192.168.0.0/16']));
    const container = rendered.find((d) => d.kind === 'DaemonSet')!.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/tscni:v1');
    expect(container.env.find((e: Doc) => e.name === 'TSCNI_CLUSTER_CIDR').value).toBe('192.168.0.0/16');
    expect(rendered.map((d) => d.kind)).toEqual(docs.map((d) => d.kind));
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is a Node 24 slim image with the network tools, its base a build argument', () => {
    expect(dockerfile).toMatch(/^ARG BASE=node:24-[a-z]+-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{BASE\}$/m);
    for (const tool of ['iproute2', 'iptables', 'nftables']) expect(dockerfile).toContain(` ${tool}`);
  });

  it('copies the plugins\' binary and the agent, links the plugin names, and starts the agent, which installs them', () => {
    expect(dockerfile).toContain('COPY dist/cni/bin/tscni dist/cni/bin/tscni-agent /opt/tscni/bin/');
    expect(dockerfile).toContain('for name in tscni-bridge tscni-host-local tscni-masq tscni-route-sync tscni-netpol; do');
    expect(dockerfile).toContain('ln /opt/tscni/bin/tscni /opt/tscni/bin/$name;');
    expect(dockerfile).toContain('ENTRYPOINT ["/opt/tscni/bin/tscni-agent", "--install-plugins"]');
  });

  // docker's legacy builder reads only the context root's .dockerignore (not Dockerfile.dockerignore).
  it('has a context of the two executables alone, from the .dockerignore at the repository root', () => {
    const ignore = readFileSync(join(DEPLOY_DIR, '..', '.dockerignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    expect(ignore).toEqual(['*', '!dist/cni/bin/tscni', '!dist/cni/bin/tscni-agent']);
  });
});

describe('deploy/kind-config.yaml and the demo', () => {
  it('is the seed cluster without kind\'s own CNI', () => {
    expect(kindConfig).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(kindConfig.networking).toEqual({ disableDefaultCNI: true, podSubnet: '10.244.0.0/16' });
    expect(kindConfig.nodes.map((n: Doc) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it.each(Object.values(KIND_NETWORKS).map((network) => [network.ipFamily, network] as const))('deploy/%s config: the same cluster in its families, without kind\'s own CNI', (ipFamily, network) => {
    const config = kindConfigOf(network.config);
    expect(config).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(config.networking).toEqual({
      disableDefaultCNI: true,
      podSubnet: network.podSubnets.join(','),
      ...(ipFamily === 'ipv4' ? {} : { ipFamily, serviceSubnet: network.serviceSubnets.join(',') }),
    });
    expect(config.nodes).toEqual(kindConfig.nodes);
  });

  it('demo is the seed\'s DaemonSet: a pod with ping on each worker', () => {
    const demo = loadAllYaml(readFileSync(DEMO_MANIFEST, 'utf8'))[0] as Doc;
    expect(demo).toMatchObject({ kind: 'DaemonSet', metadata: { name: 'demo' } });
    expect(demo.spec.template.spec.containers[0]).toMatchObject({ image: expect.stringMatching(/^busybox:/), command: ['sleep', '5000'] });
  });
});
