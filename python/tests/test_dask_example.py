"""examples/dask_lint.py: shards linted on a local Dask cluster, reports merged."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal

import pytest

import klar_lint
from conftest import EXAMPLES, PAYLOADS

pytest.importorskip("dask.distributed")


def load_example():
    spec = importlib.util.spec_from_file_location("dask_lint", EXAMPLES / "dask_lint.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_dask_local_cluster_lints_and_merges(tmp_path, capsys):
    example = load_example()
    lines = (PAYLOADS / "07.2025" / "orders" / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    for n in range(6):
        (tmp_path / f"orders-{n:03}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "orders-999.jsonl").write_text(lines[0].replace('"quantity":2', '"quantity":"2"', 1) + "\n")
    assert '"quantity":"2"' in (tmp_path / "orders-999.jsonl").read_text()

    code = example.main([str(tmp_path), "--workers", "2", "--kind", "orders", "--api-version", "07.2025"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "7 shards, 31 objects" in out
    assert "orders-999.jsonl" in out

    # The merge equals linting every shard here and adding up.
    linter = klar_lint.Linter(kind="orders", api_version="07.2025")
    merged = example.Merged()
    for path in example.shards(tmp_path):
        merged.add(linter.lint_path(path))
    assert merged.errors >= 1 and merged.revenue.left_out == 1
    assert f"{merged.errors} errors" in out
    one = linter.lint_path(PAYLOADS / "07.2025" / "orders" / "orders.jsonl").revenue
    for currency, totals in one.currencies.items():
        # Six clean copies; the bad shard's order failed its schema and is left out.
        assert merged.revenue.currencies[currency].net == 6 * totals.net
        assert isinstance(merged.revenue.currencies[currency].net, Decimal)
