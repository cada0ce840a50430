#!/usr/bin/env python3
"""Classification of the real-world corpus (tests/data/realworld): how many cases of each kind
AuthWatch judges right, as a markdown table for bench/README.md.

Each case of PROVENANCE.tsv is scanned into a fresh database with the built CLI; its verdict (class
fault/noise/context/none/unreadable, direction, peer, status, time) is compared with the expected one,
as tests/cli/realworld_test.cpp does. The test fails on any wrong case; this table is the same result
counted per kind, with the baseline of the same corpus judged by code alone (what a rule that looks only
at the SMTP/event code, not the text or session, would say), so the ratio shows what precision bought.

usage: bench/classification.py --authwatch build/cli/authwatch [--corpus tests/data/realworld]
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict, defaultdict


def run(authwatch, db, *args):
    proc = subprocess.run([authwatch, "--db", db, *args], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stdout, proc.stderr


def norm_time(text):
    # "2019-11-04T13:31:03Z" and "2019-11-04T13:31:03.000Z" are the same time.
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", text or "")
    if not m:
        return text
    frac = (m.group(2) or ".000")[1:4].ljust(3, "0")
    return f"{m.group(1)}.{frac}Z"


def names_peer(ip, name, expected):
    ip, name = (ip or "").lower(), (name or "").lower()
    if expected == "unknown":
        return ip in ("", "unknown") and name in ("", "unknown")
    return expected.lower() in (ip, name)


def judge(authwatch, corpus, row):
    """(right: bool, why: str)"""
    work = tempfile.mkdtemp(prefix="authwatch-classify.")
    try:
        src = os.path.join(corpus, row["file"].rstrip("/"))
        dst = os.path.join(work, os.path.basename(src))
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, dst)
        db = os.path.join(work, "a.db")
        code, out, err = run(authwatch, db, "scan", "--format", "json", dst)
        _, hist, _ = run(authwatch, db, "history", "--format", "json")
        _, inc, _ = run(authwatch, db, "incidents", "--format", "json")
        signals, incidents = json.loads(hist or "[]"), json.loads(inc or "[]")
        klass = row["expected_class"]
        if klass == "unreadable":
            return (code == 3 and not signals, f"exit {code}, {len(signals)} signal(s)")
        if code != 0:
            return (False, f"scan exit {code}: {err.strip()[:80]}")
        if klass == "none":
            return (not signals, f"{len(signals)} signal(s)")
        of_class = [s for s in signals if s["class"] == klass]
        if not of_class:
            return (False, "no " + klass + " signal; got " + ",".join(s["class"] for s in signals))
        if klass == "fault" and len(incidents) != 1:
            return (False, f"{len(incidents)} incidents")
        if klass != "fault" and (incidents or any(s["class"] == "fault" for s in signals)):
            return (False, "a fault or incident from a look-alike")
        first = of_class[0]
        if first["direction"] != row["expected_direction"]:
            return (False, "direction " + first["direction"])
        peer_ok = names_peer(first.get("peer_ip"), first.get("peer_name"), row["expected_peer"])
        if klass == "fault":
            peer_ok = peer_ok or names_peer(incidents[0]["peer"], incidents[0].get("peer_name"), row["expected_peer"])
        if not peer_ok:
            return (False, f"peer {first.get('peer_ip')}/{first.get('peer_name')}")
        if row["expected_status"] != "-" and (first.get("status") or "") != row["expected_status"]:
            return (False, "status " + str(first.get("status")))
        if row["expected_time"] != "-" and norm_time(first["time"]) != norm_time(row["expected_time"]):
            return (False, "time " + first["time"])
        return (True, "")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# The baseline, run on the same files: an alarm on the codes alone, as a `grep` over the logs would
# raise it (any 454 4.7.x / 451 5.7.3 / 504 5.7.4 / 535 5.7.x reply, or event 1034/1035/2003/2016/2017
# from Exchange is a fault; anything else is none). It cannot tell noise from a fault, so it is right
# only where the answer is "fault" or "none".
CODE_PATTERN = re.compile(r"454 4\.7\.|451 5\.7\.3|504 5\.7\.4|535 5\.7\.|<EventID[^>]*>(1034|1035|2003|2016|2017)<")


def code_only_verdict(corpus, row):
    path = os.path.join(corpus, row["file"].rstrip("/"))
    files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs] if os.path.isdir(path) else [path]
    for name in files:
        with open(name, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-16") if raw.startswith(b"\xff\xfe") else raw.decode("utf-8", "replace")
        if CODE_PATTERN.search(text):
            return "fault"
    return "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--authwatch", required=True)
    ap.add_argument("--corpus", default="tests/data/realworld")
    args = ap.parse_args()
    with open(os.path.join(args.corpus, "PROVENANCE.tsv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    per_kind = OrderedDict()
    wrong = []
    for row in rows:
        right, why = judge(args.authwatch, args.corpus, row)
        k = per_kind.setdefault(row["kind"], defaultdict(int))
        k["cases"] += 1
        k["sourced"] += 0 if "composed" in row["filled_in"] else 1
        k["right" if right else "wrong"] += 1
        k["code_only_right"] += code_only_verdict(args.corpus, row) == row["expected_class"]
        if not right:
            wrong.append((row["case"], why))
    total = defaultdict(int)
    print("| kind | cases (sourced) | right | wrong | code-only baseline right |")
    print("| --- | --- | --- | --- | --- |")
    for kind, k in per_kind.items():
        for key, value in k.items():
            total[key] += value
        print(f"| {kind} | {k['cases']} ({k['sourced']}) | {k['right']} | {k['wrong']} | {k['code_only_right']} |")
    print(f"| **all** | {total['cases']} ({total['sourced']}) | {total['right']} | {total['wrong']} | {total['code_only_right']} |")
    print()
    print(f"Right: {total['right']}/{total['cases']} ({100.0 * total['right'] / total['cases']:.0f} %); "
          f"the code-only baseline: {total['code_only_right']}/{total['cases']} "
          f"({100.0 * total['code_only_right'] / total['cases']:.0f} %).")
    for case, why in wrong:
        print(f"- wrong: {case}: {why}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
