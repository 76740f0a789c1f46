#!/usr/bin/env python3
"""Exhaustion run (issue #12, "Measure"): what idle sockets and large bodies from one
client do to another client's latency and to the server's memory.

  bench/exhaustion.py BUILD_DIR [--idle N] [--bodies N]

Starts BUILD_DIR/alcove on a fresh data directory on loopback ports, then:
  1. opens N idle TCP sockets (default 2,000) from 127.0.0.2 to each listener, sending
     nothing, and times 50 HTTPS GET /healthz from 127.0.0.1 meanwhile (a new TLS
     connection each, 5 s timeout: a refused or timed-out request counts as failed);
  2. sends N (default 300) POSTs of 1 MiB each from 127.0.0.2 to an unknown route,
     20 at a time, and times the same 50 requests meanwhile;
and prints, for each phase, the other client's p50/p99 latency and failures, and the
server's RSS (VmRSS) and peak RSS (VmHWM). Loopback only; every loop is bounded in count
and time; the server is stopped at the end.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def rss_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


def timed_gets(port, n=50, timeout=5.0):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    times, failed = [], 0
    for _ in range(n):
        t0 = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    s.settimeout(timeout)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    data = b""
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
            if not data.startswith(b"HTTP/1.1 200"):
                failed += 1
                continue
            times.append((time.monotonic() - t0) * 1000)
        except OSError:
            failed += 1
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")
    return pick(0.5), pick(0.99), failed


def idle_sockets(port, n):
    out = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        out.append(s)
    return out


def big_post(port, i, size=1 << 20, timeout=10.0):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.socket()
        raw.bind(("127.0.0.2", 0))
        raw.settimeout(timeout)
        raw.connect(("127.0.0.1", port))
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(f"POST /no/such/route/{i} HTTP/1.1\r\nHost: localhost\r\n"
                      f"Content-Length: {size}\r\n\r\n".encode())
            s.sendall(b"x" * size)
            s.recv(64)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--bodies", type=int, default=300)
    a = ap.parse_args()
    binary = os.path.join(a.build, "alcove")
    work = tempfile.mkdtemp()
    server = None
    try:
        data = os.path.join(work, "data")
        subprocess.run([binary, "init", "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([binary, "serve", "--data-dir", data, "--bind", "127.0.0.1",
                                   "--https-port", "0", "--http-port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        https = http = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            m = re.match(r"listening https=(\d+) http=(\d+)", line)
            if m:
                https, http = int(m.group(1)), int(m.group(2))
                break
        if https is None:
            sys.exit("the server did not start")
        base = rss_kb(server.pid)
        p50, p99, failed = timed_gets(https)
        print(f"quiet:    other client p50 {p50:.1f} ms, p99 {p99:.1f} ms, failed {failed}/50; "
              f"server RSS {base['VmRSS'] // 1024} MiB")
        held = idle_sockets(https, a.idle) + idle_sockets(http, a.idle)
        p50, p99, failed = timed_gets(https)
        r = rss_kb(server.pid)
        print(f"idle:     {len(held)} idle sockets from 127.0.0.2 ({a.idle} asked per listener); "
              f"other client p50 {p50:.1f} ms, p99 {p99:.1f} ms, failed {failed}/50; "
              f"server RSS {r['VmRSS'] // 1024} MiB")
        for s in held:
            s.close()
        time.sleep(1)  # let the server see the closes (measurement script, not a test)
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            futures = [pool.submit(big_post, https, i) for i in range(a.bodies)]
            p50, p99, failed = timed_gets(https)
            concurrent.futures.wait(futures, timeout=120)
        r = rss_kb(server.pid)
        print(f"bodies:   {a.bodies} POSTs of 1 MiB to an unknown route, 20 at a time; "
              f"other client p50 {p50:.1f} ms, p99 {p99:.1f} ms, failed {failed}/50; "
              f"server RSS {r['VmRSS'] // 1024} MiB, peak {r['VmHWM'] // 1024} MiB")
        stop.set()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
