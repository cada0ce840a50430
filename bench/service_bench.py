#!/usr/bin/env python3
"""Monitor benchmark (issue 5): detection latency and idle footprint of authwatch-service.

Latency: a failing X-EXPS session (each from a new peer, so each opens an incident and raises one
alert) is appended to a followed receive protocol log; the time from the write of its failure line
to the alert line appearing in the JSON-lines file is measured, p50/p99 over N events. Baseline in
the same invocation: `tail -F <log> | grep --line-buffered '454 4.7.0'`, the lowest latency any
line-matching watcher can have, timed the same way (write -> matching line seen).
Idle: the service watching an unchanging folder for S seconds: CPU seconds used (utime+stime from
/proc) and resident memory; `tail -F` on the same log as the baseline.
Intake: M MiB of generated receive logs (bench/gen_protocol_log.py) dropped into the watched
folder at once; the time until the service's stored positions reach the end of every file, as
lines/s, against `LC_ALL=C grep -cF '454 4.7.0'` over the same files (the limit) and the Python
csv-module script an administrator would write (bench/admin_csv_count.py), in the same run.

  bench/service_bench.py [--events N] [--idle-seconds S] [--poll-ms P] [--intake-mb M] [--baseline-service BIN]
  (prints markdown)
"""
import argparse
import datetime
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVICE = os.environ.get("AUTHWATCH_SERVICE_BIN", os.path.join(ROOT, "build", "cli", "authwatch-service"))
HEADER = ("\ufeff#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
          "#Date: {date}\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
          "event,data,context\r\n")


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def failing_session(n):
    t = now_iso()
    sid = "08DC%012X" % n
    peer = "10.%d.%d.%d:41234" % (n // 65536 % 256, n // 256 % 256, n % 256)
    p, e = "%s,EX2\\Default EX2,%s," % (t, sid), ",10.0.0.2:2525,%s," % peer
    return (p + "0" + e + "+,,\r\n" + p + "1" + e + "<,EHLO peer.contoso.com,\r\n" +
            p + "2" + e + "*,,Inbound ExchangeAuth negotiation failed because of IllegalMessage\r\n" +
            p + "3" + e + ">,454 4.7.0 Temporary authentication failure,\r\n" + p + "4" + e + "-,,Local\r\n")


def follow(path, needle, seen, stop):
    """Records the monotonic time each line containing `needle` appears in `path`."""
    while not os.path.exists(path) and not stop.is_set():
        time.sleep(0.001)
    with open(path, "rb") as f:
        buf = b""
        while not stop.is_set():
            chunk = f.read()
            if not chunk:
                time.sleep(0.002)
                continue
            buf += chunk
            *lines, buf = buf.split(b"\n")
            t = time.monotonic()
            for line in lines:
                if needle in line:
                    seen.append(t)


def measure_latency(events, start_watcher, out_path, needle, log_path):
    seen, stop = [], threading.Event()
    watcher = threading.Thread(target=follow, args=(out_path, needle, seen, stop), daemon=True)
    proc = start_watcher()
    watcher.start()
    time.sleep(1.0)
    latencies = []
    with open(log_path, "a", newline="") as log:
        for n in range(events):
            before = len(seen)
            log.write(failing_session(n))
            log.flush()
            written = time.monotonic()
            deadline = written + 5
            while len(seen) <= before and time.monotonic() < deadline:
                time.sleep(0.001)
            if len(seen) > before:
                latencies.append(seen[before] - written)
            time.sleep(random.uniform(0.02, 0.3))  # a random phase against the poll timer
    stop.set()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    return latencies


def footprints(pids, seconds):
    """{name: (CPU seconds over `seconds`, RSS KiB)} for processes measured over the same interval."""
    def cpu(pid):
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    before = {name: cpu(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    out = {}
    for name, pid in pids.items():
        used = cpu(pid) - before[name]
        rss = 0
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        out[name] = (used, rss)
    return out


def measure_intake(work, mb):
    """Seconds for the service to take in `mb` MiB of logs, and for grep and the Python script."""
    import sqlite3
    folder = os.path.join(work, "intake")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_protocol_log.py"), "--mb", str(mb), "--out", folder],
                   check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    sizes = {f: os.path.getsize(f) for f in files}
    lines = sum(open(f, "rb").read().count(b"\n") for f in files)
    db = os.path.join(work, "intake.db")
    start = time.monotonic()
    svc = subprocess.Popen([SERVICE, "--db", db, "--protocol-log-dir", folder, "--no-probes", "--poll-ms", "20"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        time.sleep(0.02)
        try:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
            rows = con.execute("SELECT location, position_json FROM sources").fetchall()
            con.close()
        except sqlite3.Error:
            continue
        import json
        done = {loc: json.loads(pos).get("offset", 0) for loc, pos in rows}
        if all(done.get(f, 0) >= sizes[f] for f in files):
            break
    t_svc = time.monotonic() - start
    svc.send_signal(signal.SIGTERM)
    svc.wait(timeout=30)
    start = time.monotonic()
    subprocess.run(["grep", "-cF", "454 4.7.0"] + files, env=dict(os.environ, LC_ALL="C"), stdout=subprocess.DEVNULL)
    t_grep = time.monotonic() - start
    start = time.monotonic()
    subprocess.run([sys.executable, os.path.join(HERE, "admin_csv_count.py")] + files, stdout=subprocess.DEVNULL)
    t_py = time.monotonic() - start
    return lines, t_svc, t_grep, t_py


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--poll-ms", type=int, default=250)
    ap.add_argument("--intake-mb", type=int, default=50)
    ap.add_argument("--baseline-service", default="",
                    help="another authwatch-service binary (e.g. one built before a change) whose idle CPU is measured "
                         "beside this one's, with the same --poll-ms")
    args = ap.parse_args()
    if not os.access(SERVICE, os.X_OK):
        sys.exit("service_bench: %s not built (scripts/build.sh)" % SERVICE)
    work = tempfile.mkdtemp(prefix="authwatch-service-bench-")
    try:
        logs = os.path.join(work, "logs")
        os.makedirs(logs)
        log = os.path.join(logs, "RECV2026112817-1.LOG")
        with open(log, "w", newline="") as f:
            f.write(HEADER.format(date=now_iso()))
        alerts = os.path.join(work, "alerts.jsonl")

        def start_service():
            return subprocess.Popen([SERVICE, "--db", os.path.join(work, "bench.db"), "--protocol-log-dir", logs, "--no-probes",
                                     "--poll-ms", str(args.poll_ms), "--alerts-jsonl", alerts],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        grep_out = os.path.join(work, "grep.out")

        def start_grep():
            return subprocess.Popen("exec tail -n0 -F %s | grep --line-buffered -F '454 4.7.0' > %s" % (log, grep_out), shell=True,
                                    start_new_session=True)

        svc = measure_latency(args.events, start_service, alerts, b'"incident-opened"', log)
        # tail|grep: killed as a process group (the shell execs tail; grep is its sibling).
        seen, stop = [], threading.Event()
        grep_lat = []
        g = start_grep()
        watcher = threading.Thread(target=follow, args=(grep_out, b"454 4.7.0", seen, stop), daemon=True)
        watcher.start()
        time.sleep(1.0)
        with open(log, "a", newline="") as f:
            for n in range(args.events, 2 * args.events):
                before = len(seen)
                f.write(failing_session(n))
                f.flush()
                written = time.monotonic()
                while len(seen) <= before and time.monotonic() < written + 5:
                    time.sleep(0.001)
                if len(seen) > before:
                    grep_lat.append(seen[before] - written)
                time.sleep(random.uniform(0.02, 0.3))
        stop.set()
        os.killpg(g.pid, signal.SIGTERM)

        # Idle footprint over the same folder, now unchanging: the service, `tail -F` and, when
        # given, the baseline service binary, side by side over the same seconds (each process's
        # own CPU time is counted, so running them together does not mix their figures).
        idle = {"service": start_service()}
        if args.baseline_service:
            idle["baseline"] = subprocess.Popen([args.baseline_service, "--db", os.path.join(work, "baseline.db"),
                                                 "--protocol-log-dir", logs, "--no-probes", "--poll-ms", str(args.poll_ms)],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        idle["tail"] = subprocess.Popen(["tail", "-n0", "-F", log], stdout=subprocess.DEVNULL)
        time.sleep(2)
        used = footprints({name: p.pid for name, p in idle.items()}, args.idle_seconds)
        for name, p in idle.items():
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)
        svc_cpu, svc_rss = used["service"]
        tail_cpu, tail_rss = used["tail"]

        intake = measure_intake(work, args.intake_mb)

        print("service benchmark: %s, %d cores, %d events, poll %d ms, idle %d s" %
              (now_iso(), os.cpu_count(), args.events, args.poll_ms, args.idle_seconds))
        print()
        print("| measure | authwatch-service | tail -F \\| grep (baseline) | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for name, p in (("latency p50 (ms)", 50), ("latency p99 (ms)", 99)):
            a, b = pct(svc, p) * 1000, pct(grep_lat, p) * 1000
            print("| %s | %.0f | %.0f | %.1f× |" % (name, a, b, a / b if b else float("nan")))
        print("| events alerted / written | %d / %d | %d / %d | |" % (len(svc), args.events, len(grep_lat), args.events))
        print("| idle CPU over %d s (s) | %.2f | %.2f | |" % (args.idle_seconds, svc_cpu, tail_cpu))
        print("| idle RSS (MiB) | %.1f | %.1f | %.1f× |" % (svc_rss / 1024, tail_rss / 1024, svc_rss / tail_rss if tail_rss else 0))
        print("| idle CPU, share of one core | %.3f %% | %.3f %% | |" % (100 * svc_cpu / args.idle_seconds, 100 * tail_cpu / args.idle_seconds))
        if args.baseline_service:
            base_cpu, base_rss = used["baseline"]
            print()
            print("| idle over %d s, same folder, same time | CPU (s) | share of one core | RSS (MiB) |" % args.idle_seconds)
            print("| --- | ---: | ---: | ---: |")
            print("| authwatch-service (%s) | %.2f | %.3f %% | %.1f |" % (SERVICE, svc_cpu, 100 * svc_cpu / args.idle_seconds, svc_rss / 1024))
            print("| baseline (%s) | %.2f | %.3f %% | %.1f |" % (args.baseline_service, base_cpu, 100 * base_cpu / args.idle_seconds,
                                                             base_rss / 1024))
        print()
        lines, t_svc, t_grep, t_py = intake
        print("| intake of %d MiB (%d lines) | time (s) | lines/s | authwatch-service ÷ this |" % (args.intake_mb, lines))
        print("| --- | ---: | ---: | ---: |")
        for name, t in (("authwatch-service (detect + SQLite)", t_svc), ("LC_ALL=C grep -cF '454 4.7.0'", t_grep),
                        ("Python csv script (bench/admin_csv_count.py)", t_py)):
            print("| %s | %.2f | %.0f | %.2f× |" % (name, t, lines / t, (lines / t_svc) / (lines / t)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
