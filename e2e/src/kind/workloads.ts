/**
 * The objects the kind suite adds to the seed's demo DaemonSet: a web
 * server on every worker behind a ClusterIP and a NodePort Service (its log
 * names each client's address), and a Deployment to scale.
 */
const BUSYBOX = 'busybox:1.36';

/** busybox httpd answering its pod's name, logging every client's address (-vv) to stderr. */
const webContainer = {
  name: 'web',
  image: BUSYBOX,
  command: ['sh', '-c', 'mkdir -p /www && hostname >/www/index.html && exec httpd -f -vv -p 8080 -h /www'],
  ports: [{ containerPort: 8080 }],
};

export const WEB_PORT = 8080;

export const web = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [webContainer] } },
  },
};

/** PreferDualStack: a ClusterIP of each family the cluster has (one on a single-stack cluster). */
export const webService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { ipFamilyPolicy: 'PreferDualStack', selector: { app: 'web' }, ports: [{ port: 80, targetPort: WEB_PORT }] },
};

/** Its node port answers on the nodes' addresses of each family the Service has. */
export const webNodePort = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web-nodeport', namespace: 'default' },
  spec: { type: 'NodePort', ipFamilyPolicy: 'PreferDualStack', selector: { app: 'web' }, ports: [{ port: 80, targetPort: WEB_PORT }] },
};

/** Only a dual-stack cluster can have it: the API server refuses it elsewhere. */
export const webDualStack = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web-dual', namespace: 'default' },
  spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], selector: { app: 'web' }, ports: [{ port: 80, targetPort: WEB_PORT }] },
};

export interface ServiceSpec {
  spec: { clusterIPs: string[]; ipFamilies: string[]; ports: Array<{ nodePort?: number }> };
}

export function scaleDeployment(replicas: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'scale', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'scale' } },
      template: {
        metadata: { labels: { app: 'scale' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'sleep', image: BUSYBOX, command: ['sleep', '3600'] }] },
      },
    },
  };
}

export const HOST_PORT = 18080;

/** The web server on one node, published on that node's HOST_PORT (kubelet passes it as portMappings). */
export function hostPortPod(name: string, node: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'host-port' } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ ...webContainer, ports: [{ containerPort: WEB_PORT, hostPort: HOST_PORT }] }],
    },
  };
}

/** A pod pinned to one node, to see that the node still gives new pods addresses. */
export function pinnedPod(name: string, node: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'pinned' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'sleep', image: BUSYBOX, command: ['sleep', '3600'] }] },
  };
}
