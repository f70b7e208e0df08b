"""Klar's own answer (`--format klar`, `klar=True`) against the examples in FACTS.md §3.2."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal

import pytest

import klar_lint
from conftest import PAYLOADS

COSTS = (PAYLOADS / "07.2025" / "transaction-costs" / "transaction-costs.json").read_text(encoding="utf-8")


def test_numeric_order_id_in_transaction_costs(linter):
    # Klar: {"status": "INVALID", "errors": [{"key": "0.orderId", "message": "orderId must be
    # a string", "value": 1111, ...}]}; the four other items pass, hence PARTIALLY_VALID.
    text = COSTS.replace('"100045211"', "1111", 1)
    body = linter.lint_str("07.2025/transaction-costs.json", text, klar=True).klar
    assert body["status"] == "PARTIALLY_VALID"
    [error] = body["errors"]
    assert error["key"] == "0.orderId"
    assert error["id"] == "1111"
    assert error["value"] == 1111
    assert error["message"].startswith("orderId must be a string")
    assert error["rule"] == "schema" and error["severity"] == "error" and error["help"]
    assert body["failedOrderIds"] == ["1111"]
    assert body["successfulOrderIds"] == ["100045212", "100045213", "100045214", "100045215"]


def test_negative_after_amount_key_and_value(linter):
    # Klar: "0.lineItems.0.totalAmountAfterTaxesAndDiscounts: (-X.XX) has to be 0 or bigger!"
    data = json.loads((PAYLOADS / "07.2025" / "orders" / "orders.json").read_text(encoding="utf-8"))
    text = json.dumps(data).replace(
        '"totalAmountAfterTaxesAndDiscounts": ', '"totalAmountAfterTaxesAndDiscounts": -2.5, "x": ', 1
    )
    body = linter.lint_str("07.2025/orders.json", text, klar=True).klar
    key = "0.lineItems.0.totalAmountAfterTaxesAndDiscounts"
    [error] = [e for e in body["errors"] if e["key"] == key and e["rule"] == "negative-amount"]
    assert error["value"] == Decimal("-2.5")
    assert body["status"] == "PARTIALLY_VALID"
    assert body["failedOrderIds"] == [data[0]["id"]]


def test_clean_is_valid(linter):
    report = linter.lint_str("07.2025/transaction-costs.json", COSTS, klar=True)
    assert report.klar == {"path": "07.2025/transaction-costs.json", "status": "VALID"}
    assert linter.lint_str("07.2025/transaction-costs.json", COSTS).klar is None


def test_the_command_prints_one_body_per_file(tmp_path):
    exe = shutil.which("klar-lint")
    if exe is None:
        pytest.skip("the klar-lint command is not on PATH (a wheel built without it)")
    (tmp_path / "a-costs.json").write_text(COSTS.replace('"100045211"', "1111", 1), encoding="utf-8")
    (tmp_path / "b-costs.json").write_text(COSTS, encoding="utf-8")
    out = subprocess.run(
        [exe, "--no-config", "--kind", "transaction-costs", "--format", "klar", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stderr
    bodies = [json.loads(line) for line in out.stdout.splitlines()]
    assert [b["status"] for b in bodies] == ["PARTIALLY_VALID", "VALID"]
    assert bodies[0]["errors"][0]["key"] == "0.orderId"
