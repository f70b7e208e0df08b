"""A linter crosses process boundaries by pickling and is shared by threads (GIL released)."""

from __future__ import annotations

import multiprocessing
import pickle
import threading
import time
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
    # A thread counts while this one lints a big document (5,000 orders). With the GIL held
    # during the native call, the counter would stand still (a switch interval at most); with it
    # released, it counts on at a good part of its free-running rate.
    one = (PAYLOADS / "07.2025" / "orders" / "orders.jsonl").read_text(encoding="utf-8").splitlines()[0]
    big = "[" + ",".join(one.replace('"id":"', f'"id":"{i}-', 1) for i in range(5000)) + "]"
    linter = klar_lint.Linter(kind="orders")
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.05)
        before, start = ticks[0], time.perf_counter()
        raw, _ = linter._native.lint_str("big.json", big, False)
        during, seconds = ticks[0] - before, time.perf_counter() - start
        before = ticks[0]
        time.sleep(seconds)  # the free-running rate, over as long
        free = ticks[0] - before
    finally:
        stop.set()
        counter.join()
    assert '"objects":5000' in raw
    assert during > free * 0.03, (during, free, seconds)
