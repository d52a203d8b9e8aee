# shellcheck shell=bash
# NFS exports on the test bed's nfs-ganesha.
#
# Layout (shared with the collection's stateful.nfs.export module, backend=ganesha):
#   $GANESHA_EXPORTS_DIR/<name>.conf   EXPORT blocks of one export "name" (one file per name)
#   $STATE_DIR/ganesha/exports.conf    one %include line per such file; ganesha.conf includes it.
#                                      This is the module's `ganesha_config`.
#   $RUN_DIR/ganesha.pid               pid of ganesha.nfsd; the module's `ganesha_pid_file`
# A reload is a SIGHUP: ganesha adds/removes/updates exports without a restart.
#
# export_add/export_remove go through `ansible-playbook` and stateful.nfs.export from this
# repository when ansible and the module are available (TESTBED_EXPORTS_VIA=auto|module|shell),
# otherwise they render the same EXPORT blocks here.

GANESHA_INCLUDES="$STATE_DIR/ganesha/exports.conf"

exports_via() {
  local via="${TESTBED_EXPORTS_VIA:-auto}"
  if [[ "$via" == auto ]]; then
    if command -v ansible-playbook >/dev/null 2>&1 && [[ -f "$REPO_ROOT/plugins/modules/export.py" ]]; then
      via=module
    else
      via=shell
    fi
  fi
  echo "$via"
}

# _export_module NAME STATE [DIR CLIENTS SQUASH UID GID MODE]
_export_module() {
  local coll="$STATE_DIR/ansible/collections"
  mkdir -p "$coll/ansible_collections/stateful"
  ln -sfn "$REPO_ROOT" "$coll/ansible_collections/stateful/nfs"
  local play="$STATE_DIR/ansible/export-$1.json" out="$STATE_DIR/ansible/export-$1.log"
  python3 - "$play" "$GANESHA_EXPORTS_DIR" "$GANESHA_INCLUDES" "$RUN_DIR/ganesha.pid" "$@" <<'PY'
import json, sys
play, exports_dir, includes, pidfile, name, state = sys.argv[1:7]
args = {"backend": "ganesha", "name": name, "state": state, "exports_dir": exports_dir,
        "ganesha_config": includes, "ganesha_pid_file": pidfile}
if state == "present":
    d, clients, squash, uid, gid, mode = sys.argv[7:13]
    args.update(path=d, owner=uid, group=gid, mode=mode,
                clients=[{"host": c.strip(), "options": ["rw", squash]} for c in clients.split(",") if c.strip()])
    if squash == "no_root_squash":
        args["allow_insecure"] = True
else:
    args["exports"] = []  # filled below from the existing file
    import re
    try:
        text = open("%s/%s.conf" % (exports_dir, name)).read()
    except OSError:
        text = ""
    args["exports"] = [{"path": p} for p in re.findall(r'^\s*Path\s*=\s*"?([^";]+)"?\s*;', text, re.M)]
json.dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "tasks": [{"name": "export %s %s" % (name, state), "stateful.nfs.export": args}]}],
          open(play, "w"), indent=1)
PY
  if [[ "$2" == absent && ! -e "$GANESHA_EXPORTS_DIR/$1.conf" ]]; then return 0; fi
  if ! ANSIBLE_COLLECTIONS_PATH="$coll" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
      ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
      ansible-playbook -i localhost, "$play" > "$out" 2>&1; then
    cat "$out" >&2
    die "stateful.nfs.export ($2 $1) failed"
  fi
}

export_id_for() { # stable numeric id 100..60099 from the name (shell renderer only)
  local h; h="$(printf '%s' "$1" | cksum | cut -d' ' -f1)"
  echo $(( 100 + h % 60000 ))
}

_export_shell() { # NAME DIR CLIENTS SQUASH UID GID MODE
  local name="$1" dir="$2" clients="$3" squash="$4" uid="$5" gid="$6" mode="$7"
  mkdir -p "$dir" "$GANESHA_EXPORTS_DIR"
  chown "$uid:$gid" "$dir"; chmod "$mode" "$dir"
  local f="$GANESHA_EXPORTS_DIR/$name.conf" tmp
  tmp="$(mktemp "$f.XXXX")"
  cat > "$tmp" <<EXP
# managed by the stateful.nfs test bed: export $name
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

# export_add NAME DIR [CLIENTS] [SQUASH] [UID] [GID] [MODE]
export_add() {
  local name="$1" dir="$2" clients="${3:-$NFS_CLIENTS}" squash="${4:-root_squash}"
  local uid="${5:-0}" gid="${6:-0}" mode="${7:-0755}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "export name '$name' must match [A-Za-z0-9._-]+"
  [[ "$dir" == /* ]] || die "export dir '$dir' must be absolute"
  if [[ "$(exports_via)" == module ]]; then
    _export_module "$name" present "$dir" "$clients" "$squash" "$uid" "$gid" "$mode"
  else
    _export_shell "$name" "$dir" "$clients" "$squash" "$uid" "$gid" "$mode"
  fi
}

export_remove() { # NAME (keeps the directories and their data)
  [[ -e "$GANESHA_EXPORTS_DIR/$1.conf" ]] || return 0
  if [[ "$(exports_via)" == module ]]; then
    _export_module "$1" absent
  else
    rm -f "$GANESHA_EXPORTS_DIR/$1.conf"
    export_reload
  fi
}

export_list() {
  local f
  for f in "$GANESHA_EXPORTS_DIR"/*.conf; do
    if [[ -e "$f" ]]; then f="${f##*/}"; echo "${f%.conf}"; fi
  done
}

# Regenerate exports.conf: one %include per file of exports.d; %include lines that
# others (e.g. integration tests) added for files elsewhere are kept while those exist.
export_render_includes() {
  mkdir -p "$GANESHA_EXPORTS_DIR"
  local tmp line target f
  tmp="$(mktemp "$GANESHA_INCLUDES.XXXX")"
  {
    echo "# one %include per file in $GANESHA_EXPORTS_DIR (test bed); other %include lines are kept"
    if [[ -f "$GANESHA_INCLUDES" ]]; then
      while IFS= read -r line; do
        [[ "$line" =~ ^%include[[:space:]]+\"?([^\"]+)\"? ]] || continue
        target="${BASH_REMATCH[1]}"
        if [[ "$(dirname "$target")" != "$GANESHA_EXPORTS_DIR" && -f "$target" ]]; then echo "$line"; fi
      done < "$GANESHA_INCLUDES"
    fi
    for f in "$GANESHA_EXPORTS_DIR"/*.conf; do
      if [[ -e "$f" ]]; then echo "%include \"$f\""; fi
    done
  } > "$tmp"
  if cmp -s "$tmp" "$GANESHA_INCLUDES"; then rm -f "$tmp"; else mv "$tmp" "$GANESHA_INCLUDES"; fi
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
