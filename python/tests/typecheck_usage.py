"""Type-checked by `mypy --strict` in python/ci.sh against the stubs the wheel ships (not a
pytest module): the documented API must type-check as written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

import klar_lint


def documented_use(path: str) -> Tuple[int, Optional[Decimal], Optional[Dict[str, Any]]]:
    linter = klar_lint.Linter('[rules]\nunknown-field = "error"\n', kind="orders", api_version="07.2025")
    report = linter.lint_path(path)
    errors = 0
    for d in report.diagnostics:
        line: Optional[int] = d.line
        if d.severity == "error" and line is not None:
            errors += 1
    eur = report.revenue.currencies.get("EUR")
    net = eur.by_status["paid"].net if eur and "paid" in eur.by_status else None
    merged: klar_lint.Revenue = report.revenue.merge(report.revenue)
    assert merged.left_out >= 0
    body = linter.lint_lines("x.jsonl", ["{}", b"{}"], klar=True).klar
    other = klar_lint.Linter().lint_bytes("orders.json", b"[]")
    assert other.objects == 0 and not other.has_errors
    return errors, net, body
