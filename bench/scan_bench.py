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


PYTHON_EVTX = "/usr/bin/evtx_dump.py"  # python-evtx (Debian python3-evtx)
GENERATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_evtx.py")


def count_events(argv):
    """Runs an exporter once, untimed: how many events it writes."""
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return out.count(b"<Event xmlns") + out.count(b"<Event>")


def authwatch_scan(args, db, folder, read):
    # Exit code 3: some originals are damaged, which AuthWatch reports (and reads on).
    wall, rss, out = timed([args.authwatch, "--db", fresh_db(db), "scan", "--format", "json", folder],
                           accept=(0, 3), capture=True, work=args.work)
    files = json.loads(out)["files"]
    read["records"] = sum(f["records_read"] for f in files)
    read["faults"] = sum(f["fault_signals"] for f in files)
    return wall, rss


def python_evtx_once(args, files):
    """python-evtx exports every record as XML too, ~100x slower: one run, records per second."""
    loop = 'for f do "$0" "$f"; done'
    start = time.perf_counter()
    out = subprocess.run(["sh", "-c", loop, PYTHON_EVTX, *files], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    wall = time.perf_counter() - start
    return wall, out.count(b"<Event ")


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

    exported = sum(count_events(["evtxexport", "-f", "xml", path]) for path in files)
    db = os.path.join(args.work, "evtx.db")
    read = {}

    def evtxexport():
        loop = 'for f do evtxexport -f xml "$f" > /dev/null 2>&1; done'
        wall, rss, _ = timed(["sh", "-c", loop, "sh", *files], work=args.work)
        return wall, rss

    results = median_runs(args.reps, {"authwatch scan": lambda: authwatch_scan(args, db, folder, read),
                                      "evtxexport -f xml": evtxexport})
    # The native reader also reads what libevtx drops (records past a torn one, a chunk cut by the
    # end of the file: tests/sources/evtx_oracle_test.cpp names them), never less.
    if read["records"] < exported:
        raise BenchFailure(f"authwatch read {read['records']} records, evtxexport exported {exported}")
    python = python_evtx_once(args, files[:len(originals)])
    return {"originals": originals, "files": files, "records": exported, "authwatch_records": read["records"],
            "results": results, "python": python}


def generated_bench(args, originals):
    """The Exchange-like Application log: args.evtx_mb MiB, and a 4 MiB one (its first chunks are
    the big one's: same seed) for python-evtx."""
    folder = os.path.join(args.work, "generated")
    os.makedirs(folder)
    path = os.path.join(folder, "Application.evtx")
    made = subprocess.run([sys.executable, GENERATOR, "--mb", str(args.evtx_mb), "--out", path, "--source", *originals],
                          check=True, stdout=subprocess.PIPE).stdout
    manifest = json.loads(made)
    slice_path = os.path.join(args.work, "Application-4MiB.evtx")
    subprocess.run([sys.executable, GENERATOR, "--mb", "4", "--out", slice_path, "--source", *originals],
                   check=True, stdout=subprocess.DEVNULL)
    warm_page_cache([path, slice_path])
    db = os.path.join(args.work, "generated.db")
    read, exported = {}, {}

    def evtxexport():
        # The count is taken in the same pipe (grep: well under 1 % of the exporter's time).
        wall, rss, out = timed(["sh", "-c", 'evtxexport -f xml "$1" 2>/dev/null | grep -c "<Event xmlns"', "sh", path],
                               capture=True, work=args.work)
        exported["records"] = int(out.strip())
        return wall, rss

    results = median_runs(args.reps, {"authwatch scan": lambda: authwatch_scan(args, db, folder, read),
                                      "evtxexport -f xml": evtxexport})
    counts = (f"authwatch read {read['records']:,} records and raised {read['faults']} fault signals; evtxexport "
              f"exported {exported['records']:,}; the generator wrote {manifest['records']:,} records and "
              f"{manifest['expected_fault_signals']} faults ({manifest['exchange_events']})")
    if read["records"] != manifest["records"] or exported["records"] != manifest["records"]:
        raise BenchFailure("a record count differs: " + counts)
    if read["faults"] != manifest["expected_fault_signals"]:
        raise BenchFailure("authwatch's fault signals differ from what the generator wrote: " + counts)
    python = python_evtx_once(args, [slice_path])
    return {"manifest": manifest, "results": results, "python": python, "counts": counts}


def print_evtx_table(title, records, results, python, reps):
    aw_wall = results["authwatch scan"][0]
    aw_rate = records / aw_wall
    print(f"{title} (median of {reps}; python-evtx: one run)\n")
    print("| tool | time (s) | records/s | peak RSS (MiB) | authwatch records/s ÷ this |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (wall, rss) in results.items():
        print(f"| {name} | {wall:.3f} | {records / wall:,.0f} | {rss / 1024:.1f} | {aw_rate / (records / wall):.1f}× |")
    py_wall, py_records = python
    py_rate = py_records / py_wall if py_wall > 0 else 0
    print(f"| python-evtx (evtx_dump.py) | {py_wall:.3f} for {py_records:,} records | {py_rate:,.0f} | – | "
          f"{aw_rate / py_rate:.0f}× |" if py_rate else "| python-evtx | failed | – | – | – |")
    ratio = results["evtxexport -f xml"][0] / aw_wall
    print(f"\nRatio authwatch/evtxexport (records/s): **{ratio:.1f}×**"
          + (f"; authwatch/python-evtx: **{aw_rate / py_rate:.0f}×**" if py_rate else "") + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authwatch", required=True)
    parser.add_argument("--plog", required=True, help="folder written by gen_protocol_log.py")
    parser.add_argument("--manifest", required=True, help="gen_protocol_log.py's output")
    parser.add_argument("--evtx-source", required=True, help="folder of real .evtx files")
    parser.add_argument("--evtx-copies", type=int, default=1)
    parser.add_argument("--evtx-mb", type=float, default=100, help="size of the generated Application.evtx")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-evtx", action="store_true", help="the protocol-log case only")
    parser.add_argument("--work", required=True, help="scratch folder (databases, copies)")
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)

    try:
        files, size, plog, counts = protocol_log_bench(args, manifest)
        public = generated = None
        if not args.no_evtx:
            public = evtx_bench(args)
            generated = generated_bench(args, public["originals"])
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
    if public is None:
        return

    print_evtx_table(f"### .evtx, public samples: {len(public['originals'])} real files × {args.evtx_copies} "
                     f"= {len(public['files'])} files, {public['records']:,} records",
                     public["records"], public["results"], public["python"], args.reps)
    print(f"Records/s count evtxexport's {public['records']:,} records for every tool; authwatch read "
          f"{public['authwatch_records']:,} (it also reads what libevtx drops in the damaged files). Files: "
          + ", ".join(os.path.basename(p) for p in public["originals"]) + ".\n")
    m = generated["manifest"]
    print_evtx_table(f"### .evtx, an Exchange-like Application log: {m['bytes'] / MIB:.0f} MiB, {m['chunks']:,} chunks, "
                     f"{m['records']:,} records", m["records"], generated["results"], generated["python"], args.reps)
    print(f"python-evtx read the generator's 4 MiB log of the same seed (the first chunks of this one). "
          f"Correctness check passed: {generated['counts']}.")


if __name__ == "__main__":
    main()
