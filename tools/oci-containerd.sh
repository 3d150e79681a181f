# oci-containerd.sh: sourced by the containerd test and benchmark
# (tests/scripts/oci-containerd, tools/bench/oci-first-output): a private
# containerd of their own. Requires bash, root, Debian's containerd.
#
#   oci_private_ns "$0" "$@"   re-executes the caller in a private mount
#                              namespace with a tmpfs on /run (containerd
#                              1.6's shims put their sockets in
#                              /run/containerd/s whatever the configuration
#                              says, and the KVM sandbox's /run is read-only)
#                              and a private network namespace, its
#                              loopback up (CNI's bridges and veths made
#                              there go with it)
#   oci_containerd_start WORK  starts containerd with root, state and socket
#                              in WORK; sets OCI_ADDR and OCI_CONTAINERD_PID
#   oci_containerd_stop        stops it
#   oci_unmount_under WORK     unmounts whatever is mounted under WORK

oci_private_ns() {
	if [[ ${OCI_PRIVATE_NS:-} == 1 ]]; then
		mount -t tmpfs -o mode=0755 run /run
		ip link set lo up
		return
	fi
	[[ $(id -u) == 0 ]] || { echo "$1: needs root (containerd does)" >&2; exit 1; }
	local t
	for t in containerd ctr containerd-shim-runc-v2 unshare ip; do
		command -v $t >/dev/null || { echo "$1: $t is missing (tools/install-deps)" >&2; exit 1; }
	done
	OCI_PRIVATE_NS=1 exec unshare --mount --net --propagation private bash "$@"
}

oci_containerd_start() {
	local work=$1
	OCI_ADDR=$work/containerd.sock
	cat >"$work/config.toml" <<EOT
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$OCI_ADDR"
EOT
	containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
	OCI_CONTAINERD_PID=$!
	local _
	for _ in $(seq 150); do
		ctr --address "$OCI_ADDR" version >/dev/null 2>&1 && return 0
		kill -0 $OCI_CONTAINERD_PID 2>/dev/null || break
		sleep 0.2
	done
	tail -20 "$work/containerd.log" >&2
	echo "containerd did not start" >&2
	return 1
}

oci_containerd_stop() {
	[[ -n ${OCI_CONTAINERD_PID:-} ]] || return 0
	kill "$OCI_CONTAINERD_PID" 2>/dev/null
	wait "$OCI_CONTAINERD_PID" 2>/dev/null || true
	OCI_CONTAINERD_PID=
}

oci_unmount_under() {
	{ grep -F " $1/" /proc/self/mountinfo || true; } | cut -d' ' -f5 | sort -r |
		while read -r m; do umount -l "$m"; done
}
