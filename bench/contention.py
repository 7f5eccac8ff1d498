#!/usr/bin/env python3
"""One hostile party against the others (docs/performance.md, "One party
against the others"), on `deconflict serve` with its default limits.

Phase 1, for SECONDS: the heavy party (russia) sends its heaviest legal
requests as fast as its limits let it, on four connections: each declares a
19,999-vertex exercise with a 500 km buffer 600 km from a stored 19,999-vertex
zone with the same buffer, then replaces it again and again (each a full
check, about 44 million units of work), waiting as told when refused with 429.
Meanwhile another party (un) declares small patrols at 50 a second and a load
balancer asks for health 20 times a second, each from its own process (so
that no client waits for another's interpreter); their latencies are measured.

Phase 2: the heavy party fills its quota of positions with such exercises
(placed where they meet nothing), and the server's resident memory is read.

Usage: bench/contention.py BUILD_DIR [SECONDS]
"""
import http.client
import json
import math
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 30
BIN = os.path.join(BUILD, "deconflict")
N = 19_999


def circle(lon, lat, r_m, n, phase=0.0):
    pts = []
    for i in range(n):
        a = 2 * math.pi * (i + phase) / n
        pts.append([round(lon + r_m * math.sin(a) / (111320.0 * math.cos(math.radians(lat))), 6),
                    round(lat + r_m * math.cos(a) / 111320.0, 6)])
    return pts + [pts[0]]


def feature(geometry, **props):
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props})


def polygon(lon, lat, r_m, phase=0.0):
    return {"type": "Polygon", "coordinates": [circle(lon, lat, r_m, N, phase)]}


WINDOW = {"start": "2027-01-07T00:00:00Z", "end": "2027-01-08T00:00:00Z"}


class Client:
    def __init__(self, url, token):
        host, port = url.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        self.token = token

    def send(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token} if self.token else {}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, data, r.getheader("Retry-After"), time.perf_counter() - t0


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(math.ceil(p / 100 * len(xs))) - 1)] if xs else float("nan")


def summary(name, lat, statuses):
    ms = [x * 1000 for x in lat]
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"{name}: {len(ms)} requests, p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
          f"max {max(ms) if ms else float('nan'):.1f} ms, statuses {counts}")


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def paced(queue, url, token, name, per_s, stop):
    """Sends a small create (with a token) or a health request (without), per_s a second, until `stop`."""
    c = Client(url, token)
    lat, statuses = [], []
    period, next_at, i = 1.0 / per_s, time.monotonic(), 0
    while time.monotonic() < stop:
        if token:
            f = feature({"type": "Point", "coordinates": [36 + (i % 100) * 0.05, 31 + (i // 100 % 100) * 0.05]},
                        type="activity", kind="patrol", radius_m=500, **WINDOW)
            status, _, _, t = c.send("POST", "/v1/activities", f)
        else:
            status, _, _, t = c.send("GET", "/v1/health")
        lat.append(t)
        statuses.append(status)
        i += 1
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    queue.put((name, lat, statuses))


def main():
    work = tempfile.mkdtemp()
    db = os.path.join(work, "line.db")
    tokens = {}
    for party in ("coalition", "russia", "un"):
        tokens[party] = subprocess.run([BIN, "party", "add", party, "--db", db], check=True, capture_output=True,
                                       text=True).stdout.strip()
    log = open(os.path.join(work, "server.log"), "w+")
    server = subprocess.Popen([BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", "--max-body-bytes", "4000000"],
                              stderr=log)
    url = None
    for _ in range(100):
        log.seek(0)
        m = re.search(r"http://[0-9.:]+", log.read())
        if m:
            url = m.group(0)
            break
        time.sleep(0.1)
    try:
        run(url, tokens, server.pid)
    finally:
        server.terminate()
        server.wait()


def run(url, tokens, pid):
    print(f"machine: {os.cpu_count()} cores, " +
          subprocess.run("lscpu | sed -n 's/^Model name: *//p'", shell=True, capture_output=True,
                         text=True).stdout.strip())
    coalition, russia = Client(url, tokens["coalition"]), Client(url, tokens["russia"])
    zone = feature(polygon(38.6, 33.5, 100_000), id="coalition.zone", type="zone", kind="restricted",
                   buffer_m=500_000, agreed_by=["russia"])
    assert coalition.send("POST", "/v1/zones", zone)[0] == 201
    assert russia.send("POST", "/v1/zones/coalition.zone/accept", "")[0] == 200

    stop = time.monotonic() + SECONDS
    heavy_results = ([], [])
    lock = threading.Lock()

    def heavy(k):
        c = Client(url, tokens["russia"])
        # Serialised once: the client's own JSON must not be what is measured.
        text = feature(polygon(45.0, 33.5, 100_000, 0.5), id=f"russia.heavy{k}", type="activity", kind="exercise",
                       buffer_m=500_000, **WINDOW)
        version = 0
        while time.monotonic() < stop:
            if version == 0:
                status, data, retry, t = c.send("POST", "/v1/activities", text)
            else:
                # A change each time, or the replacement would change nothing.
                changed = text.replace(WINDOW["end"], f"2027-01-08T00:{version % 60:02d}:00Z")
                status, data, retry, t = c.send("PUT", f"/v1/activities/russia.heavy{k}", changed,
                                                {"If-Match": str(version)})
            with lock:
                heavy_results[0].append(t)
                heavy_results[1].append(status)
            if status in (200, 201):
                version = json.loads(data)["feature"]["properties"]["version"]
            elif status == 429:
                time.sleep(min(float(retry or 1), max(0.0, stop - time.monotonic())))
            else:
                time.sleep(0.5)  # over its budget: the world around it grew (the other party's patrols)

    queue = multiprocessing.Queue()
    cpu0, wall0 = proc_stat(pid), time.monotonic()
    others = [multiprocessing.Process(target=paced, args=(queue, url, tokens["un"], "small creates", 50, stop)),
              multiprocessing.Process(target=paced, args=(queue, url, "", "health", 20, stop))]
    for p in others:
        p.start()
    threads = [threading.Thread(target=heavy, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = {"heavy": heavy_results}
    for _ in others:
        name, lat, statuses = queue.get()
        results[name] = (lat, statuses)
    for p in others:
        p.join()
    cpu = proc_stat(pid) - cpu0
    print(f"== phase 1: {SECONDS:.0f} s, server CPU {cpu:.1f} s over {time.monotonic() - wall0:.1f} s of wall time")
    for name, (lat, statuses) in results.items():
        summary(name, lat, statuses)
    print(f"resident memory after phase 1: {rss_mib(pid):.0f} MiB (peak {rss_mib(pid, 'VmHWM'):.0f} MiB)")

    # Phase 2: the heavy party's quota of positions, in exercises that meet nothing.
    russia = Client(url, tokens["russia"])  # a new connection: the first one idled out during phase 1
    stored, t0 = 0, time.monotonic()
    while True:
        f = feature(polygon(-120 + stored % 40 * 2.0, -40 + stored // 40 * 5.0, 50_000), id=f"russia.fill{stored}",
                    type="activity", kind="exercise", buffer_m=1000, **WINDOW)
        status, data, retry, _ = russia.send("POST", "/v1/activities", f)
        if status == 429:
            time.sleep(float(retry or 1))
            continue
        if status != 201:
            break
        stored += 1
    reason = json.loads(data).get("error", {}).get("message", "")
    print(f"== phase 2: the heavy party stored {stored} more 20,000-position exercises in "
          f"{time.monotonic() - t0:.0f} s, then: {status} {reason}")
    print(f"resident memory at the party's full quota: {rss_mib(pid):.0f} MiB (peak {rss_mib(pid, 'VmHWM'):.0f} MiB)")


if __name__ == "__main__":
    main()
