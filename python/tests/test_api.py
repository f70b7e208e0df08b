"""The Python API: every input kind, typed findings, revenue as Decimal, errors as exceptions."""

from __future__ import annotations

import gzip
import io
from decimal import Decimal
from pathlib import Path

import pytest

import klar_lint
from conftest import BROKEN, PAYLOADS

ORDERS = PAYLOADS / "07.2025" / "orders" / "orders.json"
ORDERS_LINES = PAYLOADS / "07.2025" / "orders" / "orders.jsonl"


@pytest.mark.parametrize(
    "path, kind",
    [
        ("07.2025/orders/orders.json", "orders"),
        ("07.2025/orders/orders.jsonl", "orders"),
        ("07.2025/refunds/refunds.json", "refunds"),
        ("07.2025/cogs/cogs.json", "cogs"),
        ("07.2025/logistics-costs/logistics-costs.json", "logistics-costs"),
        ("07.2025/transaction-costs/transaction-costs.json", "transaction-costs"),
        ("12.2022/orders/orders.json", "orders"),
    ],
)
def test_every_payload_kind_from_a_path_is_clean(linter, path, kind):
    report = linter.lint_path(PAYLOADS / path)
    assert report.kind == kind
    assert report.api_version == path.split("/")[0]
    assert report.objects > 0
    assert not report.has_errors, [str(d) for d in report.diagnostics]
    assert report.errors == ()


def test_str_bytes_path_and_lines_give_the_same_findings(linter, tmp_path):
    text = ORDERS_LINES.read_text(encoding="utf-8").replace('"quantity":2', '"quantity":"2"', 1)
    assert '"quantity":"2"' in text
    name = "07.2025/orders.jsonl"
    path = tmp_path / "orders.jsonl"
    path.write_text(text, encoding="utf-8")
    gz = tmp_path / "orders.jsonl.gz"
    gz.write_bytes(gzip.compress(text.encode()))

    from_path = linter.lint_path(path)
    from_gzip = linter.lint_path(gz)
    from_str_lines = linter.lint_lines(name, text.splitlines())  # no newlines: added
    from_bytes_lines = linter.lint_lines(name, io.BytesIO(text.encode()))
    from_generator = linter.lint_lines(name, (line for line in text.splitlines(keepends=True)))
    with path.open(encoding="utf-8") as f:
        from_file = linter.lint_lines(name, f)

    def findings(r):
        return [(d.rule, d.severity, d.pointer, d.line, d.column, d.message) for d in r.diagnostics]

    expected = findings(from_path)
    assert any(d.pointer.endswith("/quantity") and d.severity == "error" for d in from_path.diagnostics)
    for report in (from_gzip, from_str_lines, from_bytes_lines, from_generator, from_file):
        assert findings(report) == expected
        assert report.objects == from_path.objects == 5

    # A whole document: str and bytes (and bytearray, memoryview) agree.
    doc = ORDERS.read_text(encoding="utf-8")
    a = linter.lint_str("07.2025/orders.json", doc)
    for data in (doc.encode(), bytearray(doc.encode()), memoryview(doc.encode())):
        assert linter.lint_bytes("07.2025/orders.json", data) == a
    assert a.path == "07.2025/orders.json"


def test_findings_are_typed(linter):
    report = linter.lint_path(BROKEN / "orders-wrong-type.json")
    d = next(d for d in report.diagnostics if d.rule == "schema")
    assert isinstance(d, klar_lint.Diagnostic)
    assert d.severity == "error"
    assert d.category == "schema"
    assert d.pointer == "/0/lineItems/0/taxes/0/taxRate"
    assert (d.line, d.column) == (27, 24)
    assert d.message == '`taxRate` must be a number, found the string "17%"'
    assert d.help and "0.17" in d.help
    assert str(d) == f"27:24: error[schema] {d.message}"
    assert report.has_errors
    with pytest.raises(AttributeError):
        d.rule = "other"  # frozen


def test_revenue_is_decimal_per_currency_and_status(linter):
    report = linter.lint_path(PAYLOADS / "12.2022" / "orders" / "orders-returns-and-pending.json")
    eur = report.revenue.currencies["EUR"]
    assert eur.orders == 3
    assert eur.net == Decimal("212.10")
    assert eur.gross == Decimal("271.60")
    assert eur.returned_units == Decimal("3")
    assert isinstance(eur.taxes, Decimal)
    assert eur.by_status["pending"] == klar_lint.StatusRevenue(1, Decimal("28.16"))
    assert set(report.revenue.currencies) == {"CHF", "EUR", "GBP"}
    both = report.revenue.merge(report.revenue)
    assert both.currencies["EUR"].net == Decimal("424.20")
    assert both.currencies["EUR"].by_status["pending"].orders == 2


def test_schema_failures_are_left_out_of_revenue(linter):
    report = linter.lint_path(BROKEN / "orders-wrong-type.json")
    assert report.revenue.left_out >= 1


def test_kind_api_version_and_config(tmp_path):
    body = '{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5, "note": "x"}]}'
    default = klar_lint.Linter().lint_str("cogs.json", body)
    assert [(d.rule, d.severity) for d in default.diagnostics] == [("unknown-field", "warning")]
    strict = klar_lint.Linter('[rules]\nunknown-field = "error"\n', kind="cogs", api_version="12.2022")
    report = strict.lint_str("anything.json", body)
    assert report.kind == "cogs" and report.api_version == "12.2022"
    assert [(d.rule, d.severity) for d in report.diagnostics] == [("unknown-field", "error")]
    assert strict.config.startswith("[rules]") and strict.kind == "cogs"
    assert "kind='cogs'" in repr(strict)


def test_errors_are_python_exceptions():
    with pytest.raises(ValueError, match=r"line 2"):
        klar_lint.Linter("[rules]\nunknown-field = \n")
    with pytest.raises(ValueError, match=r"unknown rule `no-such-rule`"):
        klar_lint.Linter('[rules]\nno-such-rule = "error"\n')
    with pytest.raises(ValueError, match=r"unknown payload kind `order`"):
        klar_lint.Linter(kind="order")
    with pytest.raises(ValueError, match=r"unknown API version `2025`"):
        klar_lint.Linter(api_version="2025")
    with pytest.raises(TypeError, match=r"text of a klar-lint.toml"):
        klar_lint.Linter(Path("klar-lint.toml"))  # type: ignore[arg-type]


def test_lint_lines_raises_what_the_iterable_raises(linter):
    def broken():
        yield '{"id": "1"}'
        raise OSError("the export stream broke")

    with pytest.raises(OSError, match="the export stream broke"):
        linter.lint_lines("orders.jsonl", broken())
    with pytest.raises(TypeError, match=r"str or bytes lines, got a line of type int"):
        linter.lint_lines("orders.jsonl", ['{"id": "1"}', 42])
    with pytest.raises(TypeError):
        linter.lint_lines("orders.jsonl", 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not one str or bytes"):
        linter.lint_lines("orders.jsonl", '{"id": "1"}\n')


def test_an_unreadable_path_is_a_finding_not_an_exception(linter, tmp_path):
    report = linter.lint_path(tmp_path / "missing.json")
    assert [d.rule for d in report.diagnostics] == ["io-error"]
    assert report.has_errors


def test_rules_and_version():
    names = klar_lint.rules()
    assert "schema" in names and "negative-amount" in names
    assert klar_lint.__version__.count(".") == 2
