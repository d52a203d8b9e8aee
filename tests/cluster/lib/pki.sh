# shellcheck shell=bash
# Local PKI and kubeconfigs for the test bed (openssl). Idempotent: existing
# files are kept, so a restart keeps the same CA and credentials.

_cert() { # name CN O(or "") SANs(or "") usage(client|server|both)
  local name="$1" cn="$2" org="$3" sans="$4" usage="$5"
  local key="$PKI_DIR/$name.key" crt="$PKI_DIR/$name.crt"
  [[ -s "$crt" && -s "$key" ]] && return 0
  local subj="/CN=$cn"; if [[ -n "$org" ]]; then subj="/O=$org$subj"; fi
  local eku="clientAuth"
  case "$usage" in server) eku="serverAuth" ;; both) eku="serverAuth,clientAuth" ;; esac
  local ext="$PKI_DIR/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    if [[ -n "$sans" ]]; then echo "subjectAltName=$sans"; fi
  } > "$ext"
  openssl genrsa -out "$key" 2048 2>/dev/null
  openssl req -new -key "$key" -subj "$subj" -out "$PKI_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$crt" 2>/dev/null
  rm -f "$PKI_DIR/$name.csr" "$ext"
  chmod 600 "$key"
}

_kubeconfig() { # file user-cert-name server
  local file="$1" name="$2" server="$3"
  [[ -s "$file" ]] && grep -qx "    server: $server" "$file" && return 0
  cat > "$file" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: stateful-nfs-testbed
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < "$PKI_DIR/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 < "$PKI_DIR/$name.crt")
    client-key-data: $(base64 -w0 < "$PKI_DIR/$name.key")
contexts:
- name: $name@stateful-nfs-testbed
  context: {cluster: stateful-nfs-testbed, user: $name}
current-context: $name@stateful-nfs-testbed
KCFG
  chmod 600 "$file"
}

pki_generate() {
  mkdir -p "$PKI_DIR" "$CONF_DIR"; chmod 700 "$PKI_DIR"
  if [[ ! -s "$PKI_DIR/ca.crt" ]]; then
    log "generating the test bed CA and credentials in $PKI_DIR"
    openssl genrsa -out "$PKI_DIR/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI_DIR/ca.key" -subj "/CN=stateful-nfs-testbed-ca" \
      -days 3650 -sha256 -out "$PKI_DIR/ca.crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
    chmod 600 "$PKI_DIR/ca.key"
  fi
  _cert kube-apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SVC_IP" server
  _cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters "" client
  _cert admin kubernetes-admin system:masters "" client
  _cert kube-controller-manager system:kube-controller-manager "" "" client
  _cert kube-scheduler system:kube-scheduler "" "" client
  _cert kubelet "system:node:$NODE_NAME" system:nodes "" client
  _cert kubelet-serving "$NODE_NAME" "" "DNS:$NODE_NAME,IP:$NODE_IP" server
  _cert kubelet-node2 "system:node:$NODE2_NAME" system:nodes "" client
  _cert kubelet-node2-serving "$NODE2_NAME" "" "DNS:$NODE2_NAME,IP:$NODE2_IP" server
  _cert coredns system:coredns "" "" client
  if [[ ! -s "$PKI_DIR/sa.key" ]]; then
    openssl genrsa -out "$PKI_DIR/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
    chmod 600 "$PKI_DIR/sa.key"
  fi
  # Clients on the host reach the API on loopback only: with the test bed down, a kubeconfig that
  # named the node address would send requests out of the default route instead of failing here.
  local api="https://$API_HOST:6443"
  _kubeconfig "$KUBECONFIG_ADMIN" admin "$api"
  _kubeconfig "$CONF_DIR/kube-controller-manager.kubeconfig" kube-controller-manager "$api"
  _kubeconfig "$CONF_DIR/kube-scheduler.kubeconfig" kube-scheduler "$api"
  _kubeconfig "$CONF_DIR/kubelet.kubeconfig" kubelet "$api"
  _kubeconfig "$CONF_DIR/coredns.kubeconfig" coredns "$api"
  # Node 2 lives in its own network namespace, where 127.0.0.1 is its own loopback: it uses the
  # forwarder on the node address (cluster-up's start_api_forward), which exists only while the
  # test bed runs.
  mkdir -p "$NODE2_CONF"
  _kubeconfig "$NODE2_CONF/kubelet.kubeconfig" kubelet-node2 "https://$API_FORWARD_ADDR:6443"
}
