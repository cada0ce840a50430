#!/usr/bin/env python3
"""How long headless Chromium takes to render `authwatch report` with 1,000 incidents (issue 14:
under 5 s), against named baselines run in the same invocation: an empty HTML page (Chromium's own
start and shutdown) and the report of a single incident.

Writes a receive protocol log with one failing Exchange-authentication session from each of N
peers (N incidents, one per peer), scans it, writes the report, and has Chromium (the test's
flags: a new empty profile, no network features) render each page R times: --screenshot at
1280x2000 (load, style, layout, paint of the first screen) and --dump-dom (load and parse only).
Prints markdown: medians, the report's size and the ratios. Usage:
  bench/report_bench.py --authwatch build/cli/authwatch [--incidents 1000] [--runs 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
HEADER = ("\ufeff#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
          "#Date: 2024-03-15T10:00:00.000Z\r\n"
          "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n")


def protocol_log(peers):
    lines = [HEADER]
    for n in range(peers):
        # One hour apart per peer would be long; seconds apart is enough: each peer is its own incident.
        t = f"2024-03-15T{10 + n // 3600:02d}:{(n // 60) % 60:02d}:{n % 60:02d}.000Z"
        ip = f"10.1.{n // 250}.{n % 250 + 1}"
        sid = f"08DC{n:012X}"
        p = f"{t},EX2\\Default EX2,{sid},"
        e = f",10.0.0.2:2525,{ip}:4{n % 10000:04d},"
        lines += [p + "0" + e + "+,,\r\n", p + "1" + e + ">,\"220 ex2.contoso.com Microsoft ESMTP MAIL Service ready\",\r\n",
                  p + "2" + e + f"<,EHLO ex{n}.contoso.com,\r\n", p + "3" + e + "<,X-EXPS EXCHANGEAUTH SHA256 <authentication data>,\r\n",
                  p + "4" + e + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n",
                  p + "5" + e + ">,454 4.7.0 Temporary authentication failure,\r\n", p + "6" + e + "-,,Local\r\n"]
    return "".join(lines)


def report_for(authwatch, work, name, peers):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    with open(os.path.join(folder, "RECV2024031510-1.LOG"), "w", encoding="utf-8", newline="") as f:
        f.write(protocol_log(peers))
    db = os.path.join(work, name + ".db")
    subprocess.run([authwatch, "--db", db, "--quiet", "scan", folder], check=True, capture_output=True)
    out = os.path.join(work, name + ".html")
    started = time.monotonic()
    subprocess.run([authwatch, "--db", db, "report", "--output", out], check=True, capture_output=True)
    return out, time.monotonic() - started


def render(chromium, work, page, mode):
    profile = tempfile.mkdtemp(prefix="profile-", dir=work)
    args = [f"--screenshot={os.path.join(work, 'shot.png')}", "--window-size=1280,2000"] if mode == "screenshot" else ["--dump-dom"]
    started = time.monotonic()
    r = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args, "file://" + page], capture_output=True, timeout=300)
    took = time.monotonic() - started
    shutil.rmtree(profile, ignore_errors=True)
    if r.returncode != 0:
        raise SystemExit(f"chromium failed on {page}: {r.stderr.decode(errors='replace')[-2000:]}")
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--authwatch", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium"))
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not args.chromium:
        raise SystemExit("no chromium: apt-get install chromium (scripts/install-deps.sh)")
    work = tempfile.mkdtemp(prefix="authwatch-report-bench-")
    try:
        empty = os.path.join(work, "empty.html")
        open(empty, "w").write("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>empty</title></head><body></body></html>\n")
        one, one_write = report_for(args.authwatch, work, "one", 1)
        many, many_write = report_for(args.authwatch, work, "many", args.incidents)
        pages = [("empty page (Chromium's start and stop)", empty), ("report, 1 incident", one),
                 (f"report, {args.incidents:,} incidents", many)]
        results = {}
        for mode in ("screenshot", "dump-dom"):
            for label, page in pages:
                results[(mode, label)] = statistics.median(render(args.chromium, work, page, mode) for _ in range(args.runs))
        load = os.getloadavg()
        print(f"- {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {os.cpu_count()} cores, load average {load[0]:.1f}; "
              f"{subprocess.run([args.chromium, '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"- `authwatch report` wrote the {args.incidents:,}-incident report ({os.path.getsize(many) / 1048576:.1f} MiB) in "
              f"{many_write:.2f} s, the 1-incident one ({os.path.getsize(one) / 1024:.0f} KiB) in {one_write:.2f} s\n")
        print(f"| page | screenshot 1280x2000 (s) | ÷ empty page | dump-dom (s) | ÷ empty page |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, _ in pages:
            s, d = results[("screenshot", label)], results[("dump-dom", label)]
            s0, d0 = results[("screenshot", pages[0][0])], results[("dump-dom", pages[0][0])]
            print(f"| {label} | {s:.2f} | {s / s0:.2f} | {d:.2f} | {d / d0:.2f} |")
        big = results[("screenshot", pages[2][0])]
        print(f"\nThe {args.incidents:,}-incident report renders in **{big:.2f} s** (median of {args.runs}; target < 5 s): "
              f"{big - results[('screenshot', pages[0][0])]:.2f} s beyond Chromium's own start and stop.")
        return 0 if big < 5 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
