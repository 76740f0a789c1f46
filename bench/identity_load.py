#!/usr/bin/env python3
"""Client side of bench/identity_load.sh: timing, sign-in rates and a password flood
against one running `alcove serve` on loopback. Standard library only.

    identity_load.py --port P --pid PID --console FILE --cafile CERT --phases LIST [...]

PHASES is a comma-separated list of: timing, password, magic, flood. The script first
makes its own accounts (sign-up with a password, then the link from the console line),
so it needs a fresh data directory. Every loop is bounded in count and in time, every
connection goes to 127.0.0.1 (certificate checked for "localhost"). Results are printed
as readable lines, and each number also as a `RESULT key value` line for the shell.
"""

import argparse
import http.client
import json
import os
import random
import re
import socket
import ssl
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
PASSWORD = "correct horse battery staple 42"
WRONG_PASSWORD = "not the password at all 42"
LINE_RE = re.compile(r"^mail \(([^)]*)\) for (\S+) written to outbox/\S+: (\S+)$")


def result(key, value):
    print(f"RESULT {key} {value}", flush=True)


def say(text):
    print(text, flush=True)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


class Conn(http.client.HTTPSConnection):
    """Keep-alive HTTPS to 127.0.0.1 with TCP_NODELAY; the certificate is checked for
    "localhost" (the development certificate made by `alcove init`)."""

    def __init__(self, port, context, timeout):
        super().__init__("localhost", port, context=context, timeout=timeout)
        self._ctx = context

    def connect(self):
        sock = socket.create_connection((HOST, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._ctx.wrap_socket(sock, server_hostname="localhost")


class Client:
    """One browser: one keep-alive connection and its own cookie jar."""

    def __init__(self, args):
        self.args = args
        self.conn = Conn(args.port, args.context, args.timeout)
        self.cookies = {}

    def close(self):
        self.conn.close()

    def post(self, path, body):
        """(status, seconds) of one POST, timed from sending to the last body byte.
        Reconnects once if the server had closed the kept-alive connection."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):
            try:
                start = time.perf_counter()
                self.conn.request("POST", path, body=data, headers=headers)
                res = self.conn.getresponse()
                res.read()
                elapsed = time.perf_counter() - start
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 1:
                    raise
        for header in res.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value == "" or "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if res.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return res.status, elapsed


class MailWatcher:
    """Follows the server's console (stdout) and hands out sign-in tokens by address."""

    def __init__(self, path):
        self.path = path
        self.cond = threading.Condition()
        self.tokens = {}
        self.counts = {}
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        with open(self.path, "r", encoding="utf-8", errors="replace") as f:
            partial = ""
            while not self.stopping:
                chunk = f.readline()
                if not chunk:
                    time.sleep(0.002)
                    continue
                partial += chunk
                if not partial.endswith("\n"):
                    continue
                line, partial = partial.rstrip("\n"), ""
                m = LINE_RE.match(line)
                if not m or "#token=" not in m.group(3):
                    continue
                address, token = m.group(2), m.group(3).split("#token=", 1)[1]
                with self.cond:
                    self.tokens.setdefault(address, []).append(token)
                    self.counts[address] = self.counts.get(address, 0) + 1
                    self.cond.notify_all()

    def stop(self):
        self.stopping = True

    def count(self, address):
        with self.cond:
            return self.counts.get(address, 0)

    def wait_count(self, address, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.counts.get(address, 0) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def take_token(self, address, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.tokens.get(address):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.tokens[address].pop(0)

    def discard(self, address):
        with self.cond:
            self.tokens.pop(address, None)


def sign_up(args, watcher, address, password):
    """Sign-up with a password, then consume its link in the same cookie jar: the account
    is verified and the password active."""
    c = Client(args)
    try:
        status, _ = c.post("/api/v1/auth/signup",
                           {"email": address, "name": "Bench Therapist", "password": password})
        if status != 202:
            sys.exit(f"sign-up answered {status}")
        token = watcher.take_token(address, 30)
        if token is None:
            sys.exit("no sign-up mail on the console within 30 s")
        status, _ = c.post("/api/v1/auth/magic-link/consume", {"token": token})
        if status != 200:
            sys.exit(f"consuming the sign-up link answered {status}")
    finally:
        c.close()


# ---------------------------------------------------------------------------------------
# 1. Timing: magic-link requests for a known and for unknown addresses.

def phase_timing(args, watcher, known):
    n, batch, warmup = args.timing_requests, args.timing_batch, args.timing_warmup
    c = Client(args)
    times = {"known": [], "unknown": []}
    bad = {}
    rng = random.Random(6)
    base = watcher.count(known)  # mails already out for it (its sign-up)
    sent_known = base
    deadline = time.monotonic() + args.phase_limit
    run_tag = os.urandom(4).hex()

    def one(kind, i):
        address = known if kind == "known" else f"nobody-{run_tag}-{i}@example.org"
        c.cookies.clear()  # every request as a fresh browser, like a real first visit
        status, elapsed = c.post("/api/v1/auth/magic-link", {"email": address})
        if status != 202:
            bad[status] = bad.get(status, 0) + 1
        return elapsed

    # Warm-up pairs (not counted): TLS session, allocator, caches, rate-limit buckets.
    for i in range(warmup):
        one("known", -1 - i)
        one("unknown", -1 - i)
        sent_known += 1
    i = 0
    while i < n and time.monotonic() < deadline:
        # Let the background queue and the mail queue catch up between batches, so the
        # bounded queues (1000 jobs each) never refuse: wait for every known mail so far.
        if not watcher.wait_count(known, sent_known, 120):
            sys.exit("timing: the known address's mails did not arrive within 120 s")
        for _ in range(min(batch, n - i)):
            # A pair in random order, so neither kind always follows the other.
            order = ("known", "unknown") if rng.random() < 0.5 else ("unknown", "known")
            for kind in order:
                times[kind].append(one(kind, i))
            sent_known += 1
            i += 1
    c.close()
    if not watcher.wait_count(known, sent_known, 120):
        sys.exit("timing: the known address's mails did not arrive within 120 s")
    watcher.discard(known)
    answered = len(times["known"])
    if bad:
        say(f"timing: NOT every answer was 202: {bad}")
    result("timing_pairs", answered)
    result("timing_non_202", sum(bad.values()))
    # Every known request mailed a link (warm-up included); unknown ones mailed nothing.
    result("timing_known_mails", watcher.count(known) - base)
    result("timing_known_requests", sent_known - base)
    with watcher.cond:
        unknown_mails = sum(v for k, v in watcher.counts.items() if run_tag in k)
    result("timing_unknown_mails", unknown_mails)
    ms = {k: [t * 1000 for t in v] for k, v in times.items()}
    for kind in ("known", "unknown"):
        med, p90 = statistics.median(ms[kind]), percentile(ms[kind], 90)
        result(f"timing_{kind}_median_ms", f"{med:.3f}")
        result(f"timing_{kind}_p90_ms", f"{p90:.3f}")
        result(f"timing_{kind}_mean_ms", f"{statistics.fmean(ms[kind]):.3f}")
    diff = statistics.median(ms["known"]) - statistics.median(ms["unknown"])
    result("timing_median_diff_ms", f"{diff:.3f}")
    say(f"timing: {answered} + {answered} magic-link requests (all 202: {not bad}), "
        f"median known {statistics.median(ms['known']):.3f} ms, unknown "
        f"{statistics.median(ms['unknown']):.3f} ms, difference {diff:+.3f} ms; p90 known "
        f"{percentile(ms['known'], 90):.3f} ms, unknown {percentile(ms['unknown'], 90):.3f} ms")
    return 0 if not bad and answered == n else 1


# ---------------------------------------------------------------------------------------
# 2. Sign-ins per second.

def run_clients(count, body):
    """Runs body(k, stop_at) in `count` threads; returns wall seconds."""
    threads = [threading.Thread(target=body, args=(k,), daemon=True) for k in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def phase_password(args, known, clients):
    lock = threading.Lock()
    statuses = {}
    latencies = []
    stop_at = time.monotonic() + args.rate_seconds

    def body(_k):
        c = Client(args)
        try:
            for _ in range(args.rate_max_requests):
                if time.monotonic() >= stop_at:
                    break
                status, elapsed = c.post("/api/v1/auth/password",
                                         {"email": known, "password": PASSWORD})
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    latencies.append(elapsed)
        finally:
            c.close()

    wall = run_clients(clients, body)
    ok = statuses.get(200, 0)
    rate = ok / wall
    med = statistics.median(latencies) * 1000 if latencies else float("nan")
    result(f"password_c{clients}_per_s", f"{rate:.1f}")
    result(f"password_c{clients}_median_ms", f"{med:.1f}")
    result(f"password_c{clients}_statuses", json.dumps(statuses, sort_keys=True).replace(" ", ""))
    say(f"password sign-in, {clients} clients, {wall:.1f} s: {ok} sign-ins, {rate:.1f}/s, "
        f"median {med:.1f} ms, answers {statuses}")
    return 0 if set(statuses) == {200} else 1


def phase_magic(args, watcher, addresses, clients):
    lock = threading.Lock()
    statuses = {}
    latencies = []
    missing = [0]
    stop_at = time.monotonic() + args.rate_seconds

    def body(k):
        address = addresses[k]
        for _ in range(args.rate_max_requests):
            if time.monotonic() >= stop_at:
                break
            c = Client(args)  # a fresh browser per sign-in
            try:
                start = time.perf_counter()
                s1, _ = c.post("/api/v1/auth/magic-link", {"email": address})
                token = watcher.take_token(address, 30) if s1 == 202 else None
                s2 = None
                if token is not None:
                    s2, _ = c.post("/api/v1/auth/magic-link/consume", {"token": token})
                elapsed = time.perf_counter() - start
            finally:
                c.close()
            with lock:
                key = f"{s1}/{s2}"
                statuses[key] = statuses.get(key, 0) + 1
                if token is None:
                    missing[0] += 1
                else:
                    latencies.append(elapsed)

    wall = run_clients(clients, body)
    ok = statuses.get("202/200", 0)
    rate = ok / wall
    med = statistics.median(latencies) * 1000 if latencies else float("nan")
    result(f"magic_c{clients}_per_s", f"{rate:.1f}")
    result(f"magic_c{clients}_median_ms", f"{med:.1f}")
    result(f"magic_c{clients}_statuses", json.dumps(statuses, sort_keys=True).replace(" ", ""))
    say(f"magic-link sign-in (request, mail, consume), {clients} clients, {wall:.1f} s: {ok} "
        f"sign-ins, {rate:.1f}/s, median {med:.1f} ms, answers (request/consume) {statuses}")
    return 0 if set(statuses) == {"202/200"} else 1


# ---------------------------------------------------------------------------------------
# 3. Flood: many concurrent password attempts, with the server's memory sampled.

def read_status(pid):
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])  # kB (Threads: a count)
    return out


def phase_flood(args, known):
    pid, n = args.pid, args.flood_connections
    idle = read_status(pid)
    # Reset the peak (VmHWM) to the current RSS so it covers the flood alone.
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    result("flood_idle_rss_kb", idle["VmRSS"])
    result("flood_idle_hwm_kb", read_status(pid)["VmHWM"])

    peak = {"rss": idle["VmRSS"], "threads": idle["Threads"]}
    sampling = threading.Event()

    def sampler():
        while not sampling.is_set():
            s = read_status(pid)
            peak["rss"] = max(peak["rss"], s["VmRSS"])
            peak["threads"] = max(peak["threads"], s["Threads"])
            time.sleep(0.01)

    lock = threading.Lock()
    statuses = {}
    latencies = []
    errors = [0]
    ready = threading.Barrier(n, timeout=120)

    def body(k):
        c = Client(args)
        try:
            c.conn.connect()  # TLS handshakes before the barrier: the flood is the posts
            ready.wait()
            for r in range(args.flood_requests):
                # Half the attempts right, half wrong: both take one argon2id verification.
                password = PASSWORD if (k + r) % 2 == 0 else WRONG_PASSWORD
                status, elapsed = c.post("/api/v1/auth/password",
                                         {"email": known, "password": password})
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    latencies.append(elapsed)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
            with lock:
                errors[0] += 1
        finally:
            c.close()

    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    wall = run_clients(n, body)
    after = read_status(pid)
    time.sleep(0.05)
    sampling.set()
    t.join()
    peak["rss"] = max(peak["rss"], after["VmRSS"])
    hwm = after["VmHWM"]
    total = sum(statuses.values())
    result("flood_wall_s", f"{wall:.1f}")
    result("flood_peak_rss_kb", peak["rss"])
    result("flood_hwm_kb", hwm)
    result("flood_hwm_reset", int(hwm_reset))
    result("flood_after_rss_kb", after["VmRSS"])
    result("flood_peak_threads", peak["threads"])
    result("flood_statuses", json.dumps(statuses, sort_keys=True).replace(" ", ""))
    result("flood_client_errors", errors[0])
    lat = sorted(latencies) or [float("nan")]
    result("flood_min_latency_s", f"{lat[0]:.2f}")
    result("flood_median_latency_s", f"{statistics.median(lat):.2f}")
    result("flood_max_latency_s", f"{lat[-1]:.2f}")
    say(f"flood: {n} connections x {args.flood_requests} password attempts in {wall:.1f} s: "
        f"answers {statuses}, client errors {errors[0]}; RSS idle {idle['VmRSS'] / 1024:.1f} MiB,"
        f" peak sampled {peak['rss'] / 1024:.1f} MiB, VmHWM {hwm / 1024:.1f} MiB"
        f"{' (reset before the flood)' if hwm_reset else ' (since start)'}, after "
        f"{after['VmRSS'] / 1024:.1f} MiB; threads {idle['Threads']} -> {peak['threads']}; "
        f"latency min {lat[0]:.2f} s, median {statistics.median(lat):.2f} s, max {lat[-1]:.2f} s")
    return 0 if total == n * args.flood_requests and errors[0] == 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--console", required=True, help="the server's stdout file")
    p.add_argument("--cafile", required=True)
    p.add_argument("--phases", default="timing,password,magic,flood")
    p.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    p.add_argument("--phase-limit", type=float, default=600.0, help="seconds, timing phase")
    p.add_argument("--timing-requests", type=int, default=1000)
    p.add_argument("--timing-batch", type=int, default=100)
    p.add_argument("--timing-warmup", type=int, default=50)
    p.add_argument("--rate-clients", default="2,8", help="password sign-in concurrency")
    p.add_argument("--magic-clients", default="1,4", help="magic-link sign-in concurrency")
    p.add_argument("--rate-seconds", type=float, default=10.0)
    p.add_argument("--rate-max-requests", type=int, default=2000, help="per client")
    p.add_argument("--flood-connections", type=int, default=200)
    p.add_argument("--flood-requests", type=int, default=1, help="per connection")
    args = p.parse_args()
    for value in (args.timing_requests, args.timing_batch, args.flood_connections,
                  args.flood_requests, args.rate_max_requests):
        if not 1 <= value <= 100000:
            sys.exit("counts must be between 1 and 100000")
    args.context = ssl.create_default_context(cafile=args.cafile)
    phases = [x for x in args.phases.split(",") if x]
    rate_clients = [int(x) for x in args.rate_clients.split(",") if x]
    magic_clients = [int(x) for x in args.magic_clients.split(",") if x]

    watcher = MailWatcher(args.console)
    tag = os.urandom(4).hex()
    known = f"known-{tag}@example.org"
    sign_up(args, watcher, known, PASSWORD)
    magic_addresses = []
    if "magic" in phases:
        for k in range(max(magic_clients, default=0)):
            address = f"magic-{tag}-{k}@example.org"
            sign_up(args, watcher, address, PASSWORD)
            magic_addresses.append(address)

    failures = 0
    for phase in phases:
        if phase == "timing":
            failures += phase_timing(args, watcher, known)
        elif phase == "password":
            for c in rate_clients:
                failures += phase_password(args, known, c)
        elif phase == "magic":
            for c in magic_clients:
                failures += phase_magic(args, watcher, magic_addresses, c)
        elif phase == "flood":
            failures += phase_flood(args, known)
        else:
            sys.exit(f"unknown phase {phase}")
    watcher.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
