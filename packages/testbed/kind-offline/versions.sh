# Pinned versions of everything the offline kind cluster is built from: the one place to change them.
# Sourced by the build scripts beside this file; the kind suite reads it too (packages/testbed/src/kind/offline.ts).
KUBERNETES_VERSION=v1.34.12   # 1.35+ kubelets refuse cgroup v1 by default (failCgroupV1); these hosts are v1
KIND_VERSION=v0.33.0
ETCD_VERSION=v3.6.5           # what kubeadm v1.34.12 names (3.6.5-0)
COREDNS_VERSION=v1.12.1       # likewise
PAUSE_VERSION=3.10.1          # likewise; kind's containerd config also names pause:3.10
CRICTL_VERSION=v1.34.0
DEBIAN_SUITE=bookworm         # node image and test image userland (containerd 1.6.20, runc 1.1.5)
