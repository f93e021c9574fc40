#!/usr/bin/env python3
"""Opens N TCP connections to HOST:PORT that send nothing, holds them, then closes them.

    bench/idle-hold.py HOST PORT N [--hold SECONDS] [--connect-timeout SECONDS]

Prints `open K failed F` once every connect has been tried, then holds the connections
until SIGTERM or --hold seconds (default 120: bounded even when the caller dies), prints
`closed_by_peer C` (connections the server closed meanwhile) and closes them all. Exits 1
if some connection failed. Used by bench/run.sh to measure a proxy's memory per idle client connection.
"""
import argparse
import errno
import select
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--hold", type=float, default=120.0)
    ap.add_argument("--connect-timeout", type=float, default=30.0)
    args = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    # Non-blocking connects, a few hundred in flight at a time: a proxy that accepts
    # slowly (or a full accept queue) costs time, not a stuck script.
    socks, pending, failed = [], {}, 0
    deadline = time.monotonic() + args.connect_timeout
    todo = args.count
    poll = select.poll()
    while (todo or pending) and not stop and time.monotonic() < deadline:
        while todo and len(pending) < 512:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((args.host, args.port))
            todo -= 1
            if rc in (0, errno.EINPROGRESS):
                pending[s.fileno()] = s
                poll.register(s, select.POLLOUT)
            else:
                failed += 1
                s.close()
        for fd, _ in poll.poll(200):
            s = pending.pop(fd)
            poll.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                socks.append(s)
            else:
                failed += 1
                s.close()
    failed += todo + len(pending)
    for s in pending.values():
        s.close()
    print("open %d failed %d" % (len(socks), failed), flush=True)

    # Hold. A connection the peer closes reads as end of file: count those at the end.
    end = time.monotonic() + args.hold
    while not stop and time.monotonic() < end:
        time.sleep(0.2)
    closed_by_peer = 0
    for s in socks:
        try:
            if s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b"":
                closed_by_peer += 1
        except BlockingIOError:
            pass
        except OSError:
            closed_by_peer += 1
        s.close()
    print("closed_by_peer %d" % closed_by_peer, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
