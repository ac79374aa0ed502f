"""A status, cancel reason or failure reason is spelled once, in retail_common.domain.codes: code and
templates compare with the enums, so a quoted literal of one elsewhere is a code that can drift."""

from __future__ import annotations

import re
from pathlib import Path

from retail_common.domain import codes as domain_codes

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = (ROOT / "apps", ROOT / "storefront")
# Saga codes only: PENDING is also a failed event's status, and error codes are plain words.
SAGA_ENUMS = (
    domain_codes.OrderStatus,
    domain_codes.PaymentStatus,
    domain_codes.CancelReason,
    domain_codes.ReserveFailure,
)
CODES = sorted({member.value for enum in SAGA_ENUMS for member in enum} - {"PENDING"})
QUOTED = re.compile("[\"']({})[\"']".format("|".join(CODES)))


def _searched_files():
    for top in SEARCHED:
        for path in sorted(top.rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if path.suffix not in (".py", ".html") or parts & {
                "migrations",
                "tests",
                "retail_common_tests",
                ".venv",
                "node_modules",
            }:
                continue
            if path.name.startswith("test_") or path == Path(domain_codes.__file__).resolve():
                continue
            yield path


def quoted_codes(text: str) -> list[str]:
    return QUOTED.findall(text)


def test_the_pattern_finds_a_quoted_code_and_not_a_member():
    assert quoted_codes('if order.cancel_reason == "OUT_OF_STOCK":') == ["OUT_OF_STOCK"]
    assert quoted_codes("{% if order.status == 'REFUNDED' %}") == ["REFUNDED"]
    assert quoted_codes("CancelReason.OUT_OF_STOCK, OUT_OF_STOCK_LIMIT") == []


def test_no_saga_code_is_a_literal_outside_the_enum_module():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {code}"
        for path in _searched_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for code in quoted_codes(line)
    ]
    assert found == [], "use the enum of retail_common.domain.codes instead of these literals"
