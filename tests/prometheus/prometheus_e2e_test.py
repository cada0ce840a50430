#!/usr/bin/env python3
"""The real Prometheus scraping the real authwatch-service (issue 14).

Starts authwatch-service with its metrics on loopback and a drop folder, and Debian's Prometheus (a
temporary config and storage, on loopback, scraping it every second with the shipped alerting
rules loaded). Drops an event export whose 1035 opens an incident now, waits for the scrape, and
asserts through Prometheus' HTTP query API that authwatch_incident_open shows that incident. Also:
`promtool check metrics` on the exposition before and after, the rules loaded by the real server,
and every query of the shipped Grafana dashboard accepted by it.

Every wait has a deadline; both processes are stopped however the test ends. Exit 0 pass, 1 fail,
77 skipped (no prometheus/promtool: scripts/install-deps.sh installs them).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RULES = os.path.join(ROOT, "installer", "prometheus", "authwatch.rules.yml")
DASHBOARD = os.path.join(ROOT, "installer", "grafana", "authwatch-dashboard.json")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8")


def wait_for(what, check, deadline_s):
    """Calls check() until it returns a true value or the deadline passes; returns the value."""
    end = time.monotonic() + deadline_s
    last_error = None
    while time.monotonic() < end:
        try:
            value = check()
            if value:
                return value
        except (OSError, urllib.error.URLError, ValueError) as e:
            last_error = e
        time.sleep(0.1)  # a poll of a real Prometheus: short, so what it scraped is seen at once
    raise AssertionError(f"timed out after {deadline_s} s waiting for {what} (last error: {last_error})")


def query(prom, expr):
    url = f"http://127.0.0.1:{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    status, body = http_get(url)
    data = json.loads(body)
    if data.get("status") != "success":
        raise AssertionError(f"query {expr!r}: {body}")
    return data["data"]["result"]


def promtool_check_metrics(promtool, exposition, label):
    r = subprocess.run([promtool, "check", "metrics"], input=exposition.encode(), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"promtool check metrics ({label}) failed:\n{r.stdout.decode()}{r.stderr.decode()}")
    print(f"promtool check metrics ({label}): ok")


def event_export(now):
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MSExchangeTransport'/>"
        "<EventID Qualifiers='32772'>1035</EventID><Version>0</Version><Level>3</Level><Task>1</Task><Opcode>0</Opcode>"
        f"<Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{stamp}'/><EventRecordID>99001</EventRecordID>"
        "<Correlation/><Execution ProcessID='4312' ThreadID='7720'/><Channel>Application</Channel>"
        "<Computer>ex2.contoso.com</Computer><Security/></System><EventData><Data>IllegalMessage</Data>"
        "<Data>Default EX2</Data><Data>ExchangeAuth</Data><Data>10.0.0.1</Data></EventData></Event>\n"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", required=True, help="the authwatch-service binary")
    ap.add_argument("--prometheus", default=shutil.which("prometheus"))
    ap.add_argument("--promtool", default=shutil.which("promtool"))
    args = ap.parse_args()
    if not args.prometheus or not args.promtool:
        print("SKIPPED: Debian's prometheus (prometheus, promtool) is not installed; scripts/install-deps.sh installs it")
        return 77

    work = tempfile.mkdtemp(prefix="authwatch-prometheus-")
    procs = []
    try:
        drop = os.path.join(work, "drop")
        os.makedirs(drop)
        metrics_port, prom_port = free_port(), free_port()
        service_log = open(os.path.join(work, "service.log"), "wb")
        procs.append(subprocess.Popen(
            [args.service, "--db", os.path.join(work, "authwatch.db"), "--drop-dir", drop, "--no-probes", "--poll-ms", "100",
             "--observer", "ex2.contoso.com", "--metrics-listen", f"127.0.0.1:{metrics_port}"],
            stdout=service_log, stderr=subprocess.STDOUT))
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        before = wait_for("authwatch-service's /metrics", lambda: http_get(metrics_url)[1], 30)
        assert "authwatch_up 1" in before, before
        promtool_check_metrics(args.promtool, before, "no incident yet")

        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                f"rule_files:\n  - {RULES}\n"
                "scrape_configs:\n  - job_name: authwatch\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{metrics_port}']\n"
            )
        prom_log = open(os.path.join(work, "prometheus.log"), "wb")
        procs.append(subprocess.Popen(
            [args.prometheus, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(work, 'data')}",
             f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
            stdout=prom_log, stderr=subprocess.STDOUT))
        wait_for("Prometheus to be ready", lambda: http_get(f"http://127.0.0.1:{prom_port}/-/ready")[0] == 200, 90)
        up = wait_for("the first scrape", lambda: query(prom_port, 'up{job="authwatch"} == 1'), 60)
        print(f"Prometheus scrapes authwatch-service: up={up[0]['value'][1]}")

        rules = json.loads(http_get(f"http://127.0.0.1:{prom_port}/api/v1/rules")[1])["data"]["groups"]
        names = sorted(r["name"] for g in rules for r in g["rules"])
        assert names == ["AuthWatchAlertsStuck", "AuthWatchDiagnosisCause", "AuthWatchLinkBroken", "AuthWatchMonitorDown",
                         "AuthWatchMonitorStalled"], names
        print(f"the real server loaded the rules: {', '.join(names)}")

        # The export is written beside the folder and moved in whole, as an administrator's copy lands.
        staged = os.path.join(work, "ex2-application.xml")
        with open(staged, "w") as f:
            f.write(event_export(datetime.now(timezone.utc)))
        os.rename(staged, os.path.join(drop, "ex2-application.xml"))

        def incident_seen():
            for series in query(prom_port, "authwatch_incident_open"):
                m = series["metric"]
                if m.get("peer") == "10.0.0.1" and series["value"][1] == "1":
                    return m
            return None
        m = wait_for("authwatch_incident_open for the dropped 1035 in Prometheus", incident_seen, 60)
        assert m["observer"] == "ex2.contoso.com", m
        assert m["direction"] == "inbound", m
        assert m["job"] == "authwatch", m
        print(f"Prometheus shows the incident: authwatch_incident_open{json.dumps(m, sort_keys=True)} = 1")
        counts = query(prom_port, 'authwatch_incidents{status="open",direction="inbound"}')
        assert counts and counts[0]["value"][1] == "1", counts
        faults = wait_for("the fault counter", lambda: [s for s in query(prom_port, 'authwatch_signals_total{class="fault"}')
                                                        if s["value"][1] == "1"], 30)
        assert faults, faults

        after = http_get(metrics_url)[1]
        assert 'peer="10.0.0.1"' in after, after
        promtool_check_metrics(args.promtool, after, "an open incident")

        # Every query of the shipped dashboard is one the real server accepts.
        dashboard = json.load(open(DASHBOARD))
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        assert exprs, "the dashboard has queries"
        for expr in exprs:
            query(prom_port, expr.replace("$__rate_interval", "1m"))
        links = query(prom_port, exprs[0])
        assert any(s["metric"].get("peer") == "10.0.0.1" for s in links), links
        print(f"the dashboard's {len(exprs)} queries run; its links table shows the incident")
        print("1 passed, 0 failed")
        return 0
    except AssertionError as e:
        print(f"FAILED: {e}")
        for name in ("service.log", "prometheus.log"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                print(f"--- {name} (last 40 lines)")
                print("\n".join(open(path, errors="replace").read().splitlines()[-40:]))
        print("0 passed, 1 failed")
        return 1
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
