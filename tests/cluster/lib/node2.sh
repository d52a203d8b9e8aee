# shellcheck shell=bash
# Node 2 (snfs-node2): a second kubelet + containerd in their own network namespace
# (/run/netns/snfs-node2) and their own mount namespace (bound to $NODE2_MNTNS), so a pod
# rescheduled from node 1 to node 2 finds none of node 1's local data (hostPath, emptyDir)
# and reads its volume's data only over NFS. Sourced by bin/cluster-{up,down,status,check}.

NODE2_NETNS_PATH="/run/netns/$NODE2_NETNS"
# Node-local places hidden in node 2's mount namespace behind an empty tmpfs: where hostPath
# volumes usually point (the tutorials use /mnt/data, /tmp/data, /data), the NFS root (in /srv),
# and what a kubelet or containerd keeps at a fixed path whatever their config says (the
# kubelet's device plugin socket in /var/lib/kubelet, the CNI result cache in /var/lib/cni).
NODE2_PRIVATE_DIRS=(/mnt /data /tmp /var/tmp /srv /var/log/pods /var/log/containers /var/lib/kubelet /var/lib/cni)
NODE2_CREATED_DIRS="$NODE2_STATE/created-dirs"   # mount points cluster-up had to create on the host

node2_mntns_alive() { findmnt -n -o FSTYPE --mountpoint "$NODE2_MNTNS" 2>/dev/null | grep -qx nsfs; }
node2_netns_alive() { [[ -e "$NODE2_NETNS_PATH" ]] && findmnt -n --mountpoint "$NODE2_NETNS_PATH" >/dev/null 2>&1; }
# "${N2_ENTER[@]}" COMMAND...: run COMMAND in node 2's mount and network namespaces (nsenter
# execs COMMAND itself, so start_daemon records the daemon's own pid)
N2_ENTER=(nsenter --mount="$NODE2_MNTNS" --net="$NODE2_NETNS_PATH" --)
n2_exec() { "${N2_ENTER[@]}" "$@"; }
n2_net() { nsenter --net="$NODE2_NETNS_PATH" -- "$@"; }

node2_setup_network() {
  if ! node2_netns_alive; then
    # ip netns add bind-mounts /run/netns onto itself (if it is no mount yet); cluster-down
    # undoes that once the last namespace in it is gone
    if ! mountpoint -q /run/netns && [[ ! -e "$STATE_DIR/run-netns.mounted-by-testbed" ]]; then
      mkdir -p "$STATE_DIR"; touch "$STATE_DIR/run-netns.mounted-by-testbed"
    fi
    log "creating network namespace $NODE2_NETNS"
    ip netns add "$NODE2_NETNS"
  fi
  ip -n "$NODE2_NETNS" link set lo up
  if ! ip link show "$NODE2_IF" >/dev/null 2>&1; then
    log "creating veth $NODE2_IF <-> $NODE2_NETNS/$NODE2_IF_NS ($NODE2_IP)"
    ip link add "$NODE2_IF" type veth peer name "$NODE2_IF_NS" netns "$NODE2_NETNS"
  fi
  ip link set "$NODE2_IF" up
  ip -n "$NODE2_NETNS" addr replace "$NODE2_IP/32" dev "$NODE2_IF_NS"
  ip -n "$NODE2_NETNS" link set "$NODE2_IF_NS" up
  # Node 2 reaches exactly the host's test bed addresses (NFS/API forwarder, DNS); no default route.
  ip -n "$NODE2_NETNS" route replace "$NODE_IP/32" dev "$NODE2_IF_NS" src "$NODE2_IP"
  ip -n "$NODE2_NETNS" route replace "$DNS_IP/32" dev "$NODE2_IF_NS" src "$NODE2_IP"
  # The host answers from 172.30.0.1: without src it would pick an address of a real interface,
  # which node 2 has no route back to.
  ip route replace "$NODE2_IP/32" dev "$NODE2_IF" src "$NODE_IP"
  ip route replace "$NODE2_POD_CIDR" via "$NODE2_IP" dev "$NODE2_IF" src "$NODE_IP"
  if ! ip -n "$NODE2_NETNS" link show "$NODE2_BRIDGE" >/dev/null 2>&1; then
    ip -n "$NODE2_NETNS" link add "$NODE2_BRIDGE" type bridge
  fi
  ip -n "$NODE2_NETNS" addr replace "$NODE2_POD_GW/${NODE2_POD_CIDR#*/}" dev "$NODE2_BRIDGE"
  ip -n "$NODE2_NETNS" link set "$NODE2_BRIDGE" up
  # Node 2 routes between its pods and the veth, so it forwards; the host never does (its pods'
  # traffic to the node 2 addresses is its own, and nothing crosses from cni0 to the veth).
  n2_net sysctl -qw net.ipv4.ip_forward=1
}

node2_setup_cgroups() {
  local mnt fstype opts
  # every cgroup v1 hierarchy (cgroup2 "unified" in hybrid mode is not the kubelet's)
  while read -r _ mnt fstype opts _; do
    [[ "$fstype" == cgroup ]] || continue
    if [[ ! -d "$mnt$NODE2_CGROUP" ]]; then mkdir "$mnt$NODE2_CGROUP"; fi
    if [[ ",$opts," == *,cpuset,* ]]; then
      # a new cpuset has no cpus/mems: give it the parent's, or no task could join it
      [[ -n "$(cat "$mnt$NODE2_CGROUP/cpuset.cpus")" ]] || cat "$mnt/cpuset.cpus" > "$mnt$NODE2_CGROUP/cpuset.cpus"
      [[ -n "$(cat "$mnt$NODE2_CGROUP/cpuset.mems")" ]] || cat "$mnt/cpuset.mems" > "$mnt$NODE2_CGROUP/cpuset.mems"
    fi
  done < /proc/self/mounts
}

# The mounts made inside the new mount namespace (run there by bash -c, so that none of this
# depends on a path the namespace might hide). Arguments: variables, see node2_setup_mounts.
# shellcheck disable=SC2016  # expanded inside the namespace
NODE2_NS_SCRIPT='
set -euo pipefail
hold="$1"; kroot="$2"; shift 2
# drop_under PREFIX REGEX_END: lazily unmount this namespace'"'"'s copies of the mounts below PREFIX
# (again until none is left: a mount stacked on another hides the lower one until it goes)
drop_under() {
  local i mps mp
  for i in 1 2 3 4 5; do
    mps="$(awk "{print \$5}" /proc/self/mountinfo | grep -E "^$1$2" | sort -r)" || return 0
    for mp in $mps; do umount -l "$mp" 2>/dev/null || true; done
  done
}
# 1. Drop the copies of node 1 mounts: its pod volumes, container root filesystems, pod netns,
#    and the netns files (they would keep node 1 objects alive and show node 1 data here).
for prefix in "$@"; do drop_under "$prefix" "(/|\$)"; done
mkdir -p "$hold"; mount -t tmpfs -o mode=700,size=1m snfs-node2-hold "$hold"
for d in $PRIVATE; do
  [[ -d "$d" ]] || continue
  # Copies of what is mounted below (a FUSE mount in /tmp, say) would hold it here after the
  # host unmounts it, and its daemon would never see the unmount: drop them.
  drop_under "$d" "/"
  # Paths node 2 needs (state, build cache, checkout) that lie under a hidden place come back.
  i=0; keep=()
  for k in $KEEP; do
    if [[ "$k" == "$d"/* && -d "$k" ]]; then
      mkdir -p "$hold/$i"; mount --rbind "$k" "$hold/$i"; keep+=("$k"); i=$((i + 1))
    fi
  done
  mode=755; if [[ "$d" == /tmp || "$d" == /var/tmp ]]; then mode=1777; fi
  mount -t tmpfs -o "mode=$mode" snfs-node2-private "$d"
  i=0
  for k in "${keep[@]}"; do mkdir -p "$k"; mount --move "$hold/$i" "$k"; i=$((i + 1)); done
done
umount "$hold"; rmdir "$hold"
# 2. Node 1 local dirs and the NFS data (unless a tmpfs above already hides it): empty here.
for d in $HIDE; do
  if [[ -d "$d" ]]; then mount -t tmpfs -o mode=755 snfs-node2-private "$d"; fi
done
# 3. The kubelet root dir is a shared mount, so volume mounts propagate into the containers.
mkdir -p "$kroot"; mount --bind "$kroot" "$kroot"; mount --make-rshared "$kroot"
'

node2_setup_mounts() {
  mkdir -p "$NODE2_NSDIR" "$NODE2_STATE/kubelet"
  # The namespace file must sit on a private mount (the kernel refuses a bind of a mount
  # namespace where it could propagate), whatever the root's propagation is.
  if ! mountpoint -q "$NODE2_NSDIR"; then
    mount --bind "$NODE2_NSDIR" "$NODE2_NSDIR"; mount --make-private "$NODE2_NSDIR"
  fi
  node2_mntns_alive && return 0
  log "creating mount namespace $NODE2_MNTNS (node-local dirs private)"
  local d
  for d in "${NODE2_PRIVATE_DIRS[@]}"; do
    if [[ ! -e "$d" ]]; then
      # the tmpfs needs a mount point; the host keeps an empty dir until cluster-down removes it
      mkdir -p "$d"; echo "$d" >> "$NODE2_CREATED_DIRS"
    fi
  done
  touch "$NODE2_MNTNS"
  # slave: unmounts on the host (node 1's pod netns, volumes) still reach the copies here
  # until the script drops them; nothing done here propagates back to the host.
  unshare --mount="$NODE2_MNTNS" --propagation slave true
  # node 2's daemons have this file in their fingerprint: a new namespace restarts them into it
  stat -L -c %i "$NODE2_MNTNS" > "$NODE2_STATE/mntns.id"
  if ! nsenter --mount="$NODE2_MNTNS" -- env PRIVATE="${NODE2_PRIVATE_DIRS[*]}" \
      KEEP="$STATE_DIR $CACHE_DIR $REPO_ROOT" HIDE="$NFS_ROOT $KUBELET_ROOT $CONTAINERD_ROOT $CONTAINERD_STATE /run/netns" \
      bash -c "$NODE2_NS_SCRIPT" node2-ns "$NODE2_RUN/hold" "$NODE2_STATE/kubelet" \
      "$KUBELET_ROOT" "$CONTAINERD_ROOT" "$CONTAINERD_STATE" /run/netns "$NODE2_NSDIR"; then
    umount "$NODE2_MNTNS" 2>/dev/null || true
    die "setting up node 2's mount namespace failed"
  fi
}

# n2_ns_pids: every process in node 2's network or mount namespace (pods, shims, FUSE daemons)
n2_ns_pids() {
  local net="" mnt="" p
  if [[ -e "$NODE2_NETNS_PATH" ]]; then net="net:[$(stat -L -c %i "$NODE2_NETNS_PATH" 2>/dev/null)]"; fi
  if node2_mntns_alive; then mnt="mnt:[$(stat -L -c %i "$NODE2_MNTNS")]"; fi
  [[ -n "$net$mnt" ]] || return 0
  for p in /proc/[0-9]*; do
    if [[ -n "$net" && "$(readlink "$p/ns/net" 2>/dev/null)" == "$net" ]] \
        || [[ -n "$mnt" && "$(readlink "$p/ns/mnt" 2>/dev/null)" == "$mnt" ]]; then
      echo "${p#/proc/}"
    fi
  done
}

stop_api_forward() {
  local pid
  pid="$(cat "$RUN_DIR/api-forward.pid" 2>/dev/null)" || return 0
  # socat forks a child per connection, all in its process group (start_daemon's setsid)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  stop_daemon api-forward 5
}

# node2_down: stop node 2 and remove everything it had: processes, containers, mounts (its mount
# namespace goes with its last user), netns, veth and routes, cgroups, dirs created for it.
node2_down() {
  stop_daemon kubelet-node2 30
  local ctr=(ctr --address "$NODE2_CONTAINERD_SOCK" -n k8s.io) t c pid
  if pid_alive containerd-node2; then
    for t in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    sleep 1
    for t in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks delete -f "$t" >/dev/null 2>&1 || true; done
    for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  stop_daemon containerd-node2 30
  for pid in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $NODE2_CONTAINERD_SOCK" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop_api_forward
  # whatever else still runs in node 2's namespaces (e.g. a mount helper's daemon)
  local left i
  for i in 1 2 3 4 5 6; do
    left="$(n2_ns_pids)"
    [[ -z "$left" ]] && break
    if (( i == 1 )); then log "stopping processes left in node 2's namespaces: $(echo "$left" | tr '\n' ' ')"; fi
    # shellcheck disable=SC2086  # a list of pids
    if (( i < 4 )); then kill -TERM $left 2>/dev/null || true; else kill -KILL $left 2>/dev/null || true; fi
    sleep 0.5
  done
  if node2_mntns_alive; then log "removing node 2's mount namespace"; umount "$NODE2_MNTNS" || umount -l "$NODE2_MNTNS"; fi
  rm -f "$NODE2_MNTNS" "$NODE2_STATE/mntns.id"
  if mountpoint -q "$NODE2_NSDIR"; then umount "$NODE2_NSDIR" || umount -l "$NODE2_NSDIR"; fi
  rmdir "$NODE2_NSDIR" 2>/dev/null || true
  # the veth's peer and both routes go with the interface
  if ip link show "$NODE2_IF" >/dev/null 2>&1; then log "removing interface $NODE2_IF"; ip link del "$NODE2_IF"; fi
  if [[ -e "$NODE2_NETNS_PATH" ]]; then log "removing network namespace $NODE2_NETNS"; ip netns del "$NODE2_NETNS"; fi
  rm -rf "$NODE2_STATE/cni-ipam"
  local mnt fstype
  while read -r _ mnt fstype _; do
    # v1 hierarchies, and cgroup2 "unified" where runc made the same path in hybrid mode
    [[ "$fstype" == cgroup* && -d "$mnt$NODE2_CGROUP" ]] || continue
    # emptied cgroups can take a moment to become removable after their tasks die
    for i in 1 2 3 4 5; do
      find "$mnt$NODE2_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [[ -d "$mnt$NODE2_CGROUP" ]] || break
      sleep 0.5
    done
    if [[ -d "$mnt$NODE2_CGROUP" ]]; then log "WARNING: could not remove cgroup $mnt$NODE2_CGROUP"; fi
  done < /proc/self/mounts
  if [[ -f "$NODE2_CREATED_DIRS" ]]; then
    local d
    while read -r d; do rmdir "$d" 2>/dev/null || log "kept $d (not empty)"; done < "$NODE2_CREATED_DIRS"
    rm -f "$NODE2_CREATED_DIRS"
  fi
}
