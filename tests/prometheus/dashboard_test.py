#!/usr/bin/env python3
"""The shipped Grafana dashboard is a valid dashboard model (Grafana's JSON model, schemaVersion
36+): a title and uid, a Prometheus datasource variable, panels with unique ids on the 24-column
grid without overlaps, each query naming its refId and a PromQL expression over AuthWatch's
metrics, and the three views the README promises: the links table, incidents over time, clock
offsets. (The real Prometheus runs every query in prometheus_e2e_test.py.)"""
import json
import re
import sys


def main(path):
    problems = []
    d = json.load(open(path))
    for key, kind in (("title", str), ("uid", str), ("schemaVersion", int), ("panels", list), ("templating", dict), ("time", dict)):
        if not isinstance(d.get(key), kind):
            problems.append(f"{key}: missing or not a {kind.__name__}")
    if problems:
        return problems
    if d["schemaVersion"] < 36:
        problems.append(f"schemaVersion {d['schemaVersion']} is older than Grafana 9's")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d["uid"]):
        problems.append(f"uid {d['uid']!r} is not a Grafana uid")
    variables = {v.get("name"): v for v in d["templating"].get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource" or variables["datasource"].get("query") != "prometheus":
        problems.append("no Prometheus datasource variable named datasource")
    ids, cells = set(), {}
    for p in d["panels"]:
        pid = p.get("id")
        if not isinstance(pid, int) or pid in ids:
            problems.append(f"panel {p.get('title')!r}: id {pid!r} missing or not unique")
        ids.add(pid)
        if p.get("type") not in ("table", "timeseries", "stat", "gauge", "bargauge", "text"):
            problems.append(f"panel {pid}: unknown type {p.get('type')!r}")
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "xywh") or g["x"] < 0 or g["w"] < 1 or g["x"] + g["w"] > 24 or g["h"] < 1:
            problems.append(f"panel {pid}: gridPos {g} is not on the 24-column grid")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    problems.append(f"panel {pid} overlaps panel {cells[(x, y)]} at {x},{y}")
                    break
                cells[(x, y)] = pid
        if p.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {pid}: datasource is not the ${{datasource}} variable")
        refs = set()
        for t in p.get("targets", []):
            if not t.get("refId") or t["refId"] in refs:
                problems.append(f"panel {pid}: a query without a unique refId")
            refs.add(t.get("refId"))
            expr = t.get("expr", "")
            if not re.search(r"\b(authwatch_[a-z_]+|up)\b", expr) or expr.count("(") != expr.count(")"):
                problems.append(f"panel {pid}: query {expr!r} is not a PromQL query over AuthWatch's metrics")
        if p.get("type") != "text" and not p.get("targets"):
            problems.append(f"panel {pid}: no query")
    by_type = [(p["type"], " ".join(t.get("expr", "") for t in p.get("targets", []))) for p in d["panels"]]
    wanted = {
        "the links table": lambda t, e: t == "table" and "authwatch_incident_open" in e,
        "incidents over time": lambda t, e: t == "timeseries" and "authwatch_incidents" in e,
        "clock offsets": lambda t, e: t == "timeseries" and "authwatch_clock_offset_seconds" in e,
    }
    for name, test in wanted.items():
        if not any(test(t, e) for t, e in by_type):
            problems.append(f"no panel for {name}")
    return problems


if __name__ == "__main__":
    found = main(sys.argv[1])
    for p in found:
        print("problem:", p)
    print(f"{0 if found else 1} passed, {1 if found else 0} failed")
    sys.exit(1 if found else 0)
