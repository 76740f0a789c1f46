#!/usr/bin/env python3
"""Seeding side of bench/records_load.sh: signs one therapist in against a running
`alcove serve` on loopback and fills the tenant through the HTTP API with CLIENTS clients
(each with a profile) and NOTES SOAP notes of realistic size (1-2 KB over the four
sections), spread evenly over the clients. Standard library only.

    records_seed.py --port P --console FILE --cafile CERT --out DIR [...]

Writes to DIR: `cookie` (the Cookie header value of the signed-in session), `csrf` (its
X-CSRF-Token), `clients` (one client id a line, in creation order). Every loop is bounded
in count and in time (--max-seconds), every connection goes to 127.0.0.1 (certificate
checked for "localhost"). Numbers are printed as readable lines and as `RESULT key value`.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"
LINE_RE = re.compile(r"^mail \(([^)]*)\) for (\S+) written to outbox/\S+: (\S+)$")

# Words for made-up session notes (no real person, no real case).
PHRASES = {
    "subjective": [
        "Client reports sleeping about five hours a night over the past week",
        "describes ongoing tension with a sibling about caring for their mother",
        "states that the breathing exercise helped twice before work meetings",
        "reports low mood on most mornings, improving in the afternoon",
        "mentions skipping lunch on busy days and feeling irritable afterwards",
        "says the new job schedule leaves little time for friends",
        "noticed worry thoughts returning on Sunday evenings",
        "reports one panic episode in a crowded shop, lasting about ten minutes",
        "felt proud of setting a limit with a colleague",
        "describes rumination about a conversation from last month",
    ],
    "objective": [
        "Arrived on time, casually dressed, good eye contact",
        "speech normal in rate and volume, affect congruent with content",
        "appeared tired, yawned several times during the first half of the session",
        "completed the PHQ-9 in session with a total lower than at intake",
        "engaged readily in the thought record exercise",
        "became tearful when discussing the family situation, recovered quickly",
        "no evidence of psychotic process, thought content goal directed",
        "denied current suicidal ideation, intent or plan",
        "homework sheet brought back partially completed",
        "posture relaxed by the end of the session",
    ],
    "assessment": [
        "Symptoms consistent with the working formulation of generalised anxiety",
        "progress toward the sleep goal is modest but steady",
        "avoidance remains the main maintaining factor",
        "client is building skill in noticing automatic thoughts",
        "risk assessed as low, protective factors include close friends and work",
        "motivation for change appears good",
        "perfectionistic standards continue to drive overwork",
        "mood appears somewhat improved compared with the previous month",
        "the relationship with the sibling is a recurring stressor",
        "engagement in therapy is consistent",
    ],
    "plan": [
        "Continue weekly sessions",
        "introduce graded exposure hierarchy next session",
        "client to keep a sleep diary for one week",
        "practise the breathing exercise daily for five minutes",
        "review the thought record at the start of the next session",
        "consider a behavioural experiment about asking for help at work",
        "re-administer the GAD-7 in four weeks",
        "discuss the plan for the holiday period",
        "schedule one pleasant activity on each weekday",
        "revisit goals at the twelfth session",
    ],
}


def result(key, value):
    print(f"RESULT {key} {value}", flush=True)


def say(text):
    print(text, flush=True)


def note_content(rng, target_bytes):
    """Four SOAP sections of made-up clinical prose, about target_bytes together."""
    sections = {name: [] for name in PHRASES}
    sizes = {name: 0 for name in PHRASES}
    share = target_bytes // 4
    for name, phrases in PHRASES.items():
        while sizes[name] < share:
            p = rng.choice(phrases)
            sections[name].append(p)
            sizes[name] += len(p) + 2
    return {name: ". ".join(parts) + "." for name, parts in sections.items()}


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
    """One keep-alive connection with a cookie jar (shared between clients if given)."""

    def __init__(self, args, cookies=None, csrf=None):
        self.args = args
        self.conn = Conn(args.port, args.context, args.timeout)
        self.cookies = cookies if cookies is not None else {}
        self.csrf = csrf

    def close(self):
        self.conn.close()

    def call(self, method, path, body=None):
        """(status, parsed JSON or None). Reconnects once if the server had closed the
        kept-alive connection."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                res = self.conn.getresponse()
                raw = res.read()
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
        parsed = None
        if raw and res.getheader("Content-Type", "").startswith("application/json"):
            parsed = json.loads(raw)
        return res.status, parsed


def wait_for_token(console, address, timeout):
    """The sign-in token of the first mail to `address` on the server's console."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(console, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                m = LINE_RE.match(line.rstrip("\n"))
                if m and m.group(2) == address and "#token=" in m.group(3):
                    return m.group(3).split("#token=", 1)[1]
        time.sleep(0.05)
    return None


def sign_in(args):
    """Sign-up by magic link; returns (cookies, csrf token)."""
    address = "bench-records@example.org"
    c = Client(args)
    try:
        status, _ = c.call("POST", "/api/v1/auth/signup",
                           {"email": address, "name": "Bench Therapist"})
        if status != 202:
            sys.exit(f"sign-up answered {status}")
        token = wait_for_token(args.console, address, 30)
        if token is None:
            sys.exit("no sign-up mail on the console within 30 s")
        status, _ = c.call("POST", "/api/v1/auth/magic-link/consume", {"token": token})
        if status != 200:
            sys.exit(f"consuming the sign-up link answered {status}")
        status, me = c.call("GET", "/api/v1/me")
        if status != 200 or not me or "csrf_token" not in me:
            sys.exit(f"GET /api/v1/me answered {status}")
        return dict(c.cookies), me["csrf_token"]
    finally:
        c.close()


def run_parallel(args, cookies, csrf, jobs, work, what):
    """Runs work(client, job) for every job over args.connections keep-alive connections.
    Returns the results in job order; exits on the first failure or past the deadline."""
    results = [None] * len(jobs)
    next_job = [0]
    failed = []
    lock = threading.Lock()

    def body():
        c = Client(args, dict(cookies), csrf)
        try:
            while True:
                with lock:
                    if failed or next_job[0] >= len(jobs):
                        return
                    if time.monotonic() >= args.deadline:
                        failed.append(f"{what}: past --max-seconds")
                        return
                    i = next_job[0]
                    next_job[0] += 1
                try:
                    results[i] = work(c, jobs[i])
                except Exception as e:  # noqa: BLE001 - reported, then the run stops
                    with lock:
                        failed.append(f"{what}: {e}")
                    return
        finally:
            c.close()

    threads = [threading.Thread(target=body, daemon=True) for _ in range(args.connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if failed:
        sys.exit(failed[0])
    return results, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--console", required=True, help="the server's stdout")
    ap.add_argument("--cafile", required=True, help="the development certificate")
    ap.add_argument("--out", required=True, help="directory for cookie, csrf, clients")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--notes", type=int, default=20000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--max-seconds", type=float, default=1200.0, help="whole seeding")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--appointments", type=int, default=0,
                    help="appointments today (UTC), over the first clients, for the Today page")
    args = ap.parse_args()
    args.deadline = time.monotonic() + args.max_seconds
    ctx = ssl.create_default_context(cafile=args.cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    args.context = ctx

    cookies, csrf = sign_in(args)
    say(f"signed in (cookies: {', '.join(sorted(cookies))})")

    rng = random.Random(args.seed)
    first = ["Alex", "Sam", "Jordan", "Robin", "Kim", "Chris", "Maria", "Jonas", "Lea", "Noah"]
    last = ["Meyer", "Schmidt", "Novak", "Garcia", "Okafor", "Larsen", "Dubois", "Rossi"]
    client_jobs = []
    for i in range(args.clients):
        f, l = rng.choice(first), rng.choice(last)
        client_jobs.append({
            "name": f"{f} {l}",
            "email": f"{f.lower()}.{l.lower()}{i}@example.org",
            "phone": f"+49 30 {rng.randrange(1000000, 9999999)}",
            "date_of_birth": f"{rng.randrange(1950, 2006)}-{rng.randrange(1, 13):02d}-"
                             f"{rng.randrange(1, 29):02d}",
            "notes": "Referred by GP for anxiety and sleep problems; prefers evening sessions.",
        })

    def create_client(c, job):
        status, body = c.call("POST", "/api/v1/clients", job)
        if status != 201 or not body or "id" not in body:
            raise RuntimeError(f"POST /api/v1/clients answered {status}")
        return body["id"]

    ids, wall = run_parallel(args, cookies, csrf, client_jobs, create_client, "clients")
    result("seed_clients", len(ids))
    result("seed_clients_seconds", f"{wall:.1f}")
    say(f"created {len(ids)} clients in {wall:.1f} s ({len(ids) / wall:.0f}/s) over "
        f"{args.connections} connections")

    # Notes: note k belongs to client k % clients; each client's notes are a weekly series
    # of session dates ending 2026-11-13, so every client has its 20 latest well defined.
    end = datetime.date(2026, 11, 13)
    note_jobs = []
    total_bytes = 0
    for k in range(args.notes):
        client = ids[k % len(ids)]
        week = k // len(ids)
        content = note_content(rng, rng.randrange(1000, 2000))
        total_bytes += sum(len(v) for v in content.values())
        note_jobs.append((client, {
            "session_date": (end - datetime.timedelta(weeks=week)).isoformat(),
            "format": "soap",
            "content": content,
        }))

    def create_note(c, job):
        client, body = job
        status, _ = c.call("POST", f"/api/v1/clients/{client}/notes", body)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/clients/{{id}}/notes answered {status}")
        return None

    _, wall = run_parallel(args, cookies, csrf, note_jobs, create_note, "notes")
    result("seed_notes", len(note_jobs))
    result("seed_notes_seconds", f"{wall:.1f}")
    result("seed_note_mean_bytes", f"{total_bytes / max(1, len(note_jobs)):.0f}")
    say(f"created {len(note_jobs)} notes (mean {total_bytes / max(1, len(note_jobs)):.0f} bytes "
        f"of text) in {wall:.1f} s ({len(note_jobs) / wall:.0f}/s) over {args.connections} "
        "connections")

    # Appointments today (the therapist's zone is UTC until set): every 45 minutes from
    # 00:00, one client each, for the Today page of the load run.
    today = datetime.datetime.now(datetime.timezone.utc).date()
    appt_jobs = [{
        "client_id": ids[k % len(ids)],
        "starts_at": (datetime.datetime.combine(today, datetime.time(0, 0))
                      + datetime.timedelta(minutes=45 * k)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "minutes": 50,
    } for k in range(min(args.appointments, 32))]

    def create_appointment(c, job):
        status, _ = c.call("POST", "/api/v1/appointments", job)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/appointments answered {status}")
        return None

    if appt_jobs:
        _, wall = run_parallel(args, cookies, csrf, appt_jobs, create_appointment, "appointments")
        result("seed_appointments", len(appt_jobs))
        say(f"created {len(appt_jobs)} appointments today in {wall:.1f} s")

    # Check what the load run will read: the list holds every client, and a client's 20
    # latest notes come back decrypted and equal to what was sent.
    c = Client(args, dict(cookies), csrf)
    try:
        status, listing = c.call("GET", "/api/v1/clients")
        if status != 200 or len(listing) != len(ids):
            sys.exit(f"client list: {status}, {len(listing or [])} items, expected {len(ids)}")
        status, notes = c.call("GET", f"/api/v1/clients/{ids[0]}/notes?limit=20")
        expected = min(20, len([j for j in note_jobs if j[0] == ids[0]]))
        if status != 200 or len(notes) != expected:
            sys.exit(f"notes of a client: {status}, {len(notes or [])} items, expected {expected}")
        sent = {j[1]["session_date"]: j[1]["content"] for j in note_jobs if j[0] == ids[0]}
        for n in notes:
            if sent.get(n["session_date"]) != n["content"]:
                sys.exit("a note read back differs from the note sent")
    finally:
        c.close()
    say(f"checked: list of {len(ids)} clients; {expected} latest notes of a client read back "
        "equal")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "cookie"), "w", encoding="ascii") as f:
        f.write("; ".join(f"{k}={v}" for k, v in cookies.items()))
    with open(os.path.join(args.out, "csrf"), "w", encoding="ascii") as f:
        f.write(csrf)
    with open(os.path.join(args.out, "clients"), "w", encoding="ascii") as f:
        f.write("\n".join(ids) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
