/** Container runtimes run as a node runs them: podman, containerd, and what they need. */
export * from './busybox-image.js';
export * from './command.js';
export * from './containerd.js';
export * from './ctr-cni-dirs.js';
export * from './leftovers.js';
export * from './outside-network.js';
export * from './podman.js';
