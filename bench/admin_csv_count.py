#!/usr/bin/env python3
"""What an administrator would script instead of AuthWatch: count the SMTP sessions that got a 454.

Reads Exchange SMTP Receive protocol logs (files or folders) with the csv module, skips the BOM and the
'#' header lines, groups the rows by session-id and counts the sessions in which the server replied
454 (event '>', data starting with "454 "). Prints one JSON line: records, sessions,
failing_sessions. This is the benchmark's baseline for "plain Python over the same files".
"""
import csv
import json
import os
import sys

SESSION_ID, EVENT, DATA = 2, 6, 7


def log_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                for name in sorted(names):
                    if name.upper().endswith(".LOG"):
                        yield os.path.join(root, name)
        else:
            yield path


def main(paths):
    got_454 = {}  # session-id -> whether the server replied 454 in it
    records = 0
    for path in log_files(paths):
        # utf-8-sig drops the BOM; newline="" lets csv see quoted fields and CRLF as written.
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(line for line in f if not line.startswith("#")):
                records += 1
                if len(row) <= DATA:
                    continue
                failed = row[EVENT] == ">" and row[DATA].startswith("454 ")
                got_454[row[SESSION_ID]] = got_454.get(row[SESSION_ID], False) or failed
    failing = sum(1 for v in got_454.values() if v)
    print(json.dumps({"records": records, "sessions": len(got_454), "failing_sessions": failing}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: admin_csv_count.py LOG-FILE-OR-FOLDER...")
    main(sys.argv[1:])
