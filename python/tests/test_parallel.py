"""A linter crosses process boundaries by pickling and is shared by threads (GIL released)."""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import klar_lint
from conftest import BROKEN, PAYLOADS

CONFIG = '[rules]\nunknown-field = "error"\n'


def files():
    return sorted(str(p) for p in list(BROKEN.glob("*.json")) + list(PAYLOADS.rglob("*.json*")))


def summary(report):
    return (report.path, report.kind, [(d.rule, d.severity, d.pointer) for d in report.diagnostics])


def lint_in_child(args):
    linter, path = args
    return linter.lint_path(path)


def test_pickle_round_trip_keeps_the_configuration():
    linter = klar_lint.Linter(CONFIG, kind="cogs", api_version="07.2025")
    copy = pickle.loads(pickle.dumps(linter))
    assert (copy.config, copy.kind, copy.api_version) == (CONFIG, "cogs", "07.2025")
    body = '{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5, "note": "x"}]}'
    assert copy.lint_str("x.json", body) == linter.lint_str("x.json", body)
    # Reports pickle too (plain frozen dataclasses, Decimal money).
    report = linter.lint_path(PAYLOADS / "12.2022" / "orders" / "orders-returns-and-pending.json")
    assert pickle.loads(pickle.dumps(report)) == report


def test_multiprocessing_spawned_workers_get_the_same_reports():
    linter = klar_lint.Linter(CONFIG)
    paths = files()
    expected = [summary(linter.lint_path(p)) for p in paths]
    # spawn: a fresh interpreter that knows nothing of this one, so the linter really travels
    # as a pickle (fork would copy it).
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        reports = pool.map(lint_in_child, [(linter, p) for p in paths])
    assert [summary(r) for r in reports] == expected
    assert any(r.has_errors for r in reports)


def test_threads_share_one_linter():
    linter = klar_lint.Linter()
    paths = files() * 4
    expected = [summary(linter.lint_path(p)) for p in paths]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda p: summary(linter.lint_path(p)), paths))
    assert got == expected


def test_the_gil_is_released_while_linting():
    # One big document (5,000 orders) linted on a thread; meanwhile this thread must run. With
    # the GIL held for the whole lint, the counter could not move until it returned.
    one = (PAYLOADS / "07.2025" / "orders" / "orders.jsonl").read_text(encoding="utf-8").splitlines()[0]
    big = "[" + ",".join(one.replace('"id":"', f'"id":"{i}-', 1) for i in range(5000)) + "]"
    linter = klar_lint.Linter(kind="orders")
    done = threading.Event()
    result = {}

    def work():
        result["report"] = linter.lint_str("big.json", big)
        done.set()

    ticks = 0
    thread = threading.Thread(target=work)
    thread.start()
    while not done.is_set():
        ticks += 1
    thread.join()
    assert result["report"].objects == 5000
    assert ticks > 1000, ticks
