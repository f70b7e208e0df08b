"""Lint a folder of JSON Lines shards in parallel with Dask, and merge the reports.

    pip install klar-lint "dask[distributed]"
    python examples/dask_lint.py exports/            # a local cluster, one worker per core
    python examples/dask_lint.py exports/ --scheduler tcp://scheduler:8786

Each shard (`*.jsonl`, `*.ndjson`, optionally `.gz`) is one task: the linter is pickled to the
workers (it travels as its configuration text and is rebuilt there), each worker lints its
shards with the GIL released, and the small typed reports come back to be merged: findings per
rule, objects, and the revenue per currency and payment status, summed as `Decimal`.

Exit code as the `klar-lint` command's: 0 clean, 1 at least one error finding.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional

import klar_lint

SHARD_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


@dataclass
class Merged:
    """The reports of every shard, merged."""

    files: int = 0
    objects: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    by_rule: Counter = field(default_factory=Counter)
    revenue: klar_lint.Revenue = field(default_factory=klar_lint.Revenue)
    failed: List[str] = field(default_factory=list)

    def add(self, report: klar_lint.Report) -> None:
        self.files += 1
        self.objects += report.objects
        for d in report.diagnostics:
            self.by_rule[d.rule] += 1
            if d.severity == "error":
                self.errors += 1
            elif d.severity == "warning":
                self.warnings += 1
            else:
                self.infos += 1
        # Findings past max-diagnostics-per-file are counted, not listed: errors still count.
        self.errors += report.truncated_errors
        self.revenue = self.revenue.merge(report.revenue)
        if report.has_errors:
            self.failed.append(report.path)


def shards(folder: Path) -> List[Path]:
    """The JSON Lines shards under `folder`, sorted, so runs are comparable."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(SHARD_SUFFIXES))


def lint_folder(folder: Path, linter: klar_lint.Linter, client) -> Merged:
    """Lints every shard of `folder` on the cluster behind `client` and merges the reports in
    path order (the order the tasks were submitted, whatever order they finish in)."""
    paths = [str(p) for p in shards(folder)]
    # One task a shard: the bound method travels as the pickled linter plus a name, so the
    # workers need only `klar_lint` installed, not this file. The paths must be readable on the
    # workers (a shared or network file system); with object storage, map a function that
    # opens the shard there (fsspec.open(url, "rb")) and returns linter.lint_lines(url, f).
    futures = client.map(linter.lint_path, paths)
    merged = Merged()
    for report in client.gather(futures):
        merged.add(report)
    return merged


def print_summary(merged: Merged, out=sys.stdout) -> None:
    print(
        f"{merged.files} shards, {merged.objects} objects: "
        f"{merged.errors} errors, {merged.warnings} warnings, {merged.infos} infos",
        file=out,
    )
    for rule, count in sorted(merged.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:>8}  {rule}", file=out)
    for currency, totals in merged.revenue.currencies.items():
        print(f"{currency}: {totals.orders} orders, net {totals.net}", file=out)
        for bucket, s in totals.by_status.items():
            print(f"  {bucket:<20} {s.orders:>6} orders {s.net:>14}", file=out)
    for path in merged.failed:
        print(f"error findings in {path}", file=out)


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: a local cluster)")
    parser.add_argument("--workers", type=int, default=None, help="local cluster: number of worker processes")
    parser.add_argument("--config", type=Path, help="a klar-lint.toml")
    parser.add_argument("--kind", choices=klar_lint.KINDS)
    parser.add_argument("--api-version", choices=klar_lint.API_VERSIONS)
    args = parser.parse_args(list(argv) if argv is not None else None)

    from dask.distributed import Client, LocalCluster

    config = args.config.read_text(encoding="utf-8") if args.config else None
    linter = klar_lint.Linter(config, kind=args.kind, api_version=args.api_version)
    if args.scheduler:
        with Client(args.scheduler) as client:
            merged = lint_folder(args.folder, linter, client)
    else:
        # Processes, one thread each: klar-lint parallelises inside a file too.
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                merged = lint_folder(args.folder, linter, client)
    print_summary(merged)
    return 1 if merged.errors else 0


if __name__ == "__main__":
    sys.exit(main())
