#!/usr/bin/env bash
# The container images a kind node runs, built from the toolchain and the Debian userlands, as docker
# archives under the names kubeadm and the suites use (nothing is pulled):
#   control-plane/  every image `kubeadm config images list` names, plus the pause kind's containerd names
#   test/           busybox (Debian's busybox-static): the demo pods' ping and the outside host's httpd
#   conformance/    the images Kubernetes' network conformance tests run, in one archive (see conformance_images)
#   base.tar        the local base for deploy/Dockerfile: Debian slim + Node.js 24 (BASE build argument)
# Prints the directory holding them.
. "$(dirname "$0")/lib.sh"
. "$HERE/image-archive.sh"

TOOLCHAIN_DIRS=$("$HERE/toolchain.sh")
ROOTFS=$("$HERE/rootfs.sh")
bin() { local dir; for dir in $TOOLCHAIN_DIRS; do [ -x "$dir/bin/$1" ] && { echo "$dir/bin/$1"; return; }; done; return 1; }
PATH_ENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'

# The little a static binary's image needs besides the binary: users, /tmp, name service order.
skeleton_layer() {
  local dir=$1/skeleton
  mkdir -p "$dir/etc" "$dir/tmp" && chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$dir/etc/group"
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
  layer_from_dir "$dir" "$1/skeleton.tar"
}

# binaries_layer WORK NAME DEST FILE...: a layer holding FILEs in DEST.
binaries_layer() {
  local work=$1 name=$2 dest=$3 file
  shift 3
  mkdir -p "$work/$name$dest"
  for file in "$@"; do cp "$file" "$work/$name$dest/"; done
  layer_from_dir "$work/$name" "$work/$name.tar"
}

control_plane_image() { # OUT WORK REF
  local out=$1 work=$2 ref=$3 name=${3##*/}
  name=${name%%:*}
  case "$name" in
  kube-apiserver | kube-controller-manager | kube-scheduler)
    binaries_layer "$work" "$name" /usr/local/bin "$(bin "$name")"
    image_archive "$out" "$ref" "{\"Env\":[$PATH_ENV]}" "$work/skeleton.tar" "$work/$name.tar" ;;
  kube-proxy) # iptables, nft and conntrack with their libraries: a Debian userland under it
    binaries_layer "$work" "$name" /usr/local/bin "$(bin kube-proxy)"
    image_archive "$out" "$ref" "{\"Env\":[$PATH_ENV]}" "$ROOTFS/base.tar" "$work/$name.tar" ;;
  etcd)
    binaries_layer "$work" "$name" /usr/local/bin "$(bin etcd)" "$(bin etcdctl)" "$(bin etcdutl)"
    image_archive "$out" "$ref" "{\"Env\":[$PATH_ENV]}" "$work/skeleton.tar" "$work/$name.tar" ;;
  coredns)
    binaries_layer "$work" "$name" / "$(bin coredns)"
    image_archive "$out" "$ref" "{\"Entrypoint\":[\"/coredns\"],\"Env\":[$PATH_ENV]}" "$work/skeleton.tar" "$work/$name.tar" ;;
  pause)
    binaries_layer "$work" "$name" / "$(bin pause)"
    image_archive "$out" "$ref" '{"Entrypoint":["/pause"]}' "$work/$name.tar" ;;
  *) echo "no recipe for the image $ref" >&2; return 1 ;;
  esac
}

# busybox with its applets first on PATH, as docker's busybox image has them. Debian's static busybox
# still loads glibc's NSS modules at run time (wget segfaults without them): the slim Debian userland
# lies under it, a layer kube-proxy's image shares.
busybox_image() { # OUT WORK REF USERLAND
  local dir=$2/busybox applet
  if [ ! -e "$2/busybox.tar" ]; then
    mkdir -p "$dir/bin/busybox.d"
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $("$dir/bin/busybox" --list); do ln -s ../busybox "$dir/bin/busybox.d/$applet"; done
    layer_from_dir "$dir" "$2/busybox.tar"
  fi
  image_archive "$1" "$3" \
    "{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin/busybox.d:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]}" \
    "$4" "$2/busybox.tar"
}

# An e2e test image's full name, as the framework at this Kubernetes version names it (test/utils/image).
e2e_image() { # ID, as manifest.go keys it
  local manifest
  manifest=$(kubernetes_module_path Dir)/test/utils/image/manifest.go
  sed -n "s|^\s*configs\[$1\] = Config{list.PromoterE2eRegistry, \"\([^\"]*\)\", \"\([^\"]*\)\"}|registry.k8s.io/e2e-test-images/\1:\2|p" "$manifest"
}

# What the network conformance tests run besides pause: agnhost (built from the Kubernetes module, on
# Debian's dig, curl, nc, ss, iperf and bash where its Dockerfile takes Alpine's; its CoreDNS is the
# cluster's), jessie-dnsutils (Debian's dig, and CoreDNS, as its Dockerfile has them), nginx (Debian's
# nginx-light) and busybox (Debian's busybox-static). All four lie on the tools userland: one archive holds
# them, with that layer once.
conformance_images() { # OUT WORK
  local work=$2 agnhost_src
  agnhost_src=$(kubernetes_module_path Dir)/test/images/agnhost
  mkdir -p "$work/agnhost/uploads"
  cp "$(bin agnhost)" "$(bin coredns)" "$agnhost_src/porter/localhost.crt" "$agnhost_src/porter/localhost.key" "$work/agnhost/"
  ln -s agnhost "$work/agnhost/agnhost-2"
  layer_from_dir "$work/agnhost" "$work/agnhost.tar"
  binaries_layer "$work" dnsutils / "$(bin coredns)"
  image_archive "$work/c-agnhost.tar" "$(e2e_image Agnhost)" "{\"Entrypoint\":[\"/agnhost\"],\"Cmd\":[\"pause\"],\"Env\":[$PATH_ENV]}" \
    "$ROOTFS/tools.tar" "$work/agnhost.tar"
  image_archive "$work/c-dnsutils.tar" "$(e2e_image JessieDnsutils)" "{\"Env\":[$PATH_ENV]}" "$ROOTFS/tools.tar" "$work/dnsutils.tar"
  image_archive "$work/c-nginx.tar" "$(e2e_image Nginx)" \
    "{\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"Env\":[$PATH_ENV],\"StopSignal\":\"SIGQUIT\"}" "$ROOTFS/tools.tar"
  busybox_image "$work/c-busybox.tar" "$work" "$(e2e_image BusyBox)" "$ROOTFS/tools.tar"
  merge_archives "$1" "$work"/c-*.tar
}

tscni_base_image() { # OUT WORK: what node:24-bookworm-slim gives deploy/Dockerfile, from the project's own Node 24
  local node
  node=$(readlink -f "$HERE/../../../node_modules/.bin/node")
  binaries_layer "$2" node /usr/local/bin "$node"
  local ref
  ref="tscni-kind-base:node$("$node" -p process.versions.node)"
  image_archive "$1" "$ref" "{\"Env\":[$PATH_ENV]}" "$ROOTFS/base.tar" "$2/node.tar"
  echo "$ref" >"${1%.tar}.ref"
}

build_images() {
  local out=$1 work ref
  work=$(mktemp -d)
  mkdir -p "$out/control-plane" "$out/test" "$out/conformance"
  skeleton_layer "$work"
  # kind's containerd config names pause:3.10 as its sandbox image; kubeadm names its own.
  for ref in $("$(bin kubeadm)" config images list --kubernetes-version "$KUBERNETES_VERSION") registry.k8s.io/pause:3.10; do
    log "image $ref"
    control_plane_image "$out/control-plane/$(echo "${ref##*/}" | tr : _).tar" "$work" "$ref"
  done
  busybox_image "$out/test/busybox.tar" "$work" docker.io/library/busybox:1.36 "$ROOTFS/base.tar"
  conformance_images "$out/conformance/e2e-test-images.tar" "$work"
  tscni_base_image "$out/base.tar" "$work"
  rm -rf "$work"
}

# The key follows the scripts, the versions, and the rootfs the images are made of.
key="$KUBERNETES_VERSION-$( (cat "$0" "$HERE/image-archive.sh" "$HERE/versions.sh"; echo "$ROOTFS $TOOLCHAIN_DIRS") | sha256sum | cut -c1-12)"
cached images "$key" build_images
