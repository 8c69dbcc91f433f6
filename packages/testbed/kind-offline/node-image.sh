#!/usr/bin/env bash
# A kind node image for `kind create cluster --image`, assembled without a registry or `kind build
# node-image` (which pulls): the Debian node userland, kind's own node files from the kind module at the
# pinned version, the Kubernetes binaries, and every image the cluster runs, imported at boot.
# Prints the directory holding node-image.tar (a docker archive) and its name in `ref`.
. "$(dirname "$0")/lib.sh"
. "$HERE/image-archive.sh"

TOOLCHAIN_DIRS=$("$HERE/toolchain.sh")
ROOTFS=$("$HERE/rootfs.sh")
IMAGES=$("$HERE/images.sh")
bin() { local dir; for dir in $TOOLCHAIN_DIRS; do [ -x "$dir/bin/$1" ] && { echo "$dir/bin/$1"; return; }; done; return 1; }
KIND_FILES=$GOMODCACHE/sigs.k8s.io/kind@$KIND_VERSION/images/base/files
NODE=$(readlink -f "$HERE/../../../node_modules/.bin/node")

# kind's files, placed as kind's base image places them (images/base/Dockerfile).
kind_files() {
  local root=$1 unit
  install -D -m 0755 -t "$root/usr/local/bin" "$KIND_FILES"/usr/local/bin/*
  install -D -m 0755 -t "$root/kind/bin" "$KIND_FILES"/kind/bin/*
  install -D -m 0644 -t "$root/etc" "$KIND_FILES/etc/crictl.yaml"
  install -D -m 0644 -t "$root/etc/default" "$KIND_FILES"/etc/default/*
  install -D -m 0644 -t "$root/etc/sysctl.d" "$KIND_FILES"/etc/sysctl.d/*
  install -D -m 0644 -t "$root/etc/systemd/system/kubelet.service.d" "$KIND_FILES"/etc/systemd/system/kubelet.service.d/*
  for unit in containerd.service kubelet.service kubelet.slice undo-mount-hacks.service; do
    install -D -m 0644 -t "$root/etc/systemd/system" "$KIND_FILES/etc/systemd/system/$unit"
  done
  # Inside this VM's nodes, runc cannot set a sandbox's oom_score_adj ("can't get final child's PID from
  # pipe: EOF"); the fuse-overlayfs snapshotter (rootless kind) has no binary here.
  sed -e 's/^\(\s*restrict_oom_score_adj\s*=\s*\)false/\1true/' \
    -e '/^\[proxy_plugins/,/^$/d' "$KIND_FILES/etc/containerd/config.toml" |
    install -D -m 0644 /dev/stdin "$root/etc/containerd/config.toml"
  # containerd's default spec with kind's product-files hook and without rlimits, as kind generates it.
  ctr oci spec | "$NODE" -e '
    const spec = JSON.parse(require("fs").readFileSync(0, "utf8"));
    (spec.hooks ??= {}).createContainer = [...(spec.hooks.createContainer ?? []), { path: "/kind/bin/mount-product-files.sh" }];
    delete spec.process.rlimits;
    process.stdout.write(JSON.stringify(spec, null, 2));' >"$root/etc/containerd/cri-base.json"
}

node_layer() {
  local root=$1
  kind_files "$root"
  install -D -m 0755 -t "$root/usr/bin" "$(bin kubeadm)" "$(bin kubelet)" "$(bin kubectl)"
  install -D -m 0755 -t "$root/usr/local/bin" "$(bin crictl)" "$HERE/cover-host-sysctls"
  install -D -m 0755 "$HERE/systemctl-after-boot" "$root/usr/local/sbin/systemctl"
  install -D -m 0644 -t "$root/etc/systemd/system" "$HERE/preload-images.service"
  mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
  for unit in kubelet containerd undo-mount-hacks preload-images; do
    ln -s "/etc/systemd/system/$unit.service" "$root/etc/systemd/system/multi-user.target.wants/$unit.service"
  done
  install -D -m 0644 -t "$root/kind/images" "$IMAGES"/control-plane/*.tar "$IMAGES"/test/*.tar "$IMAGES"/conformance/*.tar
  echo "$KUBERNETES_VERSION" >"$root/kind/version"
}

build_node_image() {
  local out=$1 work ref
  work=$(mktemp -d)
  node_layer "$work/root"
  layer_from_dir "$work/root" "$work/node.tar"
  ref="tscni-kind-node:$key"
  image_archive "$out/node-image.tar" "$ref" \
    '{"Entrypoint":["/usr/local/bin/cover-host-sysctls","/usr/local/bin/entrypoint","/sbin/init"],"Env":["container=docker","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"StopSignal":"SIGRTMIN+3"}' \
    "$ROOTFS/node.tar" "$work/node.tar"
  echo "$ref" >"$out/ref"
  rm -rf "$work"
}

key="$KUBERNETES_VERSION-$( (cat "$0" "$HERE/image-archive.sh" "$HERE/versions.sh" "$HERE/cover-host-sysctls" \
  "$HERE/preload-images.service" "$HERE/systemctl-after-boot"; echo "$ROOTFS $IMAGES $TOOLCHAIN_DIRS") | sha256sum | cut -c1-12)"
cached node-image "$key" build_node_image
