/** A real etcd and kube-apiserver from the offline toolchain, in a test namespace. */
export * from './real-control-plane.js';
export * from './admin-api.js';
