"""Schemathesis against each service's OpenAPI document (`/api/schema`), on real processes (issue 12).

Every phase runs (examples, coverage, fuzzing, stateful along the schema's OpenAPI links), once with
an ADMIN's token and once with a CUSTOMER's, both issued by the users service. Checks: no 5xx, every
response (errors too: `{detail, code}` or field errors) matches its schema, every status and content
type is documented. A fixed seed and example budget make a CI run reproducible and bounded; a failure
prints the fuzzer's report with a curl line that reproduces it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest
import tomli_w

from retail_common.config.topology import TOPOLOGY
from retail_dev.paths import RETAIL_DIR
from retail_dev.shop_client import card_ending

REPORTS = RETAIL_DIR / "artifacts" / "fuzz"
SEED = 20261201
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
# Cases per operation and phase: the admin run explores, the customer run mostly meets ownership rules.
MAX_EXAMPLES = {"ADMIN": 15, "CUSTOMER": 5}
STATEFUL_STEPS = {"ADMIN": 30, "CUSTOMER": 15}
# Each of these hashes a password (Argon2id, ~0.1 s of a core even for an unknown email): fewer cases.
PASSWORD_HASHING = r"^/api/(auth/(login|register)|users/me/password)$"
# Orders before payments: the payments the saga makes for the fuzzer's orders are then there to read.
RUNS = [(service, role) for service in TOPOLOGY.service_names for role in ("ADMIN", "CUSTOMER")]


def fuzzer_config(shop, role: str) -> dict:
    """schemathesis.toml of one run: real ids, categories and test cards in a share of the generated
    bodies, so that checkouts and product writes get past validation and the stateful phase has
    something to follow; the rest stays random."""
    return {
        "headers": {"Authorization": "Bearer ${FUZZ_TOKEN}"},
        "cache": {"enabled": False},  # no replay of an earlier run's failures: each run is its seed's alone
        "request-timeout": 30,
        # No Hypothesis example database either: earlier local runs must not change what CI runs.
        "generation": {"max-examples": MAX_EXAMPLES[role], "database": "none"},
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS[role]}},
        "dictionaries": {
            "products": {"values": shop.product_ids},
            "categories": {"values": shop.categories},
            # Passwords Django's validators accept, so that registrations succeed and lead on to login.
            "passwords": {"values": ["Fuzz-Strong-Pass-1", "Correct-Horse-Battery-42"]},
            # Captured, declined (card_declined, insufficient_funds), written with spaces as people do.
            "cards": {"values": [card_ending("4242"), card_ending("0002"), card_ending("9995"), "4242 4242 4242 4242"]},
        },
        "operations": [{"include-path-regex": PASSWORD_HASHING, "generation": {"max-examples": 5}}],
        "parameters": {
            "body.items[*].product_id": {"dictionary": "products", "probability": 0.7},
            "body.payment_method.card_number": {"dictionary": "cards", "probability": 0.7},
            "body.category": {"dictionary": "categories", "probability": 0.7},
            "body.password": {"dictionary": "passwords", "probability": 0.7},
        },
    }


def summary_of(output: str, report: dict) -> dict:
    scenarios = re.search(r"Scenarios:\s+(\d+)", output)
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", output)
    return {
        "cases": report["test_cases"]["generated"],
        "failures": report["test_cases"]["unique_failures"],
        "errors": sum(error["count"] for error in report["errors"]),
        "stateful_scenarios": int(scenarios.group(1)) if scenarios else 0,
        "links_covered": f"{links.group(1)}/{links.group(2)}" if links else "0/0",
        "phases": {name: phase["status"] for name, phase in (report["phases"] or {}).items()},
        "operations_tested": report["operations"]["tested"] if report["operations"] else 0,
    }


@pytest.mark.parametrize(("service", "role"), RUNS, ids=[f"{s}-{r.lower()}" for s, r in RUNS])
def test_no_server_error_and_responses_match_the_schema(fuzz_shop, service, role, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(tomli_w.dumps(fuzzer_config(fuzz_shop, role)))
    REPORTS.mkdir(parents=True, exist_ok=True)
    report_path = REPORTS / f"{service}-{role.lower()}.json"
    report_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config), "run"]
    command += [f"{fuzz_shop.stack.urls[service]}/api/schema", "--checks", CHECKS, "--phases", PHASES]
    command += ["--seed", str(SEED), "--workers", "1", "--report", "json", "--report-json-path", str(report_path)]
    started = time.monotonic()
    result = subprocess.run(
        command,
        env={**os.environ, "FUZZ_TOKEN": fuzz_shop.access_token(role), "COLUMNS": "120"},
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert report_path.exists(), f"schemathesis wrote no report (exit {result.returncode}):\n{output}"
    run = summary_of(output, json.loads(report_path.read_text()))
    fuzz_shop.runs.append({"service": service, "role": role, "seconds": time.monotonic() - started, **run})

    assert result.returncode == 0, f"schemathesis found problems in {service} as {role}:\n{output}"
    assert run["operations_tested"] > 0 and run["cases"] > 0, output
    phases = run["phases"]
    assert phases["examples"] in ("success", "skip"), output  # skipped where no operation has examples
    assert (phases["coverage"], phases["fuzzing"], phases["stateful"]) == ("success",) * 3, output
