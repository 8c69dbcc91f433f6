#!/usr/bin/env bash
# The Go toolchain of the offline cluster, built from the Go module proxy: kind, the Kubernetes binaries,
# etcd, CoreDNS, crictl, pause (C), and the conformance suite's e2e.test, ginkgo and agnhost. Prints the directory holding bin/ with all of them.
. "$(dirname "$0")/lib.sh"

stamp_flags() { # the version stamps kubeadm compares (it refuses an unstamped v0.0.0)
  local v=$KUBERNETES_VERSION minor=${KUBERNETES_VERSION#v1.} flags="-s -w"
  minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    flags+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "all=$flags"
}

# A module that requires k8s.io/kubernetes: its ./staging replaces do not apply to a dependency, so each
# staging module it requires at v0.0.0 is replaced by the published tag of the same release.
kubernetes_module() {
  local dir=$1 gomod
  gomod=$(kubernetes_module_path GoMod)
  {
    echo "module tscni.test/kubernetes-toolchain"
    grep -m1 '^go ' "$gomod"
    grep -m1 '^godebug ' "$gomod" || true
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$2=="v0.0.0"{print $1}' "$gomod" |
      while read -r m; do echo "replace $m => $m v0${KUBERNETES_VERSION#v1}"; done
  } >"$dir/go.mod"
}

build_kubernetes() {
  local out=$1 src=$CACHE_ROOT/src/kubernetes-$KUBERNETES_VERSION
  mkdir -p "$src" && kubernetes_module "$src"
  (cd "$src" && go build -mod=mod -trimpath -tags selinux,notest,grpcnotrace -ldflags "$(stamp_flags)" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/{kubelet,kubeadm,kubectl,kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy})
}

# What Kubernetes' own network conformance run needs, from the same module: the e2e.test binary, the ginkgo
# CLI at the version that module requires, and agnhost (the test images' swiss army knife, VERSION 2.56).
build_e2e() {
  local out=$1 src=$CACHE_ROOT/src/kubernetes-$KUBERNETES_VERSION
  mkdir -p "$src" && kubernetes_module "$src"
  (cd "$src" && go test -c -mod=mod -trimpath -ldflags "$(stamp_flags)" -o "$out/bin/e2e.test" k8s.io/kubernetes/test/e2e &&
    go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/bin/" k8s.io/kubernetes/test/images/agnhost github.com/onsi/ginkgo/v2/ginkgo)
}

# etcd's modules point at each other with ../ replaces, which `go install pkg@version` refuses.
build_etcd() {
  local out=$1 src=$CACHE_ROOT/src/etcd-$ETCD_VERSION
  mkdir -p "$src"
  printf 'module tscni.test/etcd\ngo 1.24\nrequire (\n go.etcd.io/etcd/server/v3 %s\n go.etcd.io/etcd/etcdctl/v3 %s\n go.etcd.io/etcd/etcdutl/v3 %s\n)\n' \
    "$ETCD_VERSION" "$ETCD_VERSION" "$ETCD_VERSION" >"$src/go.mod"
  (cd "$src" && go build -mod=mod -trimpath -ldflags "-s -w" -o "$out/bin/" \
    go.etcd.io/etcd/server/v3 go.etcd.io/etcd/etcdctl/v3 go.etcd.io/etcd/etcdutl/v3)
  mv "$out/bin/server" "$out/bin/etcd"
}

go_install() { GOBIN="$1/bin" go install -trimpath -ldflags "-s -w" "$2"; }
build_kind() { go_install "$1" "sigs.k8s.io/kind@$KIND_VERSION"; }
build_coredns() { go_install "$1" "github.com/coredns/coredns@$COREDNS_VERSION"; }
build_crictl() { go_install "$1" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"; }

# Kubernetes' own pause.c, from the kubernetes module in the module cache.
build_pause() {
  local src
  src=$(kubernetes_module_path Dir)
  mkdir -p "$1/bin"
  gcc -Os -static -DVERSION="v$PAUSE_VERSION" -o "$1/bin/pause" "$src/build/pause/linux/pause.c"
  strip "$1/bin/pause"
}


main() {
  local parts=()
  parts+=("$(cached kind "$KIND_VERSION" build_kind)")
  parts+=("$(cached kubernetes "$KUBERNETES_VERSION" build_kubernetes)")
  parts+=("$(cached e2e "$KUBERNETES_VERSION" build_e2e)")
  parts+=("$(cached etcd "$ETCD_VERSION" build_etcd)")
  parts+=("$(cached coredns "$COREDNS_VERSION" build_coredns)")
  parts+=("$(cached crictl "$CRICTL_VERSION" build_crictl)")
  parts+=("$(cached pause "$PAUSE_VERSION" build_pause)")
  printf '%s\n' "${parts[@]}"
}
main
