"""bench auth: GET /api/users/me under gunicorn (2 workers), in-process token verification, login latency."""

from __future__ import annotations

import time

import requests

from retail_dev.benchmarks.servers import gunicorn, probe
from retail_dev.console import DevError, say
from retail_dev.environment import migrate_all
from retail_dev.loadgen import Request, latency_summary, run_load
from retail_dev.projects import by_name

BENCH_EMAIL = "bench-auth@retail.test"
BENCH_PASSWORD = "Bench-Password-1"
# Generous limits for the bench process only: it logs in many times from one address on purpose.
BENCH_LIMITS = {"USERS_RATE_LOGIN_PER_IP_EMAIL": "100000/m", "USERS_RATE_LOGIN_PER_IP": "100000/m"}
LOGINS = 20


def post_json(url: str, body: dict) -> tuple[int, dict]:
    response = requests.post(url, json=body, timeout=10)
    return response.status_code, response.json() if response.content else {}


def login(base: str) -> str:
    status, body = post_json(f"{base}/api/auth/login", {"email": BENCH_EMAIL, "password": BENCH_PASSWORD})
    if status != 200:
        raise DevError(f"bench login failed: {status} {body}")
    return body["access"]


def run(args) -> dict:
    users = by_name("users")
    migrate_all("bench")
    figures: dict = {}
    say("    in-process token verification and Argon2id cost …")
    figures["in_process"] = probe(users, "retail_dev.benchmarks.auth_probe")
    if getattr(args, "tracing", False):
        from retail_dev.otlp_receiver import OtlpReceiver

        # The same /me phase with tracing off, then every span exported to a local OTLP receiver.
        with OtlpReceiver(keep=False) as receiver:
            figures["tracing_off"] = measure_me(users, args)
            figures["tracing_on"] = measure_me(users, args, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint)
            figures["spans_received"] = receiver.count
        off, on = figures["tracing_off"]["me"], figures["tracing_on"]["me"]
        figures["tracing_on_over_off_req_per_s"] = round(on["req_per_s"] / off["req_per_s"], 3)
    else:
        figures |= measure_me(users, args)
    figures["goals"] = {
        "me_req_per_s": ">= 800",
        "me_p99_ms": "<= 20",
        "verify_median_ms": "<= 0.2",
    }
    return figures


def measure_me(users, args, **env: str) -> dict:
    """Login latency and GET /api/users/me under gunicorn (2 sync workers, /metrics in multiprocess mode)."""
    figures: dict = {}
    with gunicorn(users, workers=2, **BENCH_LIMITS, **env) as base:
        status, body = post_json(
            f"{base}/api/auth/register",
            {"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "first_name": "Bench", "last_name": "User"},
        )
        if status not in (201, 409):
            raise DevError(f"could not register the bench user: {status} {body}")
        say(f"    login latency ({LOGINS} sequential logins) …")
        samples = []
        for _ in range(LOGINS):
            began = time.perf_counter()
            token = login(base)
            samples.append((time.perf_counter() - began) * 1000)
        figures["login"] = latency_summary(samples)
        me = Request(f"{base}/api/users/me", headers={"Authorization": f"Bearer {token}"})
        say(f"    GET /api/users/me, closed loop, {args.duration:.0f}s …")
        figures["me"] = run_load(me, duration=args.duration, connections=4, processes=1).summary()
        figures["me"]["server"] = "gunicorn, 2 sync workers"
        figures["me"]["client"] = "1 process, 4 connections, same machine"
    return figures
