#!/usr/bin/env python3
"""Failover time after a server is killed: Rampart vs HAProxy 2.6.

For each run: a backend of two servers (in-script TCP servers on loopback) with health
checks (`inter 500 fall 3 rise 2`, HAProxy's defaults otherwise), the proxy in the
foreground; once both servers are up, one server is killed (its listener closed) and the
time until the proxy prints `Server be/s1 is DOWN` is measured. The kill happens at a
random point of the check interval, so the medians compare like with like. Prints each run and the
median per program. Not a test: run by hand.

    bench/failover.py [--runs 10] [--rampart target/release/rampart] [--haproxy /usr/sbin/haproxy]
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    """Accepts and closes connections until stopped."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                pass

    def kill(self):
        self.stop = True
        self.t.join()
        self.sock.close()


def one_run(program, extra_args, inter):
    fe, p1, p2 = free_port(), free_port(), free_port()
    cfg = f"""global
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{fe}
    default_backend be
backend be
    server s1 127.0.0.1:{p1} check inter {inter} fall 3 rise 2
    server s2 127.0.0.1:{p2} check inter {inter} fall 3 rise 2
"""
    s1, s2 = Server(p1), Server(p2)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        err = open(os.path.join(d, "err"), "w+")
        proc = subprocess.Popen([program, *extra_args, "-f", path], stderr=err, stdout=subprocess.DEVNULL)
        try:
            # Let a few checks pass so both servers are fully up, then kill at a random
            # point of the check interval (the phase decides up to one interval).
            time.sleep(4 * inter / 1000 + 0.5 + random.random() * inter / 1000)
            t0 = time.monotonic()
            s1.kill()
            deadline = t0 + 30
            while time.monotonic() < deadline:
                err.seek(0)
                if "Server be/s1 is DOWN" in err.read():
                    return time.monotonic() - t0
                time.sleep(0.002)
            return None
        finally:
            proc.kill()
            proc.wait()
            s2.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--inter", type=int, default=500)
    ap.add_argument("--rampart", default="target/release/rampart")
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    a = ap.parse_args()
    results = {}
    for name, prog in (("rampart", a.rampart), ("haproxy", a.haproxy)):
        times = []
        for i in range(a.runs):
            t = one_run(prog, ["-db"], a.inter)
            print(f"{name} run {i + 1}: {'timeout' if t is None else f'{t * 1000:.0f} ms'}", flush=True)
            if t is not None:
                times.append(t)
        results[name] = times
    print()
    for name, times in results.items():
        if times:
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms over {len(times)} runs "
                  f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
        else:
            print(f"{name}: no run detected the failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
