# shellcheck shell=bash
# NFS exports on the test bed's nfs-ganesha.
#
# Each export is one file $GANESHA_EXPORTS_DIR/<name>.conf holding one ganesha
# EXPORT block; ganesha.conf %includes $STATE_DIR/ganesha/exports.conf, which
# this file regenerates (one %include per export file) before asking ganesha
# to reload (SIGHUP: adds/removes/updates exports without a restart).
#
# These functions stand in for the collection's own module until it exists:
#   ansible localhost -m stateful.nfs.export -a "backend=ganesha name=<name> path=<dir> ..."
# Switching means: replace the body of export_add/export_remove with that call
# (pointing the module at $GANESHA_EXPORTS_DIR) and keep export_reload.

export_id_for() { # stable numeric id 100..60099 from the name
  local h; h="$(printf '%s' "$1" | cksum | cut -d' ' -f1)"
  echo $(( 100 + h % 60000 ))
}

# export_add NAME DIR [CLIENTS] [SQUASH] [UID] [GID] [MODE]
export_add() {
  local name="$1" dir="$2" clients="${3:-$NODE_IP/32, $POD_CIDR, 127.0.0.1}" squash="${4:-root_squash}"
  local uid="${5:-0}" gid="${6:-0}" mode="${7:-0775}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "export name '$name' must match [A-Za-z0-9._-]+"
  [[ "$dir" == /* ]] || die "export dir '$dir' must be absolute"
  mkdir -p "$dir" "$GANESHA_EXPORTS_DIR"
  chown "$uid:$gid" "$dir"; chmod "$mode" "$dir"
  local f="$GANESHA_EXPORTS_DIR/$name.conf" tmp
  tmp="$(mktemp "$f.XXXX")"
  cat > "$tmp" <<EXP
# managed by stateful.nfs test bed: export $name
EXPORT {
    Export_Id = $(export_id_for "$name");
    Path = "$dir";
    Pseudo = "$dir";
    Protocols = 3, 4;
    Transports = TCP;
    SecType = sys;
    Squash = $squash;
    Access_Type = NONE;
    CLIENT {
        Clients = $clients;
        Access_Type = RW;
    }
    FSAL {
        Name = VFS;
    }
}
EXP
  if cmp -s "$tmp" "$f"; then rm -f "$tmp"; return 0; fi
  mv "$tmp" "$f"
  export_reload
}

export_remove() { # NAME (keeps the directory and its data)
  local f="$GANESHA_EXPORTS_DIR/$1.conf"
  [[ -e "$f" ]] || return 0
  rm -f "$f"
  export_reload
}

export_list() { ls "$GANESHA_EXPORTS_DIR" 2>/dev/null | sed -n 's/\.conf$//p'; }

export_render_includes() {
  mkdir -p "$GANESHA_EXPORTS_DIR"
  local inc="$STATE_DIR/ganesha/exports.conf" tmp
  tmp="$(mktemp "$inc.XXXX")"
  { echo "# generated: one %include per file in $GANESHA_EXPORTS_DIR"
    for f in "$GANESHA_EXPORTS_DIR"/*.conf; do if [[ -e "$f" ]]; then echo "%include \"$f\""; fi; done
  } > "$tmp"
  mv "$tmp" "$inc"
}

export_reload() {
  export_render_includes
  if pid_alive ganesha; then
    kill -HUP "$(cat "$RUN_DIR/ganesha.pid")"
    sleep 1
  fi
}

# export_wait NAME DIR: wait until the export answers over NFSv3 and NFSv4
export_wait() {
  local dir="$2"
  wait_for "export $1 over NFSv3" 30 nfs-ls "nfs://$NODE_IP$dir" || return 1
  wait_for "export $1 over NFSv4" 30 nfs-ls "nfs://$NODE_IP$dir?version=4" || return 1
}
