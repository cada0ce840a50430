#!/usr/bin/env bash
# Directory diagnosis benchmark (issue 4): `authwatch probe` with every probe (dns, clock, ports,
# smtp, ticket, replication, spn, connector) against both lab DCs, the scripted Exchange peer
# (playing exch01.lab.example) and this server's own SPNs (exch02.lab.example), against the same
# checks done one after another with the standard tools an administrator uses (ldapsearch -Y
# GSSAPI, kvno, samba-tool drs showrepl, plus bench/probe_bench.sh's clock/port/EHLO tools for each
# DC), both in this invocation. Needs root (the lab lives in namespaces). ADLAB_ID picks the lab
# (default 0); a lab this script had to bring up is purged at the end (BENCH_KEEP_LAB=1 keeps it).
# Usage: [ADLAB_ID=N] [AUTHWATCH_BIN=path] bench/directory_bench.sh [repetitions]   (default 5; prints markdown)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "directory_bench: needs root (network namespaces)" >&2; exit 2; }
command -v ntpdig >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ntpsec-ntpdig >/dev/null
command -v nc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends netcat-openbsd >/dev/null
AW=${AUTHWATCH_BIN:-build/cli/authwatch}
[ -x "$AW" ] || ./scripts/build.sh >/dev/null
LAB=tests/lab/adlab.sh
ID=${ADLAB_ID:-0}
NET=198.18.$((77 + ID))
LAB_DIR=${ADLAB_DIR:-$([ "$ID" = 0 ] && echo /tmp/authwatch-lab || echo /tmp/authwatch-lab-$ID)}
DC1=$NET.11 DC2=$NET.12 REALM=LAB.EXAMPLE DOMAIN=lab.example T=3 PEER_FQDN=exch01.lab.example LOCAL_FQDN=exch02.lab.example
EXCH02_SPNS="SMTPSVC/exch02 SMTPSVC/$LOCAL_FQDN SMTP/exch02 SMTP/$LOCAL_FQDN"
STARTED_LAB=0
if ! "$LAB" status 2>/dev/null | grep -q '^DC2 .*ldap=answers'; then "$LAB" up 2 >/dev/null 2>&1; STARTED_LAB=1; fi
[ -f "$LAB_DIR/exch01.keytab" ] || "$LAB" fixtures >/dev/null 2>&1
"$LAB" exchange-schema >/dev/null 2>&1
export KRB5_CONFIG=$LAB_DIR/etc/krb5.conf
WORK=$(mktemp -d)
PEER_PID=
cleanup() {
  [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null || true
  "$LAB" unblock 2 >/dev/null 2>&1 || true
  "$LAB" connector-delete EXCH01 'Default EXCH01' >/dev/null 2>&1 || true
  for s in $EXCH02_SPNS; do "$LAB" spn delete "$s" 'EXCH02$' >/dev/null 2>&1 || true; done
  if [ "$STARTED_LAB" = 1 ] && [ "${BENCH_KEEP_LAB:-0}" != 1 ]; then "$LAB" purge >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cp "${LAB_DIR}/ccache.admin" "$WORK/ccache"   # kvno writes the tickets it gets: never into the lab's cache
export KRB5CCNAME=FILE:$WORK/ccache
python3 tests/peers/exchange_smtp_peer.py --port 0 --mode exchange --fqdn $PEER_FQDN > "$WORK/peer.out" &
PEER_PID=$!
for _ in $(seq 50); do grep -q READY "$WORK/peer.out" 2>/dev/null && break; sleep 0.1; done
PEER_PORT=$(awk '/READY/ {print $2}' "$WORK/peer.out")
# The healthy lab as Exchange leaves it: this server's SPNs, the peer's Default connector with
# ExchangeServer; then DC2 replicates so both DCs agree.
for s in $EXCH02_SPNS; do "$LAB" spn add "$s" 'EXCH02$' >/dev/null 2>&1 || true; done
"$LAB" connector EXCH01 'Default EXCH01' Tls,Integrated,BasicAuth,BasicAuthRequireTLS,ExchangeServer \
  0.0.0.0-255.255.255.255 "0.0.0.0:$PEER_PORT" >/dev/null 2>&1
"$LAB" replicate 2 >/dev/null 2>&1
# probe_bench.sh's KDC clock readings: kinit for an unknown principal, over UDP and over TCP, per DC.
for dc in $DC1 $DC2; do
  cat > "$WORK/krb5-udp-$dc.conf" <<EOC
[libdefaults]
  default_realm = $REALM
  udp_preference_limit = 1465
  dns_lookup_kdc = false
[realms]
  $REALM = { kdc = $dc }
EOC
  sed 's/udp_preference_limit = 1465/udp_preference_limit = 1/' "$WORK/krb5-udp-$dc.conf" > "$WORK/krb5-tcp-$dc.conf"
done

authwatch_run() {
  "$AW" --db "$WORK/bench.db" --quiet probe --dc $DC1 --dc $DC2 --realm $REALM --domain $DOMAIN --dns-server $DC1 \
    --peer 127.0.0.1:$PEER_PORT --peer-fqdn $PEER_FQDN --local-fqdn $LOCAL_FQDN --local-ip $NET.1 \
    --ccache "FILE:$WORK/ccache" --peer-keytab "$LAB_DIR/exch01.keytab" --format json > "$WORK/last.json" || true
}
# The lab's names (dc1.lab.example ...) resolve only through its hosts file: GSSAPI needs them.
labns() { LABETC="$LAB_DIR/etc" "$LAB_DIR/bin/labns" "$@"; }
gssearch() {  # gssearch HOST PORT BASE FILTER ATTRS...
  local h=$1 p=$2 b=$3 f=$4; shift 4
  labns ldapsearch -Q -Y GSSAPI -N -o nettimeout=$T -l $T -H "ldap://$h:$p" -b "$b" -LLL "$f" "$@" >/dev/null 2>&1 || true
}
# The same checks, one tool and one step at a time, each with the same 3 s timeout.
sequential_run() {
  local spn dc p   # local: bash's dynamic scoping would let these overwrite the caller's
  dig +time=$T +tries=1 @$DC1 _ldap._tcp.dc._msdcs.$DOMAIN SRV >/dev/null 2>&1 || true
  dig +time=$T +tries=1 @$DC1 _kerberos._tcp.$DOMAIN SRV >/dev/null 2>&1 || true
  for dc in $DC1 $DC2; do
    ntpdig -t $T $dc >/dev/null 2>&1 || true
    KRB5_CONFIG=$WORK/krb5-udp-$dc.conf timeout $T kinit authwatch-bench </dev/null >/dev/null 2>&1 || true
    KRB5_CONFIG=$WORK/krb5-tcp-$dc.conf timeout $T kinit authwatch-bench </dev/null >/dev/null 2>&1 || true
    ldapsearch -x -o nettimeout=$T -l $T -H ldap://$dc -b '' -s base currentTime >/dev/null 2>&1 || true
    for p in 53 88 135 389 445 464 636 3268 3269; do nc -z -w $T $dc $p >/dev/null 2>&1 || true; done
  done
  printf 'EHLO bench.example\r\nQUIT\r\n' | timeout $T nc 127.0.0.1 "$PEER_PORT" >/dev/null 2>&1 || true
  # SPNs: the peer's four and this server's four on the global catalog (who holds it?), then the
  # forest-wide scan for duplicates
  for spn in SMTPSVC/exch01 SMTPSVC/$PEER_FQDN SMTP/exch01 SMTP/$PEER_FQDN $EXCH02_SPNS; do
    gssearch dc1.$DOMAIN 3268 '' "(servicePrincipalName=$spn)" dn
  done
  gssearch dc1.$DOMAIN 3268 '' '(servicePrincipalName=SMTP*)' servicePrincipalName
  # Replication: the peer's object on each DC, each DC's inbound neighbors
  for dc in dc1 dc2; do
    gssearch $dc.$DOMAIN 389 'DC=lab,DC=example' '(sAMAccountName=EXCH01$)' servicePrincipalName uSNChanged \
      whenChanged msDS-KeyVersionNumber pwdLastSet
    labns timeout $T samba-tool drs showrepl $dc.$DOMAIN -U "Administrator%Passw0rd!Lab" >/dev/null 2>&1 || true
  done
  # The service ticket as transport gets it
  timeout $T kvno SMTPSVC/$PEER_FQDN >/dev/null 2>&1 || true
  # The peer's receive connectors
  gssearch dc1.$DOMAIN 389 'CN=Configuration,DC=lab,DC=example' '(objectClass=msExchSmtpReceiveConnector)' \
    msExchSMTPReceiveInboundSecurityFlag msExchSmtpReceiveBindings msExchSmtpReceiveRemoteIPRanges
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v s="$t0" -v e="$t1" 'BEGIN{printf "%.3f\n", e-s}'; }
measure() {  # label
  local aw seq
  aw=$(for _ in $(seq "$REPS"); do timeit authwatch_run; done | median)
  seq=$(for _ in $(seq "$REPS"); do timeit sequential_run; done | median)
  local statuses causes
  statuses=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]; print(", ".join(sorted({x["probe"]+":"+x["status"] for x in f})))' "$WORK/last.json")
  causes=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["diagnosis"]["causes"]; print(", ".join(x["cause"]+" "+x["target"] for x in c) or "none")' "$WORK/last.json")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$aw" "$(awk -v a="$aw" -v t=$T 'BEGIN{printf "%.0f %%", 100*a/t}')" "$seq" \
    "$(awk -v a="$aw" -v s="$seq" 'BEGIN{printf "%.1f", s/a}')" "$statuses" "$causes"
}
echo "directory benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $REPS repetitions (median), per-probe deadline ${T} s"
echo
echo "| case | authwatch probe, all probes (s) | of the ${T} s deadline | sequential tools (s) | speed-up (sequential ÷ authwatch) | authwatch findings | causes |"
echo "| --- | ---: | ---: | ---: | ---: | --- | --- |"
measure "healthy two-DC lab"
"$LAB" block 2 '{ 88, 389, 3268 }' >/dev/null
measure "DC2 with 88, 389, 3268 dropped"
"$LAB" unblock 2 >/dev/null
