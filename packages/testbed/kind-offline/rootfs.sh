#!/usr/bin/env bash
# Debian userlands from Debian's packages (mmdebstrap, with this machine's apt sources), as tarballs:
#   node.tar  a kind node: systemd, containerd, runc, iptables, nftables, iproute2, conntrack, ...
#   base.tar  a slim base for the images that need a userland (kube-proxy, tscni's image): iproute2,
#             iptables, nftables, conntrack.
#   tools.tar the userland of the conformance suite's images (agnhost, jessie-dnsutils, nginx): what agnhost's
#             Dockerfile adds to its Alpine base (dig, curl, nc, ss, iperf, bash), from Debian, and nginx.
# Prints the directory holding them.
. "$(dirname "$0")/lib.sh"

# The packages of kind's own base image (images/base/Dockerfile) that exist in bookworm, plus containerd and
# runc (kind builds its own; Debian's 1.6.20 and 1.1.5 are what the node runs here) and ping for node-to-pod checks.
NODE_PACKAGES=systemd,systemd-sysv,dbus,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,
NODE_PACKAGES+=bash,ca-certificates,curl,jq,procps,containerd,runc,containernetworking-plugins,iputils-ping
BASE_PACKAGES=iproute2,iptables,nftables,conntrack,ca-certificates
TOOLS_PACKAGES=bash,bind9-dnsutils,curl,netcat-openbsd,iproute2,iperf,nginx-light,ca-certificates,procps

sources() { # this machine's Debian sources (deb822), without any suite it does not build for
  local file
  for file in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do [ -s "$file" ] && { echo "$file"; return; }; done
  echo "no Debian apt sources on this machine" >&2; return 1
}

# What kind's base image does after installing its packages, where it applies to Debian's packages.
node_hooks=(
  --customize-hook='rm -f "$1"/lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service'
  --customize-hook='rm -f "$1"/lib/systemd/system/multi-user.target.wants/* "$1"/etc/systemd/system/*.wants/*'
  --customize-hook='rm -f "$1"/lib/systemd/system/local-fs.target.wants/* "$1"/lib/systemd/system/basic.target.wants/*'
  --customize-hook='rm -f "$1"/lib/systemd/system/sockets.target.wants/*udev* "$1"/lib/systemd/system/sockets.target.wants/*initctl*'
  --customize-hook='echo ReadKMsg=no >>"$1"/etc/systemd/journald.conf'
  --customize-hook='chroot "$1" systemctl mask systemd-binfmt.service'
  # systemd-sysctl would write these to the host kernel: a privileged node shares its non-namespaced sysctls.
  --customize-hook='rm -f "$1"/usr/lib/sysctl.d/50-pid-max.conf "$1"/usr/lib/sysctl.d/99-protect-links.conf "$1"/etc/sysctl.d/99-sysctl.conf'
  # kind's containerd unit runs /usr/local/bin/containerd.
  --customize-hook='ln -sf /usr/bin/containerd "$1"/usr/local/bin/containerd'
  --customize-hook='mkdir -p "$1"/etc/kubernetes/manifests "$1"/opt/cni/bin "$1"/kind'
  # kind's node image ships loopback, host-local, ptp and portmap in /opt/cni/bin.
  --customize-hook='for p in loopback host-local ptp portmap; do cp "$1"/usr/lib/cni/$p "$1"/opt/cni/bin/; done'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*'
)

build_rootfs() {
  local out=$1 src
  src=$(sources)
  mmdebstrap --quiet --variant=minbase --include="$NODE_PACKAGES" "${node_hooks[@]}" \
    "$DEBIAN_SUITE" "$out/node.tar" "$src"
  mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    "$DEBIAN_SUITE" "$out/base.tar" "$src"
  # agnhost's Dockerfile also makes the user and group one SupplementalGroups test expects in the image.
  mmdebstrap --quiet --variant=minbase --include="$TOOLS_PACKAGES" \
    --customize-hook='chroot "$1" groupadd -g 50000 group-defined-in-image' \
    --customize-hook='chroot "$1" useradd -u 1000 -G group-defined-in-image user-defined-in-image' \
    --customize-hook='ln -sf /usr/bin/iperf "$1"/usr/local/bin/iperf' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    "$DEBIAN_SUITE" "$out/tools.tar" "$src"
}

# The key follows this script: a change of packages or hooks builds anew.
cached rootfs "$DEBIAN_SUITE-$(sha256sum "$0" | cut -c1-12)" build_rootfs
