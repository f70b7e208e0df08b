from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Tuple, Union

__version__: str

Kind = Literal["orders", "refunds", "cogs", "logistics-costs", "transaction-costs"]
ApiVersion = Literal["12.2022", "04.2024", "06.2024", "07.2025"]
Severity = Literal["error", "warning", "info"]

KINDS: Tuple[str, ...]
API_VERSIONS: Tuple[str, ...]

def rules() -> List[str]: ...
@dataclass(frozen=True)
class Label:
    pointer: str
    line: Optional[int]
    column: Optional[int]
    text: str

@dataclass(frozen=True)
class Diagnostic:
    rule: str
    category: str
    severity: Severity
    message: str
    pointer: str
    line: Optional[int]
    column: Optional[int]
    end_line: Optional[int] = ...
    end_column: Optional[int] = ...
    help: Optional[str] = ...
    labels: Tuple[Label, ...] = ...

@dataclass(frozen=True)
class StatusRevenue:
    orders: int
    net: Decimal

@dataclass(frozen=True)
class CurrencyRevenue:
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
    currencies: Mapping[str, CurrencyRevenue] = ...
    left_out: int = ...
    def merge(self, other: Revenue) -> Revenue: ...

@dataclass(frozen=True)
class Report:
    path: str
    kind: Optional[Kind]
    api_version: Optional[ApiVersion]
    objects: int
    diagnostics: Tuple[Diagnostic, ...]
    revenue: Revenue
    truncated: int = ...
    truncated_errors: int = ...
    klar: Optional[Dict[str, Any]] = ...
    @property
    def errors(self) -> Tuple[Diagnostic, ...]: ...
    @property
    def has_errors(self) -> bool: ...

class Linter:
    def __init__(
        self,
        config: Optional[str] = None,
        *,
        kind: Optional[Kind] = None,
        api_version: Optional[ApiVersion] = None,
    ) -> None: ...
    @property
    def config(self) -> Optional[str]: ...
    @property
    def kind(self) -> Optional[Kind]: ...
    @property
    def api_version(self) -> Optional[ApiVersion]: ...
    def lint_str(self, name: str, text: str, *, klar: bool = False) -> Report: ...
    def lint_bytes(self, name: str, data: Union[bytes, bytearray, memoryview], *, klar: bool = False) -> Report: ...
    def lint_path(self, path: Union[str, PathLike[str]], *, klar: bool = False) -> Report: ...
    def lint_lines(self, name: str, lines: Iterable[Union[str, bytes]], *, klar: bool = False) -> Report: ...
