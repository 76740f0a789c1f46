#!/usr/bin/env python3
"""Seeding side of bench/measures_load.sh: against a running `alcove serve` on loopback,
signs up one therapist, adds two clients, fills in RESULTS PHQ-9s for the first (each
assigned through the API, then submitted through the public form, as a client would) and
assigns LINKS unused PHQ-9 links to the second, for wrk to submit. Standard library only
(the HTTP client is bench/records_seed.py's).

    measures_seed.py --port P --console FILE --cafile CERT --out DIR [--results N ...]

Writes to DIR: `therapist_cookie` (the therapist's Cookie header), `trend_client` (the id
of the client with RESULTS results), `tokens` (one unused questionnaire token a line).
Every loop is bounded in count and time (--max-seconds); every connection goes to
127.0.0.1.
"""

import argparse
import os
import random
import ssl
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from records_seed import Client, result, run_parallel, say, sign_in  # noqa: E402

ITEMS = 9  # PHQ-9's scored items; item 10 (difficulty) is optional


def form_body(rng, k):
    """Random answers; item 9 (self-harm thoughts, always flagged above 0) only in every
    20th result, so the page shows what a real record would."""
    fields = {f"item{i}": str(rng.randrange(0, 4)) for i in range(1, ITEMS + 1)}
    fields["item9"] = "1" if k % 20 == 19 else "0"
    fields["item10"] = str(rng.randrange(0, 4))
    return urllib.parse.urlencode(fields)


def post_form(c, path, body):
    """POST an urlencoded form (the public form); returns the status."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    c.conn.request("POST", path, body=body.encode(), headers=headers)
    res = c.conn.getresponse()
    res.read()
    if res.getheader("Connection", "").lower() == "close":
        c.conn.close()
    return res.status


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--console", required=True, help="the server's stdout")
    ap.add_argument("--cafile", required=True, help="the development certificate")
    ap.add_argument("--out", required=True)
    ap.add_argument("--results", type=int, default=200, help="results of the trend client")
    ap.add_argument("--links", type=int, default=3000, help="unused links for wrk")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="whole seeding")
    args = ap.parse_args()
    args.deadline = time.monotonic() + args.max_seconds
    ctx = ssl.create_default_context(cafile=args.cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    args.context = ctx
    os.makedirs(args.out, exist_ok=True)

    cookies, csrf = sign_in(args)
    c = Client(args, dict(cookies), csrf)
    clients = []
    for name in ("Trend Client", "Form Client"):
        status, body = c.call("POST", "/api/v1/clients", {"name": name})
        if status != 201:
            sys.exit(f"POST /api/v1/clients answered {status}: {body}")
        clients.append(body["id"])
    c.close()
    trend, form = clients

    def assign(client):
        def work(conn, _job):
            status, body = conn.call("POST", f"/api/v1/clients/{client}/assignments",
                                     {"instrument": "phq-9"})
            if status != 201:
                raise RuntimeError(f"POST /api/v1/clients/{{id}}/assignments answered {status}")
            return body["link"]
        return work

    links, wall = run_parallel(args, cookies, csrf, list(range(args.results)), assign(trend),
                               "trend links")
    say(f"assigned {len(links)} questionnaires in {wall:.1f} s")
    rng = random.Random(9)
    bodies = [form_body(rng, k) for k in range(len(links))]

    def submit(conn, i):
        path = urllib.parse.urlsplit(links[i]).path
        status = post_form(conn, path, bodies[i])
        if status != 200:
            raise RuntimeError(f"POST /q/{{token}} answered {status}")

    _, wall = run_parallel(args, {}, None, list(range(len(links))), submit, "submissions")
    say(f"submitted {len(links)} results in {wall:.1f} s")

    unused, wall = run_parallel(args, cookies, csrf, list(range(args.links)), assign(form),
                                "form links")
    say(f"assigned {len(unused)} more in {wall:.1f} s")
    with open(os.path.join(args.out, "tokens"), "w", encoding="ascii") as f:
        f.write("\n".join(link.rsplit("/q/", 1)[1] for link in unused) + "\n")
    with open(os.path.join(args.out, "trend_client"), "w", encoding="ascii") as f:
        f.write(trend)
    with open(os.path.join(args.out, "therapist_cookie"), "w", encoding="ascii") as f:
        f.write("; ".join(f"{k}={v}" for k, v in cookies.items()))
    result("seed_results", len(links))
    result("seed_links", len(unused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
