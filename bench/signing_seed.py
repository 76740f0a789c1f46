#!/usr/bin/env python3
"""Seeding side of bench/signing_load.sh: against a running `alcove serve` on loopback,
signs up one associate, gives them a licensure profile, SETTINGS work settings and one
logged session per week per setting over WEEKS past weeks, invites one supervisor, accepts
the invitation as the supervisor, sets their PIN, and submits every week to them. Each
submission mails a signing link (to the server's console in development); their tokens
are collected. Standard library only (the HTTP client is bench/records_seed.py's).

    signing_seed.py --port P --console FILE --cafile CERT --out DIR [--weeks N ...]

Writes to DIR: `associate_cookie`, `associate_csrf` (the associate's session),
`tokens` (one signing token a line), `pin` (the supervisor's PIN). Every loop is bounded
in count and time (--max-seconds); every connection goes to 127.0.0.1.
"""

import argparse
import datetime
import os
import re
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from records_seed import Client, result, run_parallel, say  # noqa: E402

LINE_RE = re.compile(r"^mail \(([^)]*)\) for (\S+) written to outbox/\S+: (\S+)$")
SUPERVISOR = "bench-supervisor@example.org"
ASSOCIATE = "bench-associate@example.org"
PIN = "24681357"


def mail_tokens(console, address, kind, path):
    """Tokens of every mail of `kind` to `address` whose link is on `path`, in order."""
    out = []
    with open(console, "r", encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE_RE.match(line.rstrip("\n"))
            if m and m.group(1) == kind and m.group(2) == address and path in m.group(3):
                out.append(m.group(3).split("#token=", 1)[1])
    return out


def wait_tokens(console, address, kind, path, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mail_tokens(console, address, kind, path)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    sys.exit(f"only {len(mail_tokens(console, address, kind, path))} of {count} {kind} "
             f"mails on the console within {timeout} s")


def session_of(args, c, token_path, token):
    status, _ = c.call("POST", token_path, {"token": token})
    if status != 200:
        sys.exit(f"POST {token_path} answered {status}")
    status, me = c.call("GET", "/api/v1/me")
    if status != 200 or not me or "csrf_token" not in me:
        sys.exit(f"GET /api/v1/me answered {status}")
    c.csrf = me["csrf_token"]


def expect(c, method, path, body, want):
    status, answer = c.call(method, path, body)
    if status not in want:
        sys.exit(f"{method} {path} answered {status}: {answer}")
    return answer


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--console", required=True, help="the server's stdout")
    ap.add_argument("--cafile", required=True, help="the development certificate")
    ap.add_argument("--out", required=True)
    ap.add_argument("--weeks", type=int, default=100, help="past weeks per setting")
    ap.add_argument("--settings", type=int, default=4)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="whole seeding")
    args = ap.parse_args()
    args.deadline = time.monotonic() + args.max_seconds
    ctx = ssl.create_default_context(cafile=args.cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    args.context = ctx
    os.makedirs(args.out, exist_ok=True)

    # The associate: sign-up by magic link, profile, settings.
    a = Client(args)
    expect(a, "POST", "/api/v1/auth/signup", {"email": ASSOCIATE, "name": "Bench Associate"},
           (202,))
    [token] = wait_tokens(args.console, ASSOCIATE, "sign-up confirmation", "#token=", 1, 30)[:1]
    session_of(args, a, "/api/v1/auth/magic-link/consume", token)
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=args.weeks)
    degree = first - datetime.timedelta(days=30)
    expect(a, "PUT", "/api/v1/hours/profile",
           {"track": "amft", "degree_date": degree.isoformat()}, (200,))
    settings = [expect(a, "POST", "/api/v1/hours/settings", {"name": f"Clinic {k + 1}"},
                       (201,))["id"] for k in range(args.settings)]

    # One session per past week per setting (on the week's Tuesday).
    jobs = [((first + datetime.timedelta(weeks=w, days=1)).isoformat(), s)
            for w in range(args.weeks) for s in settings]

    def log_session(c, job):
        date, setting = job
        status, _ = c.call("POST", "/api/v1/hours/sessions",
                           {"date": date, "minutes": 50, "category": "individual",
                            "setting_id": setting})
        if status != 201:
            raise RuntimeError(f"POST /api/v1/hours/sessions answered {status}")

    _, wall = run_parallel(args, dict(a.cookies), a.csrf, jobs, log_session, "sessions")
    say(f"logged {len(jobs)} sessions in {wall:.1f} s")

    # The supervisor: invitation, acceptance, PIN.
    link = expect(a, "POST", "/api/v1/hours/supervisors",
                  {"email": SUPERVISOR, "name": "Bench Supervisor"}, (201,))["id"]
    [invite] = wait_tokens(args.console, SUPERVISOR, "supervisor invitation", "#token=", 1, 30)
    s = Client(args)
    session_of(args, s, "/api/v1/supervisor/accept", invite)
    expect(s, "PUT", "/api/v1/supervisor/pin", {"pin": PIN}, (204,))
    s.close()

    # Every week submitted to them: one signing mail each.
    weeks = expect(a, "GET", f"/api/v1/hours/weeks?from={first.isoformat()}&to={monday.isoformat()}",
                   None, (200,))
    ids = [w["id"] for w in weeks if w["status"] == "draft"]

    def submit(c, week_id):
        status, _ = c.call("POST", f"/api/v1/hours/weeks/{week_id}/submit",
                           {"supervisor_id": link})
        if status != 200:
            raise RuntimeError(f"POST /api/v1/hours/weeks/{{id}}/submit answered {status}")

    _, wall = run_parallel(args, dict(a.cookies), a.csrf, ids, submit, "submissions")
    say(f"submitted {len(ids)} weekly logs in {wall:.1f} s")
    tokens = wait_tokens(args.console, SUPERVISOR, "supervisor signing link", "/sign#token=",
                         len(ids), 60)
    with open(os.path.join(args.out, "tokens"), "w", encoding="ascii") as f:
        f.write("\n".join(tokens) + "\n")
    with open(os.path.join(args.out, "pin"), "w", encoding="ascii") as f:
        f.write(PIN)
    with open(os.path.join(args.out, "associate_cookie"), "w", encoding="ascii") as f:
        f.write("; ".join(f"{k}={v}" for k, v in a.cookies.items()))
    with open(os.path.join(args.out, "associate_csrf"), "w", encoding="ascii") as f:
        f.write(a.csrf)
    a.close()
    result("seed_signing_tokens", len(tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
