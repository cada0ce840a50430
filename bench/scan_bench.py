#!/usr/bin/env python3
"""Runs the scan throughput benchmarks and prints them as markdown tables (called by bench/run.sh).

Every figure is the median of REPS runs of one command, timed from outside (wall clock, including
process start) with peak RSS from GNU time -v. Each AuthWatch run gets a fresh database. Tools are
interleaved (rep 1 of each, then rep 2 ...) so a slow moment of the machine hits all of them.
Exits non-zero when a run fails or when the tools disagree on what the input holds.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

MIB = 1 << 20


class BenchFailure(Exception):
    pass


def timed(argv, accept=(0,), env=None, capture=False, work="."):
    """Runs argv once under GNU time -v: (wall seconds, peak RSS in KiB, stdout or None)."""
    report = os.path.join(work, "time-v.txt")
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", "-o", report, *argv], env=env,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if done.returncode not in accept:
        raise BenchFailure(f"exit code {done.returncode} (expected {accept}): {' '.join(argv[:6])} ...")
    with open(report) as f:
        rss = [int(line.split(":")[1]) for line in f if "Maximum resident set size" in line]
    if not rss:
        raise BenchFailure(f"GNU time reported no peak RSS for {argv[0]}")
    return wall, rss[0], done.stdout.decode() if capture else None


def fresh_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path


def warm_page_cache(files):
    # Every tool then reads from memory: the benchmark measures parsing, not the disk.
    for path in files:
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass


def median_runs(reps, tools):
    """tools: name -> function returning (wall, rss_kib). Returns name -> (median wall, median rss)."""
    runs = {name: [] for name in tools}
    for _ in range(reps):
        for name, run in tools.items():
            runs[name].append(run())
    return {name: (statistics.median(w for w, _ in r), statistics.median(k for _, k in r)) for name, r in runs.items()}


def protocol_log_bench(args, manifest):
    files = sorted(glob.glob(os.path.join(args.plog, "*.LOG")))
    size = sum(os.path.getsize(f) for f in files)
    if size != manifest["bytes"]:
        raise BenchFailure(f"{args.plog}: {size} bytes, the generator wrote {manifest['bytes']}")
    warm_page_cache(files)
    db = os.path.join(args.work, "plog.db")
    grep_env = dict(os.environ, LC_ALL="C")
    admin_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "admin_csv_count.py")
    seen = {}

    def authwatch():
        wall, rss, _ = timed([args.authwatch, "--db", fresh_db(db), "scan", args.plog], work=args.work)
        return wall, rss

    def grep():
        wall, rss, out = timed(["grep", "-cF", "454 4.7.0", *files], env=grep_env, capture=True, work=args.work)
        seen["grep"] = sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines())
        return wall, rss

    def python():
        wall, rss, out = timed([sys.executable, admin_script, args.plog], capture=True, work=args.work)
        seen["python"] = json.loads(out)
        return wall, rss

    results = median_runs(args.reps, {"authwatch scan": authwatch, "grep -cF": grep, "python csv": python})

    # Correctness: AuthWatch's fault signals (last run's database) against the script and the truth.
    history = subprocess.run([args.authwatch, "--db", db, "history", "--faults-only", "--format", "json"],
                             check=True, stdout=subprocess.PIPE).stdout
    faults = len(json.loads(history))
    expected = manifest["failing_exchangeauth_sessions"]
    counts = (f"authwatch fault signals {faults}, python failing sessions {seen['python']['failing_sessions']}, "
              f"grep 454 lines {seen['grep']}, generator {expected}")
    if faults != seen["python"]["failing_sessions"]:
        raise BenchFailure("authwatch and the admin script disagree: " + counts)
    if faults != expected or seen["grep"] != expected or seen["python"]["records"] != manifest["records"]:
        raise BenchFailure("a count differs from what the generator wrote: " + counts)
    return files, size, results, counts


def evtx_bench(args):
    originals = []
    for path in sorted(glob.glob(os.path.join(args.evtx_source, "*.evtx"))):
        # Only files libevtx's exporter finishes: a file it rejects would make the baseline do less work.
        if subprocess.run(["evtxexport", "-f", "xml", path], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            originals.append(path)
    folder = os.path.join(args.work, "evtx")
    os.makedirs(folder)
    files = []
    for copy in range(args.evtx_copies):
        for path in originals:
            files.append(os.path.join(folder, f"copy{copy:02d}-{os.path.basename(path)}"))
            shutil.copyfile(path, files[-1])
    warm_page_cache(files)

    exported = 0
    for path in files:  # untimed: how many records the exporter writes
        xml = subprocess.run(["evtxexport", "-f", "xml", path], check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout
        exported += xml.count(b"<Event xmlns")
    db = os.path.join(args.work, "evtx.db")
    read = {}

    def authwatch():
        # Exit code 3: some originals are flagged corrupted, which AuthWatch reports (and reads on).
        wall, rss, out = timed([args.authwatch, "--db", fresh_db(db), "scan", "--format", "json", folder],
                               accept=(0, 3), capture=True, work=args.work)
        read["records"] = sum(f["records_read"] for f in json.loads(out)["files"])
        return wall, rss

    def evtxexport():
        loop = 'for f do evtxexport -f xml "$f" > /dev/null 2>&1; done'
        wall, rss, _ = timed(["sh", "-c", loop, "sh", *files], work=args.work)
        return wall, rss

    results = median_runs(args.reps, {"authwatch scan": authwatch, "evtxexport -f xml": evtxexport})
    if read["records"] != exported:
        raise BenchFailure(f"authwatch read {read['records']} records, evtxexport exported {exported}")
    return originals, files, exported, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authwatch", required=True)
    parser.add_argument("--plog", required=True, help="folder written by gen_protocol_log.py")
    parser.add_argument("--manifest", required=True, help="gen_protocol_log.py's output")
    parser.add_argument("--evtx-source", required=True, help="folder of real .evtx files")
    parser.add_argument("--evtx-copies", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", required=True, help="scratch folder (databases, copies)")
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)

    try:
        files, size, plog, counts = protocol_log_bench(args, manifest)
        originals, copies, records, evtx = evtx_bench(args)
    except (BenchFailure, subprocess.CalledProcessError) as failure:
        sys.exit(f"bench: FAILED: {failure}")

    mb, lines = size / MIB, manifest["lines"]
    aw_wall = plog["authwatch scan"][0]
    print(f"### SMTP Receive protocol logs: {len(files)} files, {mb:.1f} MiB, {lines:,} lines, "
          f"{manifest['sessions']:,} sessions (median of {args.reps})\n")
    print("| tool | time (s) | MiB/s | lines/s | peak RSS (MiB) | authwatch throughput ÷ this |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (wall, rss) in plog.items():
        print(f"| {name} | {wall:.3f} | {mb / wall:.1f} | {lines / wall:,.0f} | {rss / 1024:.1f} | {wall / aw_wall:.3f} |")
    for base in ("grep -cF", "python csv"):
        ratio = plog[base][0] / aw_wall
        print(f"\nRatio authwatch/{base.split()[0]} (throughput): **{ratio:.3f}** "
              f"({'authwatch' if ratio >= 1 else base.split()[0]} is {max(ratio, 1 / ratio):.1f}× faster)")
    print(f"\nCorrectness check passed: {counts}.\n")

    aw_wall = evtx["authwatch scan"][0]
    print(f"### .evtx: {len(originals)} real files × {args.evtx_copies} copies = {len(copies)} files, "
          f"{records:,} records (median of {args.reps})\n")
    print("| tool | time (s) | records/s | peak RSS (MiB) | authwatch throughput ÷ this |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (wall, rss) in evtx.items():
        print(f"| {name} | {wall:.3f} | {records / wall:,.0f} | {rss / 1024:.1f} | {wall / aw_wall:.3f} |")
    ratio = evtx["evtxexport -f xml"][0] / aw_wall
    print(f"\nRatio authwatch/evtxexport (records/s): **{ratio:.3f}** "
          f"({'authwatch' if ratio >= 1 else 'evtxexport'} is {max(ratio, 1 / ratio):.1f}× faster)")
    print(f"\nBoth read the same {records:,} records; evtx files used: "
          + ", ".join(os.path.basename(p) for p in originals) + ".")


if __name__ == "__main__":
    main()
