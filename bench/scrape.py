#!/usr/bin/env python3
"""Cost of scraping the statistics with many servers: Rampart and HAProxy side by side.

    bench/scrape.py [--rampart BIN] [--haproxy BIN] [--servers N] [--scrapes N]
                    [--duration S] [--no-heaptrack]

One configuration (written to bench/out/scrape/scrape.cfg) with a backend of --servers
servers (default 1,000) in front of one nginx origin, a stats socket, the stats page
(`stats uri /stats`) and the Prometheus exporter (`/metrics`), run by both proxies in
turn (nbthread 1, pinned to CPU 0; the load on CPU 1). For each proxy:

  1. --scrapes (default 50) scrapes of each kind (`show stat` over the socket, the
     `/stats;csv` page, `/metrics`): the proxy's CPU time per scrape (from
     /proc/PID/stat), the client's wall time per scrape (median) and the answer's size;
  2. wrk (HTTP/1.1 keep-alive, 50 connections, --duration s, default 10) without
     scraping, then with one `show stat` and one `/metrics` scrape per second:
     requests per second of each and their ratio;
  3. unless --no-heaptrack: the allocation calls per scrape: the proxy is started,
     scraped --scrapes/5 times per kind (at least 5), stopped, and its allocation calls
     minus those of a run without scrapes are divided by the scrapes. HAProxy runs
     under heaptrack (glibc's malloc and its pools); Rampart links mimalloc, which
     heaptrack cannot see, so it counts its own calls (RAMPART_COUNT_ALLOCS=1, printed
     at exit).

Output: a markdown table with both proxies and the Rampart/HAProxy ratios, also written
to bench/out/scrape/summary.md. Not part of the test suite.
"""

import argparse
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out", "scrape")
CLK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])


def cli(sock_path, cmd):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(sock_path)
    s.sendall(cmd.encode() + b"\n")
    out = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return bytes(out)


def http_get(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    out = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    head, _, body = bytes(out).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(f"GET {path}: {head[:80]!r}")
    return body


def config(servers, origin, fe, st, sock):
    lines = [
        "global",
        "    nbthread 1",
        f"    stats socket {sock} level admin",
        "defaults",
        "    mode http",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout connect 5s",
        "frontend fe",
        f"    bind 127.0.0.1:{fe}",
        "    default_backend be",
        "frontend st",
        f"    bind 127.0.0.1:{st}",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /stats",
        "backend be",
        "    balance roundrobin",
    ]
    lines += [f"    server s{i} 127.0.0.1:{origin}" for i in range(1, servers + 1)]
    return "\n".join(lines) + "\n"


class Proxy:
    def __init__(self, name, binary, cfg, fe, st, sock, wrap=None, env=None):
        self.name, self.fe, self.st, self.sock = name, fe, st, sock
        self.comm = os.path.basename(binary)[:15]
        argv = ["taskset", "-c", "0"] + (wrap or []) + [binary, "-f", cfg, "-db"]
        self.log = open(os.path.join(OUT, f"{name}.log"), "w")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, **(env or {})))
        if not wait_port(fe, self.p, 60 if wrap else 10) or not wait_port(st, self.p, 10):
            self.stop()
            sys.exit(f"{name} did not start (see {self.log.name})")
        end = time.time() + 10
        while not os.path.exists(sock) and time.time() < end:
            time.sleep(0.05)

    def pid(self):
        """The proxy's process: taskset execs it; heaptrack starts it as a child."""
        todo, seen = [self.p.pid], 0
        while todo and seen < 16:
            pid = todo.pop(0)
            seen += 1
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == self.comm:
                        return pid
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    todo += [int(k) for k in f.read().split()]
            except OSError:
                continue
        return self.p.pid

    def stop(self):
        if self.p.poll() is None:
            # The proxy itself (heaptrack writes its data once its child exited).
            try:
                os.kill(self.pid(), signal.SIGINT)
            except OSError:
                pass
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


KINDS = {
    "show stat": lambda p: cli(p.sock, "show stat"),
    "/stats;csv": lambda p: http_get(p.st, "/stats;csv"),
    "/metrics": lambda p: http_get(p.st, "/metrics"),
}


def scrape_costs(p, n):
    res = {}
    pid = p.pid()
    for kind, fn in KINDS.items():
        fn(p)  # warm-up
        walls = []
        t0 = cpu_ticks(pid)
        size = 0
        for _ in range(n):
            a = time.perf_counter()
            size = len(fn(p))
            walls.append(time.perf_counter() - a)
        cpu_ms = (cpu_ticks(pid) - t0) * 1000.0 / CLK / n
        res[kind] = (cpu_ms, statistics.median(walls) * 1000.0, size)
    return res


def wrk(port, duration):
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", "-c50", f"-d{duration}s",
         f"http://127.0.0.1:{port}/small"],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errs:
        sys.exit(f"wrk saw errors: {out}")
    return float(m.group(1)) if m else 0.0


def under_load(p, duration):
    base = wrk(p.fe, duration)
    stop = threading.Event()

    def scraper():
        while not stop.is_set():
            KINDS["show stat"](p)
            KINDS["/metrics"](p)
            stop.wait(1.0)

    t = threading.Thread(target=scraper)
    t.start()
    try:
        loaded = wrk(p.fe, duration)
    finally:
        stop.set()
        t.join()
    return base, loaded


def allocations(name, binary, cfgfile, fe, st, sock, n, counting):
    """Allocation calls per scrape of each kind (see the module's text)."""
    counts = {}
    for kind in [None] + list(KINDS):
        if os.path.exists(sock):
            os.unlink(sock)
        prefix = os.path.join(OUT, f"heaptrack-{name}")
        for f in os.listdir(OUT):
            if f.startswith(f"heaptrack-{name}"):
                os.unlink(os.path.join(OUT, f))
        if counting:
            p = Proxy(f"{name}-allocs", binary, cfgfile, fe, st, sock,
                      env={"RAMPART_COUNT_ALLOCS": "1"})
        else:
            p = Proxy(f"{name}-allocs", binary, cfgfile, fe, st, sock,
                      wrap=["heaptrack", "-o", prefix])
        if kind:
            for _ in range(n):
                KINDS[kind](p)
        p.stop()
        if counting:
            with open(os.path.join(OUT, f"{name}-allocs.log")) as f:
                m = re.search(r"rampart: (\d+) allocation calls", f.read())
        else:
            files = [f for f in os.listdir(OUT) if f.startswith(f"heaptrack-{name}")]
            rep = subprocess.run(["heaptrack_print", "-f", os.path.join(OUT, files[0])],
                                 capture_output=True, text=True).stdout if files else ""
            m = re.search(r"calls to allocation functions: (\d+)", rep)
        if not m:
            return None
        counts[kind] = int(m.group(1))
    return {k: (counts[k] - counts[None]) / n for k in KINDS}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rampart", default=os.path.join(ROOT, "target/release/rampart"))
    ap.add_argument("--haproxy", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--no-heaptrack", action="store_true")
    a = ap.parse_args()
    for t in ["wrk", "nginx", "taskset"] + ([] if a.no_heaptrack else ["heaptrack"]):
        if not shutil.which(t) and not os.path.exists(f"/usr/sbin/{t}"):
            sys.exit(f"{t} is needed")
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rampart-scrape-")
    os.chmod(work, 0o755)
    origin, fe, st = free_port(), free_port(), free_port()
    os.makedirs(os.path.join(work, "tmp"))
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    server {{
        listen 127.0.0.1:{origin};
        location / {{ default_type text/plain; return 200 "hello\\n"; }}
    }}
}}
""")
    nginx = subprocess.Popen(["taskset", "-c", "1", shutil.which("nginx") or "/usr/sbin/nginx",
                              "-p", work, "-c", f"{work}/nginx.conf", "-e",
                              f"{work}/nginx-error.log", "-g", "daemon off;"])
    if not wait_port(origin, nginx):
        sys.exit("nginx did not start")
    sock = os.path.join(work, "stats.sock")
    cfgfile = os.path.join(OUT, "scrape.cfg")
    with open(cfgfile, "w") as f:
        f.write(config(a.servers, origin, fe, st, sock))
    results = {}
    try:
        for name, binary in [("rampart", a.rampart), ("haproxy", a.haproxy)]:
            if os.path.exists(sock):
                os.unlink(sock)
            p = Proxy(name, binary, cfgfile, fe, st, sock)
            try:
                costs = scrape_costs(p, a.scrapes)
                base, loaded = under_load(p, a.duration)
            finally:
                p.stop()
            allocs = None
            if not a.no_heaptrack:
                allocs = allocations(name, binary, cfgfile, fe, st, sock,
                                     max(5, a.scrapes // 5), name == "rampart")
            results[name] = (costs, base, loaded, allocs)
            print(f"{name}: done", file=sys.stderr)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    r, h = results["rampart"], results["haproxy"]
    lines = [f"Scraping with {a.servers} servers ({a.scrapes} scrapes per kind; "
             f"`bench/scrape.py --servers {a.servers}`)", "",
             "| | Rampart | HAProxy | ratio |", "|---|---:|---:|---:|"]

    def row(label, rv, hv, fmt="{:.2f}"):
        ratio = f"{rv / hv:.2f}x" if hv else "-"
        lines.append(f"| {label} | {fmt.format(rv)} | {fmt.format(hv)} | {ratio} |")

    for kind in KINDS:
        row(f"{kind}: proxy CPU ms per scrape", r[0][kind][0], h[0][kind][0])
        row(f"{kind}: wall ms per scrape (median)", r[0][kind][1], h[0][kind][1])
        row(f"{kind}: bytes", r[0][kind][2], h[0][kind][2], "{:.0f}")
        if r[3] is not None and h[3] is not None:
            row(f"{kind}: allocation calls per scrape", r[3][kind], h[3][kind], "{:.0f}")
    row("req/s, no scraping", r[1], h[1], "{:.0f}")
    row("req/s, scraped once a second", r[2], h[2], "{:.0f}")
    row("req/s kept while scraped (%)", 100.0 * r[2] / r[1], 100.0 * h[2] / h[1], "{:.1f}")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
