#!/usr/bin/env python3
"""`authwatch report` in a real browser: Debian's headless Chromium (issue 14).

1. The scenario (tests/data/scenario) with markup injected as an EHLO name, plus a queue whose error
   names its own cause, scanned and reported; Chromium's --dump-dom (the DOM after parsing, as a
   reader sees it) shows the incidents, the peers and the causes, and the injected <script> only as
   text: no script element, the title untouched.
2. The demo's report (scripts/demo.sh's inputs) screenshot at 1280x2000: a PNG of that size that is
   not blank (many colours, a good share of non-white pixels). --screenshot-out copies it (the
   README's picture is made this way: docs/report-screenshot.png).

Chromium runs with a new empty profile, no network features (see CHROMIUM_FLAGS) and a deadline.
Exit 0 pass, 1 fail, 77 skipped (no chromium: scripts/install-deps.sh installs it).
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data")
# What scripts/demo.sh scans.
DEMO_INPUTS = [os.path.join(DATA, "scenario"), os.path.join(DATA, "evtx"), os.path.join(DATA, "exchange", "RECV2023011116-1.LOG"),
               os.path.join(DATA, "realworld", "queue-transport-cert-2013-wrapper.json")]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
HOSTILE = "<script>document.title='owned'</script><img src=x onerror=alert(1)>"


def chromium(binary, work, *args, timeout=180):
    profile = tempfile.mkdtemp(prefix="profile-", dir=work)  # a new empty profile each run
    r = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"chromium {' '.join(args)} exited {r.returncode}:\n{r.stderr.decode(errors='replace')[-3000:]}")
    return r.stdout.decode("utf-8", errors="replace")


def authwatch(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, timeout=300)
    if r.returncode not in (0, 3):  # 3: the demo's damaged .evtx files are named and the rest read
        raise AssertionError(f"authwatch {' '.join(args)} exited {r.returncode}:\n{r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def png_pixels(path):
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def check_dom(args, work):
    scenario = os.path.join(work, "scenario")
    shutil.copytree(os.path.join(DATA, "scenario"), scenario)
    recv = os.path.join(scenario, "RECV2024031510-1.LOG")
    text = open(recv, encoding="utf-8-sig").read().replace("EHLO ex1.contoso.com", "EHLO " + HOSTILE)
    open(recv, "w", encoding="utf-8").write(text)
    shutil.copy(os.path.join(DATA, "realworld", "queue-transport-cert-2013-wrapper.json"), scenario)
    db = os.path.join(work, "dom.db")
    authwatch(args.authwatch, "--db", db, "--quiet", "scan", scenario)
    report = os.path.join(work, "scenario-report.html")
    authwatch(args.authwatch, "--db", db, "report", "--output", report)

    dom = chromium(args.chromium, work, "--dump-dom", "file://" + report)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title and title.group(1).startswith("AuthWatch report"), f"title changed: {title and title.group(1)}"
    assert "<script" not in dom.lower(), "a script element made it into the DOM"
    assert "<img" not in dom.lower(), "an injected element made it into the DOM"
    assert "&lt;script&gt;document.title='owned'&lt;/script&gt;" in dom, "the EHLO name is shown as text"
    incidents = re.findall(r'<a href="#incident-0-(\d+)">#\d+</a>', dom)
    assert len(set(incidents)) == 4, f"four incidents linked from the tables, got {sorted(set(incidents))}"
    for peer in ("ex1.contoso.com", "ex2.contoso.com", "10.0.0.7", "10.0.0.1", "10.0.0.2"):
        assert peer in dom, f"peer {peer} missing"
    assert dom.count('<section class="incident"') == 4, "a section per incident"
    assert dom.count('<svg class="timeline"') == 4, "a time line per incident"
    assert '<span class="cause">transport-certificate</span>' in dom, "the cause the queue's error names"
    assert "Kerberos context: 2" in dom and "KDC_ERR_S_PRINCIPAL_UNKNOWN" in dom, "EX1's Kerberos errors beside its incident"
    print("dump-dom: 4 incidents, their peers and causes are in the DOM; the injected <script> is text only")


def check_screenshot(args, work):
    db = os.path.join(work, "demo.db")
    authwatch(args.authwatch, "--db", db, "--quiet", "scan", *DEMO_INPUTS)
    report = os.path.join(work, "demo-report.html")
    authwatch(args.authwatch, "--db", db, "report", "--output", report)
    shot = os.path.join(work, "demo-report.png")
    chromium(args.chromium, work, f"--screenshot={shot}", "--window-size=1280,2000", "file://" + report)
    width, height, bpp, rows = png_pixels(shot)
    assert (width, height) == (1280, 2000), f"screenshot is {width}x{height}, expected 1280x2000"
    colours, inked = set(), 0
    for row in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            inked += px != b"\xff\xff\xff"
    sampled = (height // 4) * (width // 4)
    share = inked / sampled
    assert len(colours) > 50, f"only {len(colours)} colours: blank or one flat colour"
    assert share > 0.03, f"only {share:.1%} of the pixels are not white"
    print(f"screenshot: {width}x{height}, {len(colours)} colours, {share:.1%} inked")
    if args.screenshot_out:
        shutil.copy(shot, args.screenshot_out)
        print(f"copied to {args.screenshot_out}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--authwatch", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium"))
    ap.add_argument("--work", help="folder for the reports and the screenshot (kept); default a temporary one")
    ap.add_argument("--screenshot-out", help="copy the demo report's screenshot here")
    args = ap.parse_args()
    if not args.chromium:
        print("SKIPPED: Debian's chromium is not installed; scripts/install-deps.sh installs it")
        return 77
    work = args.work or tempfile.mkdtemp(prefix="authwatch-report-")
    if args.work:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    try:
        check_dom(args, work)
        check_screenshot(args, work)
    except (AssertionError, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {e}")
        print("0 passed, 1 failed")
        return 1
    finally:
        for entry in os.listdir(work):  # the profiles; the reports and the screenshot stay for a look
            if entry.startswith("profile-"):
                shutil.rmtree(os.path.join(work, entry), ignore_errors=True)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
