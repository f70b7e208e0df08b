"""klar-lint for Python: check Klar data-import API payloads offline, with typed findings.

    >>> import klar_lint
    >>> linter = klar_lint.Linter(kind="orders")
    >>> report = linter.lint_str("orders.json", '[{"id": 1}]')
    >>> [d.rule for d in report.diagnostics if d.severity == "error"][:1]
    ['schema']

The checks run in Rust with the GIL released, so threads lint in parallel; a `Linter` pickles
(its configuration text and arguments travel, and it is rebuilt on the other side), so it
works in `multiprocessing`, Dask and Spark. Money is `decimal.Decimal`, never float.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from klar_lint._native import NativeLinter as _NativeLinter
from klar_lint._native import __version__
from klar_lint._native import rule_names as _rule_names

__all__ = [
    "API_VERSIONS",
    "KINDS",
    "CurrencyRevenue",
    "Diagnostic",
    "Label",
    "Linter",
    "Report",
    "Revenue",
    "StatusRevenue",
    "__version__",
    "rules",
]

#: The payload kinds, one per POST endpoint (`kind=`).
KINDS: Tuple[str, ...] = ("orders", "refunds", "cogs", "logistics-costs", "transaction-costs")
#: The API versions klar-lint knows (`api_version=`).
API_VERSIONS: Tuple[str, ...] = ("12.2022", "04.2024", "06.2024", "07.2025")


def rules() -> List[str]:
    """The names of every rule and built-in code (`klar-lint rules`)."""
    return list(_rule_names())


@dataclass(frozen=True)
class Label:
    """Another place that explains a finding."""

    pointer: str
    line: Optional[int]
    column: Optional[int]
    text: str


@dataclass(frozen=True)
class Diagnostic:
    """One finding: which rule, how severe, where (JSON Pointer, 1-based line and column in
    characters) and what to do about it."""

    rule: str
    category: str
    severity: str
    message: str
    pointer: str
    line: Optional[int]
    column: Optional[int]
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    help: Optional[str] = None
    labels: Tuple[Label, ...] = ()

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}" if self.line is not None else self.pointer
        return f"{where}: {self.severity}[{self.rule}] {self.message}"


@dataclass(frozen=True)
class StatusRevenue:
    """Orders and net line revenue in one payment-status bucket."""

    orders: int
    net: Decimal


@dataclass(frozen=True)
class CurrencyRevenue:
    """Revenue in one currency, recomputed as Klar computes it."""

    orders: int
    gross: Decimal
    taxes: Decimal
    discounts: Decimal
    net: Decimal
    shipping_before: Decimal
    shipping_after: Decimal
    returned_units: Decimal
    returned_value: Decimal
    costs: Decimal
    by_status: Mapping[str, StatusRevenue]


@dataclass(frozen=True)
class Revenue:
    """Revenue by currency; `left_out` objects failed their schema and are not counted."""

    currencies: Mapping[str, CurrencyRevenue] = field(default_factory=dict)
    left_out: int = 0

    def merge(self, other: "Revenue") -> "Revenue":
        """The sum of two revenues (reports of several files or shards)."""
        currencies: Dict[str, CurrencyRevenue] = dict(self.currencies)
        for code, b in other.currencies.items():
            a = currencies.get(code)
            if a is None:
                currencies[code] = b
                continue
            by_status = dict(a.by_status)
            for bucket, s in b.by_status.items():
                t = by_status.get(bucket)
                by_status[bucket] = s if t is None else StatusRevenue(t.orders + s.orders, t.net + s.net)
            currencies[code] = CurrencyRevenue(
                orders=a.orders + b.orders,
                gross=a.gross + b.gross,
                taxes=a.taxes + b.taxes,
                discounts=a.discounts + b.discounts,
                net=a.net + b.net,
                shipping_before=a.shipping_before + b.shipping_before,
                shipping_after=a.shipping_after + b.shipping_after,
                returned_units=a.returned_units + b.returned_units,
                returned_value=a.returned_value + b.returned_value,
                costs=a.costs + b.costs,
                by_status=dict(sorted(by_status.items())),
            )
        return Revenue(dict(sorted(currencies.items())), self.left_out + other.left_out)


@dataclass(frozen=True)
class Report:
    """Everything found in one file (or string, bytes, lines)."""

    path: str
    kind: Optional[str]
    api_version: Optional[str]
    objects: int
    diagnostics: Tuple[Diagnostic, ...]
    revenue: Revenue
    #: Findings past `max-diagnostics-per-file`, counted but not listed.
    truncated: int = 0
    #: Of those, errors.
    truncated_errors: int = 0
    #: Klar's answer for the file (`--format klar`), when asked for with `klar=True`.
    klar: Optional[Dict[str, Any]] = None

    @property
    def errors(self) -> Tuple[Diagnostic, ...]:
        """The findings at error severity."""
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def has_errors(self) -> bool:
        """Whether the file has an error finding, listed or not: the CLI would exit 1."""
        return self.truncated_errors > 0 or any(d.severity == "error" for d in self.diagnostics)


def _dec(value: Any) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


def _revenue(raw: Mapping[str, Any]) -> Revenue:
    currencies = {}
    for code, t in raw.get("currencies", {}).items():
        currencies[code] = CurrencyRevenue(
            orders=int(t.get("orders", 0)),
            gross=_dec(t.get("gross")),
            taxes=_dec(t.get("taxes")),
            discounts=_dec(t.get("discounts")),
            net=_dec(t.get("net")),
            shipping_before=_dec(t.get("shippingBefore")),
            shipping_after=_dec(t.get("shippingAfter")),
            returned_units=_dec(t.get("returnedUnits")),
            returned_value=_dec(t.get("returnedValue")),
            costs=_dec(t.get("costs")),
            by_status={
                bucket: StatusRevenue(int(s.get("orders", 0)), _dec(s.get("net")))
                for bucket, s in t.get("byStatus", {}).items()
            },
        )
    left_out = raw.get("leftOut") or {}
    return Revenue(currencies, int(left_out.get("objects", 0)))


def _report(result: Tuple[str, Optional[str]]) -> Report:
    text, klar = result
    raw = json.loads(text)
    return Report(
        path=raw["path"],
        kind=raw.get("kind"),
        api_version=raw.get("apiVersion"),
        objects=raw["objects"],
        diagnostics=tuple(
            Diagnostic(
                rule=d["rule"],
                category=d["category"],
                severity=d["severity"],
                message=d["message"],
                pointer=d["pointer"],
                line=d.get("line"),
                column=d.get("column"),
                end_line=d.get("endLine"),
                end_column=d.get("endColumn"),
                help=d.get("help"),
                labels=tuple(
                    Label(l["pointer"], l.get("line"), l.get("column"), l["text"])
                    for l in d.get("labels", ())
                ),
            )
            for d in raw["diagnostics"]
        ),
        revenue=_revenue(raw.get("revenue") or {}),
        truncated=raw.get("truncated", 0),
        truncated_errors=raw.get("truncatedErrors", 0),
        klar=json.loads(klar, parse_float=Decimal) if klar is not None else None,
    )


class Linter:
    """Checks payloads, as the `klar-lint` command does.

    `config` is the text of a `klar-lint.toml` (not a path: read the file yourself, so a
    linter never depends on the working directory). `kind` (one of `KINDS`) and
    `api_version` (one of `API_VERSIONS`) force what every input is checked as, like
    `--kind` and `--api-version`; by default they are told from the name and the content.

    Build one and reuse it: it is safe to share between threads (linting releases the GIL),
    and it pickles by its arguments.
    """

    __slots__ = ("_args", "_native")

    def __init__(
        self,
        config: Optional[str] = None,
        *,
        kind: Optional[str] = None,
        api_version: Optional[str] = None,
    ) -> None:
        if config is not None and not isinstance(config, str):
            raise TypeError(
                f"config is the text of a klar-lint.toml (str), not {type(config).__name__}: "
                "read the file first, e.g. Linter(pathlib.Path('klar-lint.toml').read_text())"
            )
        self._args = (config, kind, api_version)
        self._native = _NativeLinter(config, kind, api_version)

    @property
    def config(self) -> Optional[str]:
        """The `klar-lint.toml` text the linter was built from."""
        return self._args[0]

    @property
    def kind(self) -> Optional[str]:
        """The forced payload kind, if any."""
        return self._args[1]

    @property
    def api_version(self) -> Optional[str]:
        """The forced API version, if any."""
        return self._args[2]

    def __repr__(self) -> str:
        config, kind, api_version = self._args
        parts = [f"config={config!r}"] if config is not None else []
        if kind is not None:
            parts.append(f"kind={kind!r}")
        if api_version is not None:
            parts.append(f"api_version={api_version!r}")
        return f"Linter({', '.join(parts)})"

    def __getstate__(self) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        return self._args

    def __setstate__(self, state: Tuple[Optional[str], Optional[str], Optional[str]]) -> None:
        config, kind, api_version = state
        self._args = (config, kind, api_version)
        self._native = _NativeLinter(config, kind, api_version)

    def lint_str(self, name: str, text: str, *, klar: bool = False) -> Report:
        """Lints a whole document given as a string; `name` names it in the report and tells
        the kind and version when nothing else does (`exports/07.2025/orders.json`)."""
        return _report(self._native.lint_str(name, text, klar))

    def lint_bytes(self, name: str, data: Union[bytes, bytearray, memoryview], *, klar: bool = False) -> Report:
        """Lints a whole document given as bytes (UTF-8, as sent to Klar)."""
        return _report(self._native.lint_bytes(name, bytes(data) if not isinstance(data, bytes) else data, klar))

    def lint_path(self, path: Union[str, "os.PathLike[str]"], *, klar: bool = False) -> Report:
        """Lints a file: `.jsonl`/`.ndjson` stream record by record, `.gz` is decompressed.
        A file that cannot be read is an `io-error` finding, as on the command line."""
        return _report(self._native.lint_path(os.fspath(path), klar))

    def lint_lines(self, name: str, lines: Iterable[Union[str, bytes]], *, klar: bool = False) -> Report:
        """Lints JSON Lines from any iterable of `str` or `bytes` lines (an open file, a list,
        a generator), one record at a time; pointers start with the record's index. An
        exception raised by the iterable is raised here."""
        if isinstance(lines, (str, bytes, bytearray, memoryview)):
            # Iterating a str gives characters, not lines.
            raise TypeError(
                "lint_lines takes an iterable of lines, not one str or bytes: "
                "pass text.splitlines(), an open file, or use lint_str/lint_bytes"
            )
        return _report(self._native.lint_lines(name, lines, klar))
