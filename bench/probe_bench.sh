#!/usr/bin/env bash
# Diagnosis benchmark (issue 3): `authwatch probe` (all probes at once, 3 s deadline each) against
# the same checks done one after another with the standard tools an administrator would use, both
# in this invocation, on the Samba lab DC and the scripted Exchange peer; then again with the DC's
# Kerberos and LDAP ports black-holed (nft drop). Needs root (the lab lives in network namespaces).
# Usage: bench/probe_bench.sh [repetitions]   (default 5; prints markdown)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "probe_bench: needs root (network namespaces)" >&2; exit 2; }
command -v ntpdig >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ntpsec-ntpdig >/dev/null
command -v nc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends netcat-openbsd >/dev/null
AW=${AUTHWATCH_BIN:-build/cli/authwatch}
[ -x "$AW" ] || ./scripts/build.sh >/dev/null
LAB=tests/lab/adlab.sh
LAB_DIR=${ADLAB_DIR:-/tmp/authwatch-lab}
if ! ldapsearch -x -H ldap://198.18.77.11 -b '' -s base -LLL dnsHostName >/dev/null 2>&1; then
  "$LAB" up 1 >/dev/null 2>&1
fi
DC=198.18.77.11 REALM=LAB.EXAMPLE DOMAIN=lab.example T=3
WORK=$(mktemp -d); trap 'kill $PEER_PID 2>/dev/null || true; "$LAB" unblock 1 >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
python3 tests/peers/exchange_smtp_peer.py --port 0 --mode exchange > "$WORK/peer.out" &
PEER_PID=$!
for _ in $(seq 50); do grep -q READY "$WORK/peer.out" 2>/dev/null && break; sleep 0.1; done
PEER_PORT=$(awk '/READY/ {print $2}' "$WORK/peer.out")
cat > "$WORK/krb5-udp.conf" <<EOC
[libdefaults]
  default_realm = $REALM
  udp_preference_limit = 1465
  dns_lookup_kdc = false
[realms]
  $REALM = { kdc = $DC }
EOC
sed 's/udp_preference_limit = 1465/udp_preference_limit = 1/' "$WORK/krb5-udp.conf" > "$WORK/krb5-tcp.conf"

authwatch_run() {
  "$AW" --db "$WORK/bench.db" --quiet probe --dc $DC --realm $REALM --domain $DOMAIN --dns-server $DC \
    --peer 127.0.0.1:$PEER_PORT --format json > "$WORK/last.json" || true
}
# The same checks, one tool and one step at a time, each with the same 3 s timeout.
sequential_run() {
  dig +time=$T +tries=1 @$DC _ldap._tcp.dc._msdcs.$DOMAIN SRV >/dev/null 2>&1 || true       # DC discovery, DNS UDP 53
  dig +time=$T +tries=1 @$DC _kerberos._tcp.$DOMAIN SRV >/dev/null 2>&1 || true
  ntpdig -t $T $DC >/dev/null 2>&1 || true                                                # SNTP offset, UDP 123
  KRB5_CONFIG=$WORK/krb5-udp.conf timeout $T kinit authwatch-bench </dev/null >/dev/null 2>&1 || true   # KDC over UDP 88
  KRB5_CONFIG=$WORK/krb5-tcp.conf timeout $T kinit authwatch-bench </dev/null >/dev/null 2>&1 || true   # KDC over TCP 88
  ldapsearch -x -o nettimeout=$T -l $T -H ldap://$DC -b '' -s base currentTime >/dev/null 2>&1 || true  # LDAP clock
  for p in 53 88 135 389 445 464 636 3268 3269; do nc -z -w $T $DC $p >/dev/null 2>&1 || true; done    # TCP ports
  printf 'EHLO bench.example\r\nQUIT\r\n' | timeout $T nc 127.0.0.1 "$PEER_PORT" >/dev/null 2>&1 || true  # peer EHLO
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.3f\n", e-s}'; }
measure() {  # label
  local aw seq
  aw=$(for _ in $(seq "$REPS"); do timeit authwatch_run; done | median)
  seq=$(for _ in $(seq "$REPS"); do timeit sequential_run; done | median)
  local statuses
  statuses=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]; print(", ".join(sorted({x["probe"]+":"+x["status"] for x in f})))' "$WORK/last.json")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$aw" "$seq" "$(awk -v a="$aw" -v s="$seq" 'BEGIN{printf "%.1f", s/a}')" "$statuses"
}
echo "probe benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $REPS repetitions (median)"
echo
echo "| case | authwatch probe (s) | sequential tools (s) | speed-up (sequential ÷ authwatch) | authwatch findings |"
echo "| --- | ---: | ---: | ---: | --- |"
measure "healthy DC"
"$LAB" block 1 '{ 88, 389 }' >/dev/null
measure "DC with 88 and 389 dropped"
"$LAB" unblock 1 >/dev/null
