#!/bin/sh
# Turns a debootstrap tree into kind's base image filesystem: what kind's images/base/Dockerfile does,
# with the files taken from the kind module itself and the binaries we built (no downloads).
#   kind-base.sh <rootfs> <kind module's images/base/files> <containerd bin dir> <crictl binary>
set -eu
R=$1 KF=$2 CBIN=$3 CRICTL=$4

install -m 0755 "$KF"/usr/local/bin/* "$R/usr/local/bin/"
mkdir -p "$R/kind/bin"
install -m 0644 "$KF/kind/README.txt" "$R/kind/"
install -m 0755 "$KF"/kind/bin/* "$R/kind/bin/"
mkdir -p "$R/etc/containerd" "$R/etc/default" "$R/etc/sysctl.d" "$R/etc/systemd/system/kubelet.service.d" "$R/etc/kubernetes/manifests"
install -m 0644 "$KF/etc/crictl.yaml" "$R/etc/"
install -m 0644 "$KF"/etc/containerd/* "$R/etc/containerd/"
install -m 0644 "$KF"/etc/default/* "$R/etc/default/"
install -m 0644 "$KF"/etc/sysctl.d/* "$R/etc/sysctl.d/"
install -m 0644 "$KF"/etc/systemd/system/*.service "$KF"/etc/systemd/system/*.slice "$R/etc/systemd/system/"
install -m 0644 "$KF"/etc/systemd/system/kubelet.service.d/* "$R/etc/systemd/system/kubelet.service.d/"

# systemd in a container: only the units kind needs (as kind's Dockerfile does).
find "$R/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
rm -f "$R"/lib/systemd/system/multi-user.target.wants/* "$R"/etc/systemd/system/*.wants/* \
  "$R"/lib/systemd/system/local-fs.target.wants/* "$R"/lib/systemd/system/sockets.target.wants/*udev* \
  "$R"/lib/systemd/system/sockets.target.wants/*initctl* "$R"/lib/systemd/system/basic.target.wants/*
echo ReadKMsg=no >> "$R/etc/systemd/journald.conf"
ln -sf /usr/lib/systemd/systemd "$R/sbin/init"

install -m 0755 "$CBIN/containerd" "$CBIN/ctr" "$CBIN/containerd-shim-runc-v2" "$CRICTL" "$R/usr/local/bin/"
mkdir -p "$R/opt/cni/bin"
for p in host-local loopback ptp portmap bridge; do ln -sf "/usr/lib/cni/$p" "$R/opt/cni/bin/$p"; done

# No process on these machines may lower oom_score_adj (CAP_SYS_RESOURCE is missing from the bounding
# set), so runc must not try to give critical pods their negative score. kind sets this only for rootless.
sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' "$R/etc/containerd/config.toml"
grep -q 'restrict_oom_score_adj = true' "$R/etc/containerd/config.toml"

"$CBIN/ctr" oci spec \
  | jq '.hooks.createContainer[.hooks.createContainer|length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
  | jq 'del(.process.rlimits)' > "$R/etc/containerd/cri-base.json"

chroot "$R" systemctl enable kubelet.service containerd.service undo-mount-hacks.service
chroot "$R" systemctl mask systemd-binfmt.service
