#!/usr/bin/env bash
# The container images a kind node runs, built from the toolchain and the Debian userlands, as docker
# archives under the names kubeadm and the suites use (nothing is pulled):
#   control-plane/  every image `kubeadm config images list` names, plus the pause kind's containerd names
#   test/           busybox (Debian's busybox-static): the demo pods' ping and the outside host's httpd
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
busybox_image() { # OUT WORK
  local dir=$2/busybox applet
  mkdir -p "$dir/bin/busybox.d"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do ln -s ../busybox "$dir/bin/busybox.d/$applet"; done
  layer_from_dir "$dir" "$2/busybox.tar"
  image_archive "$1" docker.io/library/busybox:1.36 \
    "{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin/busybox.d:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]}" \
    "$ROOTFS/base.tar" "$2/busybox.tar"
}

tscni_base_image() { # OUT WORK: what node:24-bookworm-slim gives deploy/Dockerfile, from the project's own Node 24
  local node
  node=$(readlink -f "$HERE/../../node_modules/.bin/node")
  binaries_layer "$2" node /usr/local/bin "$node"
  local ref
  ref="tscni-kind-base:node$("$node" -p process.versions.node)"
  image_archive "$1" "$ref" "{\"Env\":[$PATH_ENV]}" "$ROOTFS/base.tar" "$2/node.tar"
  echo "$ref" >"${1%.tar}.ref"
}

build_images() {
  local out=$1 work ref
  work=$(mktemp -d)
  mkdir -p "$out/control-plane" "$out/test"
  skeleton_layer "$work"
  # kind's containerd config names pause:3.10 as its sandbox image; kubeadm names its own.
  for ref in $("$(bin kubeadm)" config images list --kubernetes-version "$KUBERNETES_VERSION") registry.k8s.io/pause:3.10; do
    log "image $ref"
    control_plane_image "$out/control-plane/$(echo "${ref##*/}" | tr : _).tar" "$work" "$ref"
  done
  busybox_image "$out/test/busybox.tar" "$work"
  tscni_base_image "$out/base.tar" "$work"
  rm -rf "$work"
}

# The key follows the scripts, the versions, and the rootfs the images are made of.
key="$KUBERNETES_VERSION-$( (cat "$0" "$HERE/image-archive.sh" "$HERE/versions.sh"; echo "$ROOTFS $TOOLCHAIN_DIRS") | sha256sum | cut -c1-12)"
cached images "$key" build_images
