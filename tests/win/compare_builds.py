#!/usr/bin/env python3
"""The Windows build must triage like the Linux build: runs `authwatch --help`, then `scan` of the
same files, `incidents`, `history` and `show` of every incident with both the Linux binary and the
MinGW one under Wine, each into a database of its own, and fails on any difference. Paths are
compared with Windows separators turned into '/', the program name without '.exe'.

usage: compare_builds.py LINUX_AUTHWATCH WINDOWS_AUTHWATCH_EXE WORK_DIR PATH...
"""
import json
import re
import os
import shutil
import subprocess
import sys


class Build:
    def __init__(self, name, command, db, path_of=lambda p: p):
        self.name, self.command, self.path_of = name, command, path_of
        self.db = path_of(db)

    def paths(self, args):
        return [self.path_of(a) if a.startswith("/") else a for a in args]

    def __call__(self, *args, check_codes=(0,)):
        argv = self.command + (list(args) if args[0] == "--help" else ["--db", self.db, *self.paths(args)])
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
        out = done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
        if done.returncode not in check_codes:
            sys.exit(f"{self.name}: {' '.join(argv)} exited {done.returncode}\n{out}\n"
                     f"{done.stderr.decode('utf-8', 'replace')}")
        return done.returncode, normalise(out)


def normalise(text):
    # Z: is Wine's drive for the Linux root: "Z:\\work\\x" names the same file as "/work/x"
    # (JSON writes the backslash doubled). Table columns are as wide as their longest path, and
    # "Z:" makes Windows paths longer: runs of blanks and of rule dashes count as one.
    text = text.replace("\\\\", "/").replace("\\", "/").replace("Z:/", "/").replace("authwatch.exe", "authwatch")
    return re.sub(r"-{2,}", "-", re.sub(r" {2,}", " ", text))


def windows_path(path):
    """A Linux path as the Windows exe must be given it: CLI11 takes "/x" for a Windows-style
    option on Windows, as a Windows user would mean it."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def compare(what, linux, windows):
    if linux == windows:
        print(f"same: {what}")
        return True
    print(f"DIFFERENT: {what}\n--- linux\n{linux}\n--- windows\n{windows}")
    return False


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    linux_exe, windows_exe, work, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    linux = Build("linux", [linux_exe], os.path.join(work, "linux.db"))
    windows = Build("windows", ["wine", windows_exe], os.path.join(work, "windows.db"), windows_path)
    ok = True
    ok &= compare("--help", linux("--help")[1], windows("--help")[1])
    # scan: exit 0, or 3 when some input is unreadable; same per-file summaries and same exit code.
    scans = [b("scan", *paths, check_codes=(0, 3)) for b in (linux, windows)]
    ok &= compare("scan (exit code and per-file summary)", scans[0], scans[1])
    listing = [b("incidents", "--status", "all", "--format", "json")[1] for b in (linux, windows)]
    ok &= compare("incidents --status all", listing[0], listing[1])
    incidents = json.loads(listing[0])
    if not incidents:
        sys.exit("the Linux build found no incident in the test data: nothing to compare")
    ok &= compare("history", linux("history", "--limit", "100000", "--format", "json")[1],
                  windows("history", "--limit", "100000", "--format", "json")[1])
    for incident in incidents:
        ident = str(incident["id"])
        ok &= compare(f"show {ident}", linux("show", ident, "--format", "json")[1],
                      windows("show", ident, "--format", "json")[1])
    print(f"{len(incidents)} incidents compared")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
