#!/usr/bin/env python3
"""weshopd's benchmarks (issue #7). Each figure stands beside a reference
measured in the same run on this machine; the ratios are what to read, since
absolute numbers vary between machines. Prints a table and writes a Markdown
report (bench/RESULTS.md by default).

    python3 bench/run.py [--quick] [--build DIR] [--out FILE]

bench/run.sh installs what this needs and builds first. --quick runs every
benchmark at a small size (the suite's smoke test); its figures mean little.
"""
import argparse
import glob
import http.client as http_client
import atexit
import datetime
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import poll_bound

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = dict(read_jobs=100_000, seconds=10, intake_seconds=10, ceiling_rows=100_000,
            scale=(10_000, 100_000), window=20, restart=(1_000_000, 100_000), dedupe=1000, latency=10_000,
            fleet_jobs=5000, soak=(1_000_000, 30), batch_items=10_000,
            drain=dict(jobs=2000, run_ms=500, capacity=16, give_up_s=600),
            # jobs, run-time medians of aimodel and aipose (ms), sigma, seconds to submit them over
            poll_lag=(300, 20_000, 8000, 0.6, 60))
QUICK = dict(read_jobs=2000, seconds=2, intake_seconds=2, ceiling_rows=5000,
             scale=(500, 2000), window=3, restart=(20_000, 2000), dedupe=50, latency=200, fleet_jobs=300,
             soak=(20_000, 5), batch_items=500, drain=dict(jobs=200, run_ms=100, capacity=8, give_up_s=8),
             poll_lag=(30, 2000, 1000, 0.3, 3))
AIPOSE = {"agent": {"name": "aipose", "version": "v1.0"},
          "input": {"originalImage": "https://example.com/a.png"},
          "params": {"textDescription": "sit", "batchCount": 1}}
AIMODEL = {"agent": {"name": "aimodel", "version": "v1.0"},
           "input": {"originalImage": "https://example.com/shirt.png"},
           "params": {"generatedContent": "freeCreation", "maskType": "autoApparelSegment",
                      "textDescription": "a model in a sunny street", "batchCount": 1}}

processes = []
# The callback -> SSE benchmark's offered loads: a workstation's pace, and the
# most that 2 cores carry (sim, load, reader and weshopd) without a CPU queue.
JOBS_PER_SECOND = (100, 500)

# Reads GET /v1/events?state=succeeded and writes "executionId unix_us" per event.
SSE_READER = r"""
import json, socket, sys, time
# Each event is stamped when the read that brought it returns, not after the events before it in the
# same read were parsed and written out: the figure is weshopd's, not this reader's.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v1/events?state=succeeded HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
out = open(sys.argv[2], "w")
pending, data = b"", None
while chunk := s.recv(1 << 16):
    at = time.time_ns() // 1000
    *lines, pending = (pending + chunk).split(b"\n")
    for line in lines:
        if line.startswith(b"data: "):
            data = line[6:]
        elif line == b"" and data:
            out.write(json.loads(data)["upstream"]["executionId"] + " " + str(at) + "\n")
            data = None
    out.flush()
"""


@atexit.register
def stop_all():
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench: timed out waiting for {what}")


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=120) as r:
        text = r.read()
        return json.loads(text) if text else None


def usage_of(pid):
    """(RSS bytes, CPU seconds used so far) of a process, from /proc."""
    with open(f"/proc/{pid}/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, cpu


class Sim:
    def __init__(self, work, build, *args):
        self.dir = os.path.join(work, f"sim-{free_port()}")
        os.makedirs(self.dir)
        self.proc = subprocess.Popen([f"{build}/tests/weshop-sim", "--pki-dir", f"{work}/pki", "--exit-with-parent",
                                      *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=open(f"{self.dir}/sim.log", "w"), text=True)
        processes.append(self.proc)
        self.endpoints = json.loads(self.proc.stdout.readline())
        self.ca = f"{work}/pki/ca.pem"

    def stats(self):
        return http("GET", self.endpoints["admin"] + "/admin/stats")

    def upstream_requests(self):
        return sum(v for k, v in self.stats()["requests"].items() if k != "images")


class Daemon:
    def __init__(self, work, build, sim, name, env=None, db=None):
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        self.log = f"{work}/{name}.log"
        full_env = {**os.environ, "WESHOP_API_KEY": "sim-test-key",
                    "WESHOPD_UPSTREAM_TEST_ORIGIN": sim.endpoints["api"], "WESHOPD_UPSTREAM_CA_FILE": sim.ca,
                    "WESHOPD_STORE_PATH": db or f"{work}/{name}.db", "WESHOPD_API_LISTEN": f"127.0.0.1:{self.port}",
                    "WESHOPD_ENGINE_MAX_WAITING_JOBS": "10000000",
                    # wrk sends one body again and again: not a runaway loop here
                    "WESHOPD_BREAKER_IDENTICAL_REQUESTS": "1000000000", **(env or {})}
        self.started = time.monotonic()
        self.proc = subprocess.Popen([f"{build}/daemon/weshopd"], env=full_env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        processes.append(self.proc)
        wait_for(self.healthy, 60, f"{name} to answer /healthz")
        self.ready_after = time.monotonic() - self.started

    def healthy(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"bench: weshopd exited; see {self.log}")
        try:
            http("GET", self.api + "/healthz")
            return True
        except OSError:
            return False

    def usage(self):
        return usage_of(self.proc.pid)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(30) != 0:  # a clean stop, and under the asan preset no sanitizer report
            raise SystemExit(f"bench: weshopd exited with {self.proc.returncode}; see {self.log}")

    def jobs(self):
        """Every job, page by page (GET /v1/jobs)."""
        cursor = None
        while True:
            page = http("GET", self.api + "/v1/jobs?limit=500" + (f"&cursor={cursor}" if cursor else ""))
            yield from page["jobs"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def ids(self):
        return [j["id"] for j in self.jobs()]


def wrk(url, connections, seconds, script=None, env=None):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          *(["-s", script] if script else []), url],
                         env={**os.environ, **(env or {})}, capture_output=True, text=True, check=True).stdout
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    created = re.search(r"^created (\d+)$", out, re.M)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    took = re.search(r"requests in ([\d.]+)(us|ms|s),", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p99_ms": float(p99.group(1)) * scale[p99.group(2)],
            "requests": requests, "created": int(created.group(1)) if created else 0, "failed": int(non2xx.group(1)) if non2xx else 0,
            "seconds": float(took.group(1)) * scale[took.group(2)] / 1000}


def create_jobs(api, count, body, connections=32):
    """POSTs `count` jobs with wrk, in rounds of a few seconds (wrk cannot stop early)."""
    script = os.path.join(ROOT, "bench", "create_jobs.lua")
    while count > 0:
        out = wrk(api + "/v1/jobs", connections, 2, script,
                  {"WESHOPD_BENCH_BODY": json.dumps(body), "WESHOPD_BENCH_COUNT": str(count)})
        count -= out["created"]


class Nginx:
    def __init__(self, work, html):
        self.port = free_port()
        d = f"{work}/nginx"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(f"""worker_processes 1;
pid {d}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{self.port}; root {html}; default_type application/json; }}
}}
""")
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-p", d, "-e", f"{d}/error.log", "-c", f"{d}/nginx.conf",
                                      "-g", "daemon off; master_process off;"])
        processes.append(self.proc)
        wait_for(self.up, 10, "nginx")

    def up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port)):
                return True
        except OSError:
            return False


class Postgres:
    """A PostgreSQL server of the benchmark's own (initdb/pg_ctl in the work dir, a unix socket)."""
    def __init__(self):
        # A folder of its own: the server runs as `postgres`, which cannot enter the 0700 work dir.
        self.dir = tempfile.mkdtemp(prefix="weshopd-bench-pg-")
        os.chmod(self.dir, 0o777)
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise SystemExit("bench: no PostgreSQL server (deploy/install-deps.sh installs postgresql-15)")
        self.bin = os.path.dirname(binaries[-1])
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data = f"{self.dir}/data"
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "weshopd",
                                       "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-l", f"{self.dir}/server.log", "-w",
                                       "-o", f"-k {self.dir} -p 5432 -c listen_addresses='' -c max_connections=300",
                                       "start"], check=True, stdout=subprocess.DEVNULL)

    def url(self, database):
        return f"host={self.dir} port=5432 user=weshopd dbname={database}"

    def create(self, database):
        subprocess.run(["psql", "-q", self.url("postgres"), "-c", f"CREATE DATABASE {database}"], check=True)

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def ratio(a, b):
    return a / b if b else float("nan")


# ---------------------------------------------------------------------------


def scale_and_reads(cfg, work, build, rows):
    """3. jobs in flight (RSS, CPU, scheduler cost), 5. TLS handshakes, then 1. status reads on them."""
    sim = Sim(work, build, "--pending-ms", "86400000")  # runs never finish: jobs stay `running`
    d = Daemon(work, build, sim, "scale")
    time.sleep(1)
    idle_rss, _ = d.usage()
    figures = {}
    created = 0
    for target in cfg["scale"]:
        log(f"scale: {target} jobs running ...")
        create_jobs(d.api, target - created, AIPOSE)
        wait_for(lambda: sim.stats()["runs_created"] >= target, 600, f"{target} runs")
        created = sim.stats()["runs_created"]
        time.sleep(2)  # the last submits' answers are recorded
        rss0, cpu0 = d.usage()
        stats0 = sim.stats()
        requests0 = sim.upstream_requests()
        time.sleep(cfg["window"])
        rss1, cpu1 = d.usage()
        stats1 = sim.stats()
        polls = stats1["requests"].get("run", 0) - stats0["requests"].get("run", 0)
        figures[target] = dict(jobs=created, rss=rss1, cpu=(cpu1 - cpu0) / cfg["window"],
                               polls=polls / cfg["window"],
                               cpu_per_poll_us=(cpu1 - cpu0) / max(polls, 1) * 1e6,
                               handshakes=stats1["tls_handshakes"] - stats0["tls_handshakes"],
                               upstream=sim.upstream_requests() - requests0)
    small, large = (figures[t] for t in cfg["scale"])
    per_job = (large["rss"] - idle_rss) / large["jobs"]
    rows.append(("in-flight memory", f"{per_job:.0f} B RSS per running job ({large['jobs']} jobs, "
                 f"{large['rss'] / 2**20:.0f} MiB; idle {idle_rss / 2**20:.0f} MiB)",
                 "goal: 2 KiB per job", f"{ratio(per_job, 2048):.0%} of the allowance"))
    rows.append(("CPU while polling", f"{large['cpu']:.1%} of a core at {large['polls']:.0f} polls/s "
                 f"({large['jobs']} jobs)", "goal: 1 core", f"{large['cpu']:.1%}"))
    rows.append(("scheduler cost", f"{small['cpu_per_poll_us']:.0f} us CPU per poll at {small['jobs']} jobs, "
                 f"{large['cpu_per_poll_us']:.0f} us at {large['jobs']}", "flat: the same at both sizes",
                 f"{ratio(large['cpu_per_poll_us'], small['cpu_per_poll_us']):.2f}x"))
    upstream = small["upstream"] + large["upstream"]
    handshakes = small["handshakes"] + large["handshakes"]
    rows.append(("upstream TLS handshakes", f"{handshakes} in {upstream} upstream requests (steady state)",
                 "goal: at most 1 per 1,000", f"{ratio(handshakes * 1000, upstream):.2f} per 1,000"))

    log("status reads ...")
    ids = d.ids()
    with open(f"{work}/ids.txt", "w") as f:
        f.write("\n".join(ids) + "\n")
    with urllib.request.urlopen(f"{d.api}/v1/jobs/{ids[0]}") as r:
        sample = r.read()
    html = f"{work}/html"
    os.makedirs(html)
    with open(f"{html}/job.json", "wb") as f:
        f.write(sample)
    nginx = Nginx(work, html)
    script = os.path.join(ROOT, "bench", "status_reads.lua")
    env = {"WESHOPD_BENCH_IDS": f"{work}/ids.txt"}
    # Warm-up: every job read once (a status-polling app reads the same jobs again and again).
    wrk(d.api, 64, max(1, len(ids) // 20000), os.path.join(ROOT, "bench", "warm_reads.lua"), env)
    for c in (64, 256):
        w = wrk(d.api, c, cfg["seconds"], script, env)
        n = wrk(f"http://127.0.0.1:{nginx.port}/job.json", c, cfg["seconds"])
        rows.append((f"status reads, {c} connections",
                     f"{w['rps']:.0f} req/s, p99 {w['p99_ms']:.2f} ms ({len(ids)} jobs, {len(sample)} B, "
                     f"{w['failed']} failed)",
                     f"nginx, the same bytes as a static file: {n['rps']:.0f} req/s, p99 {n['p99_ms']:.2f} ms",
                     f"{ratio(w['rps'], n['rps']):.0%} of the throughput (goal 70%), "
                     f"p99 {ratio(w['p99_ms'], n['p99_ms']):.1f}x (goal 2x)"))
    d.stop()


def intake(cfg, work, build, rows):
    """2. durable intake against the group-commit ceiling of this disk."""
    log("intake ...")
    ceiling = float(subprocess.run([f"{build}/bench/weshopd-bench-tool", "ceiling", f"{work}/ceiling.db",
                                    str(cfg["ceiling_rows"]), "64"],
                                   capture_output=True, text=True, check=True).stdout)
    body = {"WESHOPD_BENCH_BODY": json.dumps(AIMODEL), "WESHOPD_BENCH_COUNT": "1000000000"}
    script = os.path.join(ROOT, "bench", "create_jobs.lua")
    # Upstream stubbed never to complete: the sim never answers a submit, so
    # the figure is intake alone (the engine's submit slots fill, the rest wait).
    stalled = json.dumps([{"endpoint": "runs", "kind": "stall"}])
    for label, sim_args in (("submits stalled", ["--faults", stalled]), ("submits flowing", [])):
        sim = Sim(work, build, "--pending-ms", "86400000", *sim_args)
        d = Daemon(work, build, sim, f"intake-{len(sim_args)}")
        w = wrk(d.api + "/v1/jobs", 64, cfg["intake_seconds"], script, body)
        created = w["created"] / w["seconds"]
        d.stop()
        if sim_args:
            rows.append(("durable intake, 64 connections",
                         f"{created:.0f} jobs/s ({label}; every 201 after its commit, synchronous=FULL; "
                         f"p99 {w['p99_ms']:.1f} ms; {w['failed']} not 201)",
                         f"SQLite alone: the same rows, 64 per commit, same pragmas: {ceiling:.0f} jobs/s",
                         f"{ratio(created, ceiling):.0%} of the ceiling (goal 60%)"))
        else:
            rows.append(("durable intake, while submitting",
                         f"{created:.0f} jobs/s ({label}: each job also goes to the sim and moves twice more; "
                         f"p99 {w['p99_ms']:.1f} ms)", "the same ceiling", f"{ratio(created, ceiling):.0%}"))


def restart(cfg, work, build, rows):
    """4. start-to-ready with a big database."""
    total, unfinished = cfg["restart"]
    log(f"restart: seeding {total} jobs ...")
    db = f"{work}/restart.db"
    subprocess.run([f"{build}/bench/weshopd-bench-tool", "seed", db, str(total), str(unfinished)],
                   check=True, capture_output=True)
    size = os.path.getsize(db)
    sim = Sim(work, build, "--pending-ms", "86400000")
    notify_path = f"{work}/notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    ready_at = []

    def watch():
        while True:
            data = listener.recv(4096)
            if b"READY=1" in data:
                ready_at.append(time.monotonic())
                return
    threading.Thread(target=watch, daemon=True).start()
    d = Daemon(work, build, sim, "restart", {"NOTIFY_SOCKET": notify_path}, db=db)
    wait_for(lambda: ready_at, 10, "READY=1")
    ready = ready_at[0] - d.started
    d.stop()
    rows.append(("restart", f"READY=1 after {ready:.2f} s, /healthz after {d.ready_after:.2f} s "
                 f"({total} jobs, {unfinished} unfinished, {size / 2**20:.0f} MiB)",
                 "goal: 2 s", f"{ratio(max(ready, d.ready_after), 2):.0%} of the allowance"))


def upload_dedupe(cfg, work, build, rows):
    """5. the same local file in many jobs is uploaded once."""
    log("upload dedupe ...")
    images = f"{work}/images"
    os.makedirs(images)
    with open(f"{images}/shirt.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(4096))
    sim = Sim(work, build, "--pending-ms", "10", "--segmenting-ms", "10", "--running-ms", "10")
    d = Daemon(work, build, sim, "uploads", {"WESHOPD_UPLOADS_ROOTS": images})
    body = {**AIPOSE, "input": {"originalImage": f"{images}/shirt.png"}}
    create_jobs(d.api, cfg["dedupe"], body)
    wait_for(lambda: sim.stats()["runs_created"] >= cfg["dedupe"], 300, "the runs")
    uploads = sim.stats()["uploads"]
    d.stop()
    rows.append(("upload dedupe", f"{uploads} upload(s) for one file in {cfg['dedupe']} jobs", "goal: 1",
                 "met" if uploads == 1 else "not met"))


def notification_latency(cfg, work, build, rows):
    """6. callback sent -> SSE event delivered, on loopback, at each offered load."""
    for per_second in JOBS_PER_SECOND:
        notification_latency_at(per_second, cfg, work, build, rows)


def notification_latency_at(per_second, cfg, work, build, rows):
    log(f"callback -> SSE latency at {per_second} jobs/s ...")
    sim = Sim(work, build, "--pending-ms", "20", "--segmenting-ms", "20", "--running-ms", "20", "--callbacks", "once")
    cb = free_port()
    # The poll rate limit (engine.polls_per_second, 50 by default) also paces the GETs
    # that callbacks trigger; raised here so the figure is the path, not the queue.
    d = Daemon(work, build, sim, f"latency-{per_second}", {"WESHOPD_CALLBACKS_LISTEN": f"127.0.0.1:{cb}",
                                             "WESHOPD_CALLBACKS_PUBLIC_BASE_URL": f"http://127.0.0.1:{cb}",
                                             "WESHOPD_ENGINE_POLLS_PER_SECOND": "100000"})
    # The SSE reader is a process of its own, so nothing here delays its clock.
    events_file = f"{work}/events-{per_second}.txt"
    reader = subprocess.Popen([sys.executable, "-c", SSE_READER, str(d.port), events_file])
    processes.append(reader)
    time.sleep(0.5)
    count = cfg["latency"]
    conn = http_client.HTTPConnection("127.0.0.1", d.port)
    body = json.dumps(AIPOSE)
    due = time.monotonic()
    # At most 500 jobs/s, one keep-alive connection, never a burst to catch up. (At
    # 1,000/s the sim, this script, the reader and weshopd outgrow 2 cores in bursts
    # and the p99 measures the queue for a CPU.)
    for _ in range(count):
        due = max(due + 1 / per_second, time.monotonic())
        time.sleep(max(0.0, due - time.monotonic()))
        conn.request("POST", "/v1/jobs", body, {"Content-Type": "application/json"})
        conn.getresponse().read()

    def received():
        with open(events_file) as f:
            return dict(line.split() for line in f if line.endswith("\n"))
    wait_for(lambda: len(received()) >= count, 300, "every job's event")
    times = http("GET", sim.endpoints["admin"] + "/admin/callbacks/sent")
    sent, fetched, got = times["sent_us"], times["fetched_us"], received()
    latencies = sorted((int(got[run]) - at) / 1000 for run, at in sent.items() if run in got)
    to_fetch = sorted((fetched[run] - at) / 1000 for run, at in sent.items() if run in fetched)
    after_fetch = sorted((int(got[run]) - at) / 1000 for run, at in fetched.items() if run in got)
    d.stop()
    p50 = statistics.median(latencies)

    def p99_of(values):
        return values[int(len(values) * 0.99) - 1]
    p99 = p99_of(latencies)
    rows.append((f"callback -> SSE event, {per_second} jobs/s", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(latencies)} jobs at {per_second}/s "
                 f"(includes the re-fetch of the run, which reaches the sim p99 {p99_of(to_fetch):.2f} ms after the "
                 f"callback, and the durable commit: the event comes p99 {p99_of(after_fetch):.2f} ms after the "
                 "re-fetch)",
                 "goal: p99 5 ms on loopback", f"p99 at {ratio(p99, 5):.0%} of the allowance"))


def quantile(values, q):
    """The nearest-rank q-quantile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * q + 0.999999) - 1))]


def unix_ms(rfc3339):
    """weshopd's "2026-11-24T10:00:00.123Z" as Unix milliseconds."""
    at = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(at.timestamp() * 1000)


def adaptive_polling_built(build):
    """Whether this weshopd has `engine.adaptive_polling` (unknown WESHOPD_* variables are ignored, not refused)."""
    reference = subprocess.run([f"{build}/daemon/weshopd", "--print-config-reference"], capture_output=True,
                               text=True, check=True).stdout
    return "`engine.adaptive_polling`" in reference


def poll_lag_once(cfg, work, build, adaptive, seed=24, warm=False):
    """One daemon against a sim with callbacks off and log-normal run times: each job's detection lag
    (the sim's terminal moment -> the job's finishedAt) and the polls its run took. `warm`: the daemon
    restarts on the store of the adaptive run before it, so it starts with what that run learnt."""
    jobs, model_ms, pose_ms, sigma, spread = cfg["poll_lag"]
    sim = Sim(work, build, "--callbacks", "off", "--seed", str(seed), "--duration-lognormal",
              f"aimodel={model_ms}:{sigma}", "--duration-lognormal", f"aipose={pose_ms}:{sigma}")
    env = {} if adaptive is None else {"WESHOPD_ENGINE_ADAPTIVE_POLLING": "true" if adaptive else "false"}
    name = f"poll-lag-{adaptive}"
    d = Daemon(work, build, sim, name + ("-warm" if warm else ""), env, db=f"{work}/{name}.db")
    conn = http_client.HTTPConnection("127.0.0.1", d.port)
    # Arrivals spread over `spread` seconds (not one burst): a learned estimate has runs to learn from.
    due, ids = time.monotonic(), set()
    for i in range(jobs):
        due = max(due + spread / jobs, time.monotonic())
        time.sleep(max(0.0, due - time.monotonic()))
        conn.request("POST", "/v1/jobs", json.dumps(AIMODEL if i % 2 == 0 else AIPOSE),
                     {"Content-Type": "application/json"})
        ids.add(json.loads(conn.getresponse().read())["id"])
    listed = {}

    def all_done():
        listed.update((j["id"], j) for j in d.jobs() if j["id"] in ids)
        return len(listed) == jobs and all(j["finishedAt"] for j in listed.values())
    wait_for(all_done, 600, "every job to finish")
    d.stop()
    runs = {r["executionId"]: r for r in http("GET", sim.endpoints["admin"] + "/admin/runs")["runs"]}
    lags, polls, run_ms = [], [], []
    for j in listed.values():
        run = runs[j["upstream"]["executionId"]]
        lags.append((unix_ms(j["finishedAt"]) - run["terminalAt"]) / 1000)
        polls.append(run["polls"])
        run_ms.append(run["terminalAt"] - run["createdAt"])
    failed = sum(j["state"] != "succeeded" for j in listed.values())
    return dict(p50=quantile(lags, 0.5), p99=quantile(lags, 0.99), polls=statistics.mean(polls), jobs=len(lags),
                failed=failed, run_p50=quantile(run_ms, 0.5) / 1000, run_p99=quantile(run_ms, 0.99) / 1000)


def poll_lag(cfg, work, build, rows):
    """#24: callbacks off, how soon a finished run is noticed and at how many polls: today's schedule,
    and beside it (when built) the polling learned from run times, from a cold start and after a restart."""
    jobs, model_ms, pose_ms, sigma, spread = cfg["poll_lag"]
    built = adaptive_polling_built(build)
    log(f"poll lag: {jobs} jobs, today's schedule ...")
    today = poll_lag_once(cfg, work, build, False if built else None)
    setup = (f"{today['jobs']} jobs over {spread} s, callbacks off; run times log-normal, sigma {sigma}: aimodel "
             f"median {model_ms / 1000:g} s, aipose {pose_ms / 1000:g} s (all: p50 {today['run_p50']:.1f} s, "
             f"p99 {today['run_p99']:.1f} s)")
    goal = "goal: p50 1 s, p99 3 s"

    def figure(f):
        return (f"detection lag p50 {f['p50']:.2f} s, p99 {f['p99']:.2f} s; {f['polls']:.1f} polls per job"
                + (f"; {f['failed']} not succeeded" if f["failed"] else ""))
    rows.append(("poll lag, today's schedule", f"{figure(today)} ({setup})", goal,
                 f"p50 at {ratio(today['p50'], 1):.0%}, p99 at {ratio(today['p99'], 3):.0%} of the allowance"))
    if not built:
        rows.append(("poll lag, adaptive polling", "adaptive polling: not built (no `engine.adaptive_polling` in "
                     "`weshopd --print-config-reference`)", "—", "—"))
        return
    same = (f"{goal}, no more polls than today's schedule, same run: p50 {today['p50']:.2f} s, "
            f"p99 {today['p99']:.2f} s, {today['polls']:.1f} polls per job")

    def against_goal(f):
        return (f"p50 at {ratio(f['p50'], 1):.0%}, p99 at {ratio(f['p99'], 3):.0%} of the allowance; "
                f"{ratio(f['polls'], today['polls']):.2f}x today's polls")
    log(f"poll lag: {jobs} jobs, adaptive polling from a cold start ...")
    cold = poll_lag_once(cfg, work, build, True)
    rows.append(("poll lag, adaptive polling, cold start", f"{figure(cold)} (the same jobs and seed; nothing "
                 "learnt yet: a kind's first runs are on today's schedule)", same, against_goal(cold)))
    log(f"poll lag: {jobs} jobs, adaptive polling after a restart ...")
    warm = poll_lag_once(cfg, work, build, True, seed=25, warm=True)
    rows.append(("poll lag, adaptive polling, after a restart", f"{figure(warm)} (the daemon restarted on the "
                 "cold run's store, so with its learnt estimates; a new sample of the same distributions)", same,
                 against_goal(warm)))
    # The reference: the fewest polls any schedule needs to meet the goal, beside today's in the same model.
    medians = (model_ms / 1000, pose_ms / 1000)
    needed = poll_bound.fewest_polls(medians, sigma, [(1, 0.5), (3, 0.99)])
    modelled = statistics.mean(poll_bound.todays_polls(m, sigma) for m in medians)
    rows.append(("poll lag, the fewest polls any schedule needs",
                 f"knowing the true distributions, noticing 50 % of runs within 1 s and 99 % within 3 s takes at "
                 f"least {needed:.2f} polls per job (a lower bound, `bench/poll_bound.py`)",
                 f"today's schedule in the same model: {modelled:.2f} polls per job (measured here: "
                 f"{today['polls']:.1f}, which also counts polls the model does not)",
                 f"{ratio(needed, modelled):.2f}x today's polls: "
                 + ("reachable within today's polls" if needed <= modelled else "the goal is out of any schedule's reach")))


def fleet(cfg, work, build, rows):
    """#9: intake and status reads with 1 and 3 daemons on one PostgreSQL, beside 1 daemon on SQLite."""
    pg = Postgres()
    try:
        fleet_figures(cfg, work, build, rows, pg)
    finally:
        stop_all()  # the daemons first, then their database
        pg.stop()


def fleet_figures(cfg, work, build, rows, pg):
    # Submits flow (runs then stay pending): every job is also sent and written twice more,
    # on both backends alike; a daemon with stalled submits would take 10 s to stop.
    sim = Sim(work, build, "--pending-ms", "86400000")
    body = {"WESHOPD_BENCH_BODY": json.dumps(AIMODEL), "WESHOPD_BENCH_COUNT": "1000000000"}
    create_script = os.path.join(ROOT, "bench", "create_jobs.lua")
    read_script = os.path.join(ROOT, "bench", "status_reads.lua")

    def on_all(daemons, run):
        """Runs run(daemon) for every daemon at once; the results in order."""
        out = [None] * len(daemons)
        threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, run(daemons[i]))) for i in range(len(daemons))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    figures = {}
    for label, count in (("SQLite, 1 daemon", 1), ("PostgreSQL, 1 daemon", 1), ("PostgreSQL, 3 daemons", 3)):
        log(f"fleet: {label} ...")
        env = {}
        if label.startswith("PostgreSQL"):
            database = f"fleet{count}"
            pg.create(database)
            env = {"WESHOPD_STORE_BACKEND": "postgres", "WESHOPD_STORE_URL": pg.url(database)}
        daemons = [Daemon(work, build, sim, f"fleet-{count}-{i}-{len(env)}", env) for i in range(count)]
        connections = 64 // count
        made = on_all(daemons, lambda d: wrk(d.api + "/v1/jobs", connections, cfg["intake_seconds"], create_script, body))
        intake_rate = sum(w["created"] / w["seconds"] for w in made)
        # Status reads over jobs every daemon can answer for (any daemon reads any job).
        ids = daemons[0].ids()[: cfg["fleet_jobs"]]
        with open(f"{work}/fleet-ids.txt", "w") as f:
            f.write("\n".join(ids) + "\n")
        reads = on_all(daemons, lambda d: wrk(d.api, connections, cfg["seconds"], read_script,
                                              {"WESHOPD_BENCH_IDS": f"{work}/fleet-ids.txt"}))
        figures[label] = dict(intake=intake_rate, reads=sum(r["rps"] for r in reads),
                              p99=max(r["p99_ms"] for r in reads), failed=sum(r["failed"] for r in made + reads))
        for d in daemons:
            d.stop()
    base = figures["SQLite, 1 daemon"]
    for label in ("PostgreSQL, 1 daemon", "PostgreSQL, 3 daemons"):
        f = figures[label]
        rows.append((f"{label}: intake and status reads",
                     f"{f['intake']:.0f} jobs/s in, {f['reads']:.0f} reads/s (p99 {f['p99']:.1f} ms; {f['failed']} failed)",
                     f"SQLite, 1 daemon, same run: {base['intake']:.0f} jobs/s, {base['reads']:.0f} reads/s",
                     f"{ratio(f['intake'], base['intake']):.0%} of the intake, {ratio(f['reads'], base['reads']):.0%} "
                     f"of the reads"))


def peak_rss(pid):
    """The largest RSS a process has had (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) * 1024


def batch_accept(cfg, work, build, rows):
    """8. a 10,000-item batch accepted in one POST (#22), beside as many single POSTs."""
    items = cfg["batch_items"]
    log(f"batch accept: {items} items in one POST, then {items} single POSTs ...")
    stalled = json.dumps([{"endpoint": "runs", "kind": "stall"}])  # intake alone: no run ever completes
    body = {"agent": {"name": "aipose", "version": "v1.0"}, "params": {"textDescription": "sit", "batchCount": 1},
            "items": [{"input": {"originalImage": f"https://x.test/p{i}.png"}} for i in range(items)]}
    payload = json.dumps(body).encode()
    sim = Sim(work, build, "--pending-ms", "86400000", "--faults", stalled)
    d = Daemon(work, build, sim, "batch")
    idle = d.usage()[0]
    began = time.monotonic()
    batch = http("POST", d.api + "/v1/batches", body)
    took = time.monotonic() - began
    assert batch["items"] == items, batch
    peak = peak_rss(d.proc.pid)
    d.stop()
    single = Daemon(work, build, Sim(work, build, "--pending-ms", "86400000", "--faults", stalled), "singles")
    job = {"agent": body["agent"], "params": body["params"], "input": {"originalImage": "https://x.test/p.png"}}
    began = time.monotonic()
    create_jobs(single.api, items, job)
    singles = time.monotonic() - began
    single_peak = peak_rss(single.proc.pid)
    single.stop()
    rows.append((f"batch of {items} items, one POST",
                 f"accepted (validated, priced, stored in one transaction, 201) in {took:.2f} s = "
                 f"{items / took:.0f} items/s; daemon peak RSS {peak / 2**20:.0f} MiB (idle {idle / 2**20:.0f} MiB; "
                 f"{len(payload) / 2**20:.1f} MiB body)",
                 f"{items} single POSTs (wrk, 32 connections), same run: {singles:.2f} s = {items / singles:.0f} jobs/s; "
                 f"peak RSS {single_peak / 2**20:.0f} MiB",
                 f"{singles / took:.1f}x faster"))


def soak(cfg, work, build, rows):
    """7. a long life under retention (#21): the database file plateaus."""
    total, minutes = cfg["soak"]
    log(f"soak: {total} jobs, kept {minutes} simulated minutes (1,000 jobs a minute) ...")
    db = f"{work}/soak.db"
    out = subprocess.run([f"{build}/bench/weshopd-bench-tool", "soak", db, str(total), str(minutes)],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    series = [line.split() for line in out if line and line[0].isdigit()]
    final = dict(zip(*[iter(next(line for line in out if line.startswith("plateau")).split())] * 2))
    for jobs, size, purged in series:
        log(f"soak: {int(jobs):>8} jobs  {int(size) / 2**20:7.1f} MiB  (swept {purged})")
    picks = [series[int(i * (len(series) - 1) / 4)] for i in range(5)]
    sizes = ", ".join(f"{int(j) // 1000}k: {int(b) / 2**20:.0f}" for j, b, _ in picks)
    plateau, last = int(final["plateau"]), int(final["final"])
    rows.append(("database size under retention",
                 f"{last / 2**20:.1f} MiB after {total} jobs through the store and the sweep, each kept {minutes} "
                 f"simulated minutes ({minutes * 1000} jobs); MiB by jobs done: {sizes}; {float(final['seconds']):.0f} s",
                 f"plateau (largest size after the first {minutes * 1000} jobs): {plateau / 2**20:.1f} MiB",
                 f"{float(final['ratio']):.2f}x"))


def rfc3339_seconds(text):
    """Unix seconds of weshopd's RFC 3339 time ('2026-11-26T07:12:47.313Z')."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def drain(cfg, work, build, rows):
    """#23: a backlog drained against an account's capacity, scheduler on and off."""
    p = cfg["drain"]
    ideal = p["jobs"] * p["run_ms"] / 1000 / p["capacity"]
    with open(f"{work}/drain-tokens", "w") as f:
        f.write(f"alice {DRAIN_TOKENS['alice']}\nbob {DRAIN_TOKENS['bob']}\n")
    figures = {label: drain_once(p, work, build, label) for label in ("on", "off")}
    for label, f in figures.items():
        if f["done"] == p["jobs"]:
            took = f"{p['jobs']} jobs drained in {f['seconds']:.1f} s"
            eff = f"efficiency {ideal / f['seconds']:.2f} (goal 0.90)"
        else:
            took = (f"gave up after {f['seconds']:.0f} s with {f['done']} of {p['jobs']} jobs finished "
                    f"({f['done'] / p['jobs']:.1%} drained)")
            eff = f"efficiency < {ideal / f['seconds']:.2f} (goal 0.90)"
        second = (f"{f['second']:.2f} s" if f["second"] is not None
                  else f"not running after {f['second_waited']:.0f} s")
        rows.append((f"drain, scheduler {label}",
                     f"{took}; {f['refused']} of {f['upstream']} upstream requests answered 429 "
                     f"({ratio(f['refused'], f['upstream']):.1%}, goal 5%); a second token's job, posted at "
                     f"{p['jobs'] // 10} finished: running after {second} (goal {2 * p['run_ms'] / 1000:g} s); "
                     f"{f['scheduler']}; peak {f['peak']} runs at the sim",
                     f"ideal: {p['jobs']} jobs x {p['run_ms'] / 1000:g} s / {p['capacity']} runs at once "
                     f"= {ideal:.1f} s", eff))


DRAIN_TOKENS = {"alice": "alice-bench-token-0123456789", "bob": "bob-bench-token-0123456789ab"}


def drain_once(p, work, build, label):
    """One drain: alice's batch of p["jobs"] at once; at 10 % finished bob posts one job."""
    log(f"drain, scheduler {label}: {p['jobs']} jobs of {p['run_ms']} ms, {p['capacity']} at once at the sim ...")
    phase = p["run_ms"] // 5  # pending, segmenting, running: 1/5, 1/5, 3/5 of the run
    sim = Sim(work, build, "--max-running", str(p["capacity"]), "--pending-ms", str(phase), "--segmenting-ms",
              str(phase), "--running-ms", str(p["run_ms"] - 2 * phase), "--callbacks", "once")
    cb = free_port()
    # Callbacks on: a run's end is known when it ends, not at the next poll (1 s, then more).
    d = Daemon(work, build, sim, f"drain-{label}", {
        "WESHOPD_SCHEDULER_ENABLED": "true" if label == "on" else "false",
        "WESHOPD_API_TOKEN_FILE": f"{work}/drain-tokens",
        "WESHOPD_CALLBACKS_LISTEN": f"127.0.0.1:{cb}", "WESHOPD_CALLBACKS_PUBLIC_BASE_URL": f"http://127.0.0.1:{cb}"})
    alice = {"Authorization": f"Bearer {DRAIN_TOKENS['alice']}"}
    bob = {"Authorization": f"Bearer {DRAIN_TOKENS['bob']}"}
    body = {"agent": {"name": "aipose", "version": "v1.0"}, "params": {"textDescription": "sit", "batchCount": 1},
            "items": [{"input": {"originalImage": f"https://x.test/{label}{i}.png"}} for i in range(p["jobs"])]}
    began = time.time()
    batch = http("POST", d.api + "/v1/batches", body, alice)
    second = {}

    def follow(job_id, posted):
        """bob's job: the time from its POST to `running` (GET every 10 ms)."""
        while time.time() - posted < p["give_up_s"]:
            state = http("GET", f"{d.api}/v1/jobs/{job_id}", headers=bob)["state"]
            if state not in ("queued", "uploading", "submitting"):
                second["at"] = time.time() - posted
                return
            time.sleep(0.01)
    follower = None
    windows, pauses = [], 0
    while True:
        b = http("GET", f"{d.api}/v1/batches/{batch['id']}", headers=alice)
        sched = http("GET", d.api + "/v1/status", headers=alice)["scheduler"]
        windows.append((round(time.time() - began), sched["window"], sched["inFlight"], sched["requestsPerSecond"],
                        b["finished"]))
        pauses = sched["pauses"]
        if follower is None and b["finished"] >= p["jobs"] // 10:
            posted = time.time()
            job = http("POST", d.api + "/v1/jobs",
                       {**AIPOSE, "input": {"originalImage": f"https://x.test/bob-{label}.png"}}, bob)
            follower = threading.Thread(target=follow, args=(job["id"], posted), daemon=True)
            follower.start()
        if b["finished"] >= p["jobs"] or time.time() - began > p["give_up_s"]:
            break
        time.sleep(0.25)
    done = b["finished"]
    seconds = (rfc3339_seconds(b["finishedAt"]) if done == p["jobs"] and b.get("finishedAt") else time.time()) - began
    stats = sim.stats()
    capacity = stats["capacity"]
    if follower:
        follower.join(max(0.0, p["give_up_s"] - (time.time() - began)) + 1)
    d.stop()
    log(f"drain, scheduler {label}: second:window/in flight/request budget per s/jobs finished, every 4th sample: "
        + " ".join(f"{t}:{w}/{n}/{rate_text(r)}/{f}" for t, w, n, r, f in windows[::4]))
    log(f"drain, scheduler {label}: upstream requests {stats['requests']}, capacity {capacity}")
    return dict(done=done, seconds=seconds, upstream=sum(v for k, v in stats["requests"].items() if k != "images"),
                refused=capacity["runs_refused_capacity"] + capacity["requests_refused_rate"],
                peak=capacity["peak_running"], second=second.get("at"),
                second_waited=time.time() - posted if follower else 0.0,
                scheduler=scheduler_summary(windows, pauses) if label == "on" else "no window or pauses (off)")


def rate_text(rate):
    """A request budget from GET /v1/status: null is no limit (learning, no 429 to a poll yet)."""
    return "unlimited" if rate is None else f"{rate:.0f}"


def scheduler_summary(windows, pauses):
    """The learnt window and request budget over the drain, from GET /v1/status."""
    sizes = [w[1] for w in windows]
    limited = [w[3] for w in windows if w[3] is not None]
    rates = (f"{min(limited):.0f}-{max(limited):.0f}/s (median {statistics.median(limited):.0f}; unlimited in "
             f"{len(windows) - len(limited)} of {len(windows)} samples)" if limited else "unlimited throughout")
    return f"window {min(sizes)}-{max(sizes)} (median {statistics.median(sizes):g}), request budget {rates}, {pauses} pauses"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "default"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    parser.add_argument("--only", help="run one benchmark (a function name below), for working on it")
    args = parser.parse_args()
    cfg = QUICK if args.quick else FULL
    for tool in ("wrk", "/usr/sbin/nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} is missing (bench/run.sh installs it)")
    started = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="weshopd-bench-") as work:
        for bench in (scale_and_reads, intake, restart, upload_dedupe, notification_latency, poll_lag, fleet, soak,
                      batch_accept, drain):
            if args.only and bench.__name__ != args.only:
                continue
            bench(cfg, work, args.build, rows)
            stop_all()
            processes.clear()
    cpu = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", cpu)
    lines = ["# weshopd benchmarks", "",
             f"Machine: {os.cpu_count()} CPUs, {model.group(1) if model else 'unknown CPU'}; "
             f"{time.strftime('%Y-%m-%d', time.gmtime())}; {'--quick' if args.quick else 'full'} run, "
             f"{time.monotonic() - started:.0f} s.",
             "Each line: weshopd's figure, the reference measured in the same run (or the goal), and the ratio.",
             "", "| what | weshopd | reference | ratio |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    lines += ["", "Notes:",
              "- Status reads are served from rendered views kept in memory (each dropped after a durable write "
              "to its job); the warm-up reads every job once, as a status-polling app would.",
              "- Intake: weshopd's event-loop thread is the bottleneck (HTTP, JSON, validation, the request hash, "
              "the answer), on the same 2 cores as wrk and the SQLite writer thread; the reference loop does only "
              "the inserts. With submits flowing each job is also sent to the sim and written twice more.",
              "- Polls are paced by `engine.polls_per_second` (50 by default): the figures are CPU at that cap and "
              "the CPU each poll costs at both sizes.",
              "- Fleet: PostgreSQL (durable commits, its defaults) runs on the same 2 cores as the daemons and wrk; "
              "with 3 daemons wrk's 64 connections are split among them. On PostgreSQL there is no view cache; "
              "reads run on a pool of threads, each a round trip.",
              "- Drain (#23): weshop-sim refuses a run beyond its `--max-running` (429 + Retry-After in whole "
              "seconds); weshopd learns the capacity and the request rate (`upstream.max_running_runs` and "
              "`upstream.max_requests_per_second` unset), callbacks on. One batch (token alice), and when 10 % of "
              "it is finished one job of a second token (bob), timed from its POST to its `running` state (a GET "
              "every 10 ms). Drain time: from the batch's POST to its `finishedAt`; 429 share: the sim's refusals "
              "over every upstream request it counted. A row that gives up says how much was drained by then.",
              "- Poll lag (#24): callbacks off; the lag is the sim's own terminal moment (`GET /admin/runs`) to the "
              "job's `finishedAt`, the polls those the sim answered for the run."]
    report = "\n".join(lines) + "\n"
    print(report)
    with open(args.out, "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
