#!/bin/bash
# adlab.sh - throw-away Samba AD lab (1 or 2 DCs) for AuthWatch's integration tests, Debian 12, as root.
# Adapted from the tested recipe in the project's shared notes; the tests use only this copy.
#
#   adlab.sh up [1|2]        create netns + bridge, provision DC1 (and join DC2), start, wait until usable;
#                            a lab left over from an earlier run (namespaces, processes, files) is purged first
#   adlab.sh status          what is up; exit 0 only when every provisioned DC answers LDAP
#   adlab.sh fixtures        EXCH01/EXCH02 computer accounts with Exchange SMTP SPNs and keytab
#   adlab.sh restart N       restart DC N (ADLAB_FAKETIME_DCN=+10m runs it with a skewed clock via libfaketime;
#                            its chronyd, which serves NTP on the DC's address, is restarted with it)
#   adlab.sh block N PORTS   drop inbound tcp+udp PORTS (nft set syntax, e.g. 88 or '{ 88, 464 }') in DC N's
#                            netns: the client sees silence ("filtered")
#   adlab.sh reject N PORTS  refuse them instead: tcp reset / icmp port-unreachable ("closed")
#   adlab.sh unblock N       remove every block/reject rule of DC N
#   adlab.sh down            stop the DCs, kill what is left in the namespaces, delete them and the bridge
#   adlab.sh purge           down + rm -rf $ADLAB_DIR (default /tmp/authwatch-lab)
#   adlab.sh spn add|delete SPN ACCOUNT   samba-tool spn add/delete on DC1 (over LDAP: it replicates)
#   adlab.sh isolate N       cut DC N off from the other DC only (an unreachable route to it in DC N's netns):
#                            DRS, DNS and Kerberos between the DCs fail at once; the host still reaches both
#   adlab.sh rejoin N        undo isolate, then replicate every NC both ways until it succeeds (<= 60 s)
#   adlab.sh settle N [NC]     replicate, retried for up to 30 s (a DC restarted seconds ago is slow to answer)
#   adlab.sh replicate N [NC]  one 'samba-tool drs replicate' of NC (default: each NC) to DC N from the other;
#                            exit 1 when one fails (the failure is recorded in DC N's repsFrom)
#   adlab.sh dupspn SPN ACCOUNT    give ACCOUNT (e.g. 'EXCH02$') an SPN another object holds: Samba refuses that
#                            over LDAP, so it is written into each DC's domain partition file directly
#   adlab.sh undupspn SPN ACCOUNT  take it away again the same way
#   adlab.sh exchange-schema the Exchange receive connector schema (docs/domain.md §8) and the container path
#                            ...,CN=Servers,...,CN=Microsoft Exchange,CN=Services,CN=Configuration; idempotent
#   adlab.sh connector SERVER NAME AUTH RANGES [BINDINGS]  (re)create receive connector NAME of SERVER (e.g.
#                            EXCH01); AUTH a number or names (Tls,ExchangeServer,...); RANGES and BINDINGS
#                            comma-separated (default binding 0.0.0.0:2525); needs exchange-schema
#   adlab.sh connector-delete SERVER NAME
#   adlab.sh rekey ACCOUNT   new password for ACCOUNT$ on DC1: new kvno, the exported keytab goes stale
#   adlab.sh keytab          re-export EXCH01$'s current keys into $ADLAB_DIR/exch01.keytab
#   adlab.sh slow N SECONDS  DC N answers SECONDS late: every samba process of DC N is stopped (SIGSTOP) and
#                            resumed SECONDS later in the background; the kernel still accepts TCP connections
#                            (listen backlog) and queues datagrams, which samba answers when it resumes.
#                            (This kernel has no sch_netem, so `tc qdisc ... netem delay` is not available;
#                            the delay is the server's, as with a DC that is busy after a change.) chronyd
#                            (NTP) keeps answering.
#   adlab.sh freeze-kdc N SECONDS  the same for DC N's KDC only (the samba processes that hold TCP 88: the
#                            kdc task's pre-fork master and workers); LDAP, DNS and the rest still answer
#   adlab.sh thaw N          resume DC N's stopped processes now (undoes slow/freeze-kdc; down and restart do it too)
#
# Exit code 77 (ctest's skip) when not root or Samba is not installed.
# Layout: bridge adlabbr0 = 198.18.77.1/24 in the host namespace (the tool under test runs here),
# DC1 = 198.18.77.11 in netns adlab1, DC2 = 198.18.77.12 in netns adlab2. The namespaces have no
# default route, so nothing a DC does can leave the machine. /etc/resolv.conf and /etc/hosts are
# never modified: every lab process sees its own copies through a private mount namespace (labns).
set -euo pipefail
# ADLAB_ID=N (0-9, default 0) runs an independent lab beside others: subnet 198.18.(77+N).0/24,
# namespaces adlabN-1/-2 (adlab1/adlab2 for N=0), bridge adlabbrN, files in /tmp/authwatch-lab-N.
ID=${ADLAB_ID:-0}
case "$ID" in [0-9]) ;; *) echo "ADLAB_ID must be 0-9, not '$ID'" >&2; exit 2 ;; esac
if [ "$ID" = 0 ]; then NS=adlab; DEFDIR=/tmp/authwatch-lab; else NS=adlab$ID-; DEFDIR=/tmp/authwatch-lab-$ID; fi
BR=adlabbr$ID; VETH=adl$ID
DIR=${ADLAB_DIR:-$DEFDIR}
PASS=${ADLAB_PASS:-'Passw0rd!Lab'}
REALM=LAB.EXAMPLE; DOMAIN=LAB; DNSDOMAIN=lab.example; NET=198.18.$((77 + ID))
MARKER=.authwatch-adlab   # purge deletes $DIR only when this file says the lab made it
log() { printf '%s [adlab] %s\n' "$(date +%T.%3N)" "$*" >&2; }
ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }

need_root_and_samba() {
  [ "$(id -u)" -eq 0 ] || { log "skipped: needs root (network namespaces, nft, samba)"; exit 77; }
  local t
  for t in samba samba-tool ldapsearch nft unshare; do
    command -v "$t" >/dev/null || { log "skipped: $t not installed (scripts/install-deps.sh installs it)"; exit 77; }
  done
  [ -d /usr/share/samba/setup/ad-schema ] ||
    { log "skipped: samba-ad-provision not installed (scripts/install-deps.sh installs it)"; exit 77; }
}

write_helpers() {
  mkdir -p "$DIR/bin" "$DIR/etc"
  : > "$DIR/$MARKER"
  cat > "$DIR/bin/labns" <<'EOF'
#!/bin/sh
# labns CMD...: run CMD with $LABETC/resolv.conf and $LABETC/hosts bind-mounted over /etc (private mount ns)
E=${LABETC:?}
exec unshare --mount --propagation private sh -c 'mount --bind "$0/resolv.conf" /etc/resolv.conf && mount --bind "$0/hosts" /etc/hosts && exec "$@"' "$E" "$@"
EOF
  chmod +x "$DIR/bin/labns"
  cp /etc/hosts "$DIR/etc/hosts"
  printf '%s.11 dc1.%s dc1\n%s.12 dc2.%s dc2\n' $NET $DNSDOMAIN $NET $DNSDOMAIN >> "$DIR/etc/hosts"
  printf 'nameserver %s.11\nnameserver %s.12\n' $NET $NET > "$DIR/etc/resolv.conf"
  : > "$DIR/etc/empty.conf"      # base config for provision/join, so /etc/samba/smb.conf is not merged in
  cat > "$DIR/etc/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 0
[realms]
	$REALM = {
		kdc = $NET.11
		kdc = $NET.12
		admin_server = $NET.11
	}
[domain_realm]
	.$DNSDOMAIN = $REALM
	$DNSDOMAIN = $REALM
EOF
}

net_up() {
  local i
  ip link add $BR type bridge
  ip addr add $NET.1/24 dev $BR
  ip link set $BR up
  for i in $(seq 1 "$1"); do
    ip netns add $NS$i
    ip link add ${VETH}${i}h type veth peer name ${VETH}${i}n
    ip link set ${VETH}${i}n netns $NS$i
    ip link set ${VETH}${i}h master $BR up
    ip -n $NS$i addr add $NET.1$i/24 dev ${VETH}${i}n
    ip -n $NS$i link set ${VETH}${i}n up
    ip -n $NS$i link set lo up
  done
}

# Processes still inside a lab namespace (e.g. a DC whose pid file was lost with an older $DIR)
# would keep the namespace alive after 'ip netns del': end them, by pid, first politely.
kill_netns_pids() {
  local i=$1 pids
  pids=$(ip netns pids $NS$i 2>/dev/null || true)
  [ -n "$pids" ] || return 0
  log "ending $(echo $pids | wc -w) leftover process(es) in netns $NS$i"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    pids=$(ip netns pids $NS$i 2>/dev/null || true)
    [ -n "$pids" ] || return 0
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
}

net_down() {
  local i
  for i in 1 2; do
    if ip netns list 2>/dev/null | grep -E "^$NS$i( |$)" >/dev/null; then kill_netns_pids $i; fi
    ip netns del $NS$i 2>/dev/null || true; ip link del ${VETH}${i}h 2>/dev/null || true
  done
  ip link del $BR 2>/dev/null || true
}

inns() { local i=$1; shift; ip netns exec $NS$i env LABETC="$DIR/etc" "$DIR/bin/labns" "$@"; }
onhost() { LABETC="$DIR/etc" "$DIR/bin/labns" "$@"; }

dc_opts() {  # everything under $DIR/dcN; nothing under /etc, /var/lib or /run
  local i=$1 D=$DIR/dc$1
  mkdir -p "$D/log" "$D/run"
  OPTS=( "--option=netbios name=DC$i" "--option=interfaces=$NET.1$i" "--option=bind interfaces only=yes"
         "--option=disable netbios=yes" "--option=pid directory=$D/run" "--option=ncalrpc dir=$D/run/ncalrpc"
         "--option=winbindd socket directory=$D/run/winbindd" "--option=ntp signd socket directory=$D/run/ntp_signd"
         "--option=log file=$D/log/samba.log" "--option=logging=file" )
}

ldap_answers() { ldapsearch -x -o nettimeout=2 -l 2 -H "ldap://$1" -b '' -s base -LLL dnsHostName >/dev/null 2>&1; }

wait_ldap() {  # wait_ldap IP TIMEOUT
  local t0; t0=$(ts)
  until ldap_answers "$1"; do
    [ "$(el "$t0" | cut -d. -f1)" -ge "$2" ] && { log "LDAP on $1 not up after $2 s"; return 1; }
    sleep 0.2
  done
}

faketime_lib() { local f; for f in /usr/lib/*/faketime/libfaketime.so.1; do [ -e "$f" ] && { echo "$f"; return; }; done; return 0; }

start_dc() {
  local i=$1 t0; t0=$(ts)
  sed -i '/dns forwarder/d' "$DIR/dc$i/etc/smb.conf"   # provision copies the resolver; no forwarding wanted
  local ftv="ADLAB_FAKETIME_DC$i" pre=()
  rm -f "$DIR/dc$i/run/faketime"
  # LD_PRELOAD directly (the 'faketime' wrapper blocks until the daemon exits); without
  # LDB_MODULES_DISABLE_DEEPBIND=1 the ldb modules (e.g. rootDSE currentTime) ignore the fake clock
  if [ -n "${!ftv:-}" ]; then
    local lib; lib=$(faketime_lib)
    [ -n "$lib" ] || { log "libfaketime not installed (package faketime)"; return 1; }
    pre=(LD_PRELOAD="$lib" FAKETIME="${!ftv}" LDB_MODULES_DISABLE_DEEPBIND=1)
    [ -f "$DIR/shm.before" ] || ls /dev/shm > "$DIR/shm.before"   # libfaketime leaves faketime_shm_<pid> behind
    printf '%s\n' "${!ftv}" > "$DIR/dc$i/run/faketime"
  fi
  # (preload only into samba: a preloaded shell that forks leaves /dev/shm/faketime_shm_<pid> behind)
  inns "$i" env "${pre[@]}" samba -D ${ADLAB_SAMBA_ARGS:-} -s "$DIR/dc$i/etc/smb.conf"
  start_ntp "$i" "${pre[@]}"
  wait_ldap $NET.1$i 120
  log "DC$i LDAP answering after $(el "$t0") s (pid $(cat "$DIR/dc$i/run/samba.pid"))${pre:+ with FAKETIME=${!ftv}}"
}

# A Windows DC serves NTP (w32time) to its members; a Samba DC leaves that to ntpd/chrony, so each
# lab DC gets a chronyd on its own address serving its (possibly faked) local clock, never touching
# the host's clock (-x). Under the same libfaketime settings as samba, so a skewed DC is skewed on
# all three clock paths (SNTP, KRB-ERROR stime, rootDSE currentTime).
start_ntp() {
  local i=$1; shift
  command -v chronyd >/dev/null || { log "chronyd not installed: DC$i serves no NTP"; return 0; }
  local D=$DIR/dc$i/ntp; mkdir -p "$D"
  printf '%s\n' "bindaddress $NET.1$i" "allow all" "local stratum 3" "cmdport 0" "bindcmdaddress /" \
    "driftfile $D/drift" "pidfile $D/chronyd.pid" > "$D/chrony.conf"
  # DONT_FAKE_MONOTONIC: chronyd times its polls with the monotonic clock, which must stay real
  inns "$i" env "$@" ${1:+DONT_FAKE_MONOTONIC=1} chronyd -f "$D/chrony.conf" -x -u root -l "$D/chronyd.log"
}

stop_pidfile() {  # stop_pidfile FILE NAME
  local f=$1 p
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  if kill -TERM "$p" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
    log "$2 (pid $p) stopped"
  fi
  rm -f "$f"
}

# slow / freeze-kdc: SIGSTOP the given processes of DC N now, SIGCONT them after SECONDS from a
# detached timer (its pid and the stopped pids are kept under dcN/run so thaw can end both early).
stop_for() {  # stop_for N SECONDS WHAT PIDS...
  local i=$1 secs=$2 what=$3; shift 3
  local R=$DIR/dc$i/run
  [ $# -gt 0 ] || { log "DC$i: no $what process found"; return 1; }
  cmd_thaw "$i"
  printf '%s\n' "$@" > "$R/frozen"
  kill -STOP "$@" 2>/dev/null || true   # (a worker may have exited meanwhile)
  setsid sh -c 'sleep "$1"; shift; kill -CONT "$@" 2>/dev/null; rm -f "'"$R"'/frozen" "'"$R"'/thaw.pid"' thaw "$secs" "$@" \
    </dev/null >/dev/null 2>&1 &
  echo $! > "$R/thaw.pid"   # setsid's: the timer's process group, so thaw ends its sleep too
  log "DC$i: $what stopped for $secs s ($# processes: $*)"
}

cmd_slow() {  # every process in DC N's namespace but its chronyd
  local i=$1 secs=$2 ntp p pids=()
  ntp=$(cat "$DIR/dc$i/ntp/chronyd.pid" 2>/dev/null || true)
  for p in $(ip netns pids $NS$i 2>/dev/null); do [ "$p" = "$ntp" ] || pids+=("$p"); done
  stop_for "$i" "$secs" "samba" "${pids[@]}"
}

cmd_freeze_kdc() {  # the processes that hold the KDC's TCP 88 socket (samba's kdc task)
  local i=$1 secs=$2 pids
  pids=$(ip netns exec $NS$i ss -ltnpH 'sport = :88' | grep -oE 'pid=[0-9]+' | cut -d= -f2 | sort -u || true)
  # shellcheck disable=SC2086
  stop_for "$i" "$secs" "KDC" $pids
}

cmd_thaw() {
  local R=$DIR/dc$1/run p
  [ -f "$R/thaw.pid" ] && { kill -- "-$(cat "$R/thaw.pid")" 2>/dev/null || true; }
  if [ -f "$R/frozen" ]; then
    for p in $(cat "$R/frozen"); do kill -CONT "$p" 2>/dev/null || true; done
    log "DC$1 resumed"
  fi
  rm -f "$R/frozen" "$R/thaw.pid"
}

need_dc_seconds() {
  case "${1:-}" in 1|2) ;; *) log "usage: adlab.sh $cmd N SECONDS"; exit 2 ;; esac
  [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 600 ] || { log "usage: adlab.sh $cmd N SECONDS (1-600)"; exit 2; }
  [ -d "$DIR/dc$1/run" ] || { log "DC$1 is not provisioned"; exit 2; }
}

stop_dc() {
  [ -d "$DIR/dc$1/run" ] && cmd_thaw "$1"
  stop_pidfile "$DIR/dc$1/ntp/chronyd.pid" "chronyd of DC$1"
  stop_pidfile "$DIR/dc$1/run/samba.pid" "DC$1"
}

provision_failed() {
  log "$1 failed; last lines of $2:"; tail -n 20 "$2" >&2 || true; exit 1
}

cmd_up() {
  local n=${1:-1} t0 t; t0=$(ts)
  case "$n" in 1|2) ;; *) log "up: 1 or 2 DCs, not '$n'"; exit 2 ;; esac
  if [ -e "$DIR" ] || ip netns list 2>/dev/null | grep -E "^$NS[12]( |$)" >/dev/null || ip link show $BR >/dev/null 2>&1; then
    log "a lab from an earlier run is present: purging it first"
    cmd_purge
  fi
  write_helpers; net_up "$n"
  t=$(ts); dc_opts 1
  inns 1 samba-tool domain provision -s "$DIR/etc/empty.conf" --realm=$REALM --domain=$DOMAIN \
      --server-role=dc --dns-backend=SAMBA_INTERNAL --use-rfc2307 --adminpass="$PASS" \
      --targetdir="$DIR/dc1" --host-name=dc1 --host-ip=$NET.11 "${OPTS[@]}" > "$DIR/provision-dc1.log" 2>&1 \
    || provision_failed "DC1 provision" "$DIR/provision-dc1.log"
  log "DC1 provisioned in $(el "$t") s"
  start_dc 1
  if [ "$n" = 2 ]; then
    t=$(ts); dc_opts 2
    inns 2 samba-tool domain join $DNSDOMAIN DC -s "$DIR/etc/empty.conf" -U "$DOMAIN\\Administrator" \
        --password="$PASS" --server=dc1.$DNSDOMAIN --dns-backend=SAMBA_INTERNAL --targetdir="$DIR/dc2" \
        "${OPTS[@]}" > "$DIR/join-dc2.log" 2>&1 || provision_failed "DC2 join" "$DIR/join-dc2.log"
    log "DC2 joined in $(el "$t") s"
    start_dc 2
    t=$(ts)
    for nc in "DC=lab,DC=example" "CN=Configuration,DC=lab,DC=example"; do
      for pair in "dc1 dc2" "dc2 dc1"; do
        set -- $pair
        until onhost samba-tool drs replicate "$1.$DNSDOMAIN" "$2.$DNSDOMAIN" "$nc" -U "Administrator%$PASS" >/dev/null 2>&1; do
          [ "$(el "$t" | cut -d. -f1)" -ge 120 ] && { log "replication $2 -> $1 failed"; exit 1; }
          sleep 1
        done
      done
    done
    log "replication both ways OK after $(el "$t") s"
  fi
  KRB5_CONFIG="$DIR/etc/krb5.conf" KRB5CCNAME="FILE:$DIR/ccache.admin" kinit Administrator <<<"$PASS" >/dev/null
  log "lab with $n DC(s) ready in $(el "$t0") s; export KRB5_CONFIG=$DIR/etc/krb5.conf KRB5CCNAME=FILE:$DIR/ccache.admin"
}

cmd_status() {
  local healthy=1 any=0 i p
  for i in 1 2; do
    [ -d "$DIR/dc$i" ] || continue
    any=1
    p=$(cat "$DIR/dc$i/run/samba.pid" 2>/dev/null || true)
    local line="DC$i $NET.1$i:"
    if ip netns list 2>/dev/null | grep -E "^$NS$i( |$)" >/dev/null; then line+=" netns=up"; else line+=" netns=missing"; healthy=0; fi
    if [ -n "$p" ] && [ -d "/proc/$p" ]; then line+=" samba=pid $p"; else line+=" samba=stopped"; healthy=0; fi
    if ldap_answers "$NET.1$i"; then line+=" ldap=answers"; else line+=" ldap=silent"; healthy=0; fi
    p=$(cat "$DIR/dc$i/ntp/chronyd.pid" 2>/dev/null || true)
    if [ -n "$p" ] && [ -d "/proc/$p" ]; then line+=" ntp=pid $p"; else line+=" ntp=stopped"; fi
    [ -f "$DIR/dc$i/run/faketime" ] && line+=" faketime=$(cat "$DIR/dc$i/run/faketime")"
    if [ "$(id -u)" -eq 0 ] && ip netns exec $NS$i nft list table inet adlab_block >/dev/null 2>&1; then
      line+=" rules=$(ip netns exec $NS$i nft list table inet adlab_block | grep -cE 'drop|reject' || true) block/reject"
    fi
    echo "$line"
  done
  [ "$any" = 1 ] || { echo "no lab in $DIR"; return 1; }
  [ "$healthy" = 1 ]
}

cmd_fixtures() {
  local U="Administrator%$PASS" H="ldap://dc1.$DNSDOMAIN"
  for c in EXCH01 EXCH02; do
    onhost samba-tool computer create $c -H $H -U "$U"
    onhost samba-tool user setpassword "$c\$" --newpassword="Pw-$c-$RANDOM-x1!" -H $H -U "$U"
  done
  for s in SMTPSVC/exch01 SMTPSVC/exch01.$DNSDOMAIN SMTP/exch01 SMTP/exch01.$DNSDOMAIN; do
    onhost samba-tool spn add "$s" 'EXCH01$' -H $H -U "$U"
  done
  samba-tool domain exportkeytab "$DIR/exch01.keytab" -s "$DIR/dc1/etc/smb.conf" --principal='EXCH01$'
  # Settled before anyone looks: DC2 holds the accounts and SPNs too, else the first probe run
  # sees the DCs disagree (a replication fault that is only latency).
  if [ -d "$DIR/dc2" ]; then cmd_replicate 2 "DC=lab,DC=example" || log "DC2 has not replicated the fixtures yet"; fi
  log "fixtures created; keytab $DIR/exch01.keytab"
}

# A computer account's password changed on DC1 (a rejoin, a restore, a reset): its keys get a new
# kvno, and a keytab exported before is stale.
cmd_rekey() {  # cmd_rekey ACCOUNT (e.g. EXCH01)
  [ -n "${1:-}" ] || { log "usage: adlab.sh rekey ACCOUNT"; exit 2; }
  onhost samba-tool user setpassword "$1\$" --newpassword="Pw-$1-$RANDOM$RANDOM-x1!" \
    -H "ldap://dc1.$DNSDOMAIN" -U "Administrator%$PASS" >/dev/null
  log "$1\$ has a new password (its keytab is stale until 'adlab.sh keytab')"
}

# Re-exports EXCH01$'s current keys into $DIR/exch01.keytab, replacing it whole.
cmd_keytab() {
  rm -f "$DIR/exch01.keytab.new"
  samba-tool domain exportkeytab "$DIR/exch01.keytab.new" -s "$DIR/dc1/etc/smb.conf" --principal='EXCH01$' >/dev/null
  mv -f "$DIR/exch01.keytab.new" "$DIR/exch01.keytab"
  log "keytab $DIR/exch01.keytab re-exported"
}

# nft rules in DC N's own namespace; block and reject add to the same table, unblock drops it.
add_rules() {  # add_rules N PORTS RULES...
  local i=$1 ports=$2; shift 2
  local body="" r
  for r in "$@"; do body+="meta l4proto $r;"$'\n'; done
  body=${body//@PORTS@/$ports}
  ip netns exec $NS$i nft -f - <<EOF
table inet adlab_block { chain input { type filter hook input priority 0; policy accept;
$body}; }
EOF
}

# Removes only the libfaketime segments created since the first skewed start whose process is gone.
clean_faketime_shm() {
  local f n   # (bash scoping: unqualified names here would overwrite cmd_up's)
  [ -f "$DIR/shm.before" ] || return 0
  for f in /dev/shm/faketime_shm_* /dev/shm/sem.faketime_sem_*; do
    [ -e "$f" ] || continue; n=${f#/dev/shm/}
    grep -qxF "$n" "$DIR/shm.before" && continue
    kill -0 "${n##*_}" 2>/dev/null || rm -f "$f"
  done
}

cmd_down() {
  stop_dc 2; stop_dc 1; net_down
  clean_faketime_shm; rm -f "$DIR/shm.before"
  log "down (files kept in $DIR)"
}

cmd_purge() {
  cmd_down
  [ -e "$DIR" ] || return 0
  if [ -e "$DIR/$MARKER" ] || [ -z "$(ls -A "$DIR")" ]; then
    rm -rf "$DIR"
  else
    log "not deleting $DIR: it was not made by adlab.sh (no $MARKER); set ADLAB_DIR elsewhere or remove it"; exit 1
  fi
}

# Samba's python bindings belong to Debian's python3, whatever python3 comes first in PATH.
SAMBA_PY=/usr/bin/python3

# labdb.py: edits of a DC's directory through Samba's own bindings, for what LDAP does not allow:
# schema additions ("dsdb:schema update allowed") and an SPN held twice (samldb refuses it even with
# the relax control, so it goes into the partition file, below every module).
write_labdb() {
  mkdir -p "$DIR/bin"
  cat > "$DIR/bin/labdb.py" <<'EOF'
import sys
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

# A private OID arc in Microsoft's oidgen form: these are not Exchange's own OIDs; AuthWatch only
# relies on the lDAPDisplayNames.
OID = "1.2.840.113556.1.8000.2554.41413.30651.42011.16990.46101.7720571.9284012"
ATTRIBUTES = [  # cn, lDAPDisplayName, attributeSyntax, oMSyntax, single-valued
    ("ms-Exch-SMTP-Receive-Inbound-Security-Flag", "msExchSMTPReceiveInboundSecurityFlag", "2.5.5.9", 2, True),
    ("ms-Exch-Smtp-Receive-Bindings", "msExchSmtpReceiveBindings", "2.5.5.12", 64, False),
    ("ms-Exch-Smtp-Receive-Remote-IP-Ranges", "msExchSmtpReceiveRemoteIPRanges", "2.5.5.12", 64, False),
    ("ms-Exch-Smtp-Receive-Enabled", "msExchSmtpReceiveEnabled", "2.5.5.8", 1, True),
    ("ms-Exch-SMTP-Receive-Connector-FQDN", "msExchSMTPReceiveConnectorFQDN", "2.5.5.12", 64, True),
]
CONNECTOR_CLASS = ("ms-Exch-Smtp-Receive-Connector", "msExchSmtpReceiveConnector")
SERVERS_PATH = ["CN=Microsoft Exchange", "CN=AuthWatch Lab", "CN=Administrative Groups",
                "CN=Exchange Administrative Group (FYDIBOHF23SPDLT)", "CN=Servers"]
AUTH_BITS = {"none": 0, "tls": 1, "integrated": 2, "basicauth": 4, "basicauthrequiretls": 8,
             "exchangeserver": 16, "externalauthoritative": 32}


def samdb(smbconf, schema_updates=False):
    lp = LoadParm()
    lp.load(smbconf)
    if schema_updates:
        lp.set("dsdb:schema update allowed", "true")
    return SamDB(url=lp.samdb_url(), lp=lp, session_info=system_session())


def exists(db, dn):
    try:
        return len(db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["dn"])) == 1
    except ldb.LdbError as e:
        if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
            return False
        raise


def update_schema_now(db):
    db.modify_ldif("dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n")


def containers(db, parent, rdns):
    for rdn in rdns:
        parent = rdn + "," + parent
        if not exists(db, parent):
            db.add({"dn": parent, "objectClass": "container"})
    return parent


def servers_dn(db):
    return ",".join(reversed(SERVERS_PATH)) + ",CN=Services," + str(db.get_config_basedn())


def schema(smbconf):
    db = samdb(smbconf, schema_updates=True)
    base = str(db.get_schema_basedn())
    added = []
    for i, (cn, name, syntax, om_syntax, single) in enumerate(ATTRIBUTES, 1):
        dn = "CN=%s,%s" % (cn, base)
        if not exists(db, dn):
            db.add({"dn": dn, "objectClass": ["top", "attributeSchema"], "adminDisplayName": cn,
                    "lDAPDisplayName": name, "attributeID": "%s.1.%d" % (OID, i), "attributeSyntax": syntax,
                    "oMSyntax": str(om_syntax), "isSingleValued": "TRUE" if single else "FALSE"})
            added.append(name)
    if added:
        update_schema_now(db)  # a class may only name attributes the loaded schema knows
    cn, name = CONNECTOR_CLASS
    dn = "CN=%s,%s" % (cn, base)
    if not exists(db, dn):
        db.add({"dn": dn, "objectClass": ["top", "classSchema"], "adminDisplayName": cn, "lDAPDisplayName": name,
                "governsID": "%s.2.1" % OID, "objectClassCategory": "1", "subClassOf": "top",
                "rDNAttID": "cn", "possSuperiors": ["container"], "mayContain": [a[1] for a in ATTRIBUTES]})
        added.append(name)
        update_schema_now(db)
    containers(db, "CN=Services," + str(db.get_config_basedn()), SERVERS_PATH)
    print("schema: %s" % (", ".join(added) + " added" if added else "already present"))


def auth_bits(text):
    if text.isdigit():
        return int(text)
    bits = 0
    for name in text.split(","):
        key = name.strip().lower()
        if key not in AUTH_BITS:
            sys.exit("unknown AuthMechanism '%s' (known: %s)" % (name, ", ".join(AUTH_BITS)))
        bits |= AUTH_BITS[key]
    return bits


def connector_dn(db, server, name):
    servers = servers_dn(db)
    if not exists(db, servers):
        sys.exit("no %s: run 'adlab.sh exchange-schema' first" % servers)
    escaped = name
    for c in '\\,+"<>;=':
        escaped = escaped.replace(c, "\\" + c)
    parent = containers(db, servers, ["CN=%s" % server, "CN=Protocols", "CN=SMTP Receive Connectors"])
    return "CN=%s,%s" % (escaped, parent)


def connector(smbconf, server, name, auth, ranges, bindings):
    db = samdb(smbconf)
    dn = connector_dn(db, server, name)
    if exists(db, dn):
        db.delete(dn)
    db.add({"dn": dn, "objectClass": ["top", CONNECTOR_CLASS[1]],
            "msExchSMTPReceiveInboundSecurityFlag": str(auth_bits(auth)),
            "msExchSmtpReceiveRemoteIPRanges": [r.strip() for r in ranges.split(",") if r.strip()],
            "msExchSmtpReceiveBindings": [b.strip() for b in bindings.split(",") if b.strip()],
            "msExchSmtpReceiveEnabled": "TRUE"})
    print("connector: %s" % dn)


def connector_delete(smbconf, server, name):
    db = samdb(smbconf)
    dn = connector_dn(db, server, name)
    if exists(db, dn):
        db.delete(dn)
        print("connector deleted: %s" % dn)


def spn_raw(op, partition, account, spn):
    db = ldb.Ldb(partition)  # the partition file alone: no samldb, so no uniqueness check
    found = db.search(base=None, scope=ldb.SCOPE_SUBTREE, attrs=["dn"],
                      expression="(sAMAccountName=%s)" % ldb.binary_encode(account))
    if len(found) != 1:
        sys.exit("%s: %d objects with sAMAccountName %s" % (partition, len(found), account))
    m = ldb.Message()
    m.dn = found[0].dn
    flag = ldb.FLAG_MOD_ADD if op == "add" else ldb.FLAG_MOD_DELETE
    m["servicePrincipalName"] = ldb.MessageElement(spn, flag, "servicePrincipalName")
    try:
        db.modify(m)
    except ldb.LdbError as e:  # already there / already gone: the wanted state
        if e.args[0] not in (ldb.ERR_ATTRIBUTE_OR_VALUE_EXISTS, ldb.ERR_NO_SUCH_ATTRIBUTE):
            raise


commands = {"schema": schema, "connector": connector, "connector-delete": connector_delete, "spn-raw": spn_raw}
commands[sys.argv[1]](*sys.argv[2:])
EOF
}

domain_partition() {  # domain_partition N: DC N's partition file of the domain naming context
  local up; up=$(echo "DC=$DNSDOMAIN" | sed 's/\./,DC=/g' | tr '[:lower:]' '[:upper:]')
  echo "$DIR/dc$1/private/sam.ldb.d/$up.ldb"
}

cmd_spn_raw() {  # cmd_spn_raw add|delete SPN ACCOUNT, on every provisioned DC
  local op=$1 spn=$2 account=$3 i
  [ -n "$spn" ] && [ -n "$account" ] || { log "usage: adlab.sh dupspn|undupspn SPN ACCOUNT"; exit 2; }
  write_labdb
  for i in 1 2; do
    [ -d "$DIR/dc$i/private" ] || continue
    $SAMBA_PY "$DIR/bin/labdb.py" spn-raw "$op" "$(domain_partition $i)" "$account" "$spn"
  done
  local done="added to"; [ "$op" = add ] || done="removed from"
  log "$spn $done $account in every DC's partition file (below DRS: nothing replicates it)"
}

cmd_exchange_schema() {
  write_labdb
  $SAMBA_PY "$DIR/bin/labdb.py" schema "$DIR/dc1/etc/smb.conf"
  if [ -d "$DIR/dc2/private" ]; then  # DC2 needs the classes before it can take the connectors
    # Retried as the join's replication is: right after the schema change DC1's DRS server can
    # answer WERR_WRITE_FAULT (seen in CI), which passes within seconds.
    local nc t
    t=$(ts)
    for nc in "CN=Schema,CN=Configuration,DC=lab,DC=example" "CN=Configuration,DC=lab,DC=example"; do
      until onhost samba-tool drs replicate dc2.$DNSDOMAIN dc1.$DNSDOMAIN "$nc" -U "Administrator%$PASS" >"$DIR/schema-replicate.log" 2>&1; do
        [ "$(el "$t" | cut -d. -f1)" -ge 60 ] && { cat "$DIR/schema-replicate.log" >&2; log "replication of $nc to DC2 failed"; exit 1; }
        sleep 1
      done
    done
  fi
  log "Exchange receive connector schema and containers present"
}

# Replication faults between the two DCs. An 'unreachable' route rather than nft drop/reject: with
# drop (or a locally generated reset, which the kernel does not hand back to the socket) Samba's
# DRS connect waits out its 60 s timeout (WERR_SEM_TIMEOUT); with the route the connect fails at
# once with EHOSTUNREACH (WERR_HOST_UNREACHABLE, 1232) and replies to the other DC are lost too.
# (ss -K needs a kernel with CONFIG_INET_DIAG_DESTROY, as Debian's has.)
other_dc() { if [ "$1" = 1 ]; then echo 2; else echo 1; fi; }
need_dc_pair() {
  case "${1:-}" in 1|2) ;; *) log "usage: adlab.sh $cmd N (1 or 2)"; exit 2 ;; esac
  [ -d "$DIR/dc2" ] || { log "$cmd needs the 2-DC lab (adlab.sh up 2)"; exit 2; }
}
all_ncs() {
  local base; base=$(echo "DC=$DNSDOMAIN" | sed 's/\./,DC=/g')
  printf '%s\n' "$base" "CN=Configuration,$base" "CN=Schema,CN=Configuration,$base" "DC=DomainDnsZones,$base" "DC=ForestDnsZones,$base"
}

cmd_isolate() {
  local i=$1 o; o=$(other_dc "$1")
  ip -n $NS$i route replace unreachable $NET.1$o/32
  # connections already open (Samba keeps its DRS connection) would only time out: end them
  ip netns exec $NS$i ss -K -tn dst $NET.1$o >/dev/null 2>&1 || true
  log "DC$i isolated from DC$o ($NET.1$o unreachable in netns $NS$i)"
}

cmd_replicate() {  # cmd_replicate N [NC]: DC N pulls NC (default every NC) from the other DC, once
  local i=$1 o nc rc=0 ncs; o=$(other_dc "$1")
  if [ -n "${2:-}" ]; then ncs=$2; else ncs=$(all_ncs); fi
  while IFS= read -r nc; do
    onhost samba-tool drs replicate dc$i.$DNSDOMAIN dc$o.$DNSDOMAIN "$nc" -U "Administrator%$PASS" >/dev/null 2>&1 \
      || { log "DC$i could not replicate $nc from DC$o"; rc=1; }
  done <<< "$ncs"
  return $rc
}

# Right after a DC restarts (the faketime tests do that) its DRS server takes a few seconds to
# answer: a one-shot replicate then fails although nothing is wrong. Retry for up to 30 s.
cmd_replicate_settled() {
  local t; t=$(ts)
  until cmd_replicate "$1" "${2:-}" 2>/dev/null; do
    [ "$(el "$t" | cut -d. -f1)" -ge 30 ] && { cmd_replicate "$1" "${2:-}"; return; }
    sleep 1
  done
}

cmd_rejoin() {
  local i=$1 o t; o=$(other_dc "$1"); t=$(ts)
  ip -n $NS$i route del unreachable $NET.1$o/32 2>/dev/null || true
  until cmd_replicate "$i" 2>/dev/null && cmd_replicate "$o" 2>/dev/null; do
    [ "$(el "$t" | cut -d. -f1)" -ge 60 ] && { log "DC$i and DC$o still do not replicate after 60 s"; return 1; }
    sleep 1
  done
  log "DC$i rejoined: every NC replicated both ways after $(el "$t") s"
}

cmd=${1:-}
case "$cmd" in
  up|down|purge|fixtures|restart|block|reject|unblock|spn|dupspn|undupspn|exchange-schema|connector|connector-delete|isolate|rejoin|replicate|settle|rekey|keytab|slow|freeze-kdc|thaw)
    need_root_and_samba ;;
esac
case "$cmd" in
  up) cmd_up "${2:-1}" ;;
  status) cmd_status ;;
  fixtures) cmd_fixtures ;;
  restart) stop_dc "$2"; clean_faketime_shm; start_dc "$2" ;;
  block) add_rules "$2" "$3" 'tcp th dport @PORTS@ drop' 'udp th dport @PORTS@ drop' ;;
  reject) add_rules "$2" "$3" 'tcp th dport @PORTS@ reject with tcp reset' \
                              'udp th dport @PORTS@ reject with icmpx type port-unreachable' ;;
  unblock) ip netns exec $NS$2 nft delete table inet adlab_block 2>/dev/null || true ;;
  down) cmd_down ;;
  purge) cmd_purge ;;
  spn) case "${2:-}" in add|delete) ;; *) log "usage: adlab.sh spn add|delete SPN ACCOUNT"; exit 2 ;; esac
       onhost samba-tool spn "$2" "$3" "$4" -H "ldap://dc1.$DNSDOMAIN" -U "Administrator%$PASS" ;;
  dupspn) cmd_spn_raw add "${2:-}" "${3:-}" ;;
  isolate) need_dc_pair "${2:-}"; cmd_isolate "$2" ;;
  rejoin) need_dc_pair "${2:-}"; cmd_rejoin "$2" ;;
  replicate) need_dc_pair "${2:-}"; cmd_replicate "$2" "${3:-}" ;;
  settle) need_dc_pair "${2:-}"; cmd_replicate_settled "$2" "${3:-}" ;;
  undupspn) cmd_spn_raw delete "${2:-}" "${3:-}" ;;
  exchange-schema) cmd_exchange_schema ;;
  rekey) cmd_rekey "${2:-}" ;;
  keytab) cmd_keytab ;;
  slow) need_dc_seconds "${2:-}" "${3:-}"; cmd_slow "$2" "$3" ;;
  freeze-kdc) need_dc_seconds "${2:-}" "${3:-}"; cmd_freeze_kdc "$2" "$3" ;;
  thaw) case "${2:-}" in 1|2) ;; *) log "usage: adlab.sh thaw N"; exit 2 ;; esac; [ -d "$DIR/dc$2/run" ] && cmd_thaw "$2" ;;
  connector) [ $# -ge 5 ] || { log "usage: adlab.sh connector SERVER NAME AUTH RANGES [BINDINGS]"; exit 2; }
             write_labdb; $SAMBA_PY "$DIR/bin/labdb.py" connector "$DIR/dc1/etc/smb.conf" "$2" "$3" "$4" "$5" "${6:-0.0.0.0:2525}" ;;
  connector-delete) [ $# -ge 3 ] || { log "usage: adlab.sh connector-delete SERVER NAME"; exit 2; }
                    write_labdb; $SAMBA_PY "$DIR/bin/labdb.py" connector-delete "$DIR/dc1/etc/smb.conf" "$2" "$3" ;;
  *) awk 'NR > 1 && /^set -euo/ { exit } NR > 1' "$0"; exit 2 ;;
esac
