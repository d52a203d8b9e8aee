# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts that source this file
# Shared settings and helpers for the local test bed (sourced by bin/*).
set -euo pipefail

TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$TESTBED_DIR/../.." && pwd)"

# --- pinned versions -------------------------------------------------------
K8S_VERSION="${K8S_VERSION:-v1.36.3}"        # must match go.mod
K8S_GIT_COMMIT="${K8S_GIT_COMMIT:-}"          # not known from the module proxy
COREDNS_VERSION="${COREDNS_VERSION:-v1.14.7}"
PAUSE_TAG="3.10"

# --- locations (outside the repository) -----------------------------------
CACHE_DIR="${STATEFUL_NFS_CACHE:-/var/cache/stateful-nfs}"
STATE_DIR="${STATEFUL_NFS_STATE:-/var/lib/stateful-nfs-testbed}"
RUN_DIR="$STATE_DIR/run"          # pid files
LOG_DIR="$STATE_DIR/log"
PKI_DIR="$STATE_DIR/pki"
CONF_DIR="$STATE_DIR/conf"
ETCD_DATA="$STATE_DIR/etcd"
KUBELET_ROOT="$STATE_DIR/kubelet"
CONTAINERD_ROOT="$STATE_DIR/containerd"
CONTAINERD_STATE="/run/stateful-nfs-testbed/containerd"
CONTAINERD_SOCK="/run/stateful-nfs-testbed/containerd/containerd.sock"
NFS_ROOT="${STATEFUL_NFS_ROOT:-/srv/stateful-nfs}"   # ganesha exports live below here
GANESHA_EXPORTS_DIR="$STATE_DIR/ganesha/exports.d"   # one EXPORT block per file
KUBECONFIG_ADMIN="$STATE_DIR/admin.kubeconfig"

export GOMODCACHE="$CACHE_DIR/gomod"
export GOCACHE="$CACHE_DIR/gocache"
export GOTOOLCHAIN=local
export GOFLAGS="-trimpath"
export CGO_ENABLED=0
export PATH="/usr/local/go/bin:$PATH"

# --- address plan (exists only on interfaces the test bed creates) --------
NODE_NAME="${NODE_NAME:-snfs-node}"
NODE_IF="snfs0"                 # dummy (or veth) interface holding the node and DNS addresses
NODE_IF_PEER="snfs0-peer"       # the veth peer, when no dummy driver
NODE_IP="172.30.0.1"            # node / API / NFS server address
DNS_IP="172.30.0.10"            # CoreDNS
API_HOST="127.0.0.1"            # the API server listens on loopback only
SERVICE_CIDR="172.30.128.0/20"  # ClusterIPs (virtual, never routed: no kube-proxy)
KUBERNETES_SVC_IP="172.30.128.1"
BRIDGE="cni0"
POD_CIDR="10.244.0.0/24"
POD_GW="10.244.0.1"
CLUSTER_DOMAIN="cluster.local"
NODE_NET="172.30.0.0/24"        # both node addresses: one NFS client entry admits every node's mounts
NFS_CLIENTS="$NODE_NET, 127.0.0.1"  # default clients of the test bed's exports

# --- node 2 (lib/node2.sh): own network + mount namespace, containerd, kubelet ---
# NODES=1 runs node 1 only (a lighter run); the default is both.
NODES="${NODES:-2}"
NODE2_NAME="snfs-node2"
NODE2_IP="172.30.0.2"
NODE2_NETNS="snfs-node2"        # ip netns: /run/netns/snfs-node2
NODE2_IF="snfs-n2"              # host end of the veth; the other end is snfs0 in node 2's netns
NODE2_IF_NS="snfs0"
NODE2_BRIDGE="cni0"             # inside node 2's netns
NODE2_POD_CIDR="10.244.1.0/24"
NODE2_POD_GW="10.244.1.1"
NODE2_HEALTHZ_PORT=10348
NODE2_CGROUP="/snfs-node2"      # kubelet cgroupRoot, created in every v1 hierarchy
NODE2_STATE="$STATE_DIR/node2"  # kubelet/ (root dir), containerd/, pod-logs/, cni-ipam/
NODE2_CONF="$CONF_DIR/node2"
NODE2_RUN="/run/stateful-nfs-testbed/node2"   # containerd state + socket, runc root
NODE2_CONTAINERD_SOCK="$NODE2_RUN/containerd/containerd.sock"
NODE2_NSDIR="/run/stateful-nfs-testbed/ns"    # a private bind mount holding the mount ns file
NODE2_MNTNS="$NODE2_NSDIR/$NODE2_NAME.mnt"
# node 2's kubelet reaches the API server through this forwarder (the API server binds loopback)
API_FORWARD_ADDR="$NODE_IP"

# --- build output (keyed by version and the wrapper module's contents) ----
build_key() {
  cat "$TESTBED_DIR/go.mod" "$TESTBED_DIR/go.sum" "$TESTBED_DIR/cmd/k8s/main.go" | sha256sum | cut -c1-12
}
K8S_BIN_DIR="$CACHE_DIR/k8s-${K8S_VERSION}-$(build_key)/bin"
COREDNS_BIN_DIR="$CACHE_DIR/coredns-${COREDNS_VERSION}/bin"
IMAGES_DIR="$CACHE_DIR/images"
# The NFS client (FUSE over libnfs): keyed by its source and the versions of the libraries it links.
nfs_fuse_key() {
  { cat "$TESTBED_DIR/cmd/nfs-fuse/nfs-fuse.c"
    dpkg-query -W -f='${Package} ${Version}\n' libnfs-dev libfuse3-dev 2>/dev/null || true; } | sha256sum | cut -c1-12
}
NFS_FUSE_DIR="$CACHE_DIR/nfs-fuse-$(nfs_fuse_key)"
NFS_FUSE_BIN="$NFS_FUSE_DIR/nfs-fuse"

KUBECTL="$K8S_BIN_DIR/kubectl"

log()  { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# tail_log NAME: print the end of a component's log (used on every failure)
tail_log() {
  local f="$LOG_DIR/$1.log"
  if [[ -f "$f" ]]; then
    printf '\n----- last 40 lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
    printf -- '----- end of %s -----\n' "$1" >&2
  else
    printf '(no log at %s)\n' "$f" >&2
  fi
}

fail_with_log() { local comp="$1"; shift; log "ERROR: $*"; tail_log "$comp"; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
  local what="$1" secs="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= end )); then return 1; fi
    sleep 1
  done
}

pid_alive() { local p; p="$(cat "$RUN_DIR/$1.pid" 2>/dev/null)" || return 1; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }

# Node 2 counts as part of the test bed while its kubelet has a pid file (cluster-up wrote
# it; cluster-down and NODES=1 remove it), so a dead node-2 kubelet fails the checks.
node2_expected() { [[ -e "$RUN_DIR/kubelet-node2.pid" ]]; }
# testbed_nodes: the names of the nodes whose kubelet runs, one a line
testbed_nodes() {
  if pid_alive kubelet; then echo "$NODE_NAME"; fi
  if pid_alive kubelet-node2; then echo "$NODE2_NAME"; fi
}

# start_daemon NAME COMMAND...: start COMMAND in its own session, log to
# $LOG_DIR/NAME.log, remember its pid in $RUN_DIR/NAME.pid. No-op if running.
# Sets STARTED_ANY=1 when it starts something.
# A running daemon whose command line or config files (DAEMON_FILES[NAME])
# changed since it was started is restarted, so edits to the scripts apply.
STARTED_ANY=0
declare -A DAEMON_FILES=()
daemon_fingerprint() { # NAME COMMAND...
  local name="$1"; shift
  { printf '%s\n' "$@"; local f; for f in ${DAEMON_FILES[$name]:-}; do cat "$f" 2>/dev/null; done; } | sha256sum | cut -c1-16
}
start_daemon() {
  local name="$1"; shift
  local fp; fp="$(daemon_fingerprint "$name" "$@")"
  if pid_alive "$name"; then
    if [[ ! -e "$RUN_DIR/$name.fingerprint" ]]; then echo "$fp" > "$RUN_DIR/$name.fingerprint"; fi
    [[ "$(cat "$RUN_DIR/$name.fingerprint")" == "$fp" ]] && return 0
    log "$name: command line or configuration changed, restarting"
    stop_daemon "$name" 30
  fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  echo "$fp" > "$RUN_DIR/$name.fingerprint"
  log "starting $name"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >> "$LOG_DIR/$name.log"
  setsid "$@" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/$name.pid"
  STARTED_ANY=1
}

# stop_daemon NAME [TIMEOUT]: TERM, then KILL, the pid we recorded.
stop_daemon() {
  local name="$1" t="${2:-20}" pid
  pid="$(cat "$RUN_DIR/$name.pid" 2>/dev/null)" || return 0
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + t))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < end )); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.fingerprint"
}

# ours = a regular file (not a symlink such as mount.nfs4 -> mount.nfs) with our marker
is_our_shim() { [[ -f "$1" && ! -L "$1" ]] && grep -qs "stateful-nfs test bed" "$1"; }

kubectl_admin() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

APT_PACKAGES=(curl etcd-server containerd runc containernetworking-plugins nfs-ganesha nfs-ganesha-vfs
  libnfs-utils busybox-static rpcbind iptables conntrack ethtool socat kmod iproute2 openssl
  util-linux mount procps python3 ca-certificates
  libnfs-dev libfuse3-dev fuse3 gcc libc6-dev pkg-config)   # the last line: nfs-fuse, the node's NFS client
